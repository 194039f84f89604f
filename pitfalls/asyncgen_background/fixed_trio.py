"""Fixed: ``trio.as_safe_channel`` runs the generator in a task of its own and stops it."""

from collections.abc import AsyncGenerator
from itertools import count

import trio

from pitfalls.props import Connection


async def poll_feed(send: trio.MemorySendChannel[int]) -> None:
    connection = Connection("price feed")
    try:
        for price in count(1):  # an endless feed
            await trio.sleep(1)
            await send.send(price)
    finally:
        connection.close()


@trio.as_safe_channel
async def prices() -> AsyncGenerator[int, None]:
    send, receive = trio.open_memory_channel[int](0)
    with send, receive:  # closed once the nursery is done with them
        async with trio.open_nursery() as nursery:  # safe: the generator has a task of its own
            nursery.start_soon(poll_feed, send)
            async for price in receive:
                yield price


async def main() -> None:
    async with prices() as stream:
        async for price in stream:
            print(f"price {price}")
            if price >= 3:
                break
    await trio.sleep(5)  # main() goes on with other work; the feed is closed
    print("main() returns, the feed closed")


if __name__ == "__main__":
    trio.run(main)
