"""Driving the ``server`` exercise: a target's chat server, and clients (tests, demo, bench).

Written with anyio, so that the same code drives every target on either
backend.  ``chat_server`` starts the target's ``serve_chat`` the way its
own users would and, when its block ends, cancels it the way they would: a
single ``Task.cancel()`` for asyncio-style code on asyncio (anyio's cancel
scopes re-deliver their cancellation on every loop iteration, and asyncio
code reads a second cancellation as "now, skip the grace"), a cancel scope
otherwise.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import anyio
import anyio.abc
from anyio.abc import SocketAttribute
from anyio.streams.buffered import BufferedByteReceiveStream

from tools.registry import Target

LINE_LIMIT = 1 << 22  # the longest line a test client reads


@dataclass
class ChatServer:
    port: int
    stopped_after: float | None = field(default=None)
    """Seconds from the cancellation to ``serve_chat``'s end, once it has ended."""


@contextlib.asynccontextmanager
async def chat_server(target: Target, **options: Any) -> AsyncIterator[ChatServer]:
    """Run ``target``'s ``serve_chat(**options)`` for the block; then cancel it and wait.

    The cancellation raised by ``serve_chat`` is checked and swallowed; any
    other outcome (a return, an error) fails.
    """
    serve_chat: Callable[..., Any] = target.module("server").serve_chat
    if target.backend == "asyncio" and target.style == "native":
        started: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        if target.framework == "asyncio":
            service = serve_chat(ready=started.set_result, **options)
        else:
            service = _started_with_anyio(partial(serve_chat, **options), started.set_result)
        task = asyncio.create_task(service, name="serve_chat")
        await asyncio.wait([started, task], return_when=asyncio.FIRST_COMPLETED)
        if task.done():
            await task  # failed before listening: raise that
        server = ChatServer(started.result())
        try:
            yield server
        finally:
            begun = anyio.current_time()
            task.cancel()
            await asyncio.wait([task])  # not cancellable: the test's guard ends a hang
            server.stopped_after = anyio.current_time() - begun
            if not task.cancelled():
                raise AssertionError(f"serve_chat ended by {task.exception() or 'returning'!r}")
        return
    async with anyio.create_task_group() as group:
        server = ChatServer(await group.start(partial(serve_chat, **options)))
        try:
            yield server
        finally:
            begun = anyio.current_time()
            group.cancel_scope.cancel()
    server.stopped_after = anyio.current_time() - begun


async def _started_with_anyio(serve: Callable[..., Any], ready: Callable[[int], object]) -> None:
    async with anyio.create_task_group() as group:
        ready(await group.start(serve))


class ChatClient:
    """One connection to the chat server, reading and writing lines."""

    def __init__(self, stream: anyio.abc.SocketStream) -> None:
        self.stream = stream
        self.reader = BufferedByteReceiveStream(stream)

    @classmethod
    async def connect(cls, port: int) -> ChatClient:
        return cls(await anyio.connect_tcp("127.0.0.1", port))

    @classmethod
    async def join(cls, port: int) -> tuple[ChatClient, str]:
        """Connect and read the welcome line; returns the client and the name it was given."""
        client = await cls.connect(port)
        line = await client.line()
        prefix = "* welcome, you are "
        if not line.startswith(prefix):
            await client.stream.aclose()
            raise AssertionError(f"expected a welcome, got {line!r}")
        return client, line.removeprefix(prefix)

    async def send(self, text: str | bytes) -> None:
        await self.stream.send(text.encode() if isinstance(text, str) else text)

    async def say(self, text: str) -> None:
        await self.send(text + "\n")

    async def line(self) -> str:
        """The next line, without its ``\\n``.

        Raises:
            anyio.IncompleteRead: the server closed its end first.
        """
        return (await self.reader.receive_until(b"\n", LINE_LIMIT)).decode()

    async def rest(self) -> list[str]:
        """Every line until the server closes its end."""
        lines = []
        while True:
            try:
                lines.append(await self.line())
            except anyio.IncompleteRead:
                return lines

    async def aclose(self) -> None:
        await self.stream.aclose()

    async def reset(self) -> None:
        """Close with a TCP reset (``SO_LINGER`` 0) instead of a FIN: a broken connection."""
        raw: socket.socket = self.stream.extra(SocketAttribute.raw_socket)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        await self.stream.aclose()
