"""``python -m pitfalls [NAME ...] [--json]``: run the gallery's programs and say what each did.

Without a name, every pitfall.  Each program runs on a virtual clock (the
real one for pitfalls with threads), once per backend its dialect runs on;
a broken program should show its pitfall's symptom, a fixed one none.
``--json`` prints one object per program run, for the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from . import PITFALLS, Pitfall, _harness, load
from ._harness import RUNS_ON, Outcome, observe


def runs(pitfall: Pitfall) -> list[tuple[str, str, Outcome]]:
    """Every program of ``pitfall`` on every backend it runs on: (kind, dialect, outcome)."""
    return [
        (
            kind,
            dialect,
            observe(pitfall.program(kind, dialect), runs_on, real_time=pitfall.real_time),
        )
        for kind, dialect in pitfall.programs()
        for runs_on in RUNS_ON[dialect]
    ]


def verdict(pitfall: Pitfall, kind: str, outcome: Outcome) -> tuple[bool, str]:
    """Whether the program behaved as its kind promises, and the line that says so."""
    symptoms = outcome.symptoms(pitfall.raises)
    if kind == "broken":
        ok = pitfall.symptom in symptoms
        said = f"{pitfall.symptom}, as it should" if ok else f"does NOT show {pitfall.symptom!r}"
    else:
        ok = not symptoms
        said = "correct" if ok else "WRONG: " + ", ".join(symptoms)
    return ok, f"{said} ({outcome.describe(pitfall.raises)})"


def main(argv: list[str]) -> int:
    cli = argparse.ArgumentParser(prog="python -m pitfalls", description=__doc__)
    cli.add_argument("names", nargs="*", metavar="NAME", help="one of: " + ", ".join(PITFALLS))
    cli.add_argument("--json", action="store_true", help="one JSON object per program run")
    args = cli.parse_args(argv)
    try:
        chosen = [load(name) for name in args.names or PITFALLS]
    except ValueError as exc:
        cli.error(f"argument NAME: {exc}")
    failures = 0
    for pitfall in chosen:
        if not args.json:
            print(f"\n{pitfall.name}: {pitfall.title}")
        for kind, dialect, outcome in runs(pitfall):
            ok, line = verdict(pitfall, kind, outcome)
            failures += not ok
            if args.json:
                record: dict[str, object] = {"pitfall": pitfall.name, "kind": kind}
                record["dialect"] = dialect
                record |= {"ok": ok, "verdict": line, **outcome.as_dict()}
                print(json.dumps(record), flush=True)
            else:
                print(f"  {kind + '_' + dialect:15} on {outcome.runs_on:13} {line}")
    return 1 if failures else 0


if __name__ == "__main__":
    status = main(sys.argv[1:])
    if _harness.abandoned():
        # A program that ignored cancellation is still suspended in a loop that
        # could not be closed; finalizing it at exit would run its except
        # clauses again, outside any loop.  Leave without finalizing.
        sys.stdout.flush()
        os._exit(status)
    sys.exit(status)
