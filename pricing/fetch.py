"""Fetching a price feed over HTTP: explicit timeouts, retries with backoff, a size limit, our User-Agent, and
one overall deadline for the whole fetch.

httpx's timeouts apply to each read, so a server that drips a byte every few seconds would keep a fetch alive for
ever. The deadline covers connecting, every read, the whole body and the waits between attempts: it is checked
between chunks, and a watchdog thread shuts the connection down when it passes, so no single stalled read (of the
headers or of the body) can outlast it.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any

import httpx
from django.conf import settings

from pricing.feedjson import decode
from pricing.sources.base import FeedError
from tokenledger.redaction import display_url

MAX_FEED_BYTES = 50 * 1024 * 1024
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
RETRIES = 3
BACKOFF_SECONDS = 1.0
RETRY_STATUSES = {429, 500, 502, 503, 504}


def fetch_json(
    url: str,
    *,
    timeout: httpx.Timeout = TIMEOUT,
    retries: int = RETRIES,
    backoff: float | None = None,
    max_bytes: int = MAX_FEED_BYTES,
    transport: httpx.BaseTransport | None = None,
    deadline: float | None = None,
) -> Any:
    """GET a JSON feed, retrying timeouts, connection errors, 429 and 5xx with exponential backoff, all within
    `deadline` seconds (settings.PRICE_FETCH_DEADLINE_SECONDS by default)."""
    backoff = BACKOFF_SECONDS if backoff is None else backoff
    deadline = settings.PRICE_FETCH_DEADLINE_SECONDS if deadline is None else deadline
    clock = _Clock(deadline)
    shown = display_url(url)
    headers = {"User-Agent": settings.HTTP_USER_AGENT, "Accept": "application/json"}
    last_error = ""
    with httpx.Client(timeout=timeout, headers=headers, follow_redirects=True, transport=transport) as client:
        for attempt in range(retries + 1):
            if attempt:
                wait = backoff * 2 ** (attempt - 1)
                if wait >= clock.remaining():
                    raise FeedError(
                        f"{shown} {last_error} ({attempt} attempts; no time for another "
                        f"within the {deadline:g} s deadline)"
                    )
                time.sleep(wait)
            try:
                body = _read_limited(client, url, max_bytes, clock, timeout)
            except _DeadlinePassed as passed:
                raise FeedError(f"{shown} gave up after {deadline:g} s: {passed.what_came}") from None
            except httpx.TimeoutException:
                last_error = f"timed out after {timeout.read or timeout.connect}s"
                continue
            except httpx.TransportError as error:
                last_error = f"could not connect ({type(error).__name__})"
                continue
            except _RetryableStatus as status:
                last_error = f"answered HTTP {status.code}"
                continue
            return decode(body, shown)
    raise FeedError(f"{shown} {last_error} ({retries + 1} attempts)")


class _RetryableStatus(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


class _DeadlinePassed(Exception):
    def __init__(self, body_bytes: int | None) -> None:
        self.what_came = (
            "no complete answer" if body_bytes is None else f"the server sent {body_bytes:,} bytes"
        )


class _Clock:
    """The time left of one fetch's deadline."""

    def __init__(self, seconds: float) -> None:
        self.ends = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self.ends - time.monotonic())

    def passed(self) -> bool:
        # A read timeout capped at the time left fires a hair before the end: that is the deadline too.
        return self.remaining() < 0.05

    def capped(self, timeout: httpx.Timeout) -> httpx.Timeout:
        """Each phase's timeout, never beyond the deadline."""
        left = max(self.remaining(), 0.001)

        def cap(value: float | None) -> float:
            return left if value is None else min(value, left)

        return httpx.Timeout(
            connect=cap(timeout.connect),
            read=cap(timeout.read),
            write=cap(timeout.write),
            pool=cap(timeout.pool),
        )


class _Watchdog:
    """Shuts down the attempt's sockets when the deadline passes: a blocked read then returns at once."""

    def __init__(self, clock: _Clock) -> None:
        self.fired = False
        self.body_bytes: int | None = None  # None until the headers have come
        self._sockets: list[socket.socket] = []
        self._timer = threading.Timer(clock.remaining(), self._fire)
        self._timer.daemon = True

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace extension: note each connection's socket as it opens (TLS wraps it in a new one)."""
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            sock = info["return_value"].get_extra_info("socket")
            if sock is not None:
                self._sockets.append(sock)

    def _fire(self) -> None:
        self.fired = True
        for sock in self._sockets:
            with contextlib.suppress(OSError):  # already closed
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()


def _read_limited(
    client: httpx.Client, url: str, max_bytes: int, clock: _Clock, timeout: httpx.Timeout
) -> bytes:
    with _Watchdog(clock) as watchdog:
        request = client.build_request(
            "GET", url, timeout=clock.capped(timeout), extensions={"trace": watchdog.trace}
        )
        try:
            response = client.send(request, stream=True)
            try:
                return _read_response(response, url, max_bytes, clock, watchdog)
            finally:
                response.close()
        except httpx.TransportError:
            if watchdog.fired or clock.passed():
                raise _DeadlinePassed(watchdog.body_bytes) from None
            raise


def _read_response(
    response: httpx.Response, url: str, max_bytes: int, clock: _Clock, watchdog: _Watchdog
) -> bytes:
    if response.status_code in RETRY_STATUSES:
        raise _RetryableStatus(response.status_code)
    if response.status_code != 200:
        raise FeedError(f"{display_url(url)} answered HTTP {response.status_code}")
    declared = int(response.headers.get("content-length") or 0)
    if declared > max_bytes:
        raise FeedError(f"{display_url(url)} is {declared:,} bytes, over the {max_bytes:,}-byte limit")
    chunks, watchdog.body_bytes = [], 0
    for chunk in response.iter_bytes():
        watchdog.body_bytes += len(chunk)
        if watchdog.body_bytes > max_bytes:
            raise FeedError(f"{display_url(url)} sent more than the {max_bytes:,}-byte limit")
        if clock.passed():
            raise _DeadlinePassed(watchdog.body_bytes)
        chunks.append(chunk)
    if watchdog.fired:  # a body without a length ends where the watchdog cut it: not the whole feed
        raise _DeadlinePassed(watchdog.body_bytes)
    return b"".join(chunks)
