"""Fixed: the email's task belongs to a nursery, which raises its failure."""

import trio


async def send_welcome_email(user: str) -> None:
    await trio.sleep(1)
    raise ConnectionError(f"the mail server refused the email to {user}")


async def sign_up(nursery: trio.Nursery, user: str) -> None:
    await trio.sleep(0.5)  # store the new user
    print(f"{user} signed up")
    nursery.start_soon(send_welcome_email, user)  # the nursery waits for it


async def main() -> None:
    try:
        async with trio.open_nursery() as nursery:
            await sign_up(nursery, "ada")
            await trio.sleep(2)  # serving other requests meanwhile
    except* ConnectionError as failed:
        print(f"main() hears of it: {failed.exceptions}")
        raise


if __name__ == "__main__":
    trio.run(main)
