"""Fixed: a context manager owns the feed task in a ``TaskGroup`` and stops it on the way out."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from itertools import count

from pitfalls.props import Connection


async def poll_feed(queue: asyncio.Queue[int]) -> None:
    connection = Connection("price feed")
    try:
        for price in count(1):  # an endless feed
            await asyncio.sleep(1)
            await queue.put(price)
    finally:
        connection.close()


@asynccontextmanager
async def prices() -> AsyncIterator[asyncio.Queue[int]]:
    queue: asyncio.Queue[int] = asyncio.Queue(maxsize=1)
    async with asyncio.TaskGroup() as group:
        feed = group.create_task(poll_feed(queue))
        yield queue
        feed.cancel()  # the consumer is done: the group waits for the feed to stop


async def main() -> None:
    async with prices() as queue:
        while True:
            price = await queue.get()
            print(f"price {price}")
            if price >= 3:
                break
    await asyncio.sleep(5)  # main() goes on with other work; the feed is closed
    print("main() returns, the feed closed")


if __name__ == "__main__":
    asyncio.run(main())
