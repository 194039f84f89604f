"""Fixed: the handler waits for the save's task, holding its own cancellation back until then."""

import asyncio

from pitfalls.props import Connection


async def save(order: str) -> None:
    connection = Connection("orders database")
    try:
        await asyncio.sleep(3)
        print(f"{order} saved")
    finally:
        connection.close()


async def shielded(task: asyncio.Task[None]) -> None:
    """Wait for ``task`` to end even if cancelled meanwhile, then re-raise that cancellation.

    If the task failed, its error comes out instead, as from trio's shielded scope.
    """
    cancelled = False
    while not task.done():
        try:
            await asyncio.wait([task])  # cancelled, this raises but leaves the task alone
        except asyncio.CancelledError:  # noqa: ASYNC103 (held back; raised below)
            cancelled = True
    if cancelled and task.exception() is None:
        raise asyncio.CancelledError
    task.result()


async def handle(order: str) -> None:
    await asyncio.sleep(1)  # take the payment
    # A task of its own, which the handler's cancellation cannot reach.
    await shielded(asyncio.create_task(save(order)))  # the save must not be cut short


async def main() -> None:
    try:
        async with asyncio.timeout(2):  # the client hangs up
            await handle("order 42")
    except TimeoutError:
        print("main(): the client hung up")


if __name__ == "__main__":
    asyncio.run(main())
