"""Real-time events: a broadcast hub, and a TCP chat server that shuts down gracefully.

>>> import trio
>>> async def main():
...     async with Broadcast[str](buffer=2) as hub:
...         async with hub.subscribe() as news:
...             hub.publish("one")
...             hub.publish("two")
...             hub.publish("three")  # the buffer holds 2: "one" is dropped
...             await hub.aclose()  # subscriptions end once drained
...             return [item async for item in news], news.dropped
>>> trio.run(main)
(['two', 'three'], 1)

``serve_chat`` is started the way ``trio.serve_tcp`` is, with
``nursery.start``; the port comes back from ``task_status.started``::

    async with trio.open_nursery() as nursery:
        port = await nursery.start(serve_chat)
        ...  # clients connect to 127.0.0.1:port
        nursery.cancel_scope.cancel()  # goodbye, grace, then everything is closed

Difference: ``trio.serve_listeners`` runs each connection's handler in a
nursery the caller passes in, here ``serve_chat``'s own: no handler can
outlive the server.  Graceful shutdown is two cancel scopes: the caller's,
which stops the accept loop at once, and one shielded scope per connection,
which the caller's cancellation cannot reach; the shutdown gives each of
those a deadline ``shutdown_grace`` seconds away, after saying goodbye.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Generic, TypeVar

import trio
import trio.lowlevel

from sansio.broadcast import Lagged, Policy, check_policy
from sansio.chat import (
    GOODBYE,
    TOO_SLOW,
    BadLine,
    LineSplitter,
    ServerOptions,
    check_options,
    client_name,
    encode,
    full,
    relayed,
    welcome,
)
from sansio.validate import check_count

__all__ = ["Lagged", "Subscription", "Broadcast", "serve_chat"]

T = TypeVar("T")


class Subscription(Generic[T]):
    """What ``Broadcast.subscribe`` yields: an async iterator over the items published."""

    def __init__(self, receive: trio.MemoryReceiveChannel[T], buffer: int) -> None:
        self._receive = receive
        self._buffer = buffer
        self.lagged = False
        self.dropped = 0
        """How many items the ``"drop_oldest"`` policy has dropped."""

    def __aiter__(self) -> Subscription[T]:
        return self

    async def __anext__(self) -> T:
        try:
            return await self._receive.receive()
        except trio.EndOfChannel:
            if self.lagged:
                raise Lagged(self._buffer) from None
            raise StopAsyncIteration from None

    def take_ready(self) -> list[T]:
        """The items already waiting, taken without blocking (perhaps none)."""
        ready: list[T] = []
        while True:
            try:
                ready.append(self._receive.receive_nowait())
            except (trio.WouldBlock, trio.EndOfChannel):
                return ready


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

    Each subscriber's buffer is a memory channel, so ``publish`` never blocks:
    a full channel has its oldest item taken out, or is closed.
    A subscriber waiting for the next item blocks; cancelled, it takes nothing.
    """

    def __init__(self, *, buffer: int = 16, policy: Policy = "drop_oldest") -> None:
        self._buffer = check_count("buffer", buffer, minimum=1)
        self._policy = check_policy(policy)
        self._subscribers: dict[
            Subscription[T], tuple[trio.MemorySendChannel[T], trio.MemoryReceiveChannel[T]]
        ] = {}
        self._closed = False

    def publish(self, item: T) -> None:
        """Give ``item`` to every current subscriber; never blocks.

        Raises:
            RuntimeError: the hub is closed.
        """
        if self._closed:
            raise RuntimeError("publish() on a closed Broadcast")
        for subscription, (send, receive) in list(self._subscribers.items()):
            try:
                send.send_nowait(item)
            except trio.WouldBlock:
                if self._policy == "disconnect":
                    subscription.lagged = True
                    self._unsubscribe(subscription)
                else:
                    receive.receive_nowait()
                    subscription.dropped += 1
                    send.send_nowait(item)

    @asynccontextmanager
    async def subscribe(self) -> AsyncGenerator[Subscription[T], None]:
        """Subscribe for the ``async with`` block: items published from now on.

        Raises:
            RuntimeError: the hub is closed.
        """
        if self._closed:
            raise RuntimeError("subscribe() on a closed Broadcast")
        send, receive = trio.open_memory_channel[T](self._buffer)
        subscription = Subscription(receive, self._buffer)
        self._subscribers[subscription] = send, receive
        with receive:
            try:
                yield subscription
            finally:
                self._unsubscribe(subscription)

    def _unsubscribe(self, subscription: Subscription[T]) -> None:
        channels = self._subscribers.pop(subscription, None)
        if channels is not None:
            channels[0].close()  # the subscriber still gets what its channel holds

    async def aclose(self) -> None:
        """End every subscription, once each has had what it holds; publishing ends too."""
        self._closed = True
        for subscription in list(self._subscribers):
            self._unsubscribe(subscription)
        await trio.lowlevel.checkpoint()

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
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
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

    ``task_status.started(port)`` hands back the port once it listens.

    Blocks until cancelled.  Cancellation stops accepting at once, sends every
    client a goodbye line and half-closes its connection, waits until the
    clients have closed theirs or ``shutdown_grace`` seconds have passed,
    cancels the rest, and re-raises once every connection is closed.

    Raises:
        ValueError: an argument is out of range (before anything listens).
        TypeError: an argument is of the wrong kind.
        OSError: the address cannot be listened on.
    """
    options = check_options(host, port, max_clients, client_buffer, shutdown_grace, max_line)
    listeners = await trio.open_tcp_listeners(options.port, host=options.host)
    chat = _Chat(options)
    async with trio.open_nursery() as connections:
        try:
            task_status.started(listeners[0].socket.getsockname()[1])
            await trio.serve_listeners(chat.serve, listeners, handler_nursery=connections)
        finally:
            with trio.CancelScope(shield=True):
                await chat.shut_down()


class _Chat:
    """The server's state: who is connected, and the hub their lines go through."""

    def __init__(self, options: ServerOptions) -> None:
        self.options = options
        self.hub = Broadcast[tuple[str, str]](buffer=options.client_buffer, policy="disconnect")
        self.connected = 0
        self.numbers = itertools.count(1)
        self.lifetimes: set[trio.CancelScope] = set()
        self.closing = False
        self.deadline = math.inf  # set when the shutdown begins

    async def serve(self, stream: trio.SocketStream) -> None:
        """Serve one connection until it ends; a network error ends it and no other."""
        # Shielded: the caller's cancellation reaches a connection only as the
        # deadline that shut_down() gives it, after the goodbye.
        with trio.CancelScope(shield=True, deadline=self.deadline) as lifetime:
            self.lifetimes.add(lifetime)
            try:
                async with stream:
                    await self._serve(stream)
            except* trio.BrokenResourceError:
                pass  # the client went away
            finally:
                self.lifetimes.discard(lifetime)

    async def _serve(self, stream: trio.SocketStream) -> None:
        if self.closing:
            await stream.send_all(encode(GOODBYE))
        elif self.connected == self.options.max_clients:
            await stream.send_all(encode(full(self.options.max_clients)))
        else:
            self.connected += 1
            try:
                farewell = await self._chat(stream, client_name(next(self.numbers)))
            except* Lagged:
                farewell = TOO_SLOW
            finally:
                self.connected -= 1
            if farewell is not None and not self.closing:  # after the goodbye, nothing more
                await stream.send_all(encode(farewell))

    async def _chat(self, stream: trio.SocketStream, name: str) -> str | None:
        """Relay lines both ways until the client leaves; return a last line for it, if any.

        Raises:
            ExceptionGroup: holding ``Lagged``, the client fell too far behind.
        """
        async with self.hub.subscribe() as lines, trio.open_nursery() as nursery:
            await stream.send_all(encode(welcome(name)))
            nursery.start_soon(self._send_lines, stream, lines, name)
            farewell = await self._receive_lines(stream, name)
            # The client has left, or is being sent away: its sender may stop
            # mid-line, which only a client being sent away can see.
            nursery.cancel_scope.cancel()
        return farewell

    async def _receive_lines(self, stream: trio.SocketStream, name: str) -> str | None:
        """Publish the client's lines until it closes its end (a partial last line is dropped)."""
        splitter = LineSplitter(self.options.max_line)
        async for data in stream:
            try:
                lines = splitter.feed(data)
            except BadLine as bad:
                return str(bad)
            for text in lines:
                if not self.closing:  # after the goodbye, nobody is listening
                    self.hub.publish((name, text))
                # A line per turn: a burst in one read would fill every buffer before a sender ran.
                await trio.lowlevel.checkpoint()
        return None

    async def _send_lines(
        self, stream: trio.SocketStream, lines: Subscription[tuple[str, str]], name: str
    ) -> None:
        """Send the client every other client's lines; at their end, say goodbye and half-close.

        Raises:
            Lagged: the client fell ``client_buffer`` lines behind.
        """
        async for message in lines:
            # All that waits goes in one write: with a line per write, a burst outruns the sender.
            data = relayed([message, *lines.take_ready()], to=name)
            if data:
                await stream.send_all(data)
        await stream.send_all(encode(GOODBYE))
        await stream.send_eof()  # the client reads to its end, then closes

    async def shut_down(self) -> None:
        """Say goodbye to every client and give each ``shutdown_grace`` seconds to leave."""
        self.closing = True
        self.deadline = trio.current_time() + self.options.shutdown_grace
        for lifetime in self.lifetimes:
            lifetime.deadline = self.deadline
        await self.hub.aclose()
