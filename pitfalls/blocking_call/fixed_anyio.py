"""Fixed: the blocking call runs in a worker thread; the loop goes on serving other tasks."""

import time

import anyio


async def heartbeat(lateness: list[float]) -> None:
    """How late a 10 ms sleep wakes up while the request is handled."""
    started = time.monotonic()
    await anyio.sleep(0.01)
    lateness.append(time.monotonic() - started - 0.01)


async def handle_request() -> None:
    await anyio.to_thread.run_sync(time.sleep, 0.05)  # the blocking call, off the loop's thread


async def main() -> None:
    lateness: list[float] = []
    async with anyio.create_task_group() as group:
        group.start_soon(heartbeat, lateness)
        group.start_soon(handle_request)
    print(f"the heartbeat woke {lateness[0] * 1000:.0f} ms late")


if __name__ == "__main__":
    anyio.run(main)
