"""A worker that swallows its own cancellation leaves its group and timeout waiting forever.

A worker loop that must survive a bad job is easily taught to survive its
cancellation too: ``except asyncio.CancelledError: continue``, or an
``except BaseException`` or bare ``except:`` that catches it by accident.
``asyncio.timeout`` and ``asyncio.TaskGroup`` are built on cancellation:
when the shift's timeout fires, the group cancels the worker and waits for
it to end, but the worker takes the next job, so the group never finishes
and the timeout never raises.  The fix is to catch only the errors a job
raises (``except ValueError``, or ``except Exception``: cancellation is a
``BaseException`` in all three frameworks), or to re-raise a caught
cancellation.  trio and anyio cancel level-triggered: there a swallowed
``Cancelled`` comes back at the next await, and the loop spins instead.
"""

from ..symptoms import HANGS

TITLE = "a worker that swallows its cancellation never lets the group end"
SYMPTOM = HANGS
RAISES = None
UPSTREAM = "https://docs.python.org/3/library/asyncio-task.html#task-cancellation"
RULE = "ASYNC103"
CELLS = ()
