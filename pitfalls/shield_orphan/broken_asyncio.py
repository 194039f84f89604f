"""Broken: cancelled in ``asyncio.shield(save())``, the handler leaves at once; the save runs on."""

import asyncio

from pitfalls.props import Connection


async def save(order: str) -> None:
    connection = Connection("orders database")
    try:
        await asyncio.sleep(3)
        print(f"{order} saved")
    finally:
        connection.close()


async def handle(order: str) -> None:
    await asyncio.sleep(1)  # take the payment
    await asyncio.shield(save(order))  # the save must not be cut short


async def main() -> None:
    try:
        async with asyncio.timeout(2):  # the client hangs up
            await handle("order 42")
    except TimeoutError:
        print("main(): the client hung up")


if __name__ == "__main__":
    asyncio.run(main())
