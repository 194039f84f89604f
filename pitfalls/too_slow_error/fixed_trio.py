"""Fixed: trio's timeout is ``trio.TooSlowError``; catch that one."""

import trio


async def fetch_price() -> str:
    await trio.sleep(10)  # the price service is slow today
    return "fresh price"


async def main() -> None:
    try:
        with trio.fail_after(1):
            price = await fetch_price()
    except trio.TooSlowError:  # or trio.move_on_after(1) and its scope.cancelled_caught
        price = "cached price"
        print("the price service is slow: using the cached price")
    print(f"showing the {price}")


if __name__ == "__main__":
    trio.run(main)
