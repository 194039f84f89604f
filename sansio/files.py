"""The framework-free half of the files exercise: argument checks, names for temporary files.

All three packages import it.  Nothing here touches the disk: the names are
made up in the event loop, and every file operation happens in a worker
thread of the framework that runs it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TypeAlias, cast

Bytes: TypeAlias = "bytes | bytearray | memoryview[int]"
"""What ``write_atomically`` writes: anything a binary file's ``write`` takes whole."""

TEMP_SUFFIX = ".tmp"
"""Every temporary file's name starts with ``.`` and ends with this."""


def check_path(name: str, path: object) -> Path:
    """``path`` as a ``Path``; ``TypeError`` naming ``name`` unless a str or ``os.PathLike``."""
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"{name} must be a str or os.PathLike, not {_kind(path)}")
    text = os.fspath(cast("str | os.PathLike[str] | os.PathLike[bytes]", path))
    if not isinstance(text, str):  # an os.PathLike of bytes
        raise TypeError(f"{name} must name a path as str, not {_kind(text)}")
    return Path(text)


def check_paths(name: str, paths: object) -> list[Path]:
    """Materialise ``paths`` and check that every element is a path."""
    kind = _kind(paths)
    if isinstance(paths, str | bytes | os.PathLike) or not isinstance(paths, Iterable):
        raise TypeError(f"{name} must be an iterable of paths, not {kind}")
    items = cast(Iterable[object], paths)
    return [check_path(f"{name}[{index}]", path) for index, path in enumerate(items)]


def check_bytes(name: str, data: object) -> Bytes:
    """``data`` itself; ``TypeError`` naming ``name`` unless it is bytes-like."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise TypeError(f"{name} must be bytes, not {_kind(data)}")
    return cast(Bytes, data)


def targets_in(out_dir: Path, sources: Sequence[Path], *, name: str) -> list[Path]:
    """``out_dir / source.name`` for each source; ``ValueError`` naming ``name`` if two collide.

    Two inputs with the same file name would race to one target, and the
    last rename would silently win.
    """
    targets = [out_dir / source.name for source in sources]
    seen: dict[Path, Path] = {}
    for source, target in zip(sources, targets, strict=True):
        if target in seen:
            raise ValueError(
                f"{name}: {seen[target]} and {source} would both be written to {target}"
            )
        seen[target] = source
    return targets


def temp_path(target: Path) -> Path:
    """A fresh hidden name beside ``target``: in its directory, so a rename over it is atomic.

    64 random bits, and the file is created with ``"xb"`` (never someone
    else's).  Not ``tempfile.mkstemp``: its files are private (mode 0o600),
    and the rename would hand that mode to the target.
    """
    return target.with_name(f".{target.name}.{secrets.token_hex(8)}{TEMP_SUFFIX}")


def is_temp(path: Path) -> bool:
    """Whether ``path`` is named like one of ``temp_path``'s files."""
    return path.name.startswith(".") and path.name.endswith(TEMP_SUFFIX)


def _kind(value: object) -> str:
    return type(value).__name__
