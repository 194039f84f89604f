"""A bare async generator that starts a background task cannot stop it when the consumer stops.

The generator starts a task that polls a feed and yields what it receives.
When the consumer ``break``s out of its ``async for``, the generator is
just left suspended at its ``yield``: nothing tells it that the consumer
stopped, and a ``try``/``finally`` in it would run only when the generator
is closed, by garbage collection, in another task, or never.  Meanwhile the
task polls on and holds its connection.  The fix gives the task an owner
with a scope: in asyncio, an ``asynccontextmanager`` whose ``TaskGroup``
runs the task and yields a queue; in anyio the same with a memory object
stream; in trio, ``@trio.as_safe_channel`` runs the generator in a task of
its own and cancels it when the ``async with`` ends.
"""

from ..symptoms import LEAKS_A_TASK

TITLE = "a bare async generator leaves its background task running when the consumer breaks"
SYMPTOM = LEAKS_A_TASK
RAISES = None
UPSTREAM = "https://peps.python.org/pep-0533/"
RULE = None
CELLS = (("stopping early stops a generator's background tasks", "bare async generator"),)
