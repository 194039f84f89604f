"""Fixed: ``main()`` cancels the listener, then waits until its cleanup is over."""

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
    task = asyncio.create_task(listen())
    await asyncio.sleep(5)
    task.cancel()
    # Not `await task`: its CancelledError would look like main()'s own.
    await asyncio.wait([task])
    print("main() returns")


if __name__ == "__main__":
    asyncio.run(main())
