"""A worker that fails never calls ``task_done()``, so ``queue.join()`` waits for it forever.

The textbook asyncio pool puts the jobs on an ``asyncio.Queue``, starts
worker tasks that call ``task_done()`` after each job, and awaits
``queue.join()``.  ``join()`` counts jobs, not workers: when a worker
raises, its job is never marked done, nobody is told, and ``join()`` (and
the program) waits forever while the error sits in a task nobody awaits.
Calling ``task_done()`` in a ``finally`` only turns the hang into a lost
error.  The fix lets the workers' owner see them end: an
``asyncio.TaskGroup`` and one "no more jobs" sentinel per worker
(``Queue.shutdown()`` does this from Python 3.13), or a trio memory
channel or anyio memory object stream whose send side the producer
closes.  A failing worker then cancels the rest and its error is raised.
"""

from ..symptoms import HANGS

TITLE = "queue.join() waits forever for a worker that failed"
SYMPTOM = HANGS
RAISES = "ValueError"
UPSTREAM = "https://github.com/python/cpython/issues/96471"
RULE = None
CELLS = ()
