"""The guarantee matrix (tools/guarantees.py): each cell's probe must give the documented answer.

A ✗ here is the expected, documented result for that construct; if a new
Python, trio or anyio changes a construct's behaviour, its cell fails.
"""

from __future__ import annotations

import pytest

from tools import guarantees

Y, N = True, False
EXPECTED: dict[str, dict[str, bool]] = {
    "siblings cancelled when one child fails": {
        "asyncio.gather": N, "gather(return_exceptions=True)": N, "asyncio.TaskGroup": Y,
        "asyncio.as_completed": N, "trio nursery + cancel scopes": Y,
        "anyio task group + cancel scopes": Y,
    },
    "every failure reported": {
        "asyncio.gather": N, "gather(return_exceptions=True)": Y, "asyncio.TaskGroup": Y,
        "asyncio.as_completed": N, "trio nursery + cancel scopes": Y,
        "anyio task group + cancel scopes": Y,
    },
    "caller cancellation reaches the children": {
        "asyncio.gather": Y, "asyncio.TaskGroup": Y, "asyncio.shield": N, "asyncio.wait_for": Y,
        "trio nursery + cancel scopes": Y, "anyio task group + cancel scopes": Y,
    },
    "no task outlives the call": {
        "asyncio.gather": N, "gather(return_exceptions=True)": Y, "asyncio.TaskGroup": Y,
        "asyncio.as_completed": N, "asyncio.shield": N, "asyncio.wait_for": Y,
        "trio nursery + cancel scopes": Y, "anyio task group + cancel scopes": Y,
    },
    "a timeout raises the builtin TimeoutError": {
        "asyncio.wait_for": Y, "trio nursery + cancel scopes": N,
        "anyio task group + cancel scopes": Y,
    },
    "shielded cleanup runs to its end before the call returns": {
        "asyncio.shield": N, "trio nursery + cancel scopes": Y,
        "anyio task group + cancel scopes": Y,
    },
    "leftovers cancelled when you stop consuming results": {
        "asyncio.as_completed": N, "asyncio.TaskGroup": Y, "trio nursery + cancel scopes": Y,
        "anyio task group + cancel scopes": Y,
    },
    "stopping early stops a generator's background tasks": {
        "bare async generator": N, "trio.as_safe_channel": Y,
    },
}  # fmt: skip

CELLS = [(g, c) for g, cells in guarantees.MATRIX.items() for c in cells]


def test_every_probe_has_a_documented_answer_and_no_more() -> None:
    assert {(g, c) for g, cells in EXPECTED.items() for c in cells} == set(CELLS)


@pytest.mark.parametrize(("guarantee", "construct"), CELLS, ids=[f"{c}: {g}" for g, c in CELLS])
def test_probe(guarantee: str, construct: str) -> None:
    runner, probe = guarantees.MATRIX[guarantee][construct]
    assert runner(probe) is EXPECTED[guarantee][construct]
