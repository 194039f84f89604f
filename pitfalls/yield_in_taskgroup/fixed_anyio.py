"""Fixed: a context manager runs the task group; the consumer's block runs inside it."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from itertools import count

import anyio
from anyio.abc import ObjectReceiveStream, ObjectSendStream


async def watch_feed() -> None:
    await anyio.sleep(2.5)
    raise ValueError("the price feed is down")


async def produce(send: ObjectSendStream[int]) -> None:
    for price in count(1):
        await anyio.sleep(0.1)
        await send.send(price)


@asynccontextmanager
async def prices() -> AsyncIterator[ObjectReceiveStream[int]]:
    send, receive = anyio.create_memory_object_stream[int]()
    with send, receive:  # closed once the group is done with them
        async with anyio.create_task_group() as group:
            group.start_soon(watch_feed)
            group.start_soon(produce, send)
            yield receive  # safe in a context manager: the caller's block is in the group
            group.cancel_scope.cancel()


async def save(price: int) -> None:
    await anyio.sleep(1)  # the group's cancellation lands here, and goes back to the group
    print(f"saved price {price}")


async def main() -> None:
    async with prices() as stream:
        async for price in stream:
            await save(price)


if __name__ == "__main__":
    anyio.run(main)
