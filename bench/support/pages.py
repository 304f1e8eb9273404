"""Measuring a page as the server builds it and as the page cache serves it, through Django's test client."""

from __future__ import annotations

import os
import statistics
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection
from django.test import Client


@dataclass
class PageTimes:
    queries: int  # to build the page (page cache empty)
    built_ms: float  # median server time to build it
    cached_ms: float  # median server time from the page cache
    cached_queries: int


def _count_queries(client: Client, url: str) -> int:
    queries: list[str] = []
    with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    if os.environ.get("BENCH_VERBOSE"):
        print(url, *(sql[:160] for sql in queries), sep="\n  ")
    return len(queries)


def measure_page(client: Client, url: str, renders: int = 30) -> PageTimes:
    """Median server time over `renders`, built (the page cache emptied before each) and served from the cache."""
    client.get(url)  # warm what is not per page: templates, URL resolvers
    cache.clear()
    queries = _count_queries(client, url)
    built = []
    for _ in range(renders):
        cache.clear()
        started = time.perf_counter()
        client.get(url)
        built.append((time.perf_counter() - started) * 1000)
    cached_queries = _count_queries(client, url)
    served = []
    for _ in range(renders):
        started = time.perf_counter()
        client.get(url)
        served.append((time.perf_counter() - started) * 1000)
    return PageTimes(queries, statistics.median(built), statistics.median(served), cached_queries)
