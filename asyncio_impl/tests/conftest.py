"""pytest-asyncio setup for the native asyncio tests: strict mode, virtual time.

pytest-asyncio 1.3+ takes event loop factories from this hook; the loop here
is the shared suite's looptime loop, so ``loop.time()`` jumps to the next
timer instead of sleeping.  Where the shared suite has an eager target, each
test also runs with the eager task factory, as that target does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping

import pytest

from testkit.blocking import no_blocking_calls
from testkit.virtual_time import new_virtual_time_loop
from tools.registry import SUITE_TARGETS


def pytest_asyncio_loop_factories(
    config: pytest.Config, item: pytest.Item
) -> Mapping[str, Callable[[], asyncio.AbstractEventLoop]]:
    del config, item
    factories = {"virtual_time": new_virtual_time_loop}
    for target in SUITE_TARGETS:
        if target.package == "asyncio_impl" and target.eager:
            eager = target.loop_factory(new_virtual_time_loop)
            assert eager is not None
            factories["eager_virtual_time"] = eager
    return factories


@pytest.fixture(autouse=True, scope="session")
def _no_blocking_calls() -> Iterator[None]:
    """A blocking call from exercise code in the event loop's thread fails its test."""
    with no_blocking_calls():
        yield
