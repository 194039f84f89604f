"""Real-time events: each target's ``serve_chat`` against a thread-per-client relay.

The workload is the server benchmark's (``bench.server_bench``): 100
clients join the chat, one more says ``size`` lines, and every line must
reach all 100, in order.  The variants:

- ``threads`` (plain Python): ``socketserver.ThreadingTCPServer``, a thread
  per connection that reads lines and writes each to every other client
  under a lock: the synchronous way to serve many connections at once;
- ``ours`` (each target): the exercise's ``serve_chat``, a task (or two)
  per connection, a hub with a buffer per client, limits and a graceful
  shutdown.

The clients are the same anyio ``ChatClient`` objects in both, on asyncio
(for ``threads``) or on the target's loop; seconds per line delivered to
all 100, the whole run timed (start, connections, lines, shutdown).
"""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Callable, Sequence
from typing import Any

import anyio

from bench.server_bench import RECEIVERS, check_heard, say_to_receivers
from sansio.chat import client_name, encode, said, welcome
from testkit.chat import chat_server

from .common import PLAIN, TARGETS, Result, measurement, median_in_loop, median_seconds


class _Relay(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Connection)
        self.lock = threading.Lock()
        self.clients: dict[str, Any] = {}
        self.joined = 0


class _Connection(socketserver.StreamRequestHandler):
    server: _Relay

    def handle(self) -> None:
        with self.server.lock:
            self.server.joined += 1
            name = client_name(self.server.joined)
            self.server.clients[name] = self.wfile
        self.wfile.write(encode(welcome(name)))
        try:
            for line in self.rfile:
                data = encode(said(name, line.decode().rstrip("\r\n")))
                with self.server.lock:
                    for other, wfile in self.server.clients.items():
                        if other != name:
                            wfile.write(data)
        finally:
            with self.server.lock:
                del self.server.clients[name]


def _threads(messages: Sequence[str]) -> Callable[[], None]:
    def run() -> None:
        with _Relay() as relay:
            server = threading.Thread(target=relay.serve_forever, daemon=True)
            server.start()
            port = relay.server_address[1]
            name, heard = anyio.run(say_to_receivers, port, messages)
            relay.shutdown()
            server.join()
        check_heard(name, heard, messages)

    return run


@measurement(
    "events",
    f"a chat line fanned out to {RECEIVERS} clients",
    unit="line",
    baseline="threads",
    size=300,
    quick_size=100,
    tiny_size=5,
)
def fan_out(size: int, repeats: int) -> list[Result]:
    messages = [f"message {i}" for i in range(size)]
    results = [Result(PLAIN, "threads", median_seconds(_threads(messages), repeats, size))]
    for target in TARGETS:

        async def ours(target: Any = target) -> None:
            async with chat_server(target, max_clients=RECEIVERS + 1) as server:
                name, heard = await say_to_receivers(server.port, messages)
            check_heard(name, heard, messages)

        results.append(Result(target.id, "ours", median_in_loop(target, ours, repeats, size)))
    return results
