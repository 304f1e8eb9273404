"""Hourly and daily rollups of probe runs, and the retention that deletes raw runs once they are rolled up.

Every figure of a rollup is computed by the database in a fixed number of queries per bucket (one for the counts,
one per percentile) for all its targets at once, whatever the number of runs: percentiles are nearest-rank, by
window functions partitioned by target, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Sum, Window
from django.db.models.functions import Ceil, RowNumber
from django.utils import timezone

from catalog import freshness
from catalog.models import Model
from monitoring.models import Outcome, Period, ProbeRollup, ProbeRun, ProbeTarget, run_counts

LENGTH = {Period.HOUR: dt.timedelta(hours=1), Period.DAY: dt.timedelta(days=1)}
# (rollup field, run field, fraction, samples field)
PERCENTILES = [
    ("latency_p50", "latency_ms", 0.5, "latency_samples"),
    ("latency_p95", "latency_ms", 0.95, "latency_samples"),
    ("ttft_p50", "ttft_ms", 0.5, "ttft_samples"),
    ("ttft_p95", "ttft_ms", 0.95, "ttft_samples"),
    ("speed_p50", "tokens_per_second", 0.5, "speed_samples"),
]
COUNTS = ["runs", "ok", "errors", "rate_limited"]
LISTED_WINDOW = dt.timedelta(days=7)


def bucket_start(moment: dt.datetime, period: str) -> dt.datetime:
    """The start (UTC) of the hour or day that holds `moment`."""
    moment = moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    return moment.replace(hour=0) if period == Period.DAY else moment


def roll_up(
    period: str, since: dt.datetime, until: dt.datetime, *, target_ids: Iterable[int] | None = None
) -> int:
    """(Re)compute the rollups of every bucket that holds a run from `since` to `until` (widened to whole buckets),
    for these targets or all. Idempotent; returns the number of buckets written."""
    target_ids = list(target_ids) if target_ids is not None else None
    written = 0
    start, last = bucket_start(since, period), bucket_start(until, period)
    while start <= last:
        written += _roll_up_bucket(period, start, target_ids)
        start += LENGTH[period]
    return written


def _roll_up_bucket(period: str, start: dt.datetime, target_ids: list[int] | None) -> int:
    """One bucket, all its targets at once: grouped and partitioned by target only (truncating each run's time
    would call a Python function per row on SQLite), through the index on started_at or (target, started_at)."""
    runs = ProbeRun.objects.filter(started_at__gte=start, started_at__lt=start + LENGTH[period])
    if target_ids is not None:
        runs = runs.filter(target_id__in=target_ids)
    rows = {
        row["target_id"]: {name: row[name] for name in COUNTS}
        for row in runs.values("target_id").annotate(**run_counts()).order_by()
    }
    if not rows:
        return 0
    ok = runs.filter(outcome=Outcome.OK)
    for field, source, fraction, samples_field in PERCENTILES:
        ranked = (
            ok.filter(**{f"{source}__isnull": False})
            .annotate(
                rank=Window(RowNumber(), partition_by=[F("target_id")], order_by=F(source).asc()),
                samples=Window(Count("id"), partition_by=[F("target_id")]),
            )
            .filter(rank=Ceil(F("samples") * fraction))
            .values_list("target_id", source, "samples")
        )
        for target_id, value, samples in ranked:
            rows[target_id][field] = value
            rows[target_id][samples_field] = samples

    ProbeRollup.objects.bulk_create(
        [
            ProbeRollup(target_id=target_id, period=period, starts_at=start, **values)
            for target_id, values in rows.items()
        ],
        batch_size=500,
        update_conflicts=True,
        unique_fields=["target", "period", "starts_at"],
        update_fields=[*COUNTS, *(p[0] for p in PERCENTILES), *{p[3] for p in PERCENTILES}, "computed_at"],
    )
    return len(rows)


def refresh(since: dt.datetime, until: dt.datetime, *, target_ids: Iterable[int] | None = None) -> int:
    """The hourly and the daily rollups of these runs, so pages read current figures right after a probe batch."""
    target_ids = list(target_ids) if target_ids is not None else None
    with transaction.atomic():
        written = sum(roll_up(period, since, until, target_ids=target_ids) for period in Period)
        targets = (
            ProbeTarget.objects.all() if target_ids is None else ProbeTarget.objects.filter(pk__in=target_ids)
        )
        refresh_listed_availability(targets.values_list("offering__model_id", flat=True).distinct())
        freshness.bump(freshness.MONITORING)
    return written


def refresh_listed_availability(model_ids: Iterable[int], now: dt.datetime | None = None) -> int:
    """The 7-day availability the catalog lists and sorts by, over every real (not demo) host of these models,
    from the daily rollups. Two queries and one update."""
    model_ids = list(model_ids)
    since = bucket_start(now or timezone.now(), Period.DAY) - LISTED_WINDOW + LENGTH[Period.DAY]
    totals = {
        row["target__offering__model_id"]: row
        for row in ProbeRollup.objects.filter(
            period=Period.DAY,
            starts_at__gte=since,
            target__is_demo=False,
            target__offering__model_id__in=model_ids,
        )
        .values("target__offering__model_id")
        .annotate(ok=Sum("ok"), errors=Sum("errors"))
    }
    changed = []
    for model in Model.objects.filter(pk__in=model_ids).only("listed_availability"):
        row = totals.get(model.pk)
        counted = (row["ok"] + row["errors"]) if row else 0
        availability = round(100 * row["ok"] / counted, 3) if counted else None
        if availability != model.listed_availability:
            model.listed_availability = availability
            changed.append(model)
    Model.objects.bulk_update(changed, ["listed_availability"])
    if changed:
        freshness.bump(freshness.CATALOG)
    return len(changed)


def retention_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Raw runs before this moment (the start of a UTC day) are deleted once rolled up."""
    days = settings.MONITORING["RAW_RETENTION_DAYS"]
    return bucket_start((now or timezone.now()) - dt.timedelta(days=days), Period.DAY)


def prune(now: dt.datetime | None = None) -> dict[str, int]:
    """Roll up every raw run older than the retention cutoff, then delete those runs, and rollups older than
    theirs. Whole UTC days only, so a day's rollup is never recomputed from part of its runs."""
    now = now or timezone.now()
    cutoff = retention_cutoff(now)
    oldest = (
        ProbeRun.objects.filter(started_at__lt=cutoff)
        .order_by("started_at")
        .values_list("started_at", flat=True)
        .first()
    )
    deleted = {"runs": 0, "hourly": 0, "daily": 0}
    with transaction.atomic():
        if oldest is not None:
            refresh(oldest, cutoff - dt.timedelta(microseconds=1))
            deleted["runs"], _ = ProbeRun.objects.filter(started_at__lt=cutoff).delete()
        for period, key, setting in (
            (Period.HOUR, "hourly", "HOURLY_RETENTION_DAYS"),
            (Period.DAY, "daily", "DAILY_RETENTION_DAYS"),
        ):
            keep_from = bucket_start(now - dt.timedelta(days=settings.MONITORING[setting]), Period.DAY)
            deleted[key], _ = ProbeRollup.objects.filter(period=period, starts_at__lt=keep_from).delete()
        if any(deleted.values()):
            freshness.bump(freshness.MONITORING)
    return deleted
