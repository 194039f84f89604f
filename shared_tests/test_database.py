"""Database queries against a real PostgreSQL: the project's Pool holding asyncpg connections.

Issue 17 asks whether "database queries: yes, with an async driver" holds
up with this project's own pieces: ``pool.Pool`` lends out real asyncpg
connections, ``fanout.run_all`` runs the queries concurrently, and a query
cancelled half-way must never leave a dirty connection (a query still
running, a transaction still open) for the next acquirer.  Next to it,
``asyncpg.create_pool`` with the same workload, so the two answers to that
last problem are side by side:

- ``pool.Pool`` treats a body that exits by an exception, cancellation
  included, as "this resource is in an unknown state": it closes the
  connection (asyncpg sends the server a cancel request, then hangs up) and
  the next acquirer gets a fresh one, another backend.
- ``asyncpg.create_pool`` knows what a connection is: on release it waits
  for the server to acknowledge the cancellation, then resets the
  connection (``ROLLBACK`` if a transaction was open, ``RESET ALL``...), and
  lends the same backend out again; only if that fails does it terminate it.

The server is a throwaway cluster (``testkit.postgres``), one per session.
asyncpg needs an asyncio event loop, so these run on the asyncio targets
only; the last test shows what a user of trio sees instead.  Every test
ends by checking, on the server, that no connection it opened is left.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from functools import partial
from typing import Any

import anyio
import asyncpg  # type: ignore[import-untyped]
import pytest

from testkit.postgres import LocalPostgres, require_server

from .helpers import Impl

pytestmark = [pytest.mark.real_time, pytest.mark.backends("asyncio")]

SETTLE_SECONDS = 10.0
"""How long the server may take to notice a connection closed (a bound on a poll, not a timing)."""

SLEEP_FOREVER = "SELECT pg_sleep(3600)"


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    """One throwaway cluster for the session.

    Without the server's binaries: skipped, naming the package to install;
    on CI (``CI`` set), an error instead, since CI installs the package.
    """
    with LocalPostgres(require_server()) as server:
        yield server


class Database:
    """A connection of the test's own that watches the server (``pg_stat_activity``)."""

    def __init__(self, dsn: str, checker: Any) -> None:
        self.dsn = dsn
        self.checker = checker

    async def others(self) -> list[Any]:
        """Every client connection to the server but the checker's: pid, state, query."""
        rows: list[Any] = await self.checker.fetch(
            "SELECT pid, state, query FROM pg_stat_activity"
            " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        return rows

    async def eventually(self, ok: Callable[[list[Any]], bool], what: str) -> list[Any]:
        """Poll ``others()`` until ``ok(rows)``; fail with ``what`` after ``SETTLE_SECONDS``.

        A backend leaves ``pg_stat_activity`` a moment after its client hung
        up, so "gone" is something to wait for, with a bound.
        """
        deadline = anyio.current_time() + SETTLE_SECONDS
        while not ok(rows := await self.others()):
            if anyio.current_time() > deadline:
                pytest.fail(f"{what}, after {SETTLE_SECONDS:g} s: {[dict(r) for r in rows]}")
            await anyio.sleep(0.01)
        return rows


@pytest.fixture
async def database(postgres: LocalPostgres, anyio_backend: object) -> AsyncIterator[Database]:
    """The server, watched; after the test, no client connection may be left but the checker."""
    checker = await asyncpg.connect(postgres.dsn)
    try:
        database = Database(postgres.dsn, checker)
        yield database
        await database.eventually(lambda rows: not rows, "connections left open after the test")
    finally:
        # After a failure, leave the next test a server without this one's connections.
        await checker.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        await checker.close()


class Connections:
    """``factory`` and ``close`` for ``impl.pool.Pool``: asyncpg connections, and the books.

    ``made`` and ``closed`` hold backend pids, which the server's views show too.
    """

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self.made: list[int] = []
        self.closed: list[int] = []

    async def connect(self) -> Any:
        connection = await asyncpg.connect(self.dsn)
        self.made.append(connection.get_server_pid())
        return connection

    async def close(self, connection: Any) -> None:
        self.closed.append(connection.get_server_pid())
        # ``close()``, not ``terminate()``: with a query running, close first
        # sends the server a cancel request.  A client that just hangs up
        # leaves the query running: PostgreSQL notices a vanished client only
        # when it next talks to it, so ``pg_sleep(3600)`` would go on for an hour.
        await connection.close()

    def pool(self, impl: Impl, max_size: int) -> Any:
        return impl.pool.Pool(self.connect, max_size=max_size, close=self.close)


async def assert_clean(connection: Any) -> None:
    """No transaction open (nor aborted: the query runs), and nothing left from one."""
    assert not connection.is_in_transaction()
    scratch = "SELECT count(*) FROM pg_tables WHERE tablename = 'scratch'"
    assert await connection.fetchval(scratch) == 0


async def add_one(acquire: Callable[[], AbstractAsyncContextManager[Any]], n: int) -> Any:
    """One small query through a pool: ``n + 1``, and which backend answered."""
    async with acquire() as connection:
        return await connection.fetchrow("SELECT $1::int + 1 AS answer, pg_backend_pid() AS pid", n)


# ------------------------------------------------------------ concurrent queries


async def test_concurrent_queries_share_a_few_real_connections(
    impl: Impl, database: Database
) -> None:
    connections = Connections(database.dsn)
    async with connections.pool(impl, max_size=5) as pool:
        rows = await impl.fanout.run_all(
            [partial(add_one, pool.acquire, n) for n in range(100)], limit=20
        )
        # On the server: the pool's connections, each waiting for the next query.
        backends = await database.others()
        assert sorted(row["pid"] for row in backends) == sorted(connections.made)
        assert {row["state"] for row in backends} == {"idle"}
        assert pool.size == pool.idle == len(connections.made)
    assert [row["answer"] for row in rows] == [n + 1 for n in range(100)]
    # 100 queries, 20 at a time, on at most 5 connections: each one reused.
    assert 1 <= len(connections.made) <= 5
    assert set(Counter(row["pid"] for row in rows)) == set(connections.made)
    assert sorted(connections.closed) == sorted(connections.made)  # aclose closed every one


async def test_cancelled_at_any_moment_pooled_queries_leave_nothing_behind(
    impl: Impl, database: Database
) -> None:
    """Cancelled while connecting, waiting for a connection, or mid-query: nothing leaks.

    Growing delays spread the cancellation over every stage of a pooled query;
    whichever it hits, the pool's books must balance, and the server must
    be left with no connection the pool does not hold (checked after the
    test).  A connect cancelled half-way, which the pool never saw, counts.
    """
    connections = Connections(database.dsn)

    async def nap() -> None:
        async with pool.acquire() as connection:
            await connection.execute("SELECT pg_sleep(0.01)")

    async with connections.pool(impl, max_size=2) as pool:
        # Later and later, until the work beats the cancellation: the first
        # ones land in connects, the later ones in waits and queries.
        delay, finished = 0.0005, False
        while not finished:
            assert delay < 2, "the work never finished"
            async with impl.cancel_after(delay) as outcome:
                await impl.fanout.run_all([nap] * 3)
            finished, delay = not outcome.cancelled_caught, delay * 1.3
            assert pool.in_use == 0
            assert pool.size == pool.idle == len(connections.made) - len(connections.closed)
        rows = await impl.fanout.run_all(
            [partial(add_one, pool.acquire, n) for n in range(10)], limit=4
        )
        assert [row["answer"] for row in rows] == [n + 1 for n in range(10)]
        held = {pid for pid in connections.made if pid not in connections.closed}
        assert {row["pid"] for row in rows} <= held
    assert sorted(connections.closed) == sorted(connections.made)


# ------------------------------------------------------------ cancellation mid-query


RUN_QUERY: dict[str, Callable[[Any], Awaitable[object]]] = {
    "a query": lambda connection: connection.execute(SLEEP_FOREVER),
    "in a transaction block": lambda connection: in_transaction(connection),
    "after a bare BEGIN": lambda connection: after_begin(connection),
}
"""How the cancelled query runs: alone, in asyncpg's ``transaction()``, or after ``BEGIN``."""


async def in_transaction(connection: Any) -> None:
    async with connection.transaction():
        await connection.execute("CREATE TEMPORARY TABLE scratch (n int)")
        await connection.execute(SLEEP_FOREVER)


async def after_begin(connection: Any) -> None:
    # No context manager to roll back: only the pool stands between this
    # open transaction and the next acquirer.
    await connection.execute("BEGIN")
    await connection.execute(SLEEP_FOREVER)


async def cancel_mid_query(
    impl: Impl,
    database: Database,
    acquire: Callable[[], AbstractAsyncContextManager[Any]],
    run_query: Callable[[Any], Awaitable[object]],
) -> int:
    """Run ``run_query`` on a pooled connection; cancel it once the server is running it.

    Cancelled the way the target's users cancel (``impl.cancel_after``),
    from another task, as soon as ``pg_stat_activity`` shows the sleep
    running.  Returns that backend's pid.
    """
    victims: list[int] = []

    async def cancel_when_running(cancel: Callable[[], None]) -> None:
        rows = await database.eventually(
            lambda rows: any(r["query"] == SLEEP_FOREVER and r["state"] == "active" for r in rows),
            "the query never ran",
        )
        victims.extend(r["pid"] for r in rows if r["query"] == SLEEP_FOREVER)
        cancel()

    async with anyio.create_task_group() as group, impl.cancel_after(math.inf) as outcome:
        group.start_soon(cancel_when_running, outcome.cancel)
        async with acquire() as connection:
            await run_query(connection)
    assert outcome.cancelled_caught
    [victim] = victims
    return victim


@pytest.mark.parametrize("how", list(RUN_QUERY))
async def test_a_cancelled_query_discards_its_connection(
    impl: Impl, database: Database, how: str
) -> None:
    connections = Connections(database.dsn)
    async with connections.pool(impl, max_size=2) as pool:
        async with pool.acquire(), pool.acquire():  # two connections, both idle after
            pass
        victim = await cancel_mid_query(impl, database, pool.acquire, RUN_QUERY[how])
        # The pool closed it (awaited before the cancellation left the block) and
        # freed its slot; the other connection is idle, clean.
        assert connections.closed == [victim]
        assert (pool.size, pool.idle, pool.in_use) == (1, 1, 0)
        # On the server, the cancelled backend goes away; nothing is left
        # running, nor idle in a transaction.
        await database.eventually(
            lambda rows: (
                sorted(r["pid"] for r in rows) == sorted(set(connections.made) - {victim})
                and {r["state"] for r in rows} == {"idle"}
            ),
            "the cancelled query's backend is still there",
        )
        # Nobody gets that connection again: 20 queries, 5 at a time, on the
        # idle one and on new ones.
        rows = await impl.fanout.run_all(
            [partial(add_one, pool.acquire, n) for n in range(20)], limit=5
        )
        assert [row["answer"] for row in rows] == [n + 1 for n in range(20)]
        assert victim not in {row["pid"] for row in rows}
        async with pool.acquire() as connection:
            await assert_clean(connection)
    assert sorted(connections.closed) == sorted(connections.made)


@pytest.mark.parametrize("how", list(RUN_QUERY))
async def test_asyncpg_create_pool_resets_a_cancelled_connection_and_lends_it_again(
    impl: Impl, database: Database, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The comparison: asyncpg's own pool, the same cancellation.

    On release asyncpg waits for the server to acknowledge the cancel
    request, then resets the connection (``ROLLBACK`` first if a transaction
    is open), and keeps it: the next acquirer gets the same backend, clean.
    """
    async with asyncpg.create_pool(database.dsn, min_size=0, max_size=1) as pool:
        victim = await cancel_mid_query(impl, database, pool.acquire, RUN_QUERY[how])
        async with pool.acquire() as connection:
            assert connection.get_server_pid() == victim  # the same backend again...
            await assert_clean(connection)  # ...rolled back
        [backend] = await database.others()
        assert (backend["pid"], backend["state"]) == (victim, "idle")
    if how == "after a bare BEGIN":
        # A transaction nobody manages: asyncpg rolls it back, and says so.
        assert "Resetting connection with an active transaction" in caplog.text


# ------------------------------------------------------------ trio


@pytest.mark.backends("trio")
async def test_asyncpg_does_not_run_under_trio(
    postgres: LocalPostgres, anyio_backend: object
) -> None:
    """asyncpg asks asyncio for its event loop at once, and under trio there is none.

    Which error a user sees depends on the Python version and on what ran
    before in the process: ``RuntimeError`` (no running event loop, or no
    current one), or, in a fresh 3.12 or 3.13 with warnings as errors (as
    in this suite), the ``DeprecationWarning`` that comes first.  The
    libraries matrix of issue 17 covers the bridge (trio-asyncio).
    """
    with pytest.raises((RuntimeError, DeprecationWarning), match="event loop"):
        await asyncpg.connect(postgres.dsn)
