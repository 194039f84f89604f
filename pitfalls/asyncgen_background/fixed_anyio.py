"""Fixed: a context manager owns the feed task in a task group and stops it on the way out."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from itertools import count

import anyio
from anyio.abc import ObjectReceiveStream, ObjectSendStream

from pitfalls.props import Connection


async def poll_feed(send: ObjectSendStream[int]) -> None:
    connection = Connection("price feed")
    try:
        for price in count(1):  # an endless feed
            await anyio.sleep(1)
            await send.send(price)
    finally:
        connection.close()


@asynccontextmanager
async def prices() -> AsyncIterator[ObjectReceiveStream[int]]:
    send, receive = anyio.create_memory_object_stream[int]()
    with send, receive:  # closed once the group is done with them
        async with anyio.create_task_group() as group:
            group.start_soon(poll_feed, send)
            yield receive
            group.cancel_scope.cancel()  # the consumer is done: the group waits for the feed


async def main() -> None:
    async with prices() as stream:
        async for price in stream:
            print(f"price {price}")
            if price >= 3:
                break
    await anyio.sleep(5)  # main() goes on with other work; the feed is closed
    print("main() returns, the feed closed")


if __name__ == "__main__":
    anyio.run(main)
