"""Async HTTP with httpx: fetch many URLs, and crawl a site.

Sample use (``httpx.MockTransport`` answers in place of a server)::

    >>> def server(request):
    ...     return httpx.Response(404 if request.url.path == "/missing" else 200)
    >>> async def main():
    ...     async with httpx.AsyncClient(transport=httpx.MockTransport(server)) as client:
    ...         urls = ["http://example.test/", "http://example.test/missing"]
    ...         return [result.status for result in await fetch_all(urls, client=client)]
    >>> trio.run(main)
    [200, 404]

``fetch_all`` composes this package's own pieces around one
``httpx.AsyncClient``: ``workers.process`` bounds the requests in flight to
``concurrency`` (and keeps the results in input order), ``RateLimiter``
spaces attempt starts when ``rate`` is given, and ``retry`` retries
transport errors, timeouts, 5xx and 429 answers (honouring ``Retry-After``
within the attempts), never a 4xx.  Each attempt runs under
``trio.move_on_after(request_timeout)``.  httpx runs on trio through
httpcore's trio support.

``crawl`` is the classic problem of work that grows while it runs.  trio's
docs warn that workers feeding their own *bounded* channel can deadlock
(each waits to send while nobody receives).  Here the channel is unbounded,
which is safe because at most ``max_pages`` URLs are ever admitted, and the
end is a counter: URLs admitted but not finished.  The worker that brings
it to zero closes the send side, and every worker's ``async for`` ends.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import partial
from typing import cast

import httpx
import trio

from sansio.fetch import (
    BASE_DELAY,
    MAX_DELAY,
    RETRY_AFTER_LIMIT,
    FetchResult,
    RetryableAnswer,
    RetryAfterTooLong,
    answer,
    check_client,
    check_urls,
    failure,
    links,
    make_client,
    normalize,
    retry_after,
    same_site,
    unrequestable,
)
from sansio.validate import check_count, check_number

from .rate_limit import RateLimiter
from .retry import retry
from .workers import process

__all__ = ["fetch_all", "crawl"]


async def fetch_all(
    urls: Iterable[str],
    *,
    concurrency: int = 10,
    request_timeout: float = 10.0,
    retries: int = 2,
    rate: float | None = None,
    client: httpx.AsyncClient | None = None,
) -> list[FetchResult]:
    """GET every URL; one result per URL, in input order.

    Args:
        urls: the URLs to fetch.
        concurrency: the most requests in flight at once.
        request_timeout: seconds each attempt may take.
        retries: further attempts after a transport error, a timeout, a 5xx
            or a 429.  A 4xx is an answer, not retried.
        rate: the most attempts started per second; ``None``: no limit.
        client: an ``httpx.AsyncClient`` to use and leave open; by default
            one is made (its pool sized to ``concurrency``) and closed.  Give
            one whose ``max_connections`` is at least ``concurrency``: with a
            smaller pool, requests queue inside httpcore, where one cancelled
            by ``request_timeout`` can leak a connection slot for good
            (httpcore issue 1093).

    Returns:
        ``FetchResult(url, status, body, error, attempts)`` per URL.  A URL
        that cannot be requested, or that failed every attempt, has an
        ``error``; one URL's failure never stops the others.

    Raises:
        ValueError: a number out of range, before any request.
        TypeError: an argument of the wrong kind, before any request.

    Cancelling the caller cancels every request in flight and closes the
    client it made; none is left running.
    """
    urls = check_urls(urls)
    concurrency = check_count("concurrency", concurrency, minimum=1)
    request_timeout = check_number(
        "request_timeout", request_timeout, exclusive=True, allow_inf=True
    )
    retries = check_count("retries", retries, minimum=0)
    limiter = None if rate is None else RateLimiter(rate)
    check_client(client)
    fetch = partial(_fetch_one, limiter=limiter, request_timeout=request_timeout, retries=retries)
    if client is not None:
        return await process(urls, partial(fetch, client), workers=concurrency)
    async with make_client(concurrency, request_timeout) as own:
        return await process(urls, partial(fetch, own), workers=concurrency)


async def crawl(
    start_url: str,
    *,
    max_pages: int = 100,
    concurrency: int = 5,
    request_timeout: float = 10.0,
) -> dict[str, int | str]:
    """Crawl breadth-first from ``start_url``, within its scheme, host and port.

    Args:
        start_url: where to start.
        max_pages: the most pages fetched.
        concurrency: the most requests in flight at once.
        request_timeout: seconds each attempt may take.

    Returns:
        ``{url: status}`` for every page fetched, or ``{url: error}`` where
        none came back.  Each URL (without its fragment) is fetched once.

    Raises:
        ValueError: a number out of range, or a ``start_url`` that cannot be
            requested; before any request.
        TypeError: an argument of the wrong kind, before any request.

    Breadth-first in discovery order: the frontier is a FIFO queue, so with
    ``concurrency > 1`` a page one level deeper may be admitted before the
    last pages of the level above when ``max_pages`` cuts the crawl short.
    A redirect's ``Location`` counts as a link; only HTML answers are parsed.

    Ends exactly when no work is left.  Cancelling the caller cancels every
    worker and closes the client.
    """
    if not isinstance(cast(object, start_url), str):
        raise TypeError(f"start_url must be a str, not {type(start_url).__name__}")
    if (problem := unrequestable(start_url)) is not None:
        raise ValueError(f"start_url cannot be requested: {problem}")
    start_url = normalize(start_url)
    max_pages = check_count("max_pages", max_pages, minimum=1)
    concurrency = check_count("concurrency", concurrency, minimum=1)
    request_timeout = check_number(
        "request_timeout", request_timeout, exclusive=True, allow_inf=True
    )
    origin = httpx.URL(start_url)
    results: dict[str, int | str] = {}
    seen = {start_url}
    unfinished = 1  # admitted but not yet fetched: at zero, the crawl is over
    send, receive = trio.open_memory_channel[str](math.inf)  # safe: admissions are capped
    send.send_nowait(start_url)

    async def worker(http: httpx.AsyncClient) -> None:
        nonlocal unfinished
        async for url in receive:  # shared by the workers; ends once send is closed below
            result = await _fetch_one(
                http, url, limiter=None, request_timeout=request_timeout, retries=2
            )
            results[url] = result.status if result.status is not None else str(result.error)
            for link in links(result):
                if link not in seen and len(seen) < max_pages and same_site(link, origin):
                    seen.add(link)
                    unfinished += 1
                    send.send_nowait(link)
            unfinished -= 1
            if unfinished == 0:
                send.close()  # no work left anywhere: every worker's loop ends

    # Plain ``with``s: trio's ``aclose()`` is a checkpoint, where a cancellation
    # could replace the error this block carries (trio#1559).
    with send, receive:
        async with (
            make_client(concurrency, request_timeout) as http,
            trio.open_nursery() as nursery,
        ):
            for _ in range(concurrency):
                nursery.start_soon(worker, http)
    return results


async def _fetch_one(
    http: httpx.AsyncClient,
    url: str,
    *,
    limiter: RateLimiter | None,
    request_timeout: float,
    retries: int,
) -> FetchResult:
    if (problem := unrequestable(url)) is not None:
        return FetchResult(url, None, None, problem, 0)
    attempts = 0
    last: httpx.Response | None = None
    not_before = -math.inf  # from a Retry-After

    async def attempt() -> httpx.Response:
        nonlocal attempts, last, not_before
        await trio.sleep_until(not_before)
        if limiter is not None:
            await limiter.acquire()
        attempts += 1
        with trio.move_on_after(request_timeout):
            response = await http.get(url)
            last = response
            if response.status_code >= 500 or response.status_code == 429:
                wait = retry_after(response)
                if wait is not None and wait > RETRY_AFTER_LIMIT:
                    raise RetryAfterTooLong(response, wait)
                if wait is not None:
                    not_before = trio.current_time() + wait
                raise RetryableAnswer(response, wait)
            return response
        raise TimeoutError

    try:
        response = await retry(
            attempt,
            attempts=retries + 1,
            base_delay=BASE_DELAY,
            max_delay=MAX_DELAY,
            retry_on=(httpx.TransportError, TimeoutError, RetryableAnswer),
        )
    except Exception as exc:  # every failure is a result, never an exception
        return failure(url, exc, request_timeout, last, attempts)
    return answer(url, response, attempts)
