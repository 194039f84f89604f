"""``asyncio.as_completed`` owns none of the tasks it starts: leave the loop early and they run on.

``as_completed`` wraps each awaitable in a task and hands back results in
the order they finish, but nothing ties those tasks to the loop that reads
them.  ``break`` after the first answer, or let one failure raise out of
the loop, and the other tasks keep running unobserved: they hold their
connections, nobody cancels them, and an error they raise later is only
logged.  The fix is a block that owns the tasks and outlives the loop:
an ``asyncio.TaskGroup`` whose children put their results on a queue
(cancel the rest before leaving the block), a trio nursery with a memory
channel (``nursery.cancel_scope.cancel()``), and anyio's own
``anyio.as_completed``, a task group and a memory object stream that
cancels what is still running when its block is left.
"""

from ..symptoms import LEAKS_A_TASK

TITLE = "as_completed leaves the slower tasks running when you stop early"
SYMPTOM = LEAKS_A_TASK
RAISES = None
UPSTREAM = "https://github.com/python/cpython/issues/99933"
RULE = None
CELLS = (
    ("siblings cancelled when one child fails", "asyncio.as_completed"),
    ("every failure reported", "asyncio.as_completed"),
    ("no task outlives the call", "asyncio.as_completed"),
    ("leftovers cancelled when you stop consuming results", "asyncio.as_completed"),
)
