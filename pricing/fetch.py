"""Fetching a price feed over HTTP: explicit timeouts, retries with backoff, a size limit, our User-Agent."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings

from pricing.feedjson import decode
from pricing.sources.base import FeedError

MAX_FEED_BYTES = 50 * 1024 * 1024
TIMEOUT = httpx.Timeout(30.0, connect=10.0)
RETRIES = 3
BACKOFF_SECONDS = 1.0
RETRY_STATUSES = {429, 500, 502, 503, 504}


def display_url(url: str) -> str:
    """The URL without its query or credentials, safe to print and store (a query may carry a key)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def fetch_json(
    url: str,
    *,
    timeout: httpx.Timeout = TIMEOUT,
    retries: int = RETRIES,
    backoff: float | None = None,
    max_bytes: int = MAX_FEED_BYTES,
    transport: httpx.BaseTransport | None = None,
) -> Any:
    """GET a JSON feed, retrying timeouts, connection errors, 429 and 5xx with exponential backoff."""
    backoff = BACKOFF_SECONDS if backoff is None else backoff
    shown = display_url(url)
    headers = {"User-Agent": settings.HTTP_USER_AGENT, "Accept": "application/json"}
    last_error = ""
    with httpx.Client(timeout=timeout, headers=headers, follow_redirects=True, transport=transport) as client:
        for attempt in range(retries + 1):
            if attempt:
                time.sleep(backoff * 2 ** (attempt - 1))
            try:
                body = _read_limited(client, url, max_bytes)
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


def _read_limited(client: httpx.Client, url: str, max_bytes: int) -> bytes:
    with client.stream("GET", url) as response:
        if response.status_code in RETRY_STATUSES:
            raise _RetryableStatus(response.status_code)
        if response.status_code != 200:
            raise FeedError(f"{display_url(url)} answered HTTP {response.status_code}")
        declared = int(response.headers.get("content-length") or 0)
        if declared > max_bytes:
            raise FeedError(f"{display_url(url)} is {declared:,} bytes, over the {max_bytes:,}-byte limit")
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise FeedError(f"{display_url(url)} sent more than the {max_bytes:,}-byte limit")
            chunks.append(chunk)
        return b"".join(chunks)
