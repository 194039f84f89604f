"""Fixed: the blocking call runs in a worker thread; the loop goes on serving other tasks."""

import asyncio
import time


async def heartbeat(lateness: list[float]) -> None:
    """How late a 10 ms sleep wakes up while the request is handled."""
    started = time.monotonic()
    await asyncio.sleep(0.01)
    lateness.append(time.monotonic() - started - 0.01)


async def handle_request() -> None:
    await asyncio.to_thread(time.sleep, 0.05)  # the blocking call, off the loop's thread


async def main() -> None:
    lateness: list[float] = []
    async with asyncio.TaskGroup() as group:
        group.create_task(heartbeat(lateness))
        group.create_task(handle_request())
    print(f"the heartbeat woke {lateness[0] * 1000:.0f} ms late")


if __name__ == "__main__":
    asyncio.run(main())
