"""What the project is made of: its packages, its exercises and the targets they run on.

The one place these are defined; the suite, the reader, the benchmarks and
the noxfile read them from here.  Standard library only, so that the
noxfile can import it before any environment exists.

A *target* is one implementation package on one event loop, written
``PACKAGE:BACKEND[:STYLE][:LOOP]`` on the command line and shown as the id
``PACKAGE-BACKEND[-STYLE][-LOOP]`` (``asyncio_impl-asyncio-eager``), with the
parts that are the package's defaults left out:

- BACKEND is ``asyncio`` or ``trio``.
- STYLE says how the suite cancels the code under test, the way its own
  users would: ``native`` (``Task.cancel()`` on asyncio, a cancel scope on
  trio) or ``anyio`` (anyio cancel scopes).  It defaults to ``anyio`` for
  anyio packages and ``native`` otherwise; ``anyio_impl:asyncio:native`` is
  anyio code called from plain asyncio code, cancelled by ``Task.cancel()``.
- LOOP (asyncio only) is ``eager`` (``asyncio.eager_task_factory``, Python
  3.12+: a new task runs up to its first ``await`` inside ``create_task``)
  or ``uvloop``.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import re
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

T = TypeVar("T")

ROOT = Path(__file__).resolve().parent.parent

PACKAGES = ("asyncio_impl", "trio_impl", "anyio_impl")
"""The three implementations, in the order every table shows them."""

FRAMEWORK = {"asyncio_impl": "asyncio", "trio_impl": "trio", "anyio_impl": "anyio"}
"""The framework each package is written in."""


def framework_of(package: str) -> str | None:
    """The framework ``package`` is written in: a reference package's, or one named for its
    framework (a workshop participant's ``trio_workshop``); ``None`` if the name does not say."""
    if package in FRAMEWORK:
        return FRAMEWORK[package]
    prefix = package.split("_", 1)[0]
    return prefix if prefix in FRAMEWORK.values() else None


FRAMEWORK_FREE = "sansio"
"""The package of code that no framework touches, which all three import."""

EXERCISES = (
    "fanout", "background", "racing", "completion", "errors", "timeouts", "generators",
    "rate_limit", "workers", "retry", "pool", "fetch", "offload", "server", "files",
)  # fmt: skip
"""Every exercise module, in CONTRACT.md's order (a test keeps the two in step)."""

BACKENDS = ("asyncio", "trio")
STYLES = ("native", "anyio")
LOOPS = ("default", "eager", "uvloop")


def default_style(package: str) -> str:
    return "anyio" if package.startswith("anyio") else "native"


@dataclass(frozen=True)
class Target:
    """One implementation package on one event loop."""

    package: str
    backend: str
    style: str
    loop: str = "default"

    @property
    def id(self) -> str:
        parts = [self.package, self.backend]
        if self.style != default_style(self.package):
            parts.append(self.style)
        if self.loop != "default":
            parts.append(self.loop)
        return "-".join(parts)

    @property
    def framework(self) -> str:
        """What the package is written in: ``asyncio``, ``trio`` or ``anyio``.

        Read from its name (``trio_workshop``); a package whose name does not
        say is taken to be written in its style's dialect: anyio, or the backend's.
        """
        named = framework_of(self.package)
        if named is not None:
            return named
        return "anyio" if self.style == "anyio" else self.backend

    @property
    def eager(self) -> bool:
        return self.loop == "eager"

    @classmethod
    def parse(cls, spec: str) -> Target:
        """``PACKAGE:BACKEND[:STYLE][:LOOP]``; ``ValueError`` naming ``--impl`` if malformed."""
        parts = spec.split(":")
        loop = parts.pop() if len(parts) > 2 and parts[-1] in LOOPS else "default"
        if len(parts) not in (2, 3) or not all(parts):
            raise ValueError(f"--impl wants PACKAGE:BACKEND[:STYLE][:LOOP], got {spec!r}")
        package, backend = parts[0], parts[1]
        style = parts[2] if len(parts) == 3 else default_style(package)
        if backend not in BACKENDS:
            raise ValueError(f"--impl {spec!r}: backend must be one of {BACKENDS}")
        if style not in STYLES:
            raise ValueError(f"--impl {spec!r}: style must be one of {STYLES}")
        target = cls(package, backend, style, loop)
        problem = target.unavailable()
        if problem:
            raise ValueError(f"--impl {spec!r}: {problem}")
        return target

    def unavailable(self) -> str:
        """Why this interpreter cannot run the target; ``""`` if it can."""
        if self.loop != "default" and self.backend != "asyncio":
            return f"{self.loop} wants the asyncio backend"
        if self.eager and sys.version_info < (3, 12):
            return "eager wants the asyncio backend on Python 3.12+"
        if self.loop == "uvloop" and importlib.util.find_spec("uvloop") is None:
            return "uvloop is not installed (nor built for Windows)"
        return ""

    def module(self, name: str) -> ModuleType:
        """The target's exercise module ``name``, e.g. ``target.module("pool")``."""
        return importlib.import_module(f"{self.package}.{name}")

    def loop_factory(
        self, base: Callable[[], asyncio.AbstractEventLoop] | None = None
    ) -> Callable[[], asyncio.AbstractEventLoop] | None:
        """A ``loop_factory`` for ``asyncio.Runner`` or anyio, or ``None`` for the default loop.

        ``base`` makes the plain loop (the suite passes a virtual-time one);
        an eager target sets the eager task factory on it.
        """
        if self.loop == "uvloop":
            import uvloop

            return uvloop.new_event_loop
        if not self.eager:
            return base
        make = base or asyncio.new_event_loop

        def new_eager_loop() -> asyncio.AbstractEventLoop:
            loop = make()
            loop.set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined,unused-ignore]
            return loop

        return new_eager_loop

    def run(self, main: Callable[[], Awaitable[T]]) -> T:
        """Run ``main()`` to its end on this target's backend and loop (real time)."""
        import anyio

        options: dict[str, Any] = {}
        factory = self.loop_factory()
        if factory is not None:
            options["loop_factory"] = factory
        return anyio.run(main, backend=self.backend, backend_options=options)


def _targets(specs: tuple[str, ...]) -> tuple[Target, ...]:
    made = [Target(*spec.split(":")) for spec in specs]
    return tuple(target for target in made if not target.unavailable())


ALL_TARGETS = (
    "asyncio_impl:asyncio:native",
    "asyncio_impl:asyncio:native:uvloop",
    "asyncio_impl:asyncio:native:eager",
    "trio_impl:trio:native",
    "anyio_impl:asyncio:anyio",
    "anyio_impl:asyncio:native",
    "anyio_impl:asyncio:anyio:uvloop",
    "anyio_impl:trio:anyio",
)
"""Every target the project knows, in the order tables show them."""

SUITE_TARGETS = _targets(ALL_TARGETS)
"""What ``nox -s tests`` runs the shared suite on, where this interpreter can.

uvloop's clock cannot be made virtual (its timers live in libuv), so the
uvloop targets run only the tests that use the real clock anyway."""

BENCH_TARGETS = _targets(tuple(spec for spec in ALL_TARGETS if spec != "anyio_impl:asyncio:native"))
"""What ``nox -s bench`` measures, where this interpreter can (the cancel style costs nothing)."""


def _ids(specs: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(Target(*spec.split(":")).id for spec in specs)


TARGET_IDS = _ids(ALL_TARGETS)
"""The id of every target, on any interpreter: for reading results written elsewhere."""

# Longest first, so that "asyncio_impl-asyncio-eager" is not read as "asyncio_impl-asyncio".
_LONGEST_FIRST = sorted(TARGET_IDS, key=len, reverse=True)
_TARGET_ID = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, _LONGEST_FIRST)) + r")(?![\w])")


def target_id_in(text: str) -> str | None:
    """The target id a test id or label names (``test_x[trio_impl-trio-run_all]``), if any."""
    match = _TARGET_ID.search(text)
    return match.group(1) if match else None
