"""Fixed: the listener lives in a nursery; cancelling its scope waits for the cleanup."""

import trio

from pitfalls.props import Connection


async def listen() -> None:
    connection = Connection("chat server")
    try:
        while True:
            await trio.sleep(1)  # wait for the next message
            print("message received")
    finally:
        with trio.move_on_after(2, shield=True):  # else this await is cancelled too
            await trio.sleep(1)  # say goodbye to the server
        connection.close()
        print("listener closed")


async def main() -> None:
    async with trio.open_nursery() as nursery:
        nursery.start_soon(listen)
        await trio.sleep(5)
        nursery.cancel_scope.cancel()  # the nursery waits for listen() to end
    print("main() returns")


if __name__ == "__main__":
    trio.run(main)
