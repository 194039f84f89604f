"""Sessions: tests (3.11-3.13), compare, site, demo, trace, workshop, bench, bench_anyio, flakes,
lint, typecheck.

``nox -s tests -- -k retry`` passes everything after ``--`` to pytest.  A
Python version that is not installed is skipped with a message (and is an
error on CI, where every version must run).  Every session but bench_anyio
installs the versions pinned in uv.lock.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "uv|virtualenv"
nox.options.sessions = ["tests", "lint", "typecheck"]
# Never fetch an interpreter from the internet: use the ones on this machine.
nox.options.download_python = "never"

PYTHONS = ["3.11", "3.12", "3.13"]


def _expose_pyenv_versions() -> None:
    """Let pyenv's shims answer ``python3.12`` and ``python3.13`` too.

    pyenv's shims only run versions that are active, and ``pyenv exec`` (the
    shim that started nox) pins ``PYENV_VERSION`` to one.  Add the newest
    installed version of each minor we test that is not active yet.
    """
    if shutil.which("pyenv") is None:
        return
    listed = subprocess.run(
        ["pyenv", "versions", "--bare"], capture_output=True, text=True, check=False
    ).stdout.split()
    active = [v for v in os.environ.get("PYENV_VERSION", "").split(":") if v]
    for minor in PYTHONS:
        candidates = [v for v in listed if v.startswith(f"{minor}.")]
        if candidates and not any(v.startswith(f"{minor}.") for v in active):
            active.append(max(candidates, key=_version_key))
    if active:
        os.environ["PYENV_VERSION"] = ":".join(active)


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else -1 for part in version.split("."))


_expose_pyenv_versions()


def _install(session: nox.Session, *groups: str, project: bool = True) -> None:
    """The project (editable) and these dependency groups, at the versions in uv.lock.

    ``--locked`` fails if uv.lock no longer matches pyproject.toml: run
    ``uv lock`` after changing a dependency, and commit both.
    """
    session.run_install(
        "uv", "sync", "--locked", "--no-default-groups",
        *(f"--group={group}" for group in groups),
        *([] if project else ["--no-install-project"]),
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location},
    )  # fmt: skip


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The shared suite on every implementation and backend, plus the native tests.

    Writes ``build/junit-<python>.xml``, which ``compare`` and ``site`` read; a
    run with arguments writes a report of its own (``junit-3.13--k_pool.xml``),
    so that it does not overwrite the full run's results, only adds newer ones.
    """
    _install(session, "test")
    name = f"junit-{session.python}"
    if session.posargs:
        name += "-" + re.sub(r"[^\w.=-]+", "_", "_".join(session.posargs))[:60]
    session.run("pytest", f"--junitxml=build/{name}.xml", *session.posargs)


@nox.session(python=PYTHONS[0])
def compare(session: nox.Session) -> None:
    """The side-by-side reading: ``nox -s compare`` for the overview, ``-- NAME`` for one.

    Installs only the reader (rich, pygments, and looptime for the guarantee
    matrix): none of the benchmark or test stack.
    """
    _install(session, "reader")
    session.run("python", "-m", "tools.compare", *session.posargs)


@nox.session(python=PYTHONS[0])
def site(session: nox.Session) -> None:
    """Static HTML under build/site, checked in headless Chromium (``-- --no-check`` skips).

    The check drives the system's Chromium (Debian: ``apt-get install chromium``)
    through Playwright; Playwright's own browser download is never used.
    """
    _install(session, "docs")
    check = [] if "--no-check" in session.posargs else ["--check"]
    session.run("python", "-m", "tools.site", *check)


@nox.session(python=PYTHONS[0])
def demo(session: nox.Session) -> None:
    """Runnable demos: ``nox -s demo -- fetch``, ``-- chat`` or ``-- blocking``."""
    _install(session, "test")
    session.run("python", "-m", "tools.demo", *(session.posargs or ["fetch"]))


@nox.session(python=PYTHONS[-1])  # the newest: the eager task factory needs 3.12+
def trace(session: nox.Session) -> None:
    """Task timelines of an exercise on every target: ``nox -s trace -- workers``.

    ``-- --svg DIR`` also writes an SVG per target; ``-- --bench`` measures
    what tracing costs; ``-- --help`` lists the scenarios.
    """
    _install(session, "reader")
    session.run("python", "-m", "tools.trace", *session.posargs)


@nox.session(python=PYTHONS[-1])  # the newest: the eager task factory needs 3.12+
def workshop(session: nox.Session) -> None:
    """The workshop kit: ``nox -s workshop -- start trio pool``, then ``check`` and ``diff``.

    ``-- pitfalls [NAME]`` runs the pitfalls gallery; ``-- --help`` says more.
    The participant's packages live in ``workshop/``, which git ignores.
    """
    _install(session, "test")  # the checker runs the shared suite
    session.run("python", "-m", "tools.workshop", *(session.posargs or ["--help"]))


@nox.session(python=PYTHONS[-1])  # the newest: the eager task factory needs 3.12+
def bench(session: nox.Session) -> None:
    """Every exercise on every target, as ratios: ``nox -s bench [-- fanout] [-- --quick]``.

    ``-- --record`` keeps the results in bench/results/latest and regenerates
    docs/benchmarks.md from them; ``-- --help`` lists the options.
    """
    _install(session, "test")  # the test group includes the bench peers and the server
    session.run("python", "-m", "bench", *session.posargs)


# The last anyio release before TaskHandle (4.13), the one that added it (4.14), and the newest.
ANYIO_SPAWN_VERSIONS = ["4.9.0", "4.13.0", "4.14.0", "4.16.0"]


@nox.session(python=PYTHONS[0])
def bench_anyio(session: nox.Session) -> None:
    """What spawning a task costs per anyio version: ``nox -s bench_anyio -- 4.9.0 4.16.0``.

    ``-- --record`` writes bench/results/latest/anyio_spawn.json, which the
    docs page (``nox -s bench -- --record``) includes.
    """
    record = "--record" in session.posargs
    versions = [arg for arg in session.posargs if arg != "--record"] or ANYIO_SPAWN_VERSIONS
    output = "bench/results/latest/anyio_spawn.json" if record else "build/bench/anyio_spawn.json"
    if os.path.exists(output):
        os.remove(output)  # --compare pools every record of a version: start from none
    for version in versions:
        # Not the project (it requires anyio>=4.16): the reproducer needs only anyio and trio.
        session.install(f"anyio=={version}", "trio")
        session.run(
            "python", "-m", "bench.anyio_spawn",
            "--count", "100000", "--repeat", "5", "--json", output,
        )  # fmt: skip
    session.run("python", "-m", "bench.anyio_spawn", "--compare", output)


@nox.session(python=PYTHONS[-1])
def flakes(session: nox.Session) -> None:
    """The suite N times in random order; any test whose result changed is a flake.

    ``nox -s flakes -- --runs 20`` (the default); anything after ``--runs N``
    goes to pytest, e.g. ``-- --runs 5 shared_tests/test_pool.py``.
    """
    _install(session, "test")
    session.run("python", "-m", "tools.flakes", *(session.posargs or ["--runs", "20"]))


@nox.session(python=PYTHONS[0])
def lint(session: nox.Session) -> None:
    """ruff (with flake8-async's ASYNC rules) and ruff format --check."""
    _install(session, "lint", project=False)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHONS[0])
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the packages and the suite; pyright strict over the packages."""
    _install(session, "typecheck")
    session.run("mypy")
    session.run("pyright")
