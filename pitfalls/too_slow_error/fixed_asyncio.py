"""Fixed: ``asyncio.timeout`` raises the builtin ``TimeoutError``, so the fallback runs."""

import asyncio


async def fetch_price() -> str:
    await asyncio.sleep(10)  # the price service is slow today
    return "fresh price"


async def main() -> None:
    try:
        async with asyncio.timeout(1):
            price = await fetch_price()
    except TimeoutError:
        price = "cached price"
        print("the price service is slow: using the cached price")
    print(f"showing the {price}")


if __name__ == "__main__":
    asyncio.run(main())
