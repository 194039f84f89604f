"""Fixed: a context manager runs the ``TaskGroup``; the consumer's block runs inside it."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from itertools import count


async def watch_feed() -> None:
    await asyncio.sleep(2.5)
    raise ValueError("the price feed is down")


async def produce(queue: asyncio.Queue[int]) -> None:
    for price in count(1):
        await asyncio.sleep(0.1)
        await queue.put(price)


@asynccontextmanager
async def prices() -> AsyncIterator[asyncio.Queue[int]]:
    queue: asyncio.Queue[int] = asyncio.Queue(maxsize=1)
    async with asyncio.TaskGroup() as group:
        group.create_task(watch_feed())
        producer = group.create_task(produce(queue))
        yield queue  # safe in a context manager: the caller's block is in the task group
        producer.cancel()


async def save(price: int) -> None:
    await asyncio.sleep(1)  # the group's cancellation lands here, and goes back to the group
    print(f"saved price {price}")


async def main() -> None:
    async with prices() as queue:
        while True:
            await save(await queue.get())


if __name__ == "__main__":
    asyncio.run(main())
