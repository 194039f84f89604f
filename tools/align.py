"""The three versions of each definition, aligned statement by statement.

The reader's model: ``nox -s compare`` and ``nox -s site`` both render what
this module computes.  For every definition of an exercise (a class split
method by method, each followed by the private helpers it relies on) the
versions are aligned line by line, so that a statement all of them share
stands on one row, and a line only one framework needs stands alone, with
nothing opposite.

How lines are matched:

1. Each line is normalised: indentation and trailing comments dropped, the
   framework's name dropped (``trio.sleep`` and ``anyio.sleep`` are both
   ``sleep``), and the steps the frameworks spell differently named once:
   ``asyncio.TaskGroup()``, ``trio.open_nursery()`` and
   ``anyio.create_task_group()`` are one step, ``nursery``, ``tg`` and
   ``group`` one name, ``trio.Cancelled`` and ``asyncio.CancelledError``
   one exception.
2. Two versions are aligned by the heaviest common subsequence of equal
   normalised lines (a long line weighs more than ``try:``), then the lines
   left between two matches are paired where they are similar (``await
   asyncio.sleep(0)`` opposite ``await trio.lowlevel.checkpoint()``).
3. Three versions: the last two first (trio with anyio), then each earlier
   one against the rows so far, matching a row through any of its lines.

A row is *shared* when every version has a line there and the normalised
lines are equal.  Docstrings and comments are folded (left out) unless
asked for; blank lines are kept, one at most in a row.
"""

from __future__ import annotations

import ast
import difflib
import io
import re
import textwrap
import tokenize
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tools import exercises as model


@dataclass(frozen=True)
class Row:
    """One aligned row: a line per package (indentation kept), ``None`` where it has none."""

    cells: dict[str, str | None]
    shared: bool  # every package has this statement (after normalisation)


@dataclass(frozen=True)
class Aligned:
    """One definition (``run_all``, ``Pool.acquire``, ``_tasks.run_shielded``), aligned."""

    name: str
    rows: list[Row]
    shared_lines: int  # code lines (statements) every package shares
    added: dict[str, int]  # per package: its code lines that not every package shares
    primitives: dict[str, list[str]]  # per package: framework names used, as in tools.exercises


# ------------------------------------------------------------ lines and their normal form

Kind = str  # "code", "blank", "comment" (a line that is only a comment) or "doc"


@dataclass(frozen=True)
class _Line:
    text: str  # as shown
    key: str  # normalised, what alignment compares
    kind: Kind


# Steps the frameworks spell differently, named once.  Order matters: the
# framework prefixes go last, after the spellings that include them.
_SAME_STEP: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(
            r"\basyncio\.TaskGroup\(\)|\btrio\.open_nursery\(\)|\banyio\.create_task_group\(\)"
        ),
        "TaskGroup()",
    ),
    (
        re.compile(
            r"\basyncio\.CancelledError\b|\btrio\.Cancelled\b|\banyio\.get_cancelled_exc_class\(\)"
        ),
        "Cancelled",
    ),
    (
        re.compile(r"\btrio\.open_memory_channel\b|\banyio\.create_memory_object_stream\b"),
        "memory_channel",
    ),
    (re.compile(r"\b(?:nursery|tg|task_group)\b"), "group"),
    (re.compile(r"\b(?:asyncio|trio|anyio)\."), ""),
    (re.compile(r"\s+"), " "),
]


def normalise(code: str) -> str:
    """The form of one line of code that alignment compares (no comment, no framework name)."""
    key = code.strip()
    for pattern, replacement in _SAME_STEP:
        key = pattern.sub(replacement, key)
    return key


def _kinds(source: str) -> tuple[list[Kind], dict[int, int]]:
    """Each physical line's kind, and where a trailing comment starts on a code line."""
    physical = source.splitlines()
    kinds: list[Kind] = ["code" if line.strip() else "blank" for line in physical]
    comment_at: dict[int, int] = {}
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):  # not Python on its own: judge by the first char
        for index, line in enumerate(physical):
            if line.lstrip().startswith("#"):
                kinds[index] = "comment"
        return kinds, comment_at
    skip = {tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT}
    logical: list[tokenize.TokenInfo] = []
    previous_end = ""  # the last token of the previous logical line: ":" opens a body
    for token in tokens:
        if token.type == tokenize.COMMENT:
            row, column = token.start[0] - 1, token.start[1]
            if token.line[:column].strip():
                comment_at[row] = column
            else:
                kinds[row] = "comment"
        if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            # A string alone as the first statement of a body is a docstring.
            only_strings = logical and all(t.type == tokenize.STRING for t in logical)
            if only_strings and previous_end in ("", ":"):
                for row in range(logical[0].start[0] - 1, logical[-1].end[0]):
                    kinds[row] = "doc"
            if logical:
                previous_end = logical[-1].string
            logical = []
        elif token.type not in skip and token.type != tokenize.ENCODING:
            logical.append(token)
    return kinds, comment_at


def _lines(source: str, *, fold: bool) -> list[_Line]:
    """The lines to align: docstrings and comments left out when folding, blanks squeezed."""
    source = textwrap.dedent(source)
    kinds, comment_at = _kinds(source)
    lines: list[_Line] = []
    for index, (text, kind) in enumerate(zip(source.splitlines(), kinds, strict=True)):
        if fold and kind in ("comment", "doc"):
            continue
        code = text[: comment_at[index]] if index in comment_at else text
        shown = (code if fold else text).rstrip()
        if kind == "blank":
            if not lines or lines[-1].kind == "blank":
                continue
            lines.append(_Line("", "", kind))
        else:
            lines.append(_Line(shown, normalise(code) if kind == "code" else text.strip(), kind))
    while lines and lines[-1].kind == "blank":
        lines.pop()
    return lines


# ------------------------------------------------------------ alignment

Column = dict[str, _Line]  # package -> its line on this row


def _weight(line: _Line) -> float:
    """A match of a long line counts for more than one of ``try:`` or a blank."""
    if line.kind == "blank":
        return 0.1
    return 1.0 + min(len(line.key), 60) / 60


def _heaviest_pairs(
    n: int, m: int, score: Callable[[int, int], float | None]
) -> list[tuple[int, int]]:
    """The order-keeping pairs ``(i, j)`` of greatest total score (``None``: may not pair)."""
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        row, above = best[i], best[i - 1]
        for j in range(1, m + 1):
            value = max(above[j], row[j - 1])
            paired = score(i - 1, j - 1)
            if paired is not None and above[j - 1] + paired > value:
                value = above[j - 1] + paired
            row[j] = value
    pairs: list[tuple[int, int]] = []
    i, j = n, m
    while i and j:
        paired = score(i - 1, j - 1)
        if paired is not None and abs(best[i - 1][j - 1] + paired - best[i][j]) < 1e-9:
            pairs.append((i - 1, j - 1))
            i, j = i - 1, j - 1
        elif best[i - 1][j] >= best[i][j - 1]:
            i -= 1
        else:
            j -= 1
    return pairs[::-1]


def _exact(column: Column, line: _Line) -> float | None:
    equal = sum(1 for other in column.values() if other.key == line.key and other.kind == line.kind)
    return equal * _weight(line) if equal else None


@lru_cache(maxsize=65536)
def _similarity(first: str, second: str) -> float:
    return difflib.SequenceMatcher(None, first, second, autojunk=False).ratio()


SIMILAR = 0.45  # below this, two differing lines are not put on one row


def _similar(column: Column, line: _Line) -> float | None:
    if line.kind == "blank":
        return None
    ratios = [
        _similarity(other.key, line.key) for other in column.values() if other.kind == line.kind
    ]
    best = max(ratios, default=0.0)
    return best if best >= SIMILAR else None


def _scorer(
    score: Callable[[Column, _Line], float | None], columns: list[Column], lines: list[_Line]
) -> Callable[[int, int], float | None]:
    return lambda i, j: score(columns[i], lines[j])


def _add(columns: list[Column], package: str, lines: list[_Line]) -> list[Column]:
    """Align one more version's lines against the rows so far."""
    anchors = _heaviest_pairs(len(columns), len(lines), _scorer(_exact, columns, lines))
    merged: list[Column] = []
    start_column = start_line = 0
    for end_column, end_line in [*anchors, (len(columns), len(lines))]:
        gap_columns = columns[start_column:end_column]
        gap_lines = lines[start_line:end_line]
        similar = _heaviest_pairs(
            len(gap_columns), len(gap_lines), _scorer(_similar, gap_columns, gap_lines)
        )
        c = k = 0
        for pair_column, pair_line in [*similar, (len(gap_columns), len(gap_lines))]:
            # The new version's lines first, then the rows it has nothing on.
            merged.extend({package: line} for line in gap_lines[k:pair_line])
            merged.extend(dict(column) for column in gap_columns[c:pair_column])
            if pair_column < len(gap_columns):
                merged.append({**gap_columns[pair_column], package: gap_lines[pair_line]})
            c, k = pair_column + 1, pair_line + 1
        if end_column < len(columns):
            merged.append({**columns[end_column], package: lines[end_line]})
        start_column, start_line = end_column + 1, end_line + 1
    return merged


def _columns(versions: dict[str, list[_Line]]) -> list[Column]:
    """All versions aligned: the last two first, then each earlier one against those rows."""
    columns: list[Column] = []
    for package in reversed(versions):
        columns = _add(columns, package, versions[package])
    return columns


def _is_shared(column: Column, packages: Sequence[str]) -> bool:
    if len(column) != len(packages):
        return False
    return len({(line.key, line.kind) for line in column.values()}) == 1


def _rows(columns: list[Column], packages: Sequence[str]) -> list[Row]:
    return [
        Row(
            {p: column[p].text if p in column else None for p in packages},
            _is_shared(column, packages),
        )
        for column in columns
    ]


def align(versions: dict[str, str], *, fold_docstrings: bool = True) -> list[Row]:
    """Align the versions (package -> source of one definition; ``""`` where it has none).

    Returns one ``Row`` per aligned line, cells in the order of ``versions``.
    """
    lines = {p: _lines(source, fold=fold_docstrings) for p, source in versions.items()}
    return _rows(_columns(lines), list(versions))


def identical(rows: Iterable[Row]) -> bool:
    """Whether every row is shared and written the same in every version."""
    return all(row.shared and len(set(row.cells.values())) == 1 for row in rows)


def _aligned(name: str, versions: dict[str, _Piece | None], *, fold_docstrings: bool) -> Aligned:
    packages = list(versions)
    lines = {
        p: _lines(piece.text, fold=fold_docstrings) if piece else []
        for p, piece in versions.items()
    }
    columns = _columns(lines)
    shared = [_is_shared(column, packages) for column in columns]
    return Aligned(
        name=name,
        rows=_rows(columns, packages),
        shared_lines=sum(
            1
            for column, is_shared in zip(columns, shared, strict=True)
            if is_shared and next(iter(column.values())).kind == "code"
        ),
        added={
            p: sum(
                1
                for column, is_shared in zip(columns, shared, strict=True)
                if not is_shared and p in column and column[p].kind == "code"
            )
            for p in packages
        },
        primitives={p: _primitives(piece.nodes) if piece else [] for p, piece in versions.items()},
    )


# ------------------------------------------------------------ definitions, methods and helpers

Def = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
Key = tuple[str, str]  # (module, name): module "" is the exercise's own, else "_tasks", "_queues"


@dataclass
class _Piece:
    text: str  # the source of the definition (or a class's lines outside its methods)
    nodes: list[ast.AST]  # what it references and uses


@dataclass
class _Module:
    name: str  # "" for the exercise module
    lines: list[str]
    definitions: dict[str, Def]
    imports: dict[str, Key] = field(default_factory=dict)  # local name -> private helper
    modules: dict[str, str] = field(default_factory=dict)  # local name -> private module

    @classmethod
    def parse(cls, name: str, source: str) -> _Module:
        tree = ast.parse(source)
        module = cls(
            name,
            source.splitlines(),
            {n.name: n for n in tree.body if isinstance(n, Def)},
        )
        for node in tree.body:
            if not isinstance(node, ast.ImportFrom):
                continue
            source_module = (node.module or "").rsplit(".", 1)[-1] if node.level else ""
            for alias in node.names:
                local = alias.asname or alias.name
                if node.module is None and alias.name.startswith("_"):  # from . import _tasks
                    module.modules[local] = alias.name
                elif source_module.startswith("_"):  # from ._tasks import spawn
                    module.imports[local] = (source_module, alias.name)
        return module

    def helper(self, name: str) -> Key | None:
        """The private helper ``name`` refers to here, if it is one."""
        if name in self.imports:
            return self.imports[name]
        # In the exercise module only private names are helpers; in _tasks, all.
        if name in self.definitions and (self.name or name.startswith("_")):
            return (self.name, name)
        return None

    def text(self, node: ast.stmt) -> str:
        return textwrap.dedent("\n".join(self.lines[_start(node) - 1 : node.end_lineno]))

    def class_header(self, node: ast.ClassDef) -> _Piece:
        """A class without its methods: decorators, the ``class`` line, docstring, attributes."""
        methods = [n for n in node.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        rest = [n for n in node.body if n not in methods]
        kept = list(range(_start(node), _start(node.body[0])))  # the class line(s)
        for statement in rest:
            kept.extend(range(statement.lineno, (statement.end_lineno or statement.lineno) + 1))
        text = "\n".join(self.lines[n - 1] for n in kept)
        return _Piece(text, [*node.decorator_list, *node.bases, *node.keywords, *rest])


def _start(node: ast.stmt) -> int:
    """The first line of a statement, its decorators included."""
    decorators: list[ast.expr] = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _references(module: _Module, nodes: Iterable[ast.AST]) -> list[Key]:
    """The private helpers these nodes use, in the order they first appear."""
    found: list[tuple[int, int, Key]] = []
    for top in nodes:
        for node in _walk_code(top):
            key: Key | None = None
            if isinstance(node, ast.Name):
                key = module.helper(node.id)
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in module.modules
            ):
                key = (module.modules[node.value.id], node.attr)
            if key is not None:
                found.append((getattr(node, "lineno", 0), getattr(node, "col_offset", 0), key))
    return list(dict.fromkeys(key for _, _, key in sorted(found)))


def _walk_code(top: ast.AST) -> Iterable[ast.AST]:
    """``ast.walk`` minus annotations: a helper is shown where it is used, not where typed."""
    pending = [top]
    while pending:
        node = pending.pop()
        yield node
        for name, value in ast.iter_fields(node):
            if name in ("annotation", "returns"):
                continue
            children = value if isinstance(value, list) else [value]
            pending.extend(c for c in children if isinstance(c, ast.AST))


def _merge_orders(orders: Iterable[Sequence[str]]) -> list[str]:
    """One order for names listed per version, keeping each version's own order where it can:
    a name new in a later list goes after its predecessor there (or before its follower)."""
    merged: list[str] = []
    for order in orders:
        for index, name in enumerate(order):
            if name in merged:
                continue
            before = next((n for n in reversed(order[:index]) if n in merged), None)
            after = next((n for n in order[index + 1 :] if n in merged), None)
            if before is not None:
                merged.insert(merged.index(before) + 1, name)
            elif after is not None:
                merged.insert(merged.index(after), name)
            else:
                merged.append(name)
    return merged


def _primitives(nodes: list[ast.AST]) -> list[str]:
    body = [
        n if isinstance(n, ast.stmt) else ast.Expr(value=n)
        for n in nodes
        if isinstance(n, ast.stmt | ast.expr)
    ]
    return model.primitives(ast.Module(body=body, type_ignores=[]))


def _label(key: Key) -> str:
    return f"{key[0]}.{key[1]}" if key[0] else key[1]


class _Walk:
    """Emits the definitions of one exercise in reading order, each helper once."""

    def __init__(self, exercise: model.Exercise, *, fold_docstrings: bool) -> None:
        self.exercise = exercise
        self.fold = fold_docstrings
        self.packages = list(exercise.versions)
        self.own = {p: _Module.parse("", v.source) for p, v in exercise.versions.items()}
        self.shown: set[Key] = set()
        self.out: list[Aligned] = []

    def module(self, package: str, name: str) -> _Module | None:
        if not name:
            return self.own[package]
        return _load(self.exercise.root, package, name)

    def definitions(self, key: Key) -> dict[str, Def | None]:
        found: dict[str, Def | None] = {}
        for package in self.packages:
            module = self.module(package, key[0])
            found[package] = module.definitions.get(key[1]) if module else None
        return found

    def run(self) -> list[Aligned]:
        order = _merge_orders(list(m.definitions) for m in self.own.values())
        pulled: set[str] = set()  # private definitions shown after their first caller
        for module in self.own.values():
            for name, node in module.definitions.items():
                pulled.update(
                    k[1] for k in _references(module, [node]) if not k[0] and k[1] != name
                )
        for name in order:
            if name not in pulled:
                self.emit(("", name))
        for name in order:  # private ones only their own kind calls, if any
            self.emit(("", name))
        return self.out

    def emit(self, key: Key) -> None:
        """A definition, method by method if a class, each followed by its helpers."""
        if key in self.shown:
            return
        self.shown.add(key)
        label = _label(key)
        headers: dict[str, _Piece | None] = {}
        methods: dict[str, dict[str, ast.FunctionDef | ast.AsyncFunctionDef]] = {}
        for package in self.packages:
            module = self.module(package, key[0])
            node = module.definitions.get(key[1]) if module else None
            methods[package] = {}
            if module is None or node is None:
                headers[package] = None
            elif isinstance(node, ast.ClassDef):
                headers[package] = module.class_header(node)
                methods[package] = {
                    n.name: n
                    for n in node.body
                    if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
                }
            else:
                headers[package] = _Piece(module.text(node), [node])
        if not any(headers.values()):
            return
        self.add(key[0], label, headers)
        for method in _merge_orders(list(m) for m in methods.values()):
            pieces: dict[str, _Piece | None] = {}
            for package in self.packages:
                module = self.module(package, key[0])
                node = methods[package].get(method)
                pieces[package] = _Piece(module.text(node), [node]) if module and node else None
            self.add(key[0], f"{label}.{method}", pieces)

    def add(self, module_name: str, label: str, pieces: dict[str, _Piece | None]) -> None:
        """One aligned definition, then the helpers its versions use."""
        self.out.append(_aligned(label, pieces, fold_docstrings=self.fold))
        used: dict[str, list[Key]] = {}
        for package, piece in pieces.items():
            module = self.module(package, module_name)
            if piece is not None and module is not None:
                used[package] = _references(module, piece.nodes)
        by_label = {_label(k): k for keys in used.values() for k in keys}
        for helper in _merge_orders([_label(k) for k in keys] for keys in used.values()):
            self.emit(by_label[helper])


@lru_cache(maxsize=64)
def _load(root: Path, package: str, name: str) -> _Module | None:
    path = root / package / f"{name}.py"
    return _Module.parse(name, path.read_text()) if path.exists() else None


def aligned_exercise(exercise: model.Exercise, *, fold_docstrings: bool = True) -> list[Aligned]:
    """One ``Aligned`` per definition, in reading order.

    A class comes as its header (``Pool``: the ``class`` line, docstring and
    attributes), then method by method (``Pool.acquire``).  Each definition
    is followed by the private helpers it uses, from ``_tasks``/``_queues``
    or its own module (``run_with_cleanup``, then ``_tasks.run_shielded``),
    each shown once per exercise, after its first user.  A package that has
    no such definition has ``None`` in every cell.
    """
    return _Walk(exercise, fold_docstrings=fold_docstrings).run()
