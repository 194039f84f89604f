"""An async generator that yields inside a nursery or task group misdelivers its failures.

While the generator is suspended at ``yield``, its nursery (task group,
cancel scope) stays open, but the code running is the consumer's.  When a
child fails, the nursery cancels its task, and the ``Cancelled`` lands in
whatever the consumer was doing, outside the block that can catch it.
Closing the generator (``aclosing``, as contextlib's docs advise) then throws
``GeneratorExit`` into the nursery, which reports it beside the child's
error: the caller gets a group it cannot handle as the failure it is, and
without ``aclosing`` trio's cancel-scope stack is corrupted.  This is the
same in asyncio, trio and anyio.  The fix is a context manager instead of a
generator: an ``asynccontextmanager`` runs the nursery and yields a channel
or queue, so the consumer's block runs inside the nursery as its own code.
"""

from ..symptoms import RAISES_THE_WRONG_ERROR

TITLE = "an async generator that yields inside a task group delivers its failures to the wrong code"
SYMPTOM = RAISES_THE_WRONG_ERROR
RAISES = "ValueError"
UPSTREAM = "https://peps.python.org/pep-0789/"
RULE = "ASYNC101"
CELLS = ()
