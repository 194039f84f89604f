"""serve_chat fanning lines out to 100 clients, against a bare line relay on the same backend.

``ours`` is the target's ``serve_chat``, started and stopped by
``testkit.chat.chat_server``; ``raw`` is ``line_relay`` from
``bench.dialects``: the same protocol written with the target's own
listener and streams, each line written straight to every other client from
the sender's connection task, without the exercise's hub, per-client
buffers and tasks, limits, checks or graceful shutdown.

Both run the same clients (``testkit.chat.ChatClient``) in the same event
loop as the server, so the clients' reading is part of both times alike:
100 clients join, one more joins and says ``size`` lines, and the workload
ends when each of the 100 has read every line, in order, from the sender.
A run is timed whole, as every workload is (``bench.common.time_once``):
starting the server, the 101 connections, the lines and the shutdown.  The
connections cannot be made before the timer starts, since a server and its
clients live in one event loop run and ``Warmed`` only runs a warm-up in it
before; ``size`` is chosen so that the lines take most of the time.

``ours`` runs with the default ``client_buffer`` (64 lines) while the
sender, in the same loop, says its lines as fast as it can: the benchmark
first found that a burst cut every client off as too slow on trio and
anyio, which ``serve_chat`` now prevents (each reader yields per line, each
sender writes all that waits at once).  That batching is also why ``ours``
can beat the raw relay on trio and anyio, whose relay sends one line per
write, and each send there is a checkpoint.
"""

from __future__ import annotations

from collections.abc import Sequence

import anyio

from testkit.chat import ChatClient, chat_server
from tools.registry import Target

from .common import OURS, RAW, Variants, check, scenario
from .dialects import DIALECTS

RECEIVERS = 100
GUARD = 60.0
"""Seconds before a run that lost a line fails, instead of waiting for it for ever."""


async def _listen(client: ChatClient, count: int, heard: list[str]) -> None:
    for _ in range(count):
        heard.append(await client.line())


async def say_to_receivers(port: int, messages: Sequence[str]) -> tuple[str, list[list[str]]]:
    """Join the receivers and a sender, say ``messages``; the sender's name and what each heard."""
    clients: list[ChatClient] = []
    heard: list[list[str]] = [[] for _ in range(RECEIVERS)]
    try:
        with anyio.fail_after(GUARD):
            # One at a time: 101 connections at once could overflow the listen
            # backlog of start_server (100), and a dropped SYN is retried a second later.
            for _ in range(RECEIVERS):
                clients.append((await ChatClient.join(port))[0])
            sender, name = await ChatClient.join(port)
            clients.append(sender)
            async with anyio.create_task_group() as group:
                for client, lines in zip(clients[:RECEIVERS], heard, strict=True):
                    group.start_soon(_listen, client, len(messages), lines)
                for text in messages:
                    await sender.say(text)
    finally:
        # Before the server stops: a client still connected would have
        # serve_chat wait out its grace, and asyncio's relay wait for ever.
        for client in clients:
            await client.aclose()
    return name, heard


def check_heard(name: str, heard: list[list[str]], messages: Sequence[str]) -> None:
    expected = [f"{name}: {text}" for text in messages]
    check(len(heard) == RECEIVERS and all(lines == expected for lines in heard))


@scenario(
    "server",
    f"fan-out to {RECEIVERS} clients",
    unit="message",
    size=300,
    quick_size=100,
    tiny_size=5,
)
def fan_out(target: Target, size: int) -> Variants:
    dialect = DIALECTS[target.package]
    messages = [f"message {i}" for i in range(size)]

    async def ours() -> None:
        options = {"max_clients": RECEIVERS + 1}
        async with chat_server(target, **options) as server:
            name, heard = await say_to_receivers(server.port, messages)
        check_heard(name, heard, messages)

    async def raw() -> None:
        async with dialect.line_relay() as port:
            name, heard = await say_to_receivers(port, messages)
        check_heard(name, heard, messages)

    return {OURS: ours, RAW: raw}
