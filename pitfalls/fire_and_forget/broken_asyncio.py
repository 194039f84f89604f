"""Broken: nobody keeps or awaits the email's task; its failure is only logged."""

import asyncio


async def send_welcome_email(user: str) -> None:
    await asyncio.sleep(1)
    raise ConnectionError(f"the mail server refused the email to {user}")


async def sign_up(user: str) -> None:
    await asyncio.sleep(0.5)  # store the new user
    print(f"{user} signed up")
    asyncio.create_task(send_welcome_email(user))  # fire and forget


async def main() -> None:
    await sign_up("ada")
    await asyncio.sleep(2)  # serving other requests meanwhile
    print("main() returns, as if the email had gone out")


if __name__ == "__main__":
    asyncio.run(main())
