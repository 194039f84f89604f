"""The framework-free half of ``Broadcast``: its options and the error a slow subscriber gets."""

from __future__ import annotations

from typing import Literal

Policy = Literal["drop_oldest", "disconnect"]
POLICIES: tuple[Policy, ...] = ("drop_oldest", "disconnect")


class Lagged(Exception):
    """A subscription fell ``buffer`` items behind under the ``"disconnect"`` policy."""

    def __init__(self, buffer: int) -> None:
        super().__init__(f"fell {buffer} items behind and was disconnected")
        self.buffer = buffer


def check_policy(policy: object) -> Policy:
    """``policy`` as given, after checking it names a policy (rule 3)."""
    if not isinstance(policy, str):
        raise TypeError(f"policy must be a str, not {type(policy).__name__}")
    for known in POLICIES:
        if policy == known:
            return known
    raise ValueError(f"policy must be one of {', '.join(map(repr, POLICIES))}, got {policy!r}")
