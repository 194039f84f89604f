"""Fixed: the cleanup runs shielded, so the cancelled scope cannot replace the error."""

import anyio.lowlevel

from pitfalls.props import Connection


async def upload(connection: Connection) -> None:
    try:
        await anyio.sleep(10)  # the deadline interrupts the upload
    finally:
        # Tidying up after the interruption fails: the error this program is about.
        raise ValueError(f"{connection} kept a half-written file")


async def close(connection: Connection) -> None:
    connection.close()
    await anyio.lowlevel.checkpoint()  # as every anyio aclose() is: raises if cancelled


async def main() -> None:
    with anyio.move_on_after(1):
        connection = Connection("file server")
        try:
            await upload(connection)
        finally:
            # Shielded from the expired deadline, with a limit of its own for a hung close.
            with anyio.move_on_after(5, shield=True):
                await close(connection)
    print("not reached: the ValueError leaves main()")


if __name__ == "__main__":
    anyio.run(main)
