"""The pitfalls gallery (``pitfalls/``): every broken program misbehaves, every fix does not.

All programs run once, in a subprocess (``python -m pitfalls --json``), so that
a program that ignores cancellation can only fail its own tests, not hang
the suite; each run then is a test of its own here.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from functools import cache
from typing import Any

import pytest

from pitfalls import DIALECTS, PITFALLS, Pitfall, load, load_all
from pitfalls._harness import RUNS_ON
from pitfalls.symptoms import SYMPTOMS
from tools import gallery, guarantees
from tools.registry import ROOT

RUNS = [
    pytest.param(
        pitfall.name, kind, dialect, runs_on, id=f"{pitfall.name}-{kind}_{dialect}-{runs_on}"
    )
    for pitfall in load_all()
    for kind, dialect in pitfall.programs()
    for runs_on in RUNS_ON[dialect]
]


@cache
def results() -> dict[tuple[str, str, str, str], dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "pitfalls", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    records = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert records, f"python -m pitfalls --json printed nothing:\n{done.stderr[-3000:]}"
    return {(r["pitfall"], r["kind"], r["dialect"], r["runs_on"]): r for r in records}


@pytest.mark.parametrize(("name", "kind", "dialect", "runs_on"), RUNS)
def test_broken_programs_misbehave_and_fixed_ones_do_not(
    name: str, kind: str, dialect: str, runs_on: str
) -> None:
    record = results().get((name, kind, dialect, runs_on))
    assert record is not None, f"{kind}_{dialect} of {name} did not run on {runs_on}"
    assert record["ok"], f"{name}/{kind}_{dialect} on {runs_on}: {record['verdict']}"


@pytest.mark.parametrize("pitfall", load_all(), ids=PITFALLS)
def test_each_pitfall_is_complete(pitfall: Pitfall) -> None:
    assert pitfall.broken, f"{pitfall.name} has no broken_<dialect>.py"
    assert pitfall.symptom in SYMPTOMS
    assert pitfall.upstream.startswith("https://"), pitfall.upstream
    assert pitfall.rule is None or re.fullmatch(r"ASYNC\d{3}", pitfall.rule), pitfall.rule
    assert len(pitfall.explanation.split()) >= 40, f"{pitfall.name}: explain it in a paragraph"
    for kind, dialect in pitfall.programs():
        path = pitfall.path(kind, dialect)
        assert path.exists(), f"{pitfall.name} has no {path.name}"
        tree = ast.parse(path.read_text())
        assert ast.get_docstring(tree), f"{path}: say in a line what it shows"
        mains = [n for n in tree.body if isinstance(n, ast.AsyncFunctionDef) and n.name == "main"]
        assert mains, f"{path} has no async def main()"
        assert 'if __name__ == "__main__":' in path.read_text(), f"{path} does not run alone"
        # A program shows one framework's dialect, as the exercises do.
        others = {"asyncio", "trio", "anyio"} - {dialect}
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {
            (node.module or "").split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
        }
        assert not imported & others, f"{path} imports {sorted(imported & others)}"


def test_the_gallery_lists_every_pitfall_package() -> None:
    packages = {p.parent.name for p in (ROOT / "pitfalls").glob("*/__init__.py")}
    assert packages == set(PITFALLS)
    assert len(PITFALLS) >= 10


def test_a_pitfall_that_does_not_exist_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="pitfall must be one of"):
        load("nope")


RULED = [p for p in load_all() if p.rule is not None]


@pytest.mark.parametrize("pitfall", RULED, ids=[p.name for p in RULED])
def test_its_rule_flags_the_broken_programs_and_no_fix(pitfall: Pitfall) -> None:
    assert pitfall.rule is not None
    for kind, dialect in pitfall.programs():
        path = pitfall.path(kind, dialect)
        found = flagged(dialect).get((path.name, path.parent.name), [])
        hits = [line for line in found if pitfall.rule in line]
        if kind == "broken":
            assert hits, f"flake8-async {pitfall.rule} does not flag {path}"
        else:
            assert not hits, f"flake8-async {pitfall.rule} flags the fix {path}: {hits}"


@cache
def flagged(dialect: str) -> dict[tuple[str, str], list[str]]:
    """What flake8-async, with every rule the gallery names, says of each program of a dialect."""
    rules = sorted({p.rule for p in RULED if p.rule is not None})
    paths = [p.path(k, d) for p in RULED for k, d in p.programs() if d == dialect]
    library = {"asyncio": ["--asyncio"], "anyio": ["--anyio"], "trio": []}[dialect]
    done = subprocess.run(
        [sys.executable, "-m", "flake8_async", f"--enable={','.join(rules)}", *library,
         *map(str, paths)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    found: dict[tuple[str, str], list[str]] = {}
    for path in paths:
        found[path.name, path.parent.name] = [
            line for line in done.stdout.splitlines() if line.startswith(str(path) + ":")
        ]
    return found


def test_every_cell_the_guarantee_matrix_fails_links_a_pitfall() -> None:
    failing = {
        (guarantee, construct)
        for guarantee, cells in guarantees.compute().items()
        for construct, holds in cells.items()
        if not holds
    }
    linked = {cell: p.name for p in load_all() for cell in p.cells}
    assert failing <= set(linked), f"no pitfall shows {sorted(failing - set(linked))}"
    assert set(linked) <= failing, f"these cells hold: {sorted(set(linked) - failing)}"


def test_every_dialect_has_its_fix() -> None:
    for pitfall in load_all():
        assert [d for k, d in pitfall.programs() if k == "fixed"] == list(DIALECTS)


def test_the_gallery_page_is_up_to_date() -> None:
    assert gallery.DOC.read_text() == gallery.markdown(), "run python -m tools.gallery"
    for pitfall in load_all():
        assert f'<a id="{pitfall.name}"></a>' in gallery.DOC.read_text()
