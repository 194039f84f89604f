"""The command line of ``python -m tools.workshop`` (``nox -s workshop --``): start, check, diff,
pitfalls."""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tools.registry import EXERCISES, FRAMEWORK, PACKAGES, ROOT
from tools.workshop import clauses as clause_table
from tools.workshop.check import NOT_IMPLEMENTED, TEST_TIMEOUT, ClauseResult, SuiteDidNotRun, run
from tools.workshop.skeleton import skeleton

FRAMEWORKS = tuple(FRAMEWORK[p] for p in PACKAGES)
WORKSHOP = ROOT / "workshop"
MARK = {"pass": "✓", "fail": "✗", "not implemented": "·", "skipped": "s", "n/a": "-"}


def reference(framework: str) -> str:
    return next(p for p in PACKAGES if FRAMEWORK[p] == framework)


def participant(framework: str) -> str:
    """The participant's package, ``trio_workshop``: the suite reads its framework from its name."""
    return f"{framework}_workshop"


def targets(framework: str, package: str) -> list[str]:
    """The ``--impl`` targets a check runs on: the framework's loops and backends."""
    if framework == "trio":
        return [f"{package}:trio"]
    if framework == "anyio":
        return [f"{package}:asyncio", f"{package}:trio"]
    return [f"{package}:asyncio"] + (
        [f"{package}:asyncio:eager"] if sys.version_info >= (3, 12) else []
    )


def intro(framework: str, exercise: str) -> str:
    return (
        f"Your {framework} version of the `{exercise}` exercise: CONTRACT.md, section\n"
        f"`{exercise}`.  Fill in the bodies that raise NotImplementedError, then\n"
        f"`nox -s workshop -- check {framework} {exercise}`; compare with the reference,\n"
        f"{reference(framework)}/{exercise}.py, with\n"
        f"`nox -s workshop -- diff {framework} {exercise}`."
    )


def start(framework: str, exercise: str, root: Path, *, force: bool) -> int:
    package = root / participant(framework)
    target = package / f"{exercise}.py"
    if target.exists() and not force:
        print(f"{target} exists: your work is kept.  Pass --force to start over "
              f"(the old file is kept as a .bak).")  # fmt: skip
        return 1
    package.mkdir(parents=True, exist_ok=True)
    init = package / "__init__.py"
    if not init.exists():
        init.write_text(f'"""A workshop participant\'s {framework} versions of the exercises."""\n')
    if target.exists():  # keep every earlier attempt: pool.py.bak, pool.py.bak1, ...
        backups = (target.with_name(f"{target.name}.bak{n or ''}") for n in itertools.count())
        target.replace(next(b for b in backups if not b.exists()))
    source = (ROOT / reference(framework) / f"{exercise}.py").read_text()
    target.write_text(
        skeleton(
            source,
            exercise=exercise,
            reference=reference(framework),
            intro=intro(framework, exercise),
        )
    )
    print(
        f"wrote {target}\nnext: fill it in, then `nox -s workshop -- check {framework} {exercise}`"
    )
    return 0


def check(
    framework: str,
    exercises: Sequence[str],
    root: Path,
    *,
    as_json: bool,
    test_timeout: float = TEST_TIMEOUT,
) -> int:
    """Check one exercise (or several, in one run of the suite) and report clause by clause."""
    package = participant(framework)
    for exercise in exercises:
        if not (root / package / f"{exercise}.py").exists():
            print(missing(root, framework, exercise))
            return 2
    log = ROOT / "build" / "workshop" / f"{framework}-{'-'.join(exercises)}.log"
    clauses = [clause for exercise in exercises for clause in clause_table.load(exercise)]
    try:
        results = run(
            clauses,
            targets(framework, package),
            package_root=root,
            log=log,
            test_timeout=test_timeout,
        )
    except SuiteDidNotRun as exc:
        print(f"the suite could not start: {exc}\nits output: {log}")
        return 2
    if as_json:
        print(json.dumps([_record(r) for r in results]))
    else:
        for exercise in exercises:
            mine = [r for r in results if r.clause.exercise == exercise]
            print(report(framework, exercise, root / package / f"{exercise}.py", mine, log))
    return 0 if all(r.status in ("pass", "n/a") for r in results) else 1


def missing(root: Path, framework: str, exercise: str) -> str:
    module = root / participant(framework) / f"{exercise}.py"
    return f"{module} does not exist: run `nox -s workshop -- start {framework} {exercise}` first"


def _record(result: ClauseResult) -> dict[str, object]:
    failure = result.first_failure
    return {
        "exercise": result.clause.exercise,
        "number": result.clause.number,
        "stage": result.clause.stage,
        "status": result.status,
        "hint": result.clause.hint,
        "failed": sorted({r.test for r in result.results if r.outcome == "failed"}),
        "message": failure.message if failure else "",
    }


def report(
    framework: str, exercise: str, module: Path, results: Sequence[ClauseResult], log: Path
) -> str:
    """The participant's report: each clause by stage, what failed and a hint."""
    lines = [
        f"{module.relative_to(module.parents[1])} against CONTRACT.md, `{exercise}` ({framework})"
    ]
    stage = ""
    for result in results:
        clause = result.clause
        if clause.stage != stage:
            stage = clause.stage
            lines.append(f"\n{stage}")
        lines.append(f"  {MARK[result.status]} {clause.number:2}. {clause.contract}")
        failure = result.first_failure
        if result.status == "not implemented":
            lines.append(f"        {NOT_IMPLEMENTED}")
        elif failure is not None:
            lines.append(f"        failed: {failure.test.split('::')[1]} on {failure.target}")
            if failure.location:
                lines.append(f"        at {failure.location}")
            if failure.message:
                lines.append(f"        {failure.message[:200]}")
        if failure is not None:
            lines.append(f"        hint: {clause.hint}")
    passed = sum(r.status == "pass" for r in results)
    lines.append(f"\n{passed} of {len(results)} clauses pass.  The suite's own output: {log}")
    return "\n".join(lines)


def diff(framework: str, exercise: str, root: Path, width: int | None) -> int:
    from rich.console import Console

    from tools import compare
    from tools import exercises as model

    package = participant(framework)
    if not (root / package / f"{exercise}.py").exists():
        print(missing(root, framework, exercise))
        return 2
    with tempfile.TemporaryDirectory() as both:
        # The reader aligns packages that live side by side; put the two there.
        (Path(both) / reference(framework)).symlink_to(ROOT / reference(framework))
        (Path(both) / package).symlink_to(root / package)
        versions = {
            p: model.read_version(p, (Path(both) / p / f"{exercise}.py").read_text())
            for p in (reference(framework), package)
        }
        chosen = model.Exercise(exercise, versions, {}, Path(both))
        compare.show_exercise(Console(width=width), chosen, list(versions))
    return 0


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(prog="nox -s workshop --", description=__doc__)
    commands = cli.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_text in [
        ("start", "write your package's module for the exercise, every body still to write"),
        ("check", "run the exercise's contract clauses against your module"),
        ("diff", "your module beside the reference, aligned"),
    ]:
        command = commands.add_parser(name, help=help_text)
        command.add_argument(
            "framework",
            choices=FRAMEWORKS,
            metavar="FRAMEWORK",
            help="one of: " + ", ".join(FRAMEWORKS),
        )
        several = name != "diff"
        command.add_argument(
            "exercises" if several else "exercise",
            nargs="+" if several else None,
            choices=EXERCISES,
            metavar="EXERCISE",
            help="one of: " + ", ".join(EXERCISES) + (" (or several)" if several else ""),
        )
        command.add_argument("--root", type=Path, default=WORKSHOP, help=argparse.SUPPRESS)
    commands.choices["start"].add_argument(
        "--force", action="store_true", help="start over (keeps the old file as .bak, .bak1, ...)"
    )
    commands.choices["check"].add_argument(
        "--json", action="store_true", help="the clauses as JSON"
    )
    commands.choices["check"].add_argument(
        "--test-timeout",
        type=float,
        default=TEST_TIMEOUT,
        metavar="SECONDS",
        help=f"real seconds a test may run before it counts as hung (default {TEST_TIMEOUT:g})",
    )
    commands.choices["diff"].add_argument("--width", type=int, metavar="COLUMNS")
    gallery = commands.add_parser(
        "pitfalls", help="run the pitfalls gallery: broken and fixed programs"
    )
    gallery.add_argument("names", nargs="*", metavar="NAME")
    return cli


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    if args.command == "pitfalls":
        from pitfalls.__main__ import main as gallery

        return gallery(args.names)
    root = args.root.resolve()
    if args.command == "start":
        return max(start(args.framework, e, root, force=args.force) for e in args.exercises)
    if args.command == "check":
        if not args.test_timeout > 0:
            parser().error(f"argument --test-timeout: must be > 0, got {args.test_timeout}")
        return check(
            args.framework, args.exercises, root, as_json=args.json, test_timeout=args.test_timeout
        )
    return diff(args.framework, args.exercise, root, args.width)
