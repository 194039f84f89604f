"""``asyncio.gather`` raises the first failure at once and leaves the other awaitables running.

When one child fails, ``gather`` hands its exception to the caller straight
away; the siblings are neither cancelled nor awaited.  The caller's ``try``
has moved on, but the siblings keep running as orphans: they hold their
connections, write their half-finished results, and any exception they raise
later is silently discarded, not even logged.  (``return_exceptions=True``
waits for every child but still cancels none: a failure cannot stop the
others early.)  ``asyncio.TaskGroup`` (3.11),
trio's nursery and anyio's task group cancel the siblings and wait for them
before the error leaves the block, and report every failure in an
``ExceptionGroup``.
"""

from ..symptoms import LEAKS_A_TASK

TITLE = "gather leaves orphans when a child fails"
SYMPTOM = LEAKS_A_TASK
RAISES = "ValueError"
UPSTREAM = "https://github.com/python/cpython/issues/75633"
RULE = None
CELLS = (
    ("siblings cancelled when one child fails", "asyncio.gather"),
    ("siblings cancelled when one child fails", "gather(return_exceptions=True)"),
    ("no task outlives the call", "asyncio.gather"),
    ("every failure reported", "asyncio.gather"),
)
