"""fetch: fetch_all and crawl against a real local server (CONTRACT.md, section fetch).

Real sockets, so these run on the real clock (marked ``real_time``) and are
kept short.  Timing assertions are lower bounds only (a rate limit makes a
run at least so long), which a slow machine cannot break.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from testkit.http_server import LocalServer

from .helpers import Impl

pytestmark = pytest.mark.real_time


@pytest.fixture(scope="session")
def local_server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


@pytest.fixture
def server(local_server: LocalServer) -> LocalServer:
    local_server.reset()
    return local_server


async def test_results_in_input_order_and_a_404_is_an_answer(
    impl: Impl, server: LocalServer
) -> None:
    urls = [server.url(p) for p in ("/page/a", "/page/b", "/status/404", "/page/c")]
    results = await impl.fetch.fetch_all(urls, concurrency=4)
    assert [r.url for r in results] == urls
    assert [r.status for r in results] == [200, 200, 404, 200]
    assert [r.body for r in results] == [b"page a", b"page b", b"status 404", b"page c"]
    assert [r.error for r in results] == [None] * 4
    assert [r.attempts for r in results] == [1] * 4
    assert server.stats.hits["/status/404"] == 1  # not retried


async def test_a_flaky_endpoint_succeeds_on_the_third_attempt(
    impl: Impl, server: LocalServer
) -> None:
    [result] = await impl.fetch.fetch_all([server.url("/flaky/f/2")], retries=2)
    assert (result.status, result.error, result.attempts) == (200, None, 3)
    assert server.stats.hits["/flaky/f/2"] == 3


async def test_a_503_is_retried_exactly_retries_more_times(impl: Impl, server: LocalServer) -> None:
    [result] = await impl.fetch.fetch_all([server.url("/status/503")], retries=3)
    assert (result.status, result.attempts) == (503, 4)
    assert result.error == "HTTP 503"
    assert server.stats.hits["/status/503"] == 4


async def test_retry_after_is_honoured_and_429_is_retried(impl: Impl, server: LocalServer) -> None:
    start = time.monotonic()
    results = await impl.fetch.fetch_all(
        [server.url("/retry-after/r/0.3"), server.url("/too-many/t/0.3")]
    )
    assert [(r.status, r.attempts, r.error) for r in results] == [(200, 2, None)] * 2
    assert time.monotonic() - start >= 0.3  # waited as asked, at least


async def test_a_retry_after_past_the_limit_is_not_waited_for(
    impl: Impl, server: LocalServer
) -> None:
    [result] = await impl.fetch.fetch_all([server.url("/retry-after/long/3600")])
    assert (result.status, result.attempts) == (503, 1)
    assert "Retry-After 3600 s" in result.error


async def test_urls_that_cannot_be_requested_get_an_error_and_no_request(
    impl: Impl, server: LocalServer
) -> None:
    bad = ["ftp://127.0.0.1/file", "not a url", "http://", "", "http://[::1"]
    good = server.url("/page/ok")
    results = await impl.fetch.fetch_all([*bad, good])
    assert [r.attempts for r in results] == [0] * len(bad) + [1]
    assert all(r.error and r.status is None for r in results[:-1])
    assert results[-1].status == 200
    assert sum(server.stats.hits.values()) == 1


async def test_never_more_than_concurrency_requests_in_flight(
    impl: Impl, server: LocalServer
) -> None:
    urls = [server.url(f"/slow/0.05?{i}") for i in range(30)]
    results = await impl.fetch.fetch_all(urls, concurrency=5)
    assert all(r.status == 200 for r in results)
    assert server.stats.peak == 5


async def test_a_slow_endpoint_is_cut_off_while_the_others_succeed(
    impl: Impl, server: LocalServer
) -> None:
    urls = [server.url("/slow/30"), server.url("/page/quick")]
    results = await impl.fetch.fetch_all(urls, request_timeout=0.2, retries=0)
    assert results[0].status is None
    assert results[0].error == "timed out after 0.2 s"
    assert results[1].status == 200


async def test_rate_spaces_the_requests(impl: Impl, server: LocalServer) -> None:
    start = time.monotonic()
    results = await impl.fetch.fetch_all([server.url("/page/r")] * 10, concurrency=10, rate=5)
    assert all(r.status == 200 for r in results)
    assert time.monotonic() - start >= 0.95  # burst 5, then 5 a second: the 10th at 1 s


async def test_cancelling_leaves_no_request_running_and_no_slot_taken(
    impl: Impl, server: LocalServer
) -> None:
    limits = httpx.Limits(max_connections=5, max_keepalive_connections=5)
    async with httpx.AsyncClient(limits=limits) as client:
        start = time.monotonic()
        async with impl.cancel_after(0.3) as outcome:
            await impl.fetch.fetch_all(
                [server.url(f"/slow/30?{i}") for i in range(20)], concurrency=5, client=client
            )
        assert outcome.cancelled_caught
        assert time.monotonic() - start < 15  # did not wait for the 30 s answers
        # Every slot of the client's pool is free again: five at once go through.
        results = await impl.fetch.fetch_all(
            [server.url("/page/after")] * 5, concurrency=5, client=client, request_timeout=5
        )
        assert [r.status for r in results] == [200] * 5
        assert not client.is_closed  # a given client is left open


async def test_the_crawler_visits_every_page_once_and_stays_on_the_site(
    impl: Impl, server: LocalServer
) -> None:
    pages = await impl.fetch.crawl(server.url("/site/15/0"), concurrency=4)
    site = [server.url(f"/site/15/{i}") for i in range(15)]
    extras = [server.url("/redirect/15/14"), server.url("/text/15")]
    assert sorted(pages) == sorted(site + extras)
    assert {pages[url] for url in site} == {200}
    assert pages[extras[0]] == 302  # followed: its Location is a page of the site
    assert all(server.stats.hits[path] == 1 for path in server.stats.hits)  # each once
    assert sum(server.stats.hits.values()) == 17  # off-site and malformed links skipped
    assert "/page/15" not in server.stats.hits  # the text/plain page was not parsed


async def test_the_crawler_stops_at_max_pages_breadth_first(
    impl: Impl, server: LocalServer
) -> None:
    pages = await impl.fetch.crawl(server.url("/site/31/0"), max_pages=5, concurrency=2)
    assert len(pages) == 5
    assert sum(server.stats.hits.values()) == 5
    # page 0 links to 1 and 2 first: they are admitted before anything deeper
    assert {server.url(f"/site/31/{i}") for i in range(3)} <= set(pages)


async def test_the_start_url_is_normalised_and_fetched_once(
    impl: Impl, server: LocalServer
) -> None:
    start = server.url("/site/3/./0#top").replace("http://", "HTTP://")
    pages = await impl.fetch.crawl(start, concurrency=2)
    assert server.url("/site/3/0") in pages
    assert server.stats.hits["/site/3/0"] == 1


async def test_malformed_urls_and_bad_retry_after_are_results_not_exceptions(
    impl: Impl, server: LocalServer
) -> None:
    urls = ["http://xn--/", "http://[::1", server.url("/bad-retry-after/soon")]
    results = await impl.fetch.fetch_all(urls, retries=1)
    assert [r.attempts for r in results] == [0, 0, 2]  # an unreadable Retry-After is ignored
    assert results[2].status == 503


BAD: list[tuple[dict[str, Any], type[Exception], str]] = [
    ({"concurrency": 0}, ValueError, "concurrency"),
    ({"request_timeout": 0}, ValueError, "request_timeout"),
    ({"request_timeout": math.nan}, ValueError, "request_timeout"),
    ({"retries": -1}, ValueError, "retries"),
    ({"retries": 1.5}, TypeError, "retries"),
    ({"rate": 0}, ValueError, "rate"),
    ({"rate": math.inf}, ValueError, "rate"),
    ({"client": "client"}, TypeError, "client"),
]


@pytest.mark.parametrize(("kwargs", "error", "name"), BAD)
async def test_bad_arguments_before_any_request(
    impl: Impl, server: LocalServer, kwargs: dict[str, Any], error: type[Exception], name: str
) -> None:
    with pytest.raises(error, match=name):
        await impl.fetch.fetch_all([server.url("/page/x")], **kwargs)
    with pytest.raises(TypeError, match="urls"):
        await impl.fetch.fetch_all(server.url("/page/x"))  # a str, not a list of them
    with pytest.raises(ValueError, match="start_url"):
        await impl.fetch.crawl("ftp://127.0.0.1/")
    with pytest.raises(ValueError, match="max_pages"):
        await impl.fetch.crawl(server.url("/site/3/0"), max_pages=0)
    assert sum(server.stats.hits.values()) == 0
