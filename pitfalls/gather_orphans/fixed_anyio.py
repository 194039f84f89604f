"""Fixed: a task group cancels the sibling and waits for it before the error leaves."""

import anyio

from pitfalls.props import Connection


async def fail_soon() -> None:
    await anyio.sleep(1)
    raise ValueError("the price feed is down")


async def write_report() -> None:
    connection = Connection("report database")
    try:
        await anyio.sleep(10)
        print("report written")
    finally:
        connection.close()


async def main() -> None:
    try:
        async with anyio.create_task_group() as group:
            group.start_soon(fail_soon)
            group.start_soon(write_report)
    except* ValueError as failed:
        print(f"main() gives up: {failed.exceptions}")
        raise


if __name__ == "__main__":
    anyio.run(main)
