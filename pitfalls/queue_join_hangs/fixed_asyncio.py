"""Fixed: a ``TaskGroup`` owns the workers; one sentinel per worker says there are no more jobs."""

import asyncio

WORKERS = 2


async def handle(job: int) -> None:
    await asyncio.sleep(1)
    if job == 3:
        raise ValueError(f"job {job} is malformed")
    print(f"job {job} done")


async def worker(queue: asyncio.Queue[int | None]) -> None:
    while (job := await queue.get()) is not None:
        await handle(job)


async def main() -> None:
    queue: asyncio.Queue[int | None] = asyncio.Queue()
    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(WORKERS):
                group.create_task(worker(queue))
            for job in range(1, 7):
                queue.put_nowait(job)
            for _ in range(WORKERS):
                queue.put_nowait(None)  # no more jobs: one sentinel per worker
    except* ValueError as failed:
        print(f"main() hears of it: {failed.exceptions}")
        raise
    print("all jobs done")


if __name__ == "__main__":
    asyncio.run(main())
