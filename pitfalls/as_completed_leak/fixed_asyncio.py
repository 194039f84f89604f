"""Fixed: a ``TaskGroup`` owns the downloads; the first result cancels the rest, which it awaits."""

import asyncio

from pitfalls.props import Connection

MIRRORS = {"mirror A": 1, "mirror B": 5, "mirror C": 10}


async def download(mirror: str, seconds: float) -> str:
    connection = Connection(mirror)
    try:
        await asyncio.sleep(seconds)
        return f"the file from {mirror}"
    finally:
        connection.close()


async def main() -> None:
    finished: asyncio.Queue[str] = asyncio.Queue()

    async def deliver(mirror: str, seconds: float) -> None:
        finished.put_nowait(await download(mirror, seconds))

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(deliver(mirror, seconds)) for mirror, seconds in MIRRORS.items()]
        print(f"got {await finished.get()}; the other downloads are cancelled")
        for task in tasks:
            task.cancel()  # the group waits for them before main() goes on


if __name__ == "__main__":
    asyncio.run(main())
