"""Real-time events: a broadcast hub, and a TCP chat server that shuts down gracefully.

>>> import asyncio
>>> async def main():
...     async with Broadcast[str](buffer=2) as hub:
...         async with hub.subscribe() as news:
...             hub.publish("one")
...             hub.publish("two")
...             hub.publish("three")  # the buffer holds 2: "one" is dropped
...             await hub.aclose()  # subscriptions end once drained
...             return [item async for item in news], news.dropped
>>> asyncio.run(main())
(['two', 'three'], 1)

``serve_chat`` hands back its port through ``ready``, the handshake of
``background.run_after_ready``::

    async def talk(port):
        ...  # clients connect to 127.0.0.1:port
    await run_after_ready(lambda ready: serve_chat(ready=ready), talk)

Difference: ``asyncio.start_server`` runs a coroutine callback as a task
that nothing owns: cancelling the server leaves the handlers running, and
``Server.close()`` only stops accepting (``wait_closed()`` waits for the
connections since 3.12; ``close_clients()`` arrived in 3.13).  What this
module adds to match trio's ``serve_listeners``:

* a plain callback that starts each handler in ``serve_chat``'s own
  ``TaskGroup``, so that no handler outlives the server;
* not ``serve_forever()``: cancelled, it awaits ``wait_closed()``, which
  would wait for clients that have not left, with no grace and no goodbye;
* a graceful shutdown by hand: each connection runs under its own
  ``asyncio.timeout_at``, which the shutdown brings in to ``shutdown_grace``
  seconds after the goodbye, and ``serve_chat`` waits for the handlers
  before its ``TaskGroup`` would cancel them;
* ``transport.abort()`` for a connection that ends abnormally: ``close()``
  would wait to flush data the client may never read.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncGenerator, Callable
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Generic, TypeVar

from sansio.broadcast import Lagged, Policy, check_policy
from sansio.chat import (
    GOODBYE,
    TOO_SLOW,
    BadLine,
    ServerOptions,
    check_options,
    client_name,
    decode,
    encode,
    full,
    relayed,
    too_long,
    welcome,
)
from sansio.validate import check_count

from . import _queues
from ._tasks import no_limit_as_none

__all__ = ["Lagged", "Subscription", "Broadcast", "serve_chat"]

T = TypeVar("T")


class Subscription(Generic[T]):
    """What ``Broadcast.subscribe`` yields: an async iterator over the items published."""

    def __init__(self, queue: asyncio.Queue[T], buffer: int) -> None:
        self._queue = queue
        self._buffer = buffer
        self.lagged = False
        self.dropped = 0
        """How many items the ``"drop_oldest"`` policy has dropped."""

    def __aiter__(self) -> Subscription[T]:
        return self

    async def __anext__(self) -> T:
        try:
            return await _queues.get(self._queue)
        except _queues.QueueShutDown:
            if self.lagged:
                raise Lagged(self._buffer) from None
            raise StopAsyncIteration from None

    def take_ready(self) -> list[T]:
        """The items already waiting, taken without blocking (perhaps none)."""
        return _queues.get_ready(self._queue)


class Broadcast(Generic[T]):
    """Publish/subscribe: every item goes to every current subscriber, in order.

    Args:
        buffer: items each subscriber may fall behind by.
        policy: what happens to a subscriber whose buffer is full:
            ``"drop_oldest"`` drops its oldest item (counted in
            ``subscription.dropped``); ``"disconnect"`` ends its iteration,
            after the items it holds, with ``Lagged``.

    Raises:
        ValueError: ``buffer < 1`` or an unknown ``policy``.
        TypeError: ``buffer`` is not an int or ``policy`` not a str.

    Each subscriber's buffer is an ``asyncio.Queue``, so ``publish`` never
    blocks: a full queue has its oldest item taken out, or is shut down.
    A subscriber waiting for the next item blocks; cancelled, it takes nothing.
    """

    def __init__(self, *, buffer: int = 16, policy: Policy = "drop_oldest") -> None:
        self._buffer = check_count("buffer", buffer, minimum=1)
        self._policy = check_policy(policy)
        self._subscribers: dict[Subscription[T], asyncio.Queue[T]] = {}
        self._closed = False

    def publish(self, item: T) -> None:
        """Give ``item`` to every current subscriber; never blocks.

        Raises:
            RuntimeError: the hub is closed.
        """
        if self._closed:
            raise RuntimeError("publish() on a closed Broadcast")
        for subscription, queue in list(self._subscribers.items()):
            if queue.qsize() == self._buffer:
                if self._policy == "disconnect":
                    subscription.lagged = True
                    self._unsubscribe(subscription)
                    continue
                queue.get_nowait()
                subscription.dropped += 1
            queue.put_nowait(item)

    @asynccontextmanager
    async def subscribe(self) -> AsyncGenerator[Subscription[T], None]:
        """Subscribe for the ``async with`` block: items published from now on.

        Raises:
            RuntimeError: the hub is closed.
        """
        if self._closed:
            raise RuntimeError("subscribe() on a closed Broadcast")
        # Unbounded, so that closing (a sentinel before 3.13) always fits: the bound is publish()'s.
        queue: asyncio.Queue[T] = asyncio.Queue()
        subscription = Subscription(queue, self._buffer)
        self._subscribers[subscription] = queue
        try:
            yield subscription
        finally:
            self._unsubscribe(subscription)

    def _unsubscribe(self, subscription: Subscription[T]) -> None:
        queue = self._subscribers.pop(subscription, None)
        if queue is not None:
            _queues.close_nowait(queue)  # the subscriber still gets what its queue holds

    async def aclose(self) -> None:
        """End every subscription, once each has had what it holds; publishing ends too."""
        self._closed = True
        for subscription in list(self._subscribers):
            self._unsubscribe(subscription)

    async def __aenter__(self) -> Broadcast[T]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


async def serve_chat(
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    max_clients: int = 100,
    client_buffer: int = 64,
    shutdown_grace: float = 5.0,
    max_line: int = 4096,
    ready: Callable[[int], object] | None = None,
) -> None:
    """Serve a line-based chat on TCP until cancelled: each line goes to every other client.

    Args:
        host, port: where to listen; ``port=0`` picks a free port.
        max_clients: clients served at once; the next are sent a line
            saying the server is full, and disconnected.
        client_buffer: lines a client may fall behind by before it is told
            it is too slow and disconnected (``Broadcast``, ``"disconnect"``).
        shutdown_grace: seconds each client has to leave after the goodbye
            line, before its connection is cancelled; ``math.inf``: no limit.
        max_line: the longest line in bytes.  A longer line, or one that is
            not UTF-8, gets that client a line saying so and disconnected.
        ready: called with the port once it listens.

    Blocks until cancelled.  Cancellation stops accepting at once, sends every
    client a goodbye line and half-closes its connection, waits until the
    clients have closed theirs or ``shutdown_grace`` seconds have passed,
    cancels the rest, and re-raises once every connection is closed.  A
    second cancellation during the grace cancels the handlers at once.

    Raises:
        ValueError: an argument is out of range (before anything listens).
        TypeError: an argument is of the wrong kind.
        OSError: the address cannot be listened on.
    """
    options = check_options(host, port, max_clients, client_buffer, shutdown_grace, max_line)
    chat = _Chat(options)
    async with asyncio.TaskGroup() as connections:

        def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            # A plain function: start_server runs a coroutine as a task nobody owns.
            if chat.closing:  # accepted just before close(): the group may be gone
                writer.transport.abort()
                return
            handler = connections.create_task(chat.serve(reader, writer))
            chat.handlers.add(handler)
            handler.add_done_callback(chat.handlers.discard)

        # +1: a line may end in "\r\n", and decode() drops the "\r".
        limit = options.max_line + 1
        server = await asyncio.start_server(serve, options.host, options.port, limit=limit)
        try:
            if ready is not None:
                ready(server.sockets[0].getsockname()[1])
            await asyncio.Event().wait()
        finally:
            server.close()  # stops accepting; the connections are ours to end
            await chat.shut_down()
            await server.wait_closed()  # 3.12+: until every transport has let go


class _Chat:
    """The server's state: who is connected, and the hub their lines go through."""

    def __init__(self, options: ServerOptions) -> None:
        self.options = options
        self.hub = Broadcast[tuple[str, str]](buffer=options.client_buffer, policy="disconnect")
        self.connected = 0
        self.numbers = itertools.count(1)
        self.handlers: set[asyncio.Task[None]] = set()
        self.lifetimes: set[asyncio.Timeout] = set()
        self.closing = False
        self.deadline: float | None = None  # set when the shutdown begins

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one connection until it ends; a network error ends it and no other."""
        try:
            # shut_down() brings the deadline in, after the goodbye.
            async with asyncio.timeout_at(self.deadline) as lifetime:
                self.lifetimes.add(lifetime)
                try:
                    await self._serve(reader, writer)
                    writer.close()
                    await writer.wait_closed()
                finally:
                    self.lifetimes.discard(lifetime)
        except* OSError:
            pass  # the connection broke, or the grace ran out (TimeoutError is an OSError)
        finally:
            writer.transport.abort()  # at once, unsent data or not; after close(), nothing

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.closing:
            writer.write(encode(GOODBYE))
        elif self.connected == self.options.max_clients:
            writer.write(encode(full(self.options.max_clients)))
        else:
            self.connected += 1
            try:
                farewell = await self._chat(reader, writer, client_name(next(self.numbers)))
            except* Lagged:
                farewell = TOO_SLOW
            finally:
                self.connected -= 1
            if farewell is not None and not self.closing:  # after the goodbye, nothing more
                writer.write(encode(farewell))
        await writer.drain()

    async def _chat(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, name: str
    ) -> str | None:
        """Relay lines both ways until the client leaves; return a last line for it, if any.

        Raises:
            ExceptionGroup: holding ``Lagged``, the client fell too far behind.
        """
        async with self.hub.subscribe() as lines, asyncio.TaskGroup() as tasks:
            writer.write(encode(welcome(name)))
            await writer.drain()
            sending = tasks.create_task(self._send_lines(writer, lines, name))
            farewell = await self._receive_lines(reader, name)
            # The client has left, or is being sent away: its sender may stop
            # mid-line, which only a client being sent away can see.
            sending.cancel()
        return farewell

    async def _receive_lines(self, reader: asyncio.StreamReader, name: str) -> str | None:
        """Publish the client's lines until it closes its end (a partial last line is dropped)."""
        while True:
            try:
                line = await reader.readuntil(b"\n")
            except asyncio.IncompleteReadError:
                return None
            except asyncio.LimitOverrunError:
                return too_long(self.options.max_line)
            try:
                text = decode(line, self.options.max_line)
            except BadLine as bad:
                return str(bad)
            if not self.closing:  # after the goodbye, nobody is listening
                self.hub.publish((name, text))
            # A line per turn: a burst in one read would fill every buffer before a sender ran.
            await asyncio.sleep(0)

    async def _send_lines(
        self, writer: asyncio.StreamWriter, lines: Subscription[tuple[str, str]], name: str
    ) -> None:
        """Send the client every other client's lines; at their end, say goodbye and half-close.

        Raises:
            Lagged: the client fell ``client_buffer`` lines behind.
        """
        async for message in lines:
            # All that waits goes in one write: with a line per write, a burst outruns the sender.
            writer.write(relayed([message, *lines.take_ready()], to=name))
            await writer.drain()
        writer.write(encode(GOODBYE))
        writer.write_eof()  # the client reads to its end, then closes
        await writer.drain()

    async def shut_down(self) -> None:
        """Say goodbye to every client and give each ``shutdown_grace`` seconds to leave."""
        self.closing = True
        grace = no_limit_as_none(self.options.shutdown_grace)
        if grace is not None:
            self.deadline = asyncio.get_running_loop().time() + grace
        for lifetime in self.lifetimes:
            lifetime.reschedule(self.deadline)
        await self.hub.aclose()
        if self.handlers:
            # Here, not in the TaskGroup's exit: a cancelled caller's group cancels at once.
            await asyncio.wait(self.handlers)
