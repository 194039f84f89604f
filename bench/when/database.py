"""Database queries: the project's ``Pool`` of asyncpg connections and ``run_all``, or one by one.

The server is a throwaway PostgreSQL cluster (``testkit.postgres``) on
127.0.0.1, started by the measurement itself.  Two queries, each its own
table:

- ``SELECT $1::int + 1``: nothing for the server to do, so what shows is
  what a query costs the client (driver, event loop, pool) and the round
  trip;
- the same after ``pg_sleep(0.001)``: a millisecond of server time, as a
  query that does some work has, which concurrency can overlap.

The variants:

- ``sync`` (plain Python): psycopg's synchronous driver, one connection,
  one query after another: what a simple script does;
- ``sequential`` (each asyncio target, the baseline): asyncpg, one
  connection, one query after another: the async driver, no concurrency;
- ``ours ×1``, ``ours ×10``, ``ours ×50`` (each asyncio target): the
  exercise's ``pool.Pool`` holding that many asyncpg connections, and
  ``fanout.run_all(..., limit=N)`` running one task per query (acquire,
  query, release).

Connections are opened before the clock starts and closed after it stops:
only the queries are timed.  Seconds per query (queries per second is its
inverse).  asyncpg needs an asyncio event loop, so the trio targets get a
note instead of a time; the libraries matrix (``tools.libraries``) shows
what runs where.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from functools import partial
from typing import Any, LiteralString

import asyncpg  # type: ignore[import-untyped]
import psycopg

from bench.common import check
from testkit.postgres import MISSING_SERVER, LocalPostgres, find_server
from tools.registry import Target

from .common import PLAIN, TARGETS, Result, measurement, median_seconds

CONCURRENCY = (1, 10, 50)
NOT_ON_TRIO = (
    "asyncpg needs an asyncio event loop: under trio, asyncpg.connect fails at once "
    "(RuntimeError: no running event loop)"
)


@dataclass(frozen=True)
class Query:
    """One query, in each driver's placeholder style; it answers ``n + 1``."""

    asyncpg: str
    psycopg: LiteralString


TRIVIAL = Query("SELECT $1::int + 1", "SELECT %s::int + 1")
ONE_MS = Query("SELECT $1::int + 1 FROM pg_sleep(0.001)", "SELECT %s::int + 1 FROM pg_sleep(0.001)")


def ours(concurrency: int) -> str:
    return f"ours ×{concurrency}"


# ------------------------------------------------------------ plain Python


def _sync(dsn: str, query: Query, size: int, repeats: int) -> Result:
    with psycopg.connect(dsn, autocommit=True) as connection:

        def run() -> None:
            answers = []
            for n in range(size):
                row = connection.execute(query.psycopg, (n,)).fetchone()
                answers.append(row[0] if row else None)
            check(answers == [n + 1 for n in range(size)])

        return Result(PLAIN, "sync", median_seconds(run, repeats, size))


# ------------------------------------------------------------ in a target's loop


def _median_in_loop(target: Target, timed: Callable[[], Awaitable[float]], repeats: int) -> float:
    """The median of ``repeats`` runs of ``timed``, each in a fresh loop of the target.

    ``timed`` opens its connections, times its queries and returns that time,
    then closes them: neither connecting nor closing is timed.
    """
    return statistics.median(target.run(timed) for _ in range(repeats))


def _sequential(dsn: str, query: Query, size: int) -> Callable[[], Awaitable[float]]:
    async def timed() -> float:
        connection = await asyncpg.connect(dsn)
        try:
            start = time.perf_counter()
            answers = [await connection.fetchval(query.asyncpg, n) for n in range(size)]
            elapsed = time.perf_counter() - start
        finally:
            await connection.close()
        check(answers == [n + 1 for n in range(size)])
        return elapsed

    return timed


async def _close(connection: Any) -> None:
    await connection.close()


def _pooled(
    target: Target, dsn: str, query: Query, size: int, concurrency: int
) -> Callable[[], Awaitable[float]]:
    async def timed() -> float:
        run_all = target.module("fanout").run_all
        pool = target.module("pool").Pool(
            partial(asyncpg.connect, dsn), max_size=concurrency, close=_close
        )

        async def one(n: int) -> Any:
            async with pool.acquire() as connection:
                return await connection.fetchval(query.asyncpg, n)

        async with pool:
            # Open the connections the run will use, all at once, before the clock starts.
            async with AsyncExitStack() as held:
                opened = min(concurrency, size)
                await run_all(
                    [partial(held.enter_async_context, pool.acquire()) for _ in range(opened)]
                )
            check(pool.idle == opened)
            start = time.perf_counter()
            answers = await run_all([partial(one, n) for n in range(size)], limit=concurrency)
            elapsed = time.perf_counter() - start
        check(answers == [n + 1 for n in range(size)])
        return elapsed

    return timed


# ------------------------------------------------------------ the measurements


def _measure(query: Query, size: int, repeats: int) -> list[Result]:
    if find_server() is None:
        return [Result(PLAIN, "sync", math.nan, f"not measured: {MISSING_SERVER}")]
    results = []
    with LocalPostgres() as server:
        results.append(_sync(server.dsn, query, size, repeats))
        for target in TARGETS:
            if target.backend != "asyncio":
                results.append(Result(target.id, "sequential", math.nan, NOT_ON_TRIO))
                continue
            seconds = _median_in_loop(target, _sequential(server.dsn, query, size), repeats)
            results.append(Result(target.id, "sequential", seconds / size))
            for concurrency in CONCURRENCY:
                timed = _pooled(target, server.dsn, query, size, concurrency)
                seconds = _median_in_loop(target, timed, repeats)
                results.append(Result(target.id, ours(concurrency), seconds / size))
    return results


@measurement(
    "database",
    "trivial queries (SELECT $1::int + 1)",
    unit="query",
    baseline="sequential",
    size=2000,
    quick_size=500,
    tiny_size=10,
)
def trivial_queries(size: int, repeats: int) -> list[Result]:
    return _measure(TRIVIAL, size, repeats)


@measurement(
    "database",
    "queries with 1 ms of server time (pg_sleep(0.001))",
    unit="query",
    baseline="sequential",
    size=500,
    quick_size=200,
    tiny_size=10,
)
def one_ms_queries(size: int, repeats: int) -> list[Result]:
    return _measure(ONE_MS, size, repeats)
