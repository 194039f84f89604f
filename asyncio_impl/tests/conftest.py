"""pytest-asyncio setup for the native asyncio tests: strict mode, virtual time.

pytest-asyncio 1.3+ takes event loop factories from this hook; the loop here
is the shared suite's looptime loop, so ``loop.time()`` jumps to the next
timer instead of sleeping.  Where the shared suite has an eager target, each
test also runs with the eager task factory, as that target does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

import pytest

from shared_tests.targets import EAGER_DEFAULT
from shared_tests.virtual_time import eager_tasks, new_virtual_time_loop


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    del config, item
    factories = {"virtual_time": new_virtual_time_loop}
    if EAGER_DEFAULT:
        factories["eager_virtual_time"] = eager_tasks(new_virtual_time_loop)
    return factories
