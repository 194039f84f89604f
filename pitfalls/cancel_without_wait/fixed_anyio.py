"""Fixed: the listener lives in a task group; cancelling its scope waits for the cleanup."""

import anyio

from pitfalls.props import Connection


async def listen() -> None:
    connection = Connection("chat server")
    try:
        while True:
            await anyio.sleep(1)  # wait for the next message
            print("message received")
    finally:
        with anyio.move_on_after(2, shield=True):  # else this await is cancelled too
            await anyio.sleep(1)  # say goodbye to the server
        connection.close()
        print("listener closed")


async def main() -> None:
    async with anyio.create_task_group() as group:
        group.start_soon(listen)
        await anyio.sleep(5)
        group.cancel_scope.cancel()  # the group waits for listen() to end
    print("main() returns")


if __name__ == "__main__":
    anyio.run(main)
