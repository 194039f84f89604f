"""Broken: the watcher's failure cancels the consumer's code, then comes out with GeneratorExit."""

import asyncio
from collections.abc import AsyncGenerator
from contextlib import aclosing
from itertools import count


async def watch_feed() -> None:
    await asyncio.sleep(2.5)
    raise ValueError("the price feed is down")


async def prices() -> AsyncGenerator[int, None]:
    async with asyncio.TaskGroup() as group:
        group.create_task(watch_feed())
        for price in count(1):
            await asyncio.sleep(0.1)
            yield price  # a failure cancels this task, even while it runs the consumer's code


async def save(price: int) -> None:
    await asyncio.sleep(1)  # the group's cancellation lands here, outside the group
    print(f"saved price {price}")


async def main() -> None:
    async with aclosing(prices()) as stream:  # closed on the way out, as contextlib's docs advise
        async for price in stream:
            await save(price)


if __name__ == "__main__":
    asyncio.run(main())
