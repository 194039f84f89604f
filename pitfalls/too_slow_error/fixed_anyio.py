"""Fixed: anyio's ``fail_after`` raises the builtin ``TimeoutError`` on every backend."""

import anyio


async def fetch_price() -> str:
    await anyio.sleep(10)  # the price service is slow today
    return "fresh price"


async def main() -> None:
    try:
        with anyio.fail_after(1):
            price = await fetch_price()
    except TimeoutError:  # on trio as well: anyio does not raise trio.TooSlowError
        price = "cached price"
        print("the price service is slow: using the cached price")
    print(f"showing the {price}")


if __name__ == "__main__":
    anyio.run(main)
