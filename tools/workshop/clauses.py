"""CONTRACT.md clause by clause: which shared tests check each one, and a hint for each.

One TOML file per exercise in ``clauses/`` lists the clauses in the order a
participant meets them (basics, behaviour, failures, timeouts,
cancellation).  Each clause quotes CONTRACT.md, names the tests that check
it (``test_pool.py::test_a_failing_factory_frees_its_slot``) and gives a
one-line hint.  Every exercise also starts with a clause this module adds:
the contract's names and signatures, checked by the drift test.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from shared_tests.contract import CONTRACT
from tools.registry import EXERCISES

HERE = Path(__file__).parent / "clauses"
STAGES = ("names", "basics", "behaviour", "failures", "timeouts", "cancellation")
DRIFT_TESTS = (
    "test_contract_drift.py::test_public_names_and_parameters_match_the_contract",
    "test_contract_drift.py::test_docstrings_state_blocking_cancellation_and_errors",
)


@dataclass(frozen=True)
class Clause:
    exercise: str
    number: int
    stage: str
    contract: str
    hint: str
    tests: tuple[str, ...]


def names_clause(exercise: str) -> Clause:
    """Clause 0, checked before the others: the skeleton gets it right, so it must stay so."""
    signatures = ", ".join(f"`{name}{sig}`" for name, sig in CONTRACT[exercise].items())
    return Clause(
        exercise,
        0,
        "names",
        f"The names and signatures: {signatures}.",
        "Keep the skeleton's names, parameters and __all__; docstrings say what cancelling does.",
        DRIFT_TESTS,
    )


def load(exercise: str) -> list[Clause]:
    """Clause 0 (the names), then the file's clauses numbered from 1.

    ``ValueError`` naming the parameter if there is no such exercise.
    """
    if exercise not in EXERCISES:
        raise ValueError(f"exercise must be one of {', '.join(EXERCISES)}; got {exercise!r}")
    clauses = [names_clause(exercise)]
    with (HERE / f"{exercise}.toml").open("rb") as file:
        table = tomllib.load(file)
    for entry in table["clause"]:
        clauses.append(
            Clause(
                exercise,
                len(clauses),
                entry["stage"],
                " ".join(entry["contract"].replace("**", "").split()),  # as a reader sees it
                entry["hint"],
                tuple(entry["tests"]),
            )
        )
    return clauses
