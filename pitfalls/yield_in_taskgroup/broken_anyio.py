"""Broken: the watcher's failure cancels the consumer's code, then comes out with GeneratorExit."""

from collections.abc import AsyncGenerator
from contextlib import aclosing
from itertools import count

import anyio


async def watch_feed() -> None:
    await anyio.sleep(2.5)
    raise ValueError("the price feed is down")


async def prices() -> AsyncGenerator[int, None]:
    async with anyio.create_task_group() as group:
        group.start_soon(watch_feed)
        for price in count(1):
            await anyio.sleep(0.1)
            yield price  # the group's cancel scope stays in force over the consumer's code


async def save(price: int) -> None:
    await anyio.sleep(1)  # the group's cancellation lands here, outside the group
    print(f"saved price {price}")


async def main() -> None:
    async with aclosing(prices()) as stream:  # closed on the way out, as contextlib's docs advise
        async for price in stream:
            await save(price)


if __name__ == "__main__":
    anyio.run(main)
