"""A blocking call inside ``async def`` stalls the event loop, and every other task with it.

An event loop runs all its tasks on one thread and switches between them
only at ``await``.  A call that blocks that thread, ``time.sleep``, a sync
database driver, ``requests.get``, a CPU-bound step, holds every other
task until it returns: timers fire late, heartbeats are missed, requests
queue up, and cancellation and timeouts cannot even be delivered.  Nothing
fails; everything is just slow.  The fix is to run the blocking call in a
worker thread and await it: ``asyncio.to_thread``,
``trio.to_thread.run_sync`` or ``anyio.to_thread.run_sync``, or to use an
async library instead.  (The harness finds the blocking call with
blockbuster, which watches asyncio's thread.)
"""

from ..symptoms import BLOCKS_THE_LOOP

TITLE = "a blocking call in async def stalls every other task"
SYMPTOM = BLOCKS_THE_LOOP
RAISES = None
UPSTREAM = "https://docs.python.org/3/library/asyncio-dev.html#running-blocking-code"
RULE = "ASYNC251"
CELLS = ()
REAL_TIME = True
