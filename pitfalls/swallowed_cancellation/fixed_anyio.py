"""Fixed: the worker catches a bad job's error only; its cancellation ends it on time."""

import anyio


async def handle(job: int) -> None:
    await anyio.sleep(1)
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


async def main() -> None:
    with anyio.move_on_after(10):
        async with anyio.create_task_group() as group:
            for name in ("ann", "bob"):
                group.start_soon(worker, name)
    print("the shift is over and the workers have stopped")


if __name__ == "__main__":
    anyio.run(main)
