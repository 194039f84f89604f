"""Broken: the consumer stops early, and the generator's feed task keeps polling."""

import asyncio
from collections.abc import AsyncIterator
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


async def prices() -> AsyncIterator[int]:
    queue: asyncio.Queue[int] = asyncio.Queue(maxsize=1)
    feed = asyncio.create_task(poll_feed(queue))
    # Nothing here learns that the consumer stopped: a try/finally around the loop
    # would run only when the generator is closed, and a break does not close it.
    while not feed.done():
        yield await queue.get()


async def main() -> None:
    async for price in prices():
        print(f"price {price}")
        if price >= 3:
            break
    await asyncio.sleep(5)  # main() goes on with other work; the feed polls on
    print("main() returns with the feed still open")


if __name__ == "__main__":
    asyncio.run(main())
