"""A throwaway PostgreSQL cluster for the database tests and measurements.

``LocalPostgres`` runs ``initdb`` into a temporary directory, starts the
server with ``pg_ctl -w`` on 127.0.0.1 and a free port (and a unix socket in
that directory), and on exit stops it at once (``-m immediate``: nothing in
it is worth keeping) and removes the directory.  Start-up takes about a
second, so tests share one cluster per session.

The server comes from Debian's ``postgresql`` package, which puts the
binaries in ``/usr/lib/postgresql/<version>/bin``, off ``PATH``.
``initdb`` and ``postgres`` refuse to run as root; run as root (CI
containers), they run as the ``postgres`` system user the package creates,
and the directory is handed to that user.

Durability is switched off (``fsync``, ``synchronous_commit``,
``full_page_writes``): the cluster lives for one test run, and the point is
the client's side of a query, not the disk's.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pwd

__all__ = ["MISSING_SERVER", "LocalPostgres", "find_server", "require_server"]

MISSING_SERVER = (
    "the database tests need a PostgreSQL server: install Debian's `postgresql` package "
    "(apt-get install postgresql)"
)
"""Why the database tests are skipped (an error on CI), naming what to install."""

DEBIAN_BINARIES = Path("/usr/lib/postgresql")
SERVER_USER = "postgres"
"""The system user the server runs as when we are root (Debian's package creates it)."""
SPEED_OVER_SAFETY = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


def find_server() -> Path | None:
    """The directory of ``initdb`` and ``pg_ctl``: on ``PATH``, else Debian's newest; or None."""
    on_path = shutil.which("initdb")
    if on_path is not None:
        directory = Path(on_path).resolve().parent  # past a symlink, to pg_ctl's side
        if (directory / "pg_ctl").is_file():
            return directory
    versions = [path for path in DEBIAN_BINARIES.glob("*/bin") if (path / "initdb").is_file()]
    versions = [path for path in versions if (path / "pg_ctl").is_file()]
    if not versions:
        return None
    return max(versions, key=lambda path: _version_key(path.parent.name))


def require_server() -> Path:
    """For a test: the server's binaries; without them, skip, naming the package.

    On CI (``CI`` set), which installs the package, a missing server fails
    the test instead: an error there, never a skip.
    """
    import pytest

    binaries = find_server()
    if binaries is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI runs the database tests: {MISSING_SERVER}")
        pytest.skip(MISSING_SERVER)
    return binaries


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", name))


def _free_port() -> int:
    """A port nobody listens on right now (the server may still lose a race for it: retried)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class LocalPostgres:
    """A PostgreSQL cluster of our own, for one ``with`` block.

    Attributes (once entered): ``host`` (127.0.0.1), ``port``, ``user`` (the
    superuser, ``postgres``, trusted without a password), ``password`` (a
    dummy, see ``dsn``), ``database``, ``socket_dir`` (the unix socket's
    directory, for clients that prefer it) and ``dsn``.

    Raises (on entering):
        RuntimeError: no server binaries (the message names the package), or
            the server did not start (the message holds its log).
    """

    host = "127.0.0.1"
    user = "postgres"
    password = "unused"
    database = "postgres"

    def __init__(self, binaries: Path | None = None) -> None:
        """``binaries``: the directory of ``initdb`` and ``pg_ctl``; default ``find_server()``."""
        self._binaries = binaries
        self._bin = Path()
        self._run_as: pwd.struct_passwd | None = None
        self._dir: Path | None = None
        self.port = 0

    @property
    def socket_dir(self) -> Path:
        if self._dir is None:
            raise RuntimeError("the cluster is not running")
        return self._dir

    @property
    def dsn(self) -> str:
        """``postgresql://`` URL of the server, for asyncpg and psycopg alike.

        The password is a dummy (trust authentication never asks for it),
        there so that clients do not look for ``~/.pgpass``: asyncpg does
        that with blocking file calls in the event loop's thread, which the
        suite's blocking-call check would flag.  ``sslmode=disable``: the
        server has no TLS, and a client's default (``prefer``) would spend a
        round trip per connection asking for it, and look for certificates
        on disk.
        """
        return (
            f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{self.database}"
            "?sslmode=disable"
        )

    def __enter__(self) -> LocalPostgres:
        binaries = self._binaries or find_server()
        if binaries is None:
            raise RuntimeError(MISSING_SERVER)
        self._bin = binaries
        self._run_as = self._server_user()
        self._dir = Path(tempfile.mkdtemp(prefix="pytest-postgres-"))
        try:
            if self._run_as is not None:
                os.chown(self._dir, self._run_as.pw_uid, self._run_as.pw_gid)
            self._initdb()
            self._start()
        except BaseException:
            self._remove()  # clean even when start-up failed, or was interrupted
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._remove()

    # ------------------------------------------------------------ the server

    @staticmethod
    def _server_user() -> pwd.struct_passwd | None:
        """Who runs the server: us, unless we are root (which initdb and postgres refuse)."""
        if os.geteuid() != 0:
            return None
        import pwd  # Unix only, as is running as root

        try:
            return pwd.getpwnam(SERVER_USER)
        except KeyError:
            raise RuntimeError(
                f"running as root, the server must run as the `{SERVER_USER}` user, which "
                f"does not exist; {MISSING_SERVER}"
            ) from None

    def _command(self, program: str, *args: str | Path) -> list[str]:
        command = [str(self._bin / program), *map(str, args)]
        if self._run_as is not None:
            command = ["runuser", "-u", self._run_as.pw_name, "--", *command]
        return command

    def _run(self, program: str, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self._command(program, *args),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    @property
    def _data(self) -> Path:
        return self.socket_dir / "data"

    @property
    def _log(self) -> Path:
        return self.socket_dir / "server.log"

    def _initdb(self) -> None:
        done = self._run(
            "initdb", "--pgdata", self._data, "--username", self.user, "--auth", "trust",
            "--encoding", "UTF8", "--locale", "C", "--no-sync", "--no-instructions",
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed ({done.returncode}):\n{done.stdout}{done.stderr}")

    def _start(self) -> None:
        for _ in range(3):  # the free port may be taken between the probe and the server
            self.port = _free_port()
            settings = [
                f"listen_addresses={self.host}",
                f"port={self.port}",
                f"unix_socket_directories={shlex.quote(str(self.socket_dir))}",
                *SPEED_OVER_SAFETY,
            ]
            options = " ".join(f"-c {setting}" for setting in settings)
            started = self._run(
                "pg_ctl", "start", "--pgdata", self._data, "--wait", "--timeout", "30",
                "--log", self._log, "--silent", "-o", options,
            )  # fmt: skip
            if started.returncode == 0:
                return
            self._stop()
            log = self._log.read_text(errors="replace") if self._log.exists() else ""
            if "could not bind" not in log:
                break
        raise RuntimeError(
            f"the PostgreSQL server did not start ({started.returncode}):\n"
            f"{started.stdout}{started.stderr}\n{log}"
        )

    def _stop(self) -> None:
        """Stop the server if it runs: at once, since nothing in it is worth a checkpoint."""
        if (self._data / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", "--pgdata", self._data, "--mode", "immediate", "--wait")

    def _remove(self) -> None:
        if self._dir is None:
            return
        try:
            self._stop()
        finally:
            directory, self._dir = self._dir, None
            shutil.rmtree(directory)
