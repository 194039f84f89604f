"""``except TimeoutError`` around ``trio.fail_after`` never runs: trio raises ``trio.TooSlowError``.

``asyncio.timeout`` and ``asyncio.wait_for`` raise the builtin
``TimeoutError``, and so does anyio's ``fail_after``, so code moved to trio
keeps ``except TimeoutError:`` for its fallback.  But ``trio.fail_after``
raises ``trio.TooSlowError``, which is not a ``TimeoutError`` (nor an
``OSError``): the handler is skipped, the fallback never runs and the
timeout escapes as an error the caller did not expect.  In trio, catch
``trio.TooSlowError``, or use ``trio.move_on_after`` and look at
``cancelled_caught``; asyncio's ``asyncio.timeout`` and anyio's
``fail_after`` raise ``TimeoutError`` on every backend, so the plain
handler is right there.
"""

from ..symptoms import RAISES_THE_WRONG_ERROR

TITLE = "trio's fail_after raises TooSlowError, which except TimeoutError misses"
SYMPTOM = RAISES_THE_WRONG_ERROR
RAISES = None
UPSTREAM = "https://github.com/pgjones/hypercorn/issues/103"
RULE = None
CELLS = (("a timeout raises the builtin TimeoutError", "trio nursery + cancel scopes"),)
