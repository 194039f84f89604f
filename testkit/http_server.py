"""A real HTTP server on 127.0.0.1 for the fetch tests, demo and benchmark.

uvicorn serves a small ASGI app from a thread of its own (its own event
loop), on an ephemeral port.  The app records hits per path and the peak
number of requests in flight, so tests can assert "fetched once" and
"never more than N at a time".

Routes:
    /page/{name}                  200, a small text body
    /status/{code}                that status
    /redirect/{n}/{i}             302 to /site/{n}/{i}
    /text/{name}                  200 text/plain with an <a href> inside (not HTML)
    /flaky/{key}/{k}              503 for the first k hits of key, then 200
    /slow/{seconds}               200 after that many seconds
    /retry-after/{key}/{seconds}  503 with Retry-After on the first hit, then 200
    /too-many/{key}/{seconds}     429 with Retry-After on the first hit, then 200
    /site/{n}/{i}                 page i of a site of n linked HTML pages
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from typing import Any

import uvicorn

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]


class Stats:
    """What the server saw; read from the test's thread, written from the server's."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.hits: Counter[str] = Counter()
        self.in_flight = 0
        self.peak = 0

    def reset(self) -> None:
        with self.lock:
            self.hits.clear()
            self.peak = self.in_flight

    def enter(self, path: str) -> None:
        with self.lock:
            self.hits[path] += 1
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1


def site_page(n: int, i: int) -> str:
    """Page i links to 2i+1 and 2i+2 (a tree), back to 0, to itself with a
    fragment, and to places off the site that a crawler must not follow."""
    links = [f"/site/{n}/{j}" for j in (2 * i + 1, 2 * i + 2) if j < n]
    links += [f"/site/{n}/0", f"/site/{n}/{i}#top", "http://192.0.2.1/elsewhere", "mailto:x@y.z"]
    links += ["http://[::1", "http://xn--/"]  # malformed: a crawler must skip them
    if i == 0:
        links += [f"/redirect/{n}/{n - 1}", f"/text/{n}"]  # a redirect in; a page not HTML
    anchors = "".join(f'<a href="{href}">{href}</a>\n' for href in links)
    return f"<html><body><h1>page {i}</h1>\n{anchors}</body></html>"


class App:
    def __init__(self, stats: Stats) -> None:
        self.stats = stats
        self.flaky: Counter[str] = Counter()

    async def __call__(
        self,
        scope: Scope,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        self.stats.enter(path)
        try:
            # A client that hangs up stops counting as in flight at once.
            answer = asyncio.ensure_future(self.route(path))
            hang_up = asyncio.ensure_future(_disconnected(receive))
            await asyncio.wait({answer, hang_up}, return_when=asyncio.FIRST_COMPLETED)
            for task in (answer, hang_up):
                task.cancel()
            if not answer.done() or answer.cancelled():
                return
            status, headers, body = answer.result()
        finally:
            self.stats.leave()
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def route(self, path: str) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        parts = path.strip("/").split("/")
        text = [(b"content-type", b"text/plain")]
        match parts:
            case ["page", name]:
                return 200, text, f"page {name}".encode()
            case ["status", code]:
                return int(code), text, f"status {code}".encode()
            case ["redirect", n, i]:
                return 302, [*text, (b"location", f"/site/{n}/{i}".encode())], b""
            case ["text", name]:
                return 200, text, f'<a href="/page/{name}">not a link</a>'.encode()
            case ["bad-retry-after", value]:
                return 503, [*text, (b"retry-after", value.encode())], b"later"
            case ["flaky", key, k]:
                self.flaky[key] += 1
                if self.flaky[key] <= int(k):
                    return 503, text, b"not yet"
                return 200, text, f"flaky {key} ok".encode()
            case ["slow", seconds]:
                await asyncio.sleep(float(seconds))
                return 200, text, b"slow ok"
            case [("retry-after" | "too-many") as kind, key, seconds]:
                self.flaky[path] += 1
                if self.flaky[path] == 1:
                    status = 503 if kind == "retry-after" else 429
                    return status, [*text, (b"retry-after", seconds.encode())], b"later"
                return 200, text, b"now ok"
            case ["site", n, i]:
                html = [(b"content-type", b"text/html; charset=utf-8")]
                return 200, html, site_page(int(n), int(i)).encode()
        return 404, text, b"no such route"


async def _disconnected(receive: Callable[[], Awaitable[Message]]) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


class LocalServer:
    """uvicorn on 127.0.0.1 and an ephemeral port, in a thread; a context manager."""

    def __init__(self) -> None:
        self.stats = Stats()
        self.app = App(self.stats)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Headers and body go out in two writes; without this, Nagle holds the
        # second until the client's delayed ACK, 40 ms later, on every request.
        self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._socket.bind(("127.0.0.1", 0))
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(
            self.app, lifespan="off", log_level="warning", access_log=False,
            loop="asyncio", http="h11", ws="none", backlog=2048, timeout_graceful_shutdown=1,
        )  # fmt: skip
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="local-http-server", daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _run(self) -> None:
        asyncio.run(self._server.serve(sockets=[self._socket]))

    def __enter__(self) -> LocalServer:
        self._thread.start()
        for _ in range(500):  # up to 5 s for the server to start, then fail loudly
            if self._server.started:
                return self
            threading.Event().wait(0.01)
        raise RuntimeError("the local HTTP server did not start")

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self._socket.close()

    def reset(self) -> None:
        self.stats.reset()
        self.app.flaky.clear()


@contextlib.contextmanager
def running_server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


def main() -> None:
    """``python -m shared_tests.http_server``: serve until killed; print the base URL."""
    with LocalServer() as server:
        print(server.url(""), flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
