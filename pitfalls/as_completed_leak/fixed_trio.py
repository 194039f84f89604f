"""Fixed: a nursery owns the downloads; the first result cancels the rest, which it awaits."""

import math

import trio

from pitfalls.props import Connection

MIRRORS = {"mirror A": 1, "mirror B": 5, "mirror C": 10}


async def download(mirror: str, seconds: float) -> str:
    connection = Connection(mirror)
    try:
        await trio.sleep(seconds)
        return f"the file from {mirror}"
    finally:
        connection.close()


async def main() -> None:
    send_finished, finished = trio.open_memory_channel[str](math.inf)

    async def deliver(mirror: str, seconds: float) -> None:
        send_finished.send_nowait(await download(mirror, seconds))

    async with trio.open_nursery() as nursery:
        for mirror, seconds in MIRRORS.items():
            nursery.start_soon(deliver, mirror, seconds)
        print(f"got {await finished.receive()}; the other downloads are cancelled")
        nursery.cancel_scope.cancel()  # the nursery waits for them before main() goes on


if __name__ == "__main__":
    trio.run(main)
