"""Fixed: a context manager runs the nursery; the consumer's block runs inside it."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from itertools import count

import trio


async def watch_feed() -> None:
    await trio.sleep(2.5)
    raise ValueError("the price feed is down")


async def produce(send: trio.MemorySendChannel[int]) -> None:
    for price in count(1):
        await trio.sleep(0.1)
        await send.send(price)


@asynccontextmanager
async def prices() -> AsyncIterator[trio.MemoryReceiveChannel[int]]:
    send, receive = trio.open_memory_channel[int](0)
    with send, receive:  # closed once the nursery is done with them
        async with trio.open_nursery() as nursery:
            nursery.start_soon(watch_feed)
            nursery.start_soon(produce, send)
            yield receive  # safe in a context manager: the caller's block is in the nursery
            nursery.cancel_scope.cancel()


async def save(price: int) -> None:
    await trio.sleep(1)  # the nursery's Cancelled lands here, and goes back to the nursery
    print(f"saved price {price}")


async def main() -> None:
    async with prices() as stream:
        async for price in stream:
            await save(price)


if __name__ == "__main__":
    trio.run(main)
