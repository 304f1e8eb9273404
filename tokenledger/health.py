"""Health checks for load balancers and uptime monitors: is the process alive (/healthz), and can it serve (/readyz).

Readiness fails only when something this node needs does not answer: the database, the cache or the broker, each
pinged with a short timeout. How fresh the data is (each price source's last successful sync, the last probe
batch) is reported beside them but never fails readiness: a load balancer would pull every web node at once
because a weekly sync is late, turning stale prices into an outage. Monitors alert on `"stale": true` instead.

Nothing here prints a URL or an error message: a broker or database URL may carry a password, and an exception's
text may quote it. A failed check names its exception's class only.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.models import Max, Min
from django.utils import timezone
from kombu import Connection

from monitoring.models import ProbeRun, ProbeTarget
from monitoring.queries import STALE_AFTER_INTERVALS
from pricing.health import source_health

# The broker's connect and read timeout; the cache's are its client's (CACHES in settings), the database's its
# connect_timeout (DATABASES). A check slower than this is as good as down for a load balancer.
BROKER_TIMEOUT_SECONDS = 2.0


class CacheMismatch(Exception):
    """The cache answered, but not with what was just written to it."""


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    seconds: float
    error: str = ""  # the exception's class, never its message

    def as_json(self) -> dict[str, Any]:
        answer: dict[str, Any] = {"ok": self.ok, "ms": round(self.seconds * 1000, 1)}
        if self.error:
            answer["error"] = self.error
        return answer


def timed(name: str, ping: Callable[[], None]) -> Check:
    """Run one ping and time it; any exception means the dependency is not reachable."""
    start = time.perf_counter()
    try:
        ping()
    except Exception as error:
        return Check(name, False, time.perf_counter() - start, type(error).__name__)
    return Check(name, True, time.perf_counter() - start)


def ping_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def ping_cache() -> None:
    """Write a fresh value and read it back, under a key of this thread (other nodes write their own)."""
    key = f"health:{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
    value = uuid.uuid4().hex
    cache.set(key, value, timeout=60)
    if cache.get(key) != value:
        raise CacheMismatch


def ping_broker() -> None:
    """Connect to the broker Celery is configured with (Redis answers a PING); the filesystem broker is reachable
    when its queue folders exist and can be written."""
    options = dict(getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {})
    options.update(socket_timeout=BROKER_TIMEOUT_SECONDS, socket_connect_timeout=BROKER_TIMEOUT_SECONDS)
    broker = Connection(
        settings.CELERY_BROKER_URL, connect_timeout=BROKER_TIMEOUT_SECONDS, transport_options=options
    )
    with broker:
        if broker.transport_cls == "filesystem":
            for folder in {options.get("data_folder_in", ""), options.get("data_folder_out", "")}:
                if not Path(folder).is_dir():
                    raise NotADirectoryError
                if not os.access(folder, os.W_OK | os.X_OK):
                    raise PermissionError
        broker.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS
        )
        client = getattr(broker.default_channel, "client", None)
        if client is not None and hasattr(client, "ping"):
            client.ping()


def _age_seconds(at: dt.datetime | None, now: dt.datetime) -> int | None:
    return None if at is None else max(int((now - at).total_seconds()), 0)


def price_sources(now: dt.datetime) -> list[dict[str, Any]]:
    """Each enabled source's last successful sync; stale once overdue (8 days, as /status/ flags it). One query."""
    return [
        {
            "source": health.source.slug,
            "last_success_at": health.last_success_at.isoformat() if health.last_success_at else None,
            "age_seconds": _age_seconds(health.last_success_at, now),
            "stale": health.overdue,
            "failing": health.failing,
        }
        for health in source_health(now=now)
    ]


def probes(now: dt.datetime) -> dict[str, Any]:
    """The latest probe run; stale when enabled targets exist and none ran for three of the shortest interval.
    Two queries, each served by an index or a small table."""
    targets = ProbeTarget.objects.filter(enabled=True).aggregate(shortest=Min("interval_minutes"))
    last = ProbeRun.objects.aggregate(last=Max("started_at"))["last"]
    shortest = targets["shortest"]
    if shortest is None:  # nothing to probe: nothing can be late
        stale = False
    else:
        stale = last is None or now - last > STALE_AFTER_INTERVALS * dt.timedelta(minutes=shortest)
    return {
        "last_batch_at": last.isoformat() if last else None,
        "age_seconds": _age_seconds(last, now),
        "stale": stale,
    }


@dataclass(frozen=True)
class Readiness:
    checks: list[Check]
    price_sources: list[dict[str, Any]] | None  # None when the database could not be read
    probes: dict[str, Any] | None
    checked_at: dt.datetime

    @property
    def failing(self) -> list[str]:
        return [check.name for check in self.checks if not check.ok]

    @property
    def ready(self) -> bool:
        return not self.failing

    @property
    def stale(self) -> list[str]:
        """What is late (source slugs, "probes"): for a monitor to alert on, never a reason to be unready."""
        late = [source["source"] for source in self.price_sources or [] if source["stale"]]
        return late + (["probes"] if self.probes and self.probes["stale"] else [])

    def as_json(self) -> dict[str, Any]:
        return {
            "status": "ready" if self.ready else "unavailable",
            "failing": self.failing,
            "stale": self.stale,
            "checks": {check.name: check.as_json() for check in self.checks},
            "price_sources": self.price_sources,
            "probes": self.probes,
            "checked_at": self.checked_at.isoformat(),
        }


def readiness() -> Readiness:
    """Ping the database, the cache and the broker; with the database up, how fresh the data is. Four queries."""
    now = timezone.now()
    checks = [timed("database", ping_database), timed("cache", ping_cache), timed("broker", ping_broker)]
    sources = probe_batch = None
    if checks[0].ok:
        try:
            sources, probe_batch = price_sources(now), probes(now)
        except DatabaseError as error:  # it answered the ping, then failed
            checks[0] = Check("database", False, checks[0].seconds, type(error).__name__)
    return Readiness(checks=checks, price_sources=sources, probes=probe_batch, checked_at=now)
