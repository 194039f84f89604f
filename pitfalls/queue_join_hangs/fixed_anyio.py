"""Fixed: a task group owns the workers, and closing the stream says there are no more jobs."""

import anyio
from anyio.streams.memory import MemoryObjectReceiveStream

WORKERS = 2


async def handle(job: int) -> None:
    await anyio.sleep(1)
    if job == 3:
        raise ValueError(f"job {job} is malformed")
    print(f"job {job} done")


async def worker(jobs: MemoryObjectReceiveStream[int]) -> None:
    async with jobs:
        async for job in jobs:
            await handle(job)


async def main() -> None:
    send_jobs, jobs = anyio.create_memory_object_stream[int]()
    try:
        async with anyio.create_task_group() as group, send_jobs, jobs:
            for _ in range(WORKERS):
                group.start_soon(worker, jobs.clone())
            for job in range(1, 7):
                await send_jobs.send(job)
            # Closing send_jobs here ends each worker's loop once the jobs are taken.
    except* ValueError as failed:
        print(f"main() hears of it: {failed.exceptions}")
        raise
    print("all jobs done")


if __name__ == "__main__":
    anyio.run(main)
