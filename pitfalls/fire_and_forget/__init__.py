"""A task started with ``asyncio.create_task`` and never awaited fails where nobody hears it.

``create_task`` returns at once, and the caller that drops the returned
task has no way left to see how it ended: if it raises, the error sits in
the task until the task is garbage-collected, and then asyncio only logs
"Task exception was never retrieved".  The program carries on as if the
email had gone out.  (The event loop holds tasks only weakly, so a task
nobody references may even be collected before it finishes; keeping a
reference in a set, as the upstream issue advises, prevents that but still
loses the error.)  The fix is
an owner that outlives the task: the caller passes in an
``asyncio.TaskGroup``, a trio nursery or an anyio task group, which waits
for the task and raises its failure, in an ``ExceptionGroup``, out of its
``async with``.  Where a failed email must not stop the rest, catch and
log it inside the task: the owner still waits for it.
"""

from ..symptoms import LOSES_AN_ERROR

TITLE = "a fire-and-forget task's error is only logged"
SYMPTOM = LOSES_AN_ERROR
RAISES = "ConnectionError"
UPSTREAM = "https://github.com/python/cpython/issues/91887"
RULE = "ASYNC300"
CELLS = ()
