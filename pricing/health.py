"""How fresh each price source is: the age of its last successful sync, its last failure, and whether the
catch-up job should try it again.

The weekly job syncs every enabled source; whatever it could not (the lease was busy, the feed failed, the worker
died) the catch-up job (pricing.tasks.sync_overdue_sources, every 15 minutes) syncs again, with backoff, until the
source has had a successful sync in the last 7 days. The state lives in the SyncRun rows, so a crash loses nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from pricing.models import PriceSource, SyncRun, SyncStatus
from tokenledger import formatting

SYNC_INTERVAL = dt.timedelta(days=7)  # the weekly job's
OVERDUE_AFTER = dt.timedelta(days=8)  # a week and a day: /status/ flags it, `manage.py sync_health` fails
FIRST_RETRY = dt.timedelta(minutes=15)
LONGEST_RETRY = dt.timedelta(hours=6)


@dataclass(frozen=True)
class SourceHealth:
    source: PriceSource
    last_success_at: dt.datetime | None
    last_failure_at: dt.datetime | None
    last_failure: str
    now: dt.datetime

    @property
    def age(self) -> dt.timedelta | None:
        """How long since the last successful sync; None if there never was one."""
        return None if self.last_success_at is None else self.now - self.last_success_at

    @property
    def overdue(self) -> bool:
        return self.age is None or self.age > OVERDUE_AFTER

    @property
    def fresh(self) -> bool:
        """Synced within the weekly interval: the catch-up job leaves it alone."""
        return self.age is not None and self.age < SYNC_INTERVAL

    @property
    def failing(self) -> bool:
        """Its last attempt failed (after its last success)."""
        return self.last_failure_at is not None and (
            self.last_success_at is None or self.last_failure_at > self.last_success_at
        )

    @property
    def state(self) -> str:
        """In words for /status/: a reader sees whether its prices are current."""
        if self.last_success_at is None:
            return "Never synced"
        if self.overdue:
            return "Overdue"
        if self.failing:
            return "Last attempt failed: retrying"
        return "Up to date"

    @property
    def state_level(self) -> str:
        """ok, warn or bad, for the page's colours (the same classes as the probes' states)."""
        return "bad" if self.overdue else "warn" if self.failing else "ok"

    def describe(self) -> str:
        """One line for logs and `manage.py sync_health`."""
        if self.last_success_at is None:
            text = f"{self.source.slug}: never synced successfully"
        else:
            when = f"{self.last_success_at:%Y-%m-%d %H:%M} UTC"
            text = f"{self.source.slug}: last successful sync {when}, {formatting.age(self.age)} ago"
        if self.overdue:
            text += " — OVERDUE"
        if self.failing:
            text += f"; last failure: {self.last_failure.splitlines()[0] if self.last_failure else '?'}"
        return text


def source_health(*, now: dt.datetime | None = None) -> list[SourceHealth]:
    """Each enabled source's last successful sync and its age, by priority. One query."""
    now = now or timezone.now()
    return [
        SourceHealth(
            source=source,
            last_success_at=source.last_success_at,
            last_failure_at=source.last_failure_at,
            last_failure=source.last_failure or "",
            now=now,
        )
        for source in PriceSource.objects.filter(enabled=True).with_sync_health().order_by("priority", "slug")
    ]


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after `attempts` failed or skipped attempts: 15 minutes, doubling, at most 6 hours."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def due_for_retry(*, now: dt.datetime | None = None) -> list[PriceSource]:
    """The enabled sources without a successful sync in SYNC_INTERVAL whose backoff has run out: those never
    tried since their last success at once, the others `retry_delay(attempts)` after their last attempt."""
    now = now or timezone.now()
    due = []
    for health in source_health(now=now):
        if health.fresh:
            continue
        attempts = SyncRun.objects.filter(
            source=health.source, dry_run=False, status__in=[SyncStatus.FAILED, SyncStatus.SKIPPED]
        )
        if health.last_success_at is not None:
            attempts = attempts.filter(started_at__gt=health.last_success_at)
        last = attempts.order_by("-started_at").values_list("started_at", flat=True).first()
        if last is None or now - last >= retry_delay(attempts.count()):
            due.append(health.source)
    return due
