"""Fixed: ``trio.to_thread.run_sync`` waits for its thread, even after the deadline passes."""

import trio

from pitfalls.props import blocking_job


async def main() -> None:
    with trio.move_on_after(0.05) as scope:
        # By default (abandon_on_cancel=False) a cancellation waits for the thread.
        await trio.to_thread.run_sync(blocking_job, 0.2)  # a sync driver call, say
    if scope.cancel_called:
        print("timed out: main() moves on once the job's thread is done")


if __name__ == "__main__":
    trio.run(main)
