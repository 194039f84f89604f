"""The *raw* side of every benchmark: each framework's own primitives, written by hand.

A workload never asks which package it runs: it takes ``DIALECTS[target.package]``
and calls the same method on every target.  The three classes define the same
methods in the same order, as anyio's backends do, so they read side by side;
each is what that framework's users would write without the exercise (a bare
task group, a queue loop, a semaphore), with none of its checks or guarantees.
The asyncio class is the one that needs extra lines where asyncio has no
primitive (a start signal, an end marker): that is the exercise's point too.
"""

from __future__ import annotations

import abc
import asyncio
import atexit
import concurrent.futures
import contextlib
import functools
import itertools
import math
import multiprocessing
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    Awaitable,
    Callable,
    Coroutine,
    Iterable,
    Sequence,
)
from contextlib import AbstractAsyncContextManager
from typing import Any, Generic, TypeVar

import anyio
import anyio.abc
import anyio.lowlevel
import anyio.to_process
import anyio.to_thread
import trio
import trio_parallel
from anyio.streams.buffered import BufferedByteReceiveStream

from sansio.chat import client_name, encode, welcome

T = TypeVar("T")
V = TypeVar("V")
S = TypeVar("S")

Service = Callable[[Callable[[V], None]], Coroutine[Any, Any, None]]
"""A background service: ``await service(ready)`` calls ``ready(value)`` once it serves."""


class Dialect(abc.ABC):
    """One framework's own primitives, as its users write them by hand."""

    acquire_checkpoints: bool
    """Whether an acquire or send yields to the scheduler even when it need not wait.

    trio's convention, which anyio follows on both backends; asyncio's
    primitives do not yield when they need not.
    """

    @abc.abstractmethod
    def checkpoint(self) -> Awaitable[None]:
        """One yield to the scheduler.

        The framework's own function where it has one, not a wrapper: the
        workloads await it per item, on every side alike.
        """

    @abc.abstractmethod
    async def sleep_forever(self) -> None:
        """Wait until cancelled."""

    @abc.abstractmethod
    def semaphore(self, value: int) -> AbstractAsyncContextManager[Any]:
        """The framework's own semaphore with ``value`` slots (``async with`` takes one)."""

    @abc.abstractmethod
    async def spawn_join(
        self, fn: Callable[..., Coroutine[Any, Any, object]], args: Iterable[tuple[Any, ...]]
    ) -> None:
        """Start ``fn(*a)`` for each ``a`` in one task group and wait for all of them.

        One coroutine function with arguments, as the exercises spawn: a
        closure per child would add garbage to the raw side only.
        """

    @abc.abstractmethod
    async def call_with_deadline(self, fn: Callable[[], Awaitable[T]], seconds: float) -> T:
        """``await fn()``, raising ``TimeoutError`` if it takes more than ``seconds``."""

    @abc.abstractmethod
    async def start_then_call(self, service: Service[V], client: Callable[[V], Awaitable[T]]) -> T:
        """Start ``service``, call ``client`` with the value it is ready with, then stop it."""

    @abc.abstractmethod
    async def first_of(self, racers: Sequence[Callable[[], Awaitable[T]]]) -> T:
        """The result of whichever racer finishes first; the others are cancelled and gone."""

    @abc.abstractmethod
    async def completed(self, fns: Sequence[Callable[[], Awaitable[T]]]) -> list[tuple[int, T]]:
        """Run every ``fn`` concurrently; ``(index, result)`` pairs in the order they finish."""

    @abc.abstractmethod
    async def merged(self, sources: Sequence[AsyncIterable[T]]) -> list[T]:
        """Every item of every source as it arrives: a task per source feeding one channel."""

    @abc.abstractmethod
    async def queue_loop(
        self, items: Iterable[T], handler: Callable[[T], Awaitable[int]], workers: int
    ) -> int:
        """``workers`` tasks reading ``items`` from a bounded queue; the sum of the results."""

    @abc.abstractmethod
    def to_thread(self, fn: Callable[..., T], *args: Any) -> Awaitable[T]:
        """``fn(*args)`` in a worker thread."""

    @abc.abstractmethod
    def to_process(self, fn: Callable[..., T], *args: Any) -> Awaitable[T]:
        """``fn(*args)`` in a warm worker process."""

    @abc.abstractmethod
    def line_relay(self) -> AbstractAsyncContextManager[int]:
        """A bare TCP line relay on a free loopback port for the block; its value is the port.

        The chat server's protocol and nothing else: each client is sent
        ``* welcome, you are client-N``, and every line it sends is written
        at once, as ``client-N: line``, to every other client connected,
        from the sender's own connection task.  No hub, no buffer per
        client, no limits, no goodbye or grace.  A line that cannot be
        written to a client who has gone is dropped for that client.  The
        block closes its clients before it ends: then the relay stops (on
        asyncio, it waits for connections still open; trio and anyio cancel them).

        Right for one client talking at a time, which is all the benchmark
        does: on trio and anyio, two senders writing to one client at once
        would make the stream raise ``BusyResourceError`` (a lock per
        client, or a task per client as the exercise has, is what prevents
        that).
        """


# Shared by the three: plain coroutine functions a task group starts with arguments.


async def _win(
    racer: Callable[[], Awaitable[T]], winner: list[T], cancel: Callable[[], object]
) -> None:
    winner.append(await racer())
    cancel()


async def _indexed(index: int, fn: Callable[[], Awaitable[T]]) -> tuple[int, T]:
    return index, await fn()


class _Relay(Generic[S]):
    """A line relay's state, alike in the three: who is connected, numbered from 1."""

    def __init__(self) -> None:
        self.clients: set[S] = set()
        self.numbers = itertools.count(1)

    def join(self) -> tuple[bytes, bytes]:
        """A new client's welcome line, and the prefix of every line it says."""
        name = client_name(next(self.numbers))
        return encode(welcome(name)), f"{name}: ".encode()

    def others(self, client: S) -> list[S]:
        # A copy: a client may leave while the sender awaits a write to another.
        return [other for other in self.clients if other is not client]


# --- asyncio ----------------------------------------------------------------

_END: Any = object()  # follows a feeder's last item: Queue has no close() before 3.13


@functools.cache
def _process_pool() -> concurrent.futures.ProcessPoolExecutor:
    pool = concurrent.futures.ProcessPoolExecutor(
        2, mp_context=multiprocessing.get_context("spawn")
    )
    atexit.register(pool.shutdown)  # at exit, not from a weakref callback during teardown
    return pool


async def _feed_queue(source: AsyncIterable[T], queue: asyncio.Queue[Any]) -> None:
    async for item in source:
        await queue.put(item)
    await queue.put(_END)


async def _relay_streams(
    relay: _Relay[asyncio.StreamWriter], reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    hello, prefix = relay.join()
    writer.write(hello)
    relay.clients.add(writer)  # after the welcome: no relayed line can come before it
    try:
        # readline() returns a last line without its "\n" at EOF: a partial line, dropped.
        while (line := await reader.readline()).endswith(b"\n"):
            for other in relay.others(writer):
                other.write(prefix + line)
                with contextlib.suppress(ConnectionError):
                    await other.drain()
    finally:
        relay.clients.discard(writer)
        writer.close()


class AsyncioDialect(Dialect):
    acquire_checkpoints = False

    def checkpoint(self) -> Awaitable[None]:
        return asyncio.sleep(0)

    async def sleep_forever(self) -> None:
        await asyncio.Event().wait()

    def semaphore(self, value: int) -> AbstractAsyncContextManager[Any]:
        return asyncio.Semaphore(value)

    async def spawn_join(
        self, fn: Callable[..., Coroutine[Any, Any, object]], args: Iterable[tuple[Any, ...]]
    ) -> None:
        async with asyncio.TaskGroup() as group:
            for a in args:
                group.create_task(fn(*a))

    async def call_with_deadline(self, fn: Callable[[], Awaitable[T]], seconds: float) -> T:
        async with asyncio.timeout(seconds):
            return await fn()

    async def start_then_call(self, service: Service[V], client: Callable[[V], Awaitable[T]]) -> T:
        # No task_status in asyncio: the service reports ready through a future.
        ready: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        async with asyncio.TaskGroup() as group:
            served = group.create_task(service(ready.set_result))
            result = await client(await ready)
            served.cancel()
        return result

    async def first_of(self, racers: Sequence[Callable[[], Awaitable[T]]]) -> T:
        tasks = [asyncio.ensure_future(racer()) for racer in racers]
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)  # the losers must be gone before we return
        return next(iter(done)).result()

    async def completed(self, fns: Sequence[Callable[[], Awaitable[T]]]) -> list[tuple[int, T]]:
        done: list[tuple[int, T]] = []
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(_indexed(i, fn)) for i, fn in enumerate(fns)]
            for next_done in asyncio.as_completed(tasks):
                done.append(await next_done)
        return done

    async def merged(self, sources: Sequence[AsyncIterable[T]]) -> list[T]:
        queue: asyncio.Queue[Any] = asyncio.Queue(1)
        items: list[T] = []
        async with asyncio.TaskGroup() as group:
            for source in sources:
                group.create_task(_feed_queue(source, queue))
            feeding = len(sources)
            while feeding:
                item = await queue.get()
                if item is _END:
                    feeding -= 1
                else:
                    items.append(item)
        return items

    async def queue_loop(
        self, items: Iterable[T], handler: Callable[[T], Awaitable[int]], workers: int
    ) -> int:
        queue: asyncio.Queue[T | None] = asyncio.Queue(workers)
        total = 0

        async def work() -> None:
            nonlocal total
            while (item := await queue.get()) is not None:
                value = await handler(item)
                total += value  # not `total += await ...`: that reads total before the await

        async with asyncio.TaskGroup() as group:
            for _ in range(workers):
                group.create_task(work())
            for item in items:
                await queue.put(item)
            for _ in range(workers):
                await queue.put(None)
        return total

    def to_thread(self, fn: Callable[..., T], *args: Any) -> Awaitable[T]:
        return asyncio.to_thread(fn, *args)

    def to_process(self, fn: Callable[..., T], *args: Any) -> Awaitable[T]:
        return asyncio.get_running_loop().run_in_executor(_process_pool(), fn, *args)

    @contextlib.asynccontextmanager
    async def line_relay(self) -> AsyncGenerator[int, None]:
        relay = _Relay[asyncio.StreamWriter]()
        handlers: set[asyncio.Task[None]] = set()

        def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            # Tasks of our own: before 3.12, Server.wait_closed() does not wait for
            # start_server's, and the loop's end would cancel one still finishing.
            handler = asyncio.create_task(_relay_streams(relay, reader, writer))
            handlers.add(handler)
            handler.add_done_callback(handlers.discard)

        async with await asyncio.start_server(serve, "127.0.0.1", 0) as server:
            yield server.sockets[0].getsockname()[1]
        if handlers:
            await asyncio.wait(handlers)


# --- trio -------------------------------------------------------------------


async def _feed_channel(source: AsyncIterable[T], send: trio.MemorySendChannel[T]) -> None:
    async with send:
        async for item in source:
            await send.send(item)


async def _send_indexed(
    send: trio.MemorySendChannel[tuple[int, T]], index: int, fn: Callable[[], Awaitable[T]]
) -> None:
    await send.send(await _indexed(index, fn))


_GONE_TRIO = (trio.BrokenResourceError, trio.ClosedResourceError)
"""What writing to a client that has left raises: the line is dropped for that client."""


async def _relay_trio(relay: _Relay[trio.SocketStream], stream: trio.SocketStream) -> None:
    hello, prefix = relay.join()
    async with stream:
        await stream.send_all(hello)
        relay.clients.add(stream)  # after the welcome: no line comes before or during it
        try:
            pending = b""  # trio has no line reader: split by hand, keep the partial line
            async for data in stream:
                *lines, pending = (pending + data).split(b"\n")
                for line in lines:
                    for other in relay.others(stream):
                        with contextlib.suppress(*_GONE_TRIO):
                            await other.send_all(prefix + line + b"\n")
        finally:
            relay.clients.discard(stream)


class TrioDialect(Dialect):
    acquire_checkpoints = True

    checkpoint = staticmethod(trio.lowlevel.checkpoint)

    async def sleep_forever(self) -> None:
        await trio.sleep_forever()

    def semaphore(self, value: int) -> AbstractAsyncContextManager[Any]:
        return trio.Semaphore(value)

    async def spawn_join(
        self, fn: Callable[..., Coroutine[Any, Any, object]], args: Iterable[tuple[Any, ...]]
    ) -> None:
        async with trio.open_nursery() as nursery:
            for a in args:
                nursery.start_soon(fn, *a)

    async def call_with_deadline(self, fn: Callable[[], Awaitable[T]], seconds: float) -> T:
        with trio.fail_after(seconds):
            return await fn()

    async def start_then_call(self, service: Service[V], client: Callable[[V], Awaitable[T]]) -> T:
        async def serve(*, task_status: trio.TaskStatus[V] = trio.TASK_STATUS_IGNORED) -> None:
            await service(task_status.started)

        async with trio.open_nursery() as nursery:
            result = await client(await nursery.start(serve))
            nursery.cancel_scope.cancel()
        return result

    async def first_of(self, racers: Sequence[Callable[[], Awaitable[T]]]) -> T:
        winner: list[T] = []
        async with trio.open_nursery() as nursery:
            for racer in racers:
                nursery.start_soon(_win, racer, winner, nursery.cancel_scope.cancel)
        return winner[0]

    async def completed(self, fns: Sequence[Callable[[], Awaitable[T]]]) -> list[tuple[int, T]]:
        send, receive = trio.open_memory_channel[tuple[int, T]](math.inf)
        done: list[tuple[int, T]] = []

        async def send_all() -> None:
            async with send, trio.open_nursery() as nursery:
                for index, fn in enumerate(fns):
                    nursery.start_soon(_send_indexed, send, index, fn)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(send_all)
            async with receive:
                async for pair in receive:
                    done.append(pair)
        return done

    async def merged(self, sources: Sequence[AsyncIterable[T]]) -> list[T]:
        send, receive = trio.open_memory_channel[T](0)
        items: list[T] = []
        async with trio.open_nursery() as nursery:
            async with send:
                for source in sources:
                    nursery.start_soon(_feed_channel, source, send.clone())
            async with receive:
                async for item in receive:
                    items.append(item)
        return items

    async def queue_loop(
        self, items: Iterable[T], handler: Callable[[T], Awaitable[int]], workers: int
    ) -> int:
        send, receive = trio.open_memory_channel[T](workers)
        total = 0

        async def work(received: trio.MemoryReceiveChannel[T]) -> None:
            nonlocal total
            async with received:
                async for item in received:
                    value = await handler(item)
                    total += value  # not `total += await ...`: that reads total before the await

        async with trio.open_nursery() as nursery:
            async with receive:
                for _ in range(workers):
                    nursery.start_soon(work, receive.clone())
            async with send:
                for item in items:
                    await send.send(item)
        return total

    def to_thread(self, fn: Callable[..., T], *args: Any) -> Awaitable[T]:
        return trio.to_thread.run_sync(fn, *args)

    def to_process(self, fn: Callable[..., T], *args: Any) -> Awaitable[T]:
        result: Awaitable[T] = trio_parallel.run_sync(fn, *args)  # type: ignore[attr-defined]
        return result

    @contextlib.asynccontextmanager
    async def line_relay(self) -> AsyncGenerator[int, None]:
        relay = _Relay[trio.SocketStream]()
        handler = functools.partial(_relay_trio, relay)
        async with trio.open_nursery() as nursery:
            listeners: list[trio.SocketListener] = await nursery.start(
                functools.partial(trio.serve_tcp, handler, 0, host="127.0.0.1")
            )
            yield listeners[0].socket.getsockname()[1]
            nursery.cancel_scope.cancel()


# --- anyio ------------------------------------------------------------------


async def _feed_stream(source: AsyncIterable[T], send: anyio.abc.ObjectSendStream[T]) -> None:
    async with send:
        async for item in source:
            await send.send(item)


async def _send_indexed_stream(
    send: anyio.abc.ObjectSendStream[tuple[int, T]], index: int, fn: Callable[[], Awaitable[T]]
) -> None:
    await send.send(await _indexed(index, fn))


_GONE_ANYIO = (anyio.BrokenResourceError, anyio.ClosedResourceError)  # as _GONE_TRIO
_LONGEST_LINE = 1 << 16  # the default limit of asyncio's StreamReader


async def _relay_anyio(
    relay: _Relay[anyio.abc.SocketStream], stream: anyio.abc.SocketStream
) -> None:
    hello, prefix = relay.join()
    async with stream:
        await stream.send(hello)
        relay.clients.add(stream)  # after the welcome: no line comes before or during it
        lines = BufferedByteReceiveStream(stream)
        try:
            while True:
                try:
                    line = await lines.receive_until(b"\n", _LONGEST_LINE)
                except anyio.IncompleteRead:
                    return  # the client left; a partial line is dropped
                for other in relay.others(stream):
                    with contextlib.suppress(*_GONE_ANYIO):
                        await other.send(prefix + line + b"\n")
        finally:
            relay.clients.discard(stream)


class AnyioDialect(Dialect):
    acquire_checkpoints = True

    checkpoint = staticmethod(anyio.lowlevel.checkpoint)

    async def sleep_forever(self) -> None:
        await anyio.sleep_forever()

    def semaphore(self, value: int) -> AbstractAsyncContextManager[Any]:
        return anyio.Semaphore(value)

    async def spawn_join(
        self, fn: Callable[..., Coroutine[Any, Any, object]], args: Iterable[tuple[Any, ...]]
    ) -> None:
        async with anyio.create_task_group() as group:
            for a in args:
                group.start_soon(fn, *a)

    async def call_with_deadline(self, fn: Callable[[], Awaitable[T]], seconds: float) -> T:
        with anyio.fail_after(seconds):
            return await fn()

    async def start_then_call(self, service: Service[V], client: Callable[[V], Awaitable[T]]) -> T:
        async def serve(
            *, task_status: anyio.abc.TaskStatus[V] = anyio.TASK_STATUS_IGNORED
        ) -> None:
            await service(task_status.started)

        async with anyio.create_task_group() as group:
            result = await client(await group.start(serve))
            group.cancel_scope.cancel()
        return result

    async def first_of(self, racers: Sequence[Callable[[], Awaitable[T]]]) -> T:
        winner: list[T] = []
        async with anyio.create_task_group() as group:
            for racer in racers:
                group.start_soon(_win, racer, winner, group.cancel_scope.cancel)
        return winner[0]

    async def completed(self, fns: Sequence[Callable[[], Awaitable[T]]]) -> list[tuple[int, T]]:
        send, receive = anyio.create_memory_object_stream[tuple[int, T]](math.inf)
        done: list[tuple[int, T]] = []

        async def send_all() -> None:
            async with send, anyio.create_task_group() as group:
                for index, fn in enumerate(fns):
                    group.start_soon(_send_indexed_stream, send, index, fn)

        async with anyio.create_task_group() as group:
            group.start_soon(send_all)
            async with receive:
                async for pair in receive:
                    done.append(pair)
        return done

    async def merged(self, sources: Sequence[AsyncIterable[T]]) -> list[T]:
        send, receive = anyio.create_memory_object_stream[T](0)
        items: list[T] = []
        async with anyio.create_task_group() as group:
            async with send:
                for source in sources:
                    group.start_soon(_feed_stream, source, send.clone())
            async with receive:
                async for item in receive:
                    items.append(item)
        return items

    async def queue_loop(
        self, items: Iterable[T], handler: Callable[[T], Awaitable[int]], workers: int
    ) -> int:
        send, receive = anyio.create_memory_object_stream[T](workers)
        total = 0

        async def work(received: anyio.abc.ObjectReceiveStream[T]) -> None:
            nonlocal total
            async with received:
                async for item in received:
                    value = await handler(item)
                    total += value  # not `total += await ...`: that reads total before the await

        async with anyio.create_task_group() as group:
            async with receive:
                for _ in range(workers):
                    group.start_soon(work, receive.clone())
            async with send:
                for item in items:
                    await send.send(item)
        return total

    def to_thread(self, fn: Callable[..., T], *args: Any) -> Awaitable[T]:
        return anyio.to_thread.run_sync(fn, *args)

    def to_process(self, fn: Callable[..., T], *args: Any) -> Awaitable[T]:
        return anyio.to_process.run_sync(fn, *args)

    @contextlib.asynccontextmanager
    async def line_relay(self) -> AsyncGenerator[int, None]:
        relay = _Relay[anyio.abc.SocketStream]()
        handler = functools.partial(_relay_anyio, relay)
        listener = await anyio.create_tcp_listener(local_host="127.0.0.1")
        async with listener, anyio.create_task_group() as group:
            group.start_soon(listener.serve, handler)
            yield listener.extra(anyio.abc.SocketAttribute.local_port)
            group.cancel_scope.cancel()


DIALECTS: dict[str, Dialect] = {
    "asyncio_impl": AsyncioDialect(),
    "trio_impl": TrioDialect(),
    "anyio_impl": AnyioDialect(),
}
"""Each implementation package's dialect: ``DIALECTS[target.package]``."""
