"""Broken: the worker swallows its own cancellation; the group and its timeout wait forever."""

import asyncio


async def handle(job: int) -> None:
    await asyncio.sleep(1)
    if job == 3:
        raise ValueError(f"job {job} is malformed")


async def worker(name: str) -> None:
    job = 0
    while True:
        job += 1
        try:
            await handle(job)
        except ValueError as exc:
            print(f"{name}: job {job} failed ({exc!r}); on to the next")
        except asyncio.CancelledError:  # meant: a job cut short must not stop the worker
            print(f"{name}: job {job} was cancelled; on to the next")


async def main() -> None:
    try:
        async with asyncio.timeout(10):
            async with asyncio.TaskGroup() as group:
                for name in ("ann", "bob"):
                    group.create_task(worker(name))
    except TimeoutError:
        print("the shift is over and the workers have stopped")


if __name__ == "__main__":
    asyncio.run(main())
