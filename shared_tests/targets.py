"""What the suite runs against: an implementation package on a backend.

``--impl=PACKAGE:BACKEND[:STYLE][:eager]`` picks targets on the command line
(repeat it for several); without it the suite runs the built-in ones.  STYLE
says how the suite cancels the code under test, the way its own users
would: ``native`` (``Task.cancel()`` via ``asyncio.timeout`` on asyncio, a
cancel scope on trio) or ``anyio`` (anyio cancel scopes).  It defaults to
``anyio`` for packages whose name starts with ``anyio`` and ``native``
otherwise.  The defaults add ``anyio_impl:asyncio:native``: anyio code
called from plain asyncio code is cancelled by ``Task.cancel()``, and must
hold up under it too.

``eager`` (asyncio, Python 3.12+) runs the loop with
``asyncio.eager_task_factory``, which users switch on for speed: a new task
runs up to its first ``await`` inside ``create_task``, so a child can start,
or fail, before the line that spawned it returns.  The defaults add
``asyncio_impl:asyncio:eager`` where that works (see ``EAGER_DEFAULT``).
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from types import ModuleType

BACKENDS = ("asyncio", "trio")
STYLES = ("native", "anyio")

EAGER = "eager"
EAGER_DEFAULT = sys.version_info >= (3, 12)

DEFAULT_TARGETS = (
    "asyncio_impl:asyncio",
    *(["asyncio_impl:asyncio:eager"] if EAGER_DEFAULT else []),
    "trio_impl:trio",
    "anyio_impl:asyncio",
    "anyio_impl:asyncio:native",
    "anyio_impl:trio",
)


@dataclass(frozen=True)
class Target:
    package: str
    backend: str
    style: str
    eager: bool = False

    @property
    def id(self) -> str:
        suffix = "" if self.style == default_style(self.package) else f"-{self.style}"
        return f"{self.package}-{self.backend}{suffix}{'-eager' if self.eager else ''}"

    @classmethod
    def parse(cls, spec: str) -> Target:
        parts = spec.split(":")
        eager = parts[-1] == EAGER and len(parts) > 2
        if eager:
            parts.pop()
        if len(parts) not in (2, 3) or not all(parts):
            raise ValueError(f"--impl wants PACKAGE:BACKEND[:STYLE][:eager], got {spec!r}")
        package, backend = parts[0], parts[1]
        style = parts[2] if len(parts) == 3 else default_style(package)
        if backend not in BACKENDS:
            raise ValueError(f"--impl {spec!r}: backend must be one of {BACKENDS}")
        if style not in STYLES:
            raise ValueError(f"--impl {spec!r}: style must be one of {STYLES}")
        if eager and (backend != "asyncio" or sys.version_info < (3, 12)):
            raise ValueError(f"--impl {spec!r}: eager wants the asyncio backend on Python 3.12+")
        return cls(package, backend, style, eager)

    def module(self, name: str) -> ModuleType:
        return importlib.import_module(f"{self.package}.{name}")


def default_style(package: str) -> str:
    return "anyio" if package.startswith("anyio") else "native"
