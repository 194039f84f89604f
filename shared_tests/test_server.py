"""server: serve_chat (CONTRACT.md, section server), with real sockets on 127.0.0.1.

Real sockets, so these run on the real clock (marked ``real_time``), each
bounded by the suite's guard.  No assertion depends on the machine's speed:
shutdown with a cooperative client is checked with an infinite grace (it
ends only if the handlers end by themselves), and with a stuck one as a
lower bound (not before the grace).
"""

from __future__ import annotations

import math
from typing import Any

import anyio
import anyio.abc
import pytest

from testkit.chat import ChatClient, chat_server

from .helpers import Impl

pytestmark = pytest.mark.real_time

GOODBYE = "* server shutting down, goodbye"


async def test_lines_go_to_every_other_client_in_order(impl: Impl) -> None:
    async with chat_server(impl.target) as server:
        a, a_name = await ChatClient.join(server.port)
        b, _ = await ChatClient.join(server.port)
        c, c_name = await ChatClient.join(server.port)
        for text in ("one", "two", "three"):
            await a.say(text)
        for client in (b, c):
            assert [await client.line() for _ in range(3)] == [
                f"{a_name}: one",
                f"{a_name}: two",
                f"{a_name}: three",
            ]
        await c.say("from c\r")  # "\r\n" ends a line too
        # a's own lines never came back to it: the next it reads is c's.
        assert await a.line() == f"{c_name}: from c"
        for client in (a, b, c):
            await client.aclose()


async def test_clients_are_named_in_the_order_they_connect(impl: Impl) -> None:
    async with chat_server(impl.target) as server:
        clients = [await ChatClient.join(server.port) for _ in range(3)]
        assert [name for _, name in clients] == ["client-1", "client-2", "client-3"]
        for client, _ in clients:
            await client.aclose()


async def test_max_clients_turns_extra_clients_away_and_frees_the_slot(impl: Impl) -> None:
    async with chat_server(impl.target, max_clients=2) as server:
        a, _ = await ChatClient.join(server.port)
        b, _ = await ChatClient.join(server.port)
        extra = await ChatClient.connect(server.port)
        assert await extra.rest() == ["* server full (2 clients), try again later"]
        await extra.aclose()
        await a.aclose()
        # The slot comes back once the server has seen a leave: try until then.
        with anyio.fail_after(10):
            while True:
                late = await ChatClient.connect(server.port)
                line = await late.line()
                if line.startswith("* welcome"):
                    break
                await late.aclose()
        await late.say("made it")
        assert (await b.line()).endswith(": made it")
        for client in (b, late):
            await client.aclose()


@pytest.mark.parametrize("leave", ["close", "reset"])
async def test_a_client_leaving_mid_line_harms_no_one(impl: Impl, leave: str) -> None:
    async with chat_server(impl.target) as server:
        a, _ = await ChatClient.join(server.port)
        b, b_name = await ChatClient.join(server.port)
        c, _ = await ChatClient.join(server.port)
        await a.send("half a li")
        await (a.aclose() if leave == "close" else a.reset())
        await b.say("still here")
        assert await c.line() == f"{b_name}: still here"  # and nothing of a's
        d, _ = await ChatClient.join(server.port)  # the server still accepts
        await d.say("hello")
        assert (await b.line()).endswith(": hello")
        for client in (b, c, d):
            await client.aclose()


@pytest.mark.parametrize(
    ("garbage", "reply"),
    [
        (b"caf\xe9\n", "* that was not UTF-8 text, goodbye"),
        (b"x" * 65 + b"\n", "* line longer than 64 bytes, goodbye"),
        (b"x" * 200, "* line longer than 64 bytes, goodbye"),  # known before its end
    ],
)
async def test_garbage_disconnects_that_client_only(impl: Impl, garbage: bytes, reply: str) -> None:
    async with chat_server(impl.target, max_line=64) as server:
        bad, _ = await ChatClient.join(server.port)
        b, b_name = await ChatClient.join(server.port)
        c, _ = await ChatClient.join(server.port)
        await bad.send(garbage)
        assert await bad.rest() == [reply]
        longest = "y" * 64
        await b.say(longest)  # exactly max_line bytes is fine
        assert await c.line() == f"{b_name}: {longest}"
        for client in (bad, b, c):
            await client.aclose()


async def test_a_client_too_slow_to_read_is_cut_off_and_delays_no_one(impl: Impl) -> None:
    # Lines of 1 MiB: a client that reads nothing fills the kernel's buffers
    # and then its 2-line buffer in the hub; the other client reads on.
    size = 1 << 20
    count = 40
    async with chat_server(impl.target, client_buffer=2, max_line=size) as server:
        talker, talker_name = await ChatClient.join(server.port)
        fast, _ = await ChatClient.join(server.port)
        slow, _ = await ChatClient.join(server.port)
        line = "z" * (size - 1)

        for _ in range(count):  # in step with the fast client, which never falls behind
            await talker.say(line)
            assert await fast.line() == f"{talker_name}: {line}"
        # Only now does the slow client read: some lines, then the verdict.
        heard = await slow.rest()
        assert heard[-1] == "* you fell too far behind, goodbye"
        assert 0 < len(heard) - 1 < count
        assert set(heard[:-1]) == {f"{talker_name}: {line}"}
        for client in (talker, fast, slow):
            await client.aclose()


async def test_a_burst_of_lines_in_one_write_cuts_no_one_off(impl: Impl) -> None:
    # 300 lines arrive in one read, far more than a client's buffer of 64:
    # the server must let the senders run as it publishes, not fill every
    # buffer first and call every listener too slow.
    count = 300
    async with chat_server(impl.target, client_buffer=64) as server:
        talker, talker_name = await ChatClient.join(server.port)
        listeners = [(await ChatClient.join(server.port))[0] for _ in range(3)]
        await talker.send("".join(f"line {n}\n" for n in range(count)))
        for listener in listeners:
            heard = [await listener.line() for _ in range(count)]
            assert heard == [f"{talker_name}: line {n}" for n in range(count)]
        for client in (talker, *listeners):
            await client.aclose()


async def test_shutdown_says_goodbye_and_waits_for_cooperative_clients(impl: Impl) -> None:
    left: list[list[str]] = []

    async def leave_after_goodbye(client: ChatClient) -> None:
        left.append(await client.rest())  # to the server's EOF
        await client.aclose()

    # An infinite grace: shutdown ends only if every handler ends by itself.
    async with (
        anyio.create_task_group() as group,
        chat_server(impl.target, shutdown_grace=math.inf) as server,
    ):
        for _ in range(3):
            client, _ = await ChatClient.join(server.port)
            group.start_soon(leave_after_goodbye, client)
    assert left == [[GOODBYE]] * 3


async def test_shutdown_cancels_a_stuck_client_at_the_grace(impl: Impl) -> None:
    grace = 0.5

    async def leave_after_goodbye(client: ChatClient) -> None:
        assert await client.rest() == [GOODBYE]
        await client.aclose()

    async with (
        anyio.create_task_group() as group,
        chat_server(impl.target, shutdown_grace=grace) as server,
    ):
        stuck, _ = await ChatClient.join(server.port)
        polite, _ = await ChatClient.join(server.port)
        group.start_soon(leave_after_goodbye, polite)
    # serve_chat has ended: the stuck client, which never closed its end, was
    # cancelled at the grace (not before), and its connection closed.
    assert server.stopped_after is not None
    assert server.stopped_after >= grace
    assert await stuck.rest() == [GOODBYE]
    await stuck.aclose()


async def test_stops_accepting_at_once_and_frees_the_port(impl: Impl) -> None:
    refused: list[OSError] = []

    async def connect_during_the_shutdown(stuck: ChatClient, port: int) -> None:
        assert await stuck.line() == GOODBYE  # the shutdown has begun; stuck holds it open
        try:
            client = await ChatClient.connect(port)
        except OSError as exc:
            refused.append(exc)
        else:
            lines = await client.rest()
            await client.aclose()
            raise AssertionError(f"connected during the shutdown, and was told {lines}")
        finally:
            await stuck.aclose()  # now the shutdown can end

    async with (
        anyio.create_task_group() as group,
        chat_server(impl.target, shutdown_grace=math.inf) as server,
    ):
        stuck, _ = await ChatClient.join(server.port)
        group.start_soon(connect_during_the_shutdown, stuck, server.port)
    assert len(refused) == 1
    # anyio reports "All connection attempts failed", caused by the refusal.
    assert isinstance(refused[0].__cause__ or refused[0], ConnectionRefusedError), refused
    # Nothing listens there, so a new server can take the port at once.
    listener = await anyio.create_tcp_listener(local_host="127.0.0.1", local_port=server.port)
    await listener.aclose()


@pytest.mark.parametrize(
    ("options", "name"),
    [
        ({"port": -1}, "port"),
        ({"port": 65536}, "port"),
        ({"max_clients": 0}, "max_clients"),
        ({"client_buffer": 0}, "client_buffer"),
        ({"max_line": 0}, "max_line"),
        ({"shutdown_grace": -1}, "shutdown_grace"),
        ({"shutdown_grace": math.nan}, "shutdown_grace"),
        ({"host": ""}, "host"),
    ],
)
async def test_bad_arguments_raise_before_anything_listens(
    impl: Impl, options: dict[str, Any], name: str
) -> None:
    # The port is taken: had serve_chat tried to listen first, this would be OSError.
    async with await anyio.create_tcp_listener(local_host="127.0.0.1") as taken:
        port = taken.extra(anyio.abc.SocketAttribute.local_port)
        with pytest.raises(ValueError, match=name):
            await impl.server.serve_chat(**{"port": port, **options})
