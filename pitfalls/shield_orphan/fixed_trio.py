"""Fixed: a shielded cancel scope runs the save to its end inside the handler."""

import trio

from pitfalls.props import Connection


async def save(order: str) -> None:
    connection = Connection("orders database")
    try:
        await trio.sleep(3)
        print(f"{order} saved")
    finally:
        connection.close()


async def handle(order: str) -> None:
    await trio.sleep(1)  # take the payment
    with trio.CancelScope(shield=True):  # the save must not be cut short
        await save(order)


async def main() -> None:
    with trio.move_on_after(2) as scope:  # the client hangs up
        await handle("order 42")
    if scope.cancel_called:
        print("main(): the client hung up")


if __name__ == "__main__":
    trio.run(main)
