"""Fixed: the email's task belongs to a task group, which raises its failure."""

import anyio
from anyio.abc import TaskGroup


async def send_welcome_email(user: str) -> None:
    await anyio.sleep(1)
    raise ConnectionError(f"the mail server refused the email to {user}")


async def sign_up(group: TaskGroup, user: str) -> None:
    await anyio.sleep(0.5)  # store the new user
    print(f"{user} signed up")
    group.start_soon(send_welcome_email, user)  # the group waits for it


async def main() -> None:
    try:
        async with anyio.create_task_group() as group:
            await sign_up(group, "ada")
            await anyio.sleep(2)  # serving other requests meanwhile
    except* ConnectionError as failed:
        print(f"main() hears of it: {failed.exceptions}")
        raise


if __name__ == "__main__":
    anyio.run(main)
