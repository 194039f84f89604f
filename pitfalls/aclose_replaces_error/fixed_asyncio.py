"""Fixed: asyncio cancels once, so the cleanup's await runs and the error leaves the timeout."""

import asyncio

from pitfalls.props import Connection


async def upload(connection: Connection) -> None:
    try:
        await asyncio.sleep(10)  # the deadline interrupts the upload
    finally:
        # Tidying up after the interruption fails: the error this program is about.
        raise ValueError(f"{connection} kept a half-written file")


async def close(connection: Connection) -> None:
    connection.close()
    await asyncio.sleep(0)  # no CancelledError: the timeout cancelled the task once, already


async def main() -> None:
    async with asyncio.timeout(1):
        connection = Connection("file server")
        try:
            await upload(connection)
        finally:
            await close(connection)
    print("not reached: the ValueError leaves main()")


if __name__ == "__main__":
    asyncio.run(main())
