"""Broken: ``trio.fail_after`` raises ``TooSlowError``; the ``TimeoutError`` fallback never runs."""

import trio


async def fetch_price() -> str:
    await trio.sleep(10)  # the price service is slow today
    return "fresh price"


async def main() -> None:
    try:
        with trio.fail_after(1):
            price = await fetch_price()
    except TimeoutError:  # what asyncio and anyio raise; trio.TooSlowError is not one
        price = "cached price"
        print("the price service is slow: using the cached price")
    print(f"showing the {price}")


if __name__ == "__main__":
    trio.run(main)
