"""Fixed: the worker catches a bad job's error only; its cancellation ends it on time."""

import trio


async def handle(job: int) -> None:
    await trio.sleep(1)
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
    with trio.move_on_after(10):
        async with trio.open_nursery() as nursery:
            for name in ("ann", "bob"):
                nursery.start_soon(worker, name)
    print("the shift is over and the workers have stopped")


if __name__ == "__main__":
    trio.run(main)
