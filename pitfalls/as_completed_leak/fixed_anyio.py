"""Fixed: ``anyio.as_completed`` owns the downloads; leaving it cancels the rest and awaits them."""

import anyio

from pitfalls.props import Connection

MIRRORS = {"mirror A": 1, "mirror B": 5, "mirror C": 10}


async def download(mirror: str, seconds: float) -> str:
    connection = Connection(mirror)
    try:
        await anyio.sleep(seconds)
        return f"the file from {mirror}"
    finally:
        connection.close()


async def main() -> None:
    downloads = [download(mirror, seconds) for mirror, seconds in MIRRORS.items()]
    async with anyio.as_completed(*downloads) as finished:
        async for next_done in finished:
            print(f"got {next_done.return_value}; the other downloads are cancelled")
            break  # leaving the block cancels them, and waits for them


if __name__ == "__main__":
    anyio.run(main)
