"""Broken: ``break`` after the first download leaves the slower ones running."""

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
    downloads = [download(mirror, seconds) for mirror, seconds in MIRRORS.items()]
    for next_done in asyncio.as_completed(downloads):
        print(f"got {await next_done}; main() returns")
        break  # the other two downloads go on, and nobody will stop them


if __name__ == "__main__":
    asyncio.run(main())
