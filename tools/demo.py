"""``nox -s demo -- fetch``: the fetch exercise against a real local server, on every backend.

Starts the suite's local HTTP server on 127.0.0.1 and fetches a few hundred
URLs (pages, a 404, flaky and slow endpoints) with each implementation on
each backend, then crawls its generated site, and prints what came back and
how long it took.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from typing import Any

from testkit.http_server import LocalServer
from tools.registry import SUITE_TARGETS, default_style

# One run per implementation and backend: loop flavours and cancel styles fetch the same.
TARGETS = [t for t in SUITE_TARGETS if t.loop == "default" and t.style == default_style(t.package)]


def urls(server: LocalServer, count: int, run: int) -> list[str]:
    paths = [f"/page/{i}" for i in range(count - 30)]
    paths += ["/status/404"] * 10 + [f"/flaky/{run}-{i}/1" for i in range(10)]
    paths += [f"/slow/0.2?{i}" for i in range(10)]
    return [server.url(path) for path in paths]


def fetch_demo(count: int, concurrency: int) -> None:
    with LocalServer() as server:
        print(f"local server at {server.url('')}; {count} URLs, concurrency {concurrency}\n")
        header = f"{'implementation':<14} {'backend':<8} {'seconds':>8} {'req/s':>7}  outcomes"
        print(header)
        print("-" * len(header))
        for run, target in enumerate(TARGETS):
            fetch = target.module("fetch")
            batch = urls(server, count, run)

            async def main(batch: list[str] = batch, module: Any = fetch) -> list[Any]:
                results: list[Any] = await module.fetch_all(batch, concurrency=concurrency)
                return results

            start = time.perf_counter()
            results = target.run(main)
            seconds = time.perf_counter() - start
            outcomes = Counter(
                f"{r.status}" + (f" after {r.attempts} attempts" if r.attempts > 1 else "")
                for r in results
            )
            summary = ", ".join(f"{n}x {what}" for what, n in sorted(outcomes.items()))
            rate = len(results) / seconds
            where = f"{target.package:<14} {target.backend:<8}"
            print(f"{where} {seconds:>8.2f} {rate:>7.0f}  {summary}")

        print("\ncrawling the local site of 40 pages:")
        for target in TARGETS:
            fetch = target.module("fetch")

            async def crawl(module: Any = fetch) -> dict[str, Any]:
                pages: dict[str, Any] = await module.crawl(server.url("/site/40/0"), concurrency=4)
                return pages

            pages = target.run(crawl)
            statuses = sorted({str(status) for status in pages.values()})
            where = f"{target.package:<14} {target.backend:<8}"
            print(f"  {where} {len(pages)} pages, statuses {statuses}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="nox -s demo --", description=__doc__)
    parser.add_argument("demo", choices=["fetch"])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=10)
    options = parser.parse_args(argv)
    fetch_demo(options.count, options.concurrency)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
