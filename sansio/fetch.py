"""The framework-free half of the fetch exercise: results, URL checks, links, Retry-After.

All three packages import it, so that the framework-specific half in each
``fetch.py`` is all there is to compare.
"""

from __future__ import annotations

import email.utils
import math
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import cast
from urllib.parse import urldefrag, urljoin

import httpx

# Retry-After longer than this is past any sensible retry budget: give up.
RETRY_AFTER_LIMIT = 30.0
# Backoff between attempts: short, capped, jittered (full jitter, as retry does).
BASE_DELAY = 0.05
MAX_DELAY = 2.0


@dataclass(frozen=True)
class FetchResult:
    """One URL's outcome: an answer (``status``, ``body``) or an ``error``, never both lost."""

    url: str
    status: int | None
    body: bytes | None
    error: str | None
    attempts: int
    headers: httpx.Headers | None = None  # of the last answer: what a crawler needs


class RetryableAnswer(Exception):
    """A 5xx or 429 answer: worth another attempt.  ``wait``: its Retry-After, if any."""

    def __init__(self, response: httpx.Response, wait: float | None) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.response = response
        self.wait = wait


class RetryAfterTooLong(Exception):
    """A Retry-After past ``RETRY_AFTER_LIMIT``: not worth waiting for."""

    def __init__(self, response: httpx.Response, wait: float) -> None:
        super().__init__(f"HTTP {response.status_code}, Retry-After {wait:g} s")
        self.response = response


def check_urls(urls: object) -> list[str]:
    """Materialise ``urls``; a non-string entry is a ``TypeError`` naming its index."""
    if isinstance(urls, str | bytes) or not isinstance(urls, Iterable):
        raise TypeError(f"urls must be an iterable of strings, not {type(urls).__name__}")
    checked: list[str] = []
    for index, url in enumerate(cast(Iterable[object], urls)):
        if not isinstance(url, str):
            raise TypeError(f"urls[{index}] must be a str, not {type(url).__name__}")
        checked.append(url)
    return checked


def check_client(client: object) -> None:
    if client is not None and not isinstance(client, httpx.AsyncClient):
        raise TypeError(f"client must be an httpx.AsyncClient, not {type(client).__name__}")


def unrequestable(url: str) -> str | None:
    """Why ``url`` cannot be requested at all (no request is made), or ``None``."""
    try:
        parsed = httpx.URL(url)
        scheme, host = parsed.scheme, parsed.host  # reading host may fail too (IDNA)
    except Exception as exc:  # any parse error is this URL's problem, not the caller's
        return f"invalid URL: {exc}"
    if scheme not in ("http", "https"):
        return f"unsupported URL scheme {scheme!r}"
    if not host:
        return "invalid URL: no host"
    return None


def normalize(url: str) -> str:
    """One spelling per page: scheme and host lower-cased, dot segments and fragment gone."""
    return urldefrag(str(httpx.URL(url))).url


def make_client(concurrency: int, request_timeout: float) -> httpx.AsyncClient:
    """A client whose pool matches the concurrency bound exactly.

    httpx's default pool (100 connections) would let requests queue inside
    httpcore, whose request assignment grows with connections × queued
    requests (httpx issue 3215), and where a request cancelled while queued
    can leak a connection slot (httpcore issue 1093).  With
    ``max_connections == concurrency`` and at most ``concurrency`` requests
    in flight, no request ever waits inside the pool.
    """
    return httpx.AsyncClient(
        limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        timeout=None if math.isinf(request_timeout) else request_timeout,
    )


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asks us to wait (429/503 ``Retry-After``), or ``None``.

    An HTTP date is measured against the response's own ``Date`` header, so
    no wall clock is read.
    """
    value = response.headers.get("retry-after")
    if value is None or response.status_code not in (429, 503):
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:  # an HTTP date, measured against the response's own Date header
        when = email.utils.parsedate_to_datetime(value)
        sent = email.utils.parsedate_to_datetime(response.headers["date"])
        return max(0.0, (when - sent).total_seconds())
    except (KeyError, ValueError, TypeError, IndexError):
        return None  # unreadable: as if there were none


def describe(exc: BaseException, request_timeout: float) -> str:
    if isinstance(exc, RetryableAnswer):
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, RetryAfterTooLong):
        return f"{exc}: past the {RETRY_AFTER_LIMIT:g} s this waits at most"
    if isinstance(exc, TimeoutError):
        return f"timed out after {request_timeout:g} s"
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


def answer(url: str, response: httpx.Response, attempts: int) -> FetchResult:
    return FetchResult(
        url, response.status_code, response.content, None, attempts, response.headers
    )


def failure(
    url: str, exc: BaseException, request_timeout: float, last: httpx.Response | None, attempts: int
) -> FetchResult:
    return FetchResult(
        url,
        None if last is None else last.status_code,
        None if last is None else last.content,
        describe(exc, request_timeout),
        attempts,
    )


def same_site(url: str, origin: httpx.URL) -> bool:
    target = httpx.URL(url)
    return (target.scheme, target.host, target.port) == (origin.scheme, origin.host, origin.port)


def links(result: FetchResult) -> list[str]:
    """Where a page leads: an HTML answer's ``href`` targets, or a redirect's ``Location``.

    Absolute, normalised, without fragments; a link that cannot be requested
    is left out, not raised.
    """
    if result.status is None or result.headers is None:
        return []
    if 300 <= result.status < 400:
        hrefs = [result.headers.get("location", "")]
    elif 200 <= result.status < 300 and "html" in result.headers.get("content-type", ""):
        parser = _Hrefs()
        parser.feed((result.body or b"").decode("utf-8", errors="replace"))
        hrefs = parser.hrefs
    else:
        return []
    found: list[str] = []
    for href in hrefs:
        try:
            absolute = normalize(urljoin(result.url, href))
        except Exception:  # a malformed href on someone's page: skip it
            continue
        if unrequestable(absolute) is None:
            found.append(absolute)
    return found


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.hrefs.extend(value for name, value in attrs if name == "href" and value)
