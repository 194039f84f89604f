"""Fixed: cancelled, the call waits for its thread to finish, then lets the cancellation through."""

import asyncio
from collections.abc import Callable
from typing import TypeVar

from pitfalls.props import blocking_job

T = TypeVar("T")


async def to_thread_waiting(fn: Callable[..., T], *args: object) -> T:
    """``asyncio.to_thread``, except that a cancellation waits for the thread first."""
    job = asyncio.get_running_loop().run_in_executor(None, fn, *args)
    cancelled = False
    while not job.done():
        try:
            await asyncio.wait([job])  # unlike `await job`, a cancellation leaves the job be
        except asyncio.CancelledError:  # noqa: ASYNC103 (held back; raised below)
            cancelled = True  # held back until the thread is done
    if cancelled and job.exception() is None:
        raise asyncio.CancelledError
    return job.result()  # if the job failed, its error comes out, as from trio's and anyio's


async def main() -> None:
    try:
        async with asyncio.timeout(0.05):
            await to_thread_waiting(blocking_job, 0.2)  # a sync driver call, say
    except TimeoutError:
        print("timed out: main() moves on once the job's thread is done")


if __name__ == "__main__":
    asyncio.run(main())
