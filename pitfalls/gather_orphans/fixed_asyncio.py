"""Fixed: a ``TaskGroup`` cancels the sibling and waits for it before the error leaves."""

import asyncio

from pitfalls.props import Connection


async def fail_soon() -> None:
    await asyncio.sleep(1)
    raise ValueError("the price feed is down")


async def write_report() -> None:
    connection = Connection("report database")
    try:
        await asyncio.sleep(10)
        print("report written")
    finally:
        connection.close()


async def main() -> None:
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(fail_soon())
            group.create_task(write_report())
    except* ValueError as failed:
        print(f"main() gives up: {failed.exceptions}")
        raise


if __name__ == "__main__":
    asyncio.run(main())
