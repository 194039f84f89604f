"""Fixed: the blocking call runs in a worker thread; trio goes on serving other tasks."""

import time

import trio


async def heartbeat(lateness: list[float]) -> None:
    """How late a 10 ms sleep wakes up while the request is handled."""
    started = time.monotonic()
    await trio.sleep(0.01)
    lateness.append(time.monotonic() - started - 0.01)


async def handle_request() -> None:
    await trio.to_thread.run_sync(time.sleep, 0.05)  # the blocking call, off trio's thread


async def main() -> None:
    lateness: list[float] = []
    async with trio.open_nursery() as nursery:
        nursery.start_soon(heartbeat, lateness)
        nursery.start_soon(handle_request)
    print(f"the heartbeat woke {lateness[0] * 1000:.0f} ms late")


if __name__ == "__main__":
    trio.run(main)
