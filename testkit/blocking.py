"""Fail a blocking call made from exercise code in an asyncio event loop's thread.

``blockbuster`` (as anyio's own suite uses it) patches the standard
library's blocking functions (``time.sleep``, file and socket I/O, locks...)
so that a call from a scanned module, in a thread running an asyncio loop,
raises ``BlockingError``.  trio has no such check; the same exercise code on
anyio's asyncio backend is scanned, so it covers anyio_impl too.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Iterator

from blockbuster import BlockBuster, blockbuster_ctx

SCANNED = ["asyncio_impl", "anyio_impl", "sansio"]
# A workshop participant's packages too (tools/workshop), when they exist.
WORKSHOP = ["asyncio_workshop", "anyio_workshop"]

# Deliberate blocking, exempted by name: starting a process is a blocking
# fork/exec, and asyncio_impl.offload starts one per call so that
# cancellation can kill the job (the docstring says so).
DELIBERATE = [("asyncio_impl/offload.py", {"run_in_process"})]


@contextlib.contextmanager
def no_blocking_calls() -> Iterator[BlockBuster]:
    scanned = SCANNED + [name for name in WORKSHOP if importlib.util.find_spec(name) is not None]
    with blockbuster_ctx(scanned) as blockbuster:
        for function in blockbuster.functions.values():
            for filename, names in DELIBERATE:
                function.can_block_in(filename, names)
        yield blockbuster
