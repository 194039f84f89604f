"""A cancelled ``asyncio.to_thread`` returns at once and leaves its thread running the job.

A thread cannot be interrupted.  When a timeout cancels ``await
asyncio.to_thread(job)``, asyncio stops waiting for the thread's future
straight away: the caller moves on (closes the connection the job uses,
retries, starts the next job) while the job still runs in its thread,
with nobody left to collect its result or its error.  Retries then pile
threads up.  trio's and anyio's ``to_thread.run_sync`` wait for the thread
by default (``abandon_on_cancel=False``): the cancellation takes effect
once the job is done.  In asyncio, run the job in the executor and wait for
its future while holding the cancellation back, then re-raise it, which
``asyncio.timeout`` turns into ``TimeoutError``.
"""

from ..symptoms import LEAVES_SOMETHING_OPEN

TITLE = "a cancelled asyncio.to_thread leaves its thread running"
SYMPTOM = LEAVES_SOMETHING_OPEN
RAISES = None
UPSTREAM = "https://github.com/python/cpython/issues/107505"
RULE = None
CELLS = ()
REAL_TIME = True
