"""Many network requests: each target's ``fetch_all`` against the same requests made synchronously.

The server is the suite's local HTTP server (``testkit.http_server``), and
every request asks for ``/slow/0.02``: 20 ms of latency, the kind a real
service has, which is what concurrency hides.  The variants:

- ``sync`` (plain Python): ``httpx.Client``, one request after another,
  what a simple script does;
- ``threads`` (plain Python): the same client shared by 10 threads of a
  ``ThreadPoolExecutor``, the synchronous way to overlap the waits;
- ``ours`` (each target): ``fetch.fetch_all(urls, concurrency=10)``, the
  exercise, with its retries and limits.

Seconds per request; ``ours`` and ``threads`` against ``sync`` show what
overlapping the latency buys, and ``ours`` against ``threads`` what async
adds to that on this machine.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from bench.common import check
from testkit.http_server import LocalServer

from .common import PLAIN, TARGETS, Result, measurement, median_in_loop, median_seconds

LATENCY = 0.02
CONCURRENCY = 10


def _sync(urls: list[str]) -> Callable[[], None]:
    def run() -> None:
        with httpx.Client() as client:
            statuses = [client.get(url).status_code for url in urls]
        check(statuses == [200] * len(urls))

    return run


def _threads(urls: list[str]) -> Callable[[], None]:
    def run() -> None:
        limits = httpx.Limits(max_connections=CONCURRENCY)
        with httpx.Client(limits=limits) as client, ThreadPoolExecutor(CONCURRENCY) as pool:
            statuses = list(pool.map(lambda url: client.get(url).status_code, urls))
        check(statuses == [200] * len(urls))

    return run


@measurement(
    "network",
    f"requests with {LATENCY * 1000:g} ms of latency each",
    unit="request",
    baseline="sync",
    size=200,
    quick_size=50,
    tiny_size=5,
)
def requests(size: int, repeats: int) -> list[Result]:
    results = []
    with LocalServer() as server:
        urls = [server.url(f"/slow/{LATENCY}?{n}") for n in range(size)]
        for variant, run in (("sync", _sync(urls)), ("threads", _threads(urls))):
            results.append(Result(PLAIN, variant, median_seconds(run, repeats, size)))
        for target in TARGETS:
            fetch_all: Callable[..., Any] = target.module("fetch").fetch_all

            async def ours(fetch_all: Callable[..., Any] = fetch_all) -> None:
                fetched = await fetch_all(urls, concurrency=CONCURRENCY)
                check([result.status for result in fetched] == [200] * len(urls))

            results.append(Result(target.id, "ours", median_in_loop(target, ours, repeats, size)))
    return results
