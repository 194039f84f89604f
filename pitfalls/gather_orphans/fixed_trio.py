"""Fixed: a nursery cancels the sibling and waits for it before the error leaves."""

import trio

from pitfalls.props import Connection


async def fail_soon() -> None:
    await trio.sleep(1)
    raise ValueError("the price feed is down")


async def write_report() -> None:
    connection = Connection("report database")
    try:
        await trio.sleep(10)
        print("report written")
    finally:
        connection.close()


async def main() -> None:
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(fail_soon)
            nursery.start_soon(write_report)
    except* ValueError as failed:
        print(f"main() gives up: {failed.exceptions}")
        raise


if __name__ == "__main__":
    trio.run(main)
