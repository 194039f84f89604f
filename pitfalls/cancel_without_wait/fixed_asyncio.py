"""Fixed: the listener lives in a TaskGroup; cancelling it, the group waits for the cleanup."""

import asyncio

from pitfalls.props import Connection


async def listen() -> None:
    connection = Connection("chat server")
    try:
        while True:
            await asyncio.sleep(1)  # wait for the next message
            print("message received")
    finally:
        await asyncio.sleep(1)  # say goodbye to the server
        connection.close()
        print("listener closed")


async def main() -> None:
    async with asyncio.TaskGroup() as group:
        task = group.create_task(listen())
        await asyncio.sleep(5)
        task.cancel()  # the group waits for listen() to end, and raises what it raises
    print("main() returns")


if __name__ == "__main__":
    asyncio.run(main())
