"""Drift check: every package defines the contract's names, in order, with its parameters.

Like httpcore's ``unasync.py --check``, but for three hand-written dialects:
nothing is generated, so this test is what keeps them from drifting apart.
"""

from __future__ import annotations

import importlib
import inspect
from types import ModuleType
from typing import Any

import pytest

from tools.registry import EXERCISES, FRAMEWORK_FREE, framework_of

from .contract import CONTRACT, EXTRAS, READINESS


class _Shown:
    """A default shown by name: anyio's ``TASK_STATUS_IGNORED`` has no stable repr."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


def bare_signature(obj: object) -> str:
    """``(a, b=1, *, c)``: the signature without annotations."""
    target: Any = obj.__init__ if inspect.isclass(obj) else obj
    parameters = list(inspect.signature(target).parameters.values())
    if inspect.isclass(obj):
        parameters = parameters[1:]  # self
    rendered = inspect.Signature(
        [
            p.replace(
                annotation=inspect.Parameter.empty,
                default=_Shown("TASK_STATUS_IGNORED") if p.name == "task_status" else p.default,
            )
            for p in parameters
        ]
    )
    return str(rendered)


def reexported(module: ModuleType) -> list[str]:
    """Names in ``__all__`` that the module imports from the framework-free package."""
    return [
        name
        for name in getattr(module, "__all__", [])
        if getattr(getattr(module, name, None), "__module__", "").startswith(f"{FRAMEWORK_FREE}.")
    ]


def public_definitions(module: ModuleType) -> list[str]:
    """Functions and classes defined (not imported) in ``module``, in source order."""
    return [
        name
        for name, obj in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and obj.__module__ == module.__name__
    ]


def order_problem(expected: list[str], actual: list[str]) -> str | None:
    """Why ``expected`` is not a subsequence of ``actual``, or ``None``."""
    missing = [name for name in expected if name not in actual]
    if missing:
        return f"missing {missing}"
    positions = [actual.index(name) for name in expected]
    if positions != sorted(positions):
        found = [name for name in actual if name in expected]
        return f"out of order: expected {expected}, found {found}"
    return None


@pytest.mark.parametrize("module_name", EXERCISES)
def test_public_names_and_parameters_match_the_contract(package: str, module_name: str) -> None:
    module = importlib.import_module(f"{package}.{module_name}")
    expected = CONTRACT[module_name]
    defined = public_definitions(module)
    problems = []

    if (problem := order_problem(list(expected), defined)) is not None:
        problems.append(f"public names {problem}; defined: {defined}")
    exported = getattr(module, "__all__", None)
    public = defined + reexported(module)
    if exported is None or sorted(exported) != sorted(public):
        problems.append(f"__all__ is {exported}, expected the public definitions {public}")

    signatures = {**expected, **EXTRAS.get(module_name, {})}
    for name, expected_signature in signatures.items():
        if name not in defined:
            continue
        # A package whose name does not say its framework may use any framework's handshake.
        framework = framework_of(package)
        readiness = READINESS.values() if framework is None else [READINESS[framework]]
        accepted = {expected_signature.replace("<ready>", ready) for ready in readiness}
        actual_signature = bare_signature(getattr(module, name))
        if actual_signature not in accepted:
            problems.append(
                f"{name}: expected {name}{expected_signature}, actual {name}{actual_signature}"
            )

    assert not problems, f"{package}.{module_name} drifted from the contract:\n  " + "\n  ".join(
        problems
    )


@pytest.mark.parametrize("module_name", EXERCISES)
def test_docstrings_state_blocking_cancellation_and_errors(package: str, module_name: str) -> None:
    module = importlib.import_module(f"{package}.{module_name}")
    assert module.__doc__, f"{package}.{module_name} has no module docstring"
    for name in CONTRACT[module_name]:
        doc = inspect.getdoc(getattr(module, name)) or ""
        assert "cancel" in doc.lower(), (
            f"{package}.{module_name}.{name}: the docstring must say what cancellation does"
        )


def test_the_contract_table_lists_the_registrys_exercises_in_order() -> None:
    assert tuple(CONTRACT) == EXERCISES
