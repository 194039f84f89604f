"""fetch_all against a bare httpx loop at the same limits, and aiohttp, over loopback.

The server (the suite's uvicorn app) runs in a process of its own, so the
client's event loop is all that is measured on this side.  Both baselines
send their requests from the target's own ``queue_loop``
(``bench.dialects``): ``concurrency`` workers reading URLs from a bounded
queue, the shape of ``fetch_all``.  aiohttp runs on asyncio only.
"""

from __future__ import annotations

import atexit
import functools
import subprocess
import sys
from pathlib import Path

import aiohttp
import httpx

from tools.registry import Target

from .common import OURS, RAW, Variants, Workload, asyncio_only, check, scenario
from .dialects import DIALECTS, Dialect

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def server_url() -> str:
    """Start the test server once per benchmark process; it is stopped at exit."""
    process = subprocess.Popen(
        [sys.executable, "-m", "testkit.http_server"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )

    def stop() -> None:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()

    atexit.register(stop)
    assert process.stdout is not None
    return process.stdout.readline().strip()


# The baselines' requests go through a queue loop, not a task per URL behind
# a semaphore: that starts every request in one step, and httpcore's pool,
# whose bookkeeping grows with its connections (httpx issue 3215), then
# measured 2x slower at concurrency 50.


def _bare_httpx(dialect: Dialect, urls: list[str], concurrency: int) -> Workload:
    async def run() -> None:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(limits=limits) as client:

            async def get(url: str) -> int:
                return (await client.get(url)).status_code == 200

            check(await dialect.queue_loop(urls, get, concurrency) == len(urls))

    return run


def _with_aiohttp(dialect: Dialect, urls: list[str], concurrency: int) -> Workload:
    async def run() -> None:
        connector = aiohttp.TCPConnector(limit=concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def get(url: str) -> int:
                async with session.get(url) as response:
                    await response.read()
                    return response.status == 200

            check(await dialect.queue_loop(urls, get, concurrency) == len(urls))

    return run


def _fetch_variants(target: Target, size: int, concurrency: int) -> Variants:
    fetch_all = target.module("fetch").fetch_all
    dialect = DIALECTS[target.package]
    urls = [f"{server_url()}/page/{i}" for i in range(size)]

    async def ours() -> None:
        results = await fetch_all(urls, concurrency=concurrency)
        check(len(results) == size and all(r.status == 200 for r in results))

    return {
        OURS: ours,
        RAW: _bare_httpx(dialect, urls, concurrency),
        "aiohttp": asyncio_only(
            target, _with_aiohttp(dialect, urls, concurrency), "aiohttp runs on asyncio only"
        ),
    }


def _register(concurrency: int) -> None:
    scenario(
        "fetch",
        f"fetch_all, concurrency {concurrency}",
        unit="request",
        size=200,
        quick_size=50,
        tiny_size=5,
    )(lambda target, size: _fetch_variants(target, size, concurrency))


for _concurrency in (1, 10, 50):
    _register(_concurrency)
