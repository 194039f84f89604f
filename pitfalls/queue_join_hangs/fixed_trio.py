"""Fixed: a nursery owns the workers, and closing the channel says there are no more jobs."""

import trio

WORKERS = 2


async def handle(job: int) -> None:
    await trio.sleep(1)
    if job == 3:
        raise ValueError(f"job {job} is malformed")
    print(f"job {job} done")


async def worker(jobs: trio.MemoryReceiveChannel[int]) -> None:
    async with jobs:
        async for job in jobs:
            await handle(job)


async def main() -> None:
    send_jobs, jobs = trio.open_memory_channel[int](0)
    try:
        async with trio.open_nursery() as nursery, send_jobs, jobs:
            for _ in range(WORKERS):
                nursery.start_soon(worker, jobs.clone())
            for job in range(1, 7):
                await send_jobs.send(job)
            # Closing send_jobs here ends each worker's loop once the jobs are taken.
    except* ValueError as failed:
        print(f"main() hears of it: {failed.exceptions}")
        raise
    print("all jobs done")


if __name__ == "__main__":
    trio.run(main)
