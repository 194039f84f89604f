"""Runnable demos against real local servers, on every backend.

``nox -s demo -- fetch``: starts the suite's local HTTP server on 127.0.0.1
and fetches a few hundred URLs (pages, a 404, flaky and slow endpoints) with
each implementation on each backend, then crawls its generated site, and
prints what came back and how long it took.

``nox -s demo -- chat``: runs each implementation's chat server
(``server.serve_chat``) with scripted clients: three chat, a fourth is
turned away, one sends bytes that are not UTF-8 and is disconnected, and at
shutdown one client leaves after the goodbye while another never does.
Prints one transcript, whether every target produced the same one, and how
long each shutdown took against its grace.

``nox -s demo -- blocking``: the lesson's "Problem with Blocking I/O" on
each target.  A task that wants to wake every 10 ms records how late it
wakes while another task makes a 0.2 s blocking call inline, in a thread
(``offload.run_blocking``) and in a process (``offload.run_in_process``);
then four CPU-bound jobs run one after another, in threads and in
processes, and the speed-ups show the GIL (``bench.when.blocking``
measures the same).
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from collections import Counter
from functools import partial
from typing import Any

import anyio

from testkit.chat import ChatClient, chat_server
from testkit.http_server import LocalServer
from tools.registry import SUITE_TARGETS, Target, default_style

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


Transcript = dict[str, list[str]]


async def chat_script(target: Target, grace: float) -> tuple[Transcript, float, int]:
    """One scripted session on ``target``: what each client read, shutdown seconds, the port."""
    heard: Transcript = {}

    async def hear(who: str, client: ChatClient, *, leave: bool) -> None:
        heard[who] = heard.get(who, []) + await client.rest()  # to the server's end
        if leave:
            await client.aclose()

    async with (
        anyio.create_task_group() as group,
        chat_server(target, max_clients=3, shutdown_grace=grace) as server,
    ):
        alice, alice_name = await ChatClient.join(server.port)
        bob, bob_name = await ChatClient.join(server.port)
        mallory, _ = await ChatClient.join(server.port)
        dave = await ChatClient.connect(server.port)  # the fourth: turned away
        await hear("dave", dave, leave=True)

        await alice.say("hi all")
        heard["bob"] = [await bob.line()]
        heard["mallory"] = [await mallory.line()]
        await bob.say("hello alice")
        heard["alice"] = [await alice.line()]
        await mallory.send(b"\xff\xfe not text\n")
        await hear("mallory", mallory, leave=True)

        # mallory's slot frees once the server has seen her go.
        while True:
            carol = await ChatClient.connect(server.port)
            carol_name = (await carol.line()).removeprefix("* welcome, you are ")
            if not carol_name.startswith("*"):
                break
            await carol.aclose()
        await carol.say("did I miss anything?")
        heard["alice"].append(await alice.line())
        heard["bob"].append(await bob.line())

        # Shutdown: alice and carol leave after the goodbye; bob never closes.
        group.start_soon(partial(hear, "alice", alice, leave=True))
        group.start_soon(partial(hear, "carol", carol, leave=True))
        group.start_soon(partial(hear, "bob", bob, leave=False))
    await bob.aclose()
    assert server.stopped_after is not None
    names = {alice_name: "alice", bob_name: "bob", carol_name: "carol"}
    for lines in heard.values():
        for index, line in enumerate(lines):
            name, colon, text = line.partition(": ")
            if colon and name in names:
                lines[index] = f"{names[name]}: {text}"
    return heard, server.stopped_after, server.port


def port_is_free(port: int) -> bool:
    """Whether a new server could listen on ``port`` now (as servers do, with SO_REUSEADDR)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
            probe.listen()
        except OSError:
            return False
    return True


def chat_demo(grace: float) -> None:
    print(f"a chat server per target: 3 clients at most, shutdown grace {grace:g} s\n")
    transcripts: dict[str, Transcript] = {}
    stops: dict[str, float] = {}
    freed: dict[str, bool] = {}
    for target in TARGETS:
        heard, stopped_after, port = target.run(partial(chat_script, target, grace))
        transcripts[target.id], stops[target.id] = heard, stopped_after
        freed[target.id] = port_is_free(port)
    first = TARGETS[0].id
    print(f"what each client read (on {first}):")
    for who, lines in sorted(transcripts[first].items()):
        print(f"  {who}:")
        for line in lines:
            print(f"    {line}")
    print()
    header = f"{'target':<22} {'same transcript':<16} {'shutdown took':>13}  port free after"
    print(header)
    print("-" * len(header))
    for target in TARGETS:
        same = "yes" if transcripts[target.id] == transcripts[first] else "NO"
        free = "yes" if freed[target.id] else "NO"
        print(f"{target.id:<22} {same:<16} {stops[target.id]:>12.3f}s  {free}")
    print(
        f"\nbob never closed his end, so each shutdown waited out the {grace:g} s grace,"
        "\nthen cancelled his connection; serve_chat returned only after that."
    )


def blocking_demo(block: float, primes: int) -> None:
    # Here, not at the top: the fetch and chat demos need none of the benchmark harness.
    from bench.when import blocking

    print(
        f"a ticker that wants to wake every {blocking.TICK * 1000:g} ms, while another task"
        f" makes a {block:g} s blocking call;"
        "\nhow late its wake-ups were, in ms (latest / median):\n"
    )
    header = f"{'target':<22}" + "".join(f"{variant:>18}" for variant in blocking.VARIANTS)
    print(header)
    print("-" * len(header))
    for target in TARGETS:
        cells = []
        for variant in blocking.VARIANTS:
            worst, typical = blocking.lateness(target, variant, block, repeats=1)
            cells.append(f"{worst * 1000:>9.1f} / {typical * 1000:<6.2f}")
        print(f"{target.id:<22}" + "".join(cells))

    jobs = blocking.JOBS
    print(
        f"\n{jobs} jobs counting the primes below {primes} in pure Python, seconds per job"
        " (speed-up against one after another):\n"
    )
    sync = blocking.cpu_sync(primes, repeats=1)
    header = f"{'target':<22} {'one after another':>17} {'threads':>16} {'processes':>16}"
    print(header)
    print("-" * len(header))

    def row(label: str, first: str, threads: float, processes: float) -> None:
        cells = [f"{seconds:>8.3f} ({sync / seconds:>4.2f}x)" for seconds in (threads, processes)]
        print(f"{label:<22} {first:>17} {cells[0]:>16} {cells[1]:>16}")

    plain = (blocking.cpu_threads(primes, repeats=1), blocking.cpu_processes(primes, repeats=1))
    row("python", f"{sync:.3f}", *plain)
    for target in TARGETS:
        offloaded = [blocking.cpu_offloaded(target, v, primes, 1) for v in ("thread", "process")]
        row(target.id, "-", *offloaded)
    print(
        "\nInline, the call holds the event loop: the wake-up due during it comes only when it"
        "\nreturns (every other task, timeout and socket waits the same way). In a thread or a"
        "\nprocess the loop runs on. For CPU-bound Python, threads are no faster than one job"
        "\nafter another: only the thread holding the GIL runs bytecode. Processes run on every"
        f"\ncore ({blocking.WORKERS} here). asyncio_impl starts a process per call, and spawn"
        " makes each one import\nthis script again: its processes pay for starting every time."
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="nox -s demo --", description=__doc__)
    parser.add_argument("demo", choices=["fetch", "chat", "blocking"])
    parser.add_argument("--count", type=int, default=300, help="fetch: how many URLs")
    parser.add_argument("--concurrency", type=int, default=10, help="fetch: requests at once")
    parser.add_argument("--grace", type=float, default=0.5, help="chat: shutdown grace (s)")
    parser.add_argument("--block", type=float, default=0.2, help="blocking: the call's seconds")
    parser.add_argument(
        "--primes", type=int, default=150_000, help="blocking: each job counts primes below this"
    )
    options = parser.parse_args(argv)
    if options.demo == "blocking":
        blocking_demo(options.block, options.primes)
    elif options.demo == "chat":
        chat_demo(options.grace)
    else:
        fetch_demo(options.count, options.concurrency)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
