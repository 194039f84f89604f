"""Broken: the first failure leaves ``gather``, the slow sibling keeps writing."""

import asyncio

from pitfalls.props import Connection


async def fail_soon() -> None:
    await asyncio.sleep(1)
    raise ValueError("the price feed is down")


async def write_report() -> None:
    connection = Connection("report database")
    try:
        await asyncio.sleep(10)
        print("report written, after main() gave up")
    finally:
        connection.close()


async def main() -> None:
    try:
        await asyncio.gather(fail_soon(), write_report())
    except ValueError as exc:
        print(f"main() gives up: {exc}")
        raise


if __name__ == "__main__":
    asyncio.run(main())
