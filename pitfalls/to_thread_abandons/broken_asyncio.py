"""Broken: the timeout cancels ``asyncio.to_thread``, which returns at once; its thread runs on."""

import asyncio

from pitfalls.props import blocking_job


async def main() -> None:
    try:
        async with asyncio.timeout(0.05):
            await asyncio.to_thread(blocking_job, 0.2)  # a sync driver call, say
    except TimeoutError:
        print("timed out: main() moves on while the job still runs in its thread")


if __name__ == "__main__":
    asyncio.run(main())
