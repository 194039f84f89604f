"""Broken: a worker fails, its job is never marked done, and ``queue.join()`` waits forever."""

import asyncio

WORKERS = 2


async def handle(job: int) -> None:
    await asyncio.sleep(1)
    if job == 3:
        raise ValueError(f"job {job} is malformed")
    print(f"job {job} done")


async def worker(queue: asyncio.Queue[int]) -> None:
    while True:
        job = await queue.get()
        await handle(job)
        queue.task_done()


async def main() -> None:
    queue: asyncio.Queue[int] = asyncio.Queue()
    for job in range(1, 7):
        queue.put_nowait(job)
    workers = [asyncio.create_task(worker(queue)) for _ in range(WORKERS)]
    await queue.join()  # job 3 is never marked done
    for task in workers:
        task.cancel()
    print("all jobs done")


if __name__ == "__main__":
    asyncio.run(main())
