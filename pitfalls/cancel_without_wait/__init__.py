"""``task.cancel()`` only asks: return right after it and the task's cleanup is still to come.

Cancelling an asyncio task schedules a ``CancelledError`` to be thrown into
it at its next turn; ``cancel()`` itself returns at once.  A caller that
moves on straight away races the task's ``finally`` block: here the
listener still has a goodbye to send and its connection to close when
``main()`` returns, so the connection is left open and the task runs on
unowned.  In asyncio the fix is to wait for the task after cancelling it:
``await asyncio.wait([task])``, which, unlike ``await task``, does not
raise a ``CancelledError`` that looks like the caller's own.  In trio and
anyio the task lives in a nursery or task group: cancelling its cancel
scope and leaving the block waits for the cleanup, whose awaits need a
shielded scope there because cancellation is level-triggered.
"""

from ..symptoms import LEAVES_SOMETHING_OPEN

TITLE = "cancel() returns before the task has cleaned up"
SYMPTOM = LEAVES_SOMETHING_OPEN
RAISES = None
UPSTREAM = "https://github.com/python/cpython/issues/103486"
RULE = None
CELLS = ()
