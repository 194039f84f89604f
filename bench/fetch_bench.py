"""fetch_all against a bare httpx loop at the same limits, and aiohttp, over loopback.

The server (the suite's uvicorn app) runs in a process of its own, so the
client's event loop is all that is measured on this side.
"""

from __future__ import annotations

import contextlib
import importlib
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import anyio
import httpx

from .common import TARGETS, interleaved, table

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def server_process() -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "shared_tests.http_server"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


def bare_httpx(urls: list[str], concurrency: int) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        slots = anyio.Semaphore(concurrency)
        async with httpx.AsyncClient(limits=limits) as client, anyio.create_task_group() as group:

            async def get(url: str) -> None:
                async with slots:
                    (await client.get(url)).raise_for_status()

            for url in urls:
                group.start_soon(get, url)

    return run


def with_aiohttp(urls: list[str], concurrency: int) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        connector = aiohttp.TCPConnector(limit=concurrency)
        slots = anyio.Semaphore(concurrency)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def get(url: str) -> None:
                async with slots, session.get(url) as response:
                    await response.read()

            async with anyio.create_task_group() as group:
                for url in urls:
                    group.start_soon(get, url)

    return run


def fetch_all_runs(count: int, repeat: int, levels: tuple[int, ...] = (1, 10, 50)) -> str:
    rows = []
    with server_process() as base:
        urls = [f"{base}/page/{i}" for i in range(count)]
        for concurrency in levels:
            cases: dict[str, tuple[str, Callable[[], Awaitable[Any]]]] = {
                "bare httpx-asyncio": ("asyncio", bare_httpx(urls, concurrency)),
                "bare httpx-trio": ("trio", bare_httpx(urls, concurrency)),
                "aiohttp-asyncio": ("asyncio", with_aiohttp(urls, concurrency)),
            }
            for label, package, backend in TARGETS:
                fetch_all = importlib.import_module(f"{package}.fetch").fetch_all

                async def ours(run: Any = fetch_all, n: int = concurrency) -> None:
                    results = await run(urls, concurrency=n)
                    assert all(r.status == 200 for r in results)

                cases[label] = (backend, ours)
            results = {r.name: r for r in interleaved(cases, count, repeat)}
            for name, result in results.items():
                bare = results[
                    "bare httpx-trio" if name.endswith("-trio") else "bare httpx-asyncio"
                ]
                rows.append(
                    [
                        name,
                        str(concurrency),
                        f"{result.per_second:,.0f}",
                        f"{result.seconds / bare.seconds:.2f}x",
                    ]
                )
    return table(
        f"fetch_all over loopback ({count:,} GETs, server in its own process, median of {repeat})",
        rows,
        ["client", "concurrency", "requests/s", "time vs bare httpx, same backend"],
    )
