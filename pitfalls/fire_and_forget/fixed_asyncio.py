"""Fixed: the email's task belongs to a ``TaskGroup``, which raises its failure."""

import asyncio


async def send_welcome_email(user: str) -> None:
    await asyncio.sleep(1)
    raise ConnectionError(f"the mail server refused the email to {user}")


async def sign_up(group: asyncio.TaskGroup, user: str) -> None:
    await asyncio.sleep(0.5)  # store the new user
    print(f"{user} signed up")
    group.create_task(send_welcome_email(user))  # the group waits for it


async def main() -> None:
    try:
        async with asyncio.TaskGroup() as group:
            await sign_up(group, "ada")
            await asyncio.sleep(2)  # serving other requests meanwhile
    except* ConnectionError as failed:
        print(f"main() hears of it: {failed.exceptions}")
        raise


if __name__ == "__main__":
    asyncio.run(main())
