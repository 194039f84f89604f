"""Broken: ``time.sleep`` in a coroutine stalls the event loop, and every task on it waits."""

import asyncio
import time


async def heartbeat(lateness: list[float]) -> None:
    """How late a 10 ms sleep wakes up while the request is handled."""
    started = time.monotonic()
    await asyncio.sleep(0.01)
    lateness.append(time.monotonic() - started - 0.01)


async def handle_request() -> None:
    time.sleep(0.05)  # a blocking call (a sync driver, a CPU-bound step) on the loop's thread


async def main() -> None:
    lateness: list[float] = []
    async with asyncio.TaskGroup() as group:
        group.create_task(heartbeat(lateness))
        group.create_task(handle_request())
    print(f"the heartbeat woke {lateness[0] * 1000:.0f} ms late")


if __name__ == "__main__":
    asyncio.run(main())
