"""``asyncio.shield`` protects the work, not the caller: cancelled, the caller leaves at once.

``await asyncio.shield(save())`` keeps a cancellation from reaching
``save()``, but the caller's ``await`` is cancelled all the same: it
raises straight away, and ``save()`` runs on in a task that nobody owns or
waits for.  The request handler has returned while the order is still
being written, the database connection is still open, and if the save
fails, its error has nowhere to go.  In asyncio the fix is to run the
save in a task and wait for it to end while holding the caller's
cancellation back, then re-raise that cancellation.  trio and anyio have
it built in: a ``CancelScope(shield=True)`` around the save runs it to its
end inside the caller, which then sees the cancellation at its next await.
"""

from ..symptoms import LEAKS_A_TASK

TITLE = "shield lets the caller leave while the shielded work runs on"
SYMPTOM = LEAKS_A_TASK
RAISES = None
UPSTREAM = "https://github.com/python/cpython/issues/99714"
RULE = None
CELLS = (
    ("caller cancellation reaches the children", "asyncio.shield"),
    ("no task outlives the call", "asyncio.shield"),
    ("shielded cleanup runs to its end before the call returns", "asyncio.shield"),
)
