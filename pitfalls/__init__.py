"""The pitfalls gallery: short programs that go wrong, and their fixes in each dialect.

Each pitfall is a package here (``pitfalls/gather_orphans/``) whose docstring
explains it in one paragraph and whose module constants say what a reader
needs to find it again:

- ``TITLE``: one line;
- ``SYMPTOM``: what the broken program does wrong, one of ``symptoms.SYMPTOMS``;
- ``RAISES``: the exception type a correct program ends with (``None``: it returns);
- ``UPSTREAM``: the upstream issue or documentation it comes from;
- ``RULE``: the flake8-async rule that catches it, or ``None`` if none does;
- ``CELLS``: the guarantee matrix cells (guarantee, construct) it demonstrates;
- ``REAL_TIME``: ``True`` if its programs use threads, so run on the real clock.

Its programs are modules named ``broken_<dialect>`` and ``fixed_<dialect>``
(dialects: asyncio, trio, anyio), each with ``async def main()``, runnable on
their own with ``python -m pitfalls.gather_orphans.broken_asyncio``.
``python -m pitfalls [NAME]`` runs them on a virtual clock and says what each did.
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass
from pathlib import Path

PITFALLS = (
    "gather_orphans", "as_completed_leak", "fire_and_forget", "cancel_without_wait",
    "swallowed_cancellation", "shield_orphan", "queue_join_hangs", "too_slow_error",
    "aclose_replaces_error", "asyncgen_background", "yield_in_taskgroup", "blocking_call",
    "to_thread_abandons",
)  # fmt: skip
"""Every pitfall, in the order the gallery shows them."""

DIALECTS = ("asyncio", "trio", "anyio")
HERE = Path(__file__).parent


@dataclass(frozen=True)
class Pitfall:
    name: str
    title: str
    explanation: str
    symptom: str
    raises: str | None
    upstream: str
    rule: str | None
    cells: tuple[tuple[str, str], ...]
    real_time: bool
    broken: tuple[str, ...]
    """The dialects it has a broken program in."""

    def program(self, kind: str, dialect: str) -> str:
        """The module name of a program: ``program("broken", "asyncio")``."""
        return f"{__name__}.{self.name}.{kind}_{dialect}"

    def path(self, kind: str, dialect: str) -> Path:
        return HERE / self.name / f"{kind}_{dialect}.py"

    def programs(self) -> list[tuple[str, str]]:
        """Every (kind, dialect) it has: its broken programs, then the three fixed ones."""
        return [("broken", d) for d in self.broken] + [("fixed", d) for d in DIALECTS]


def load(name: str) -> Pitfall:
    """The pitfall ``name``; ``ValueError`` naming the choices if there is none."""
    if name not in PITFALLS:
        raise ValueError(f"pitfall must be one of {', '.join(PITFALLS)}; got {name!r}")
    module = importlib.import_module(f"{__name__}.{name}")
    return Pitfall(
        name=name,
        title=module.TITLE,
        explanation=inspect.cleandoc(module.__doc__ or ""),
        symptom=module.SYMPTOM,
        raises=module.RAISES,
        upstream=module.UPSTREAM,
        rule=module.RULE,
        cells=tuple(module.CELLS),
        real_time=getattr(module, "REAL_TIME", False),
        broken=tuple(d for d in DIALECTS if (HERE / name / f"broken_{d}.py").exists()),
    )


def load_all() -> list[Pitfall]:
    return [load(name) for name in PITFALLS]
