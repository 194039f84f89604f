"""Fixed: ``trio.as_safe_channel`` runs the generator in a task of its own and stops it."""

from collections.abc import AsyncGenerator
from itertools import count

import trio

from pitfalls.props import Connection


@trio.as_safe_channel
async def prices() -> AsyncGenerator[int, None]:
    connection = Connection("price feed")
    try:
        for price in count(1):  # an endless feed, polled in the channel's own task
            await trio.sleep(1)
            yield price
    finally:
        connection.close()


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
