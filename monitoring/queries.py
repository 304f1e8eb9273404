"""What the profile page shows about measured availability and latency, computed by the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import Model
from monitoring.models import Outcome, Period, ProbeRollup, ProbeRun, ProbeTarget
from monitoring.rollups import bucket_start

# "The last test" covers the runs of the day up to the latest run: the reference page's "Errors 1 / 6 runs".
LAST_TEST_WINDOW = dt.timedelta(hours=24)
DAILY_DAYS = 90

# No run for this many of a target's intervals is "no recent run" (/status/, /readyz).
STALE_AFTER_INTERVALS = 3


@dataclass
class Percentile:
    value: float | None
    samples: int


@dataclass
class WindowStats:
    """Availability and latency of a set of runs, as the page and the API give them."""

    runs: int = 0
    ok: int = 0
    errors: int = 0
    rate_limited: int = 0
    last_run_at: dt.datetime | None = None
    latency_p50: Percentile | None = None
    latency_p95: Percentile | None = None
    ttft_p50: Percentile | None = None
    ttft_p95: Percentile | None = None
    speed_p50: Percentile | None = None
    days: int | None = None  # the window's length, where it is a number of days

    @property
    def counted_runs(self) -> int:
        return self.ok + self.errors

    @property
    def availability(self) -> float | None:
        """ok / (ok + errors); rate-limited runs are shown but left out, as OpenRouter does."""
        return 100 * self.ok / self.counted_runs if self.counted_runs else None


@dataclass
class MonitoringSummary(WindowStats):
    """A model's last test (the runs of the 24 hours up to its latest run) and what is configured to probe it."""

    hosts: list = field(default_factory=list)  # every ProbeTarget of the model, with its last_run_at
    daily: list[dict] = field(default_factory=list)  # runs per day summed over the hosts, for the bars
    daily_by_target: dict[int, list] = field(default_factory=dict)  # each target's daily rollups, for latency
    longer: list[WindowStats] = field(default_factory=list)  # availability over 7, 30 and 90 days

    @property
    def measured(self) -> bool:
        return self.runs > 0

    @property
    def targets(self) -> int:
        """How many probes are configured and enabled."""
        return sum(1 for target in self.hosts if target.enabled)

    @property
    def has_demo(self) -> bool:
        return any(target.is_demo for target in self.hosts)

    @property
    def empty_reason(self) -> str:
        if self.targets == 0:
            return "No probe is configured for this model yet, so we have not called its API."
        return "A probe is configured, but it has not completed a run yet."


def window_stats(runs) -> WindowStats:
    """Counts and percentiles of these runs, in six queries whatever their number."""
    counts = runs.summary()
    ok = runs.filter(outcome=Outcome.OK)

    def percentile(field: str, fraction: float) -> Percentile:
        samples = counts[f"{field}_samples"]
        return Percentile(ok.percentile(field, fraction, samples), samples)

    return WindowStats(
        runs=counts["runs"],
        ok=counts["ok"],
        errors=counts["errors"],
        rate_limited=counts["rate_limited"],
        last_run_at=counts["last_run_at"],
        latency_p50=percentile("latency_ms", 0.5),
        latency_p95=percentile("latency_ms", 0.95),
        ttft_p50=percentile("ttft_ms", 0.5),
        ttft_p95=percentile("ttft_ms", 0.95),
        speed_p50=percentile("tokens_per_second", 0.5),
    )


def daily_series(target_ids, *, days: int = DAILY_DAYS, now: dt.datetime | None = None) -> dict[int, list]:
    """Each target's daily rollups (UTC days) over the last `days`, oldest first. One query."""
    since = bucket_start((now or timezone.now()) - dt.timedelta(days=days - 1), Period.DAY)
    series: dict[int, list[ProbeRollup]] = {target_id: [] for target_id in target_ids}
    for rollup in ProbeRollup.objects.filter(
        target_id__in=list(series), period=Period.DAY, starts_at__gte=since
    ).order_by("starts_at"):
        series[rollup.target_id].append(rollup)
    return series


def daily_totals(target_ids, *, days: int = DAILY_DAYS, now: dt.datetime | None = None) -> list[dict]:
    """Runs per UTC day over the last `days`, summed over these targets (a model's hosts). One query."""
    since = bucket_start((now or timezone.now()) - dt.timedelta(days=days - 1), Period.DAY)
    return list(
        ProbeRollup.objects.filter(target_id__in=list(target_ids), period=Period.DAY, starts_at__gte=since)
        .values("starts_at")
        .annotate(runs=Sum("runs"), ok=Sum("ok"), errors=Sum("errors"), rate_limited=Sum("rate_limited"))
        .order_by("starts_at")
    )


AVAILABILITY_WINDOWS = (7, 30, 90)


def availability_windows(target_ids, now: dt.datetime | None = None) -> list[WindowStats]:
    """Runs, ok, errors and rate-limited over the last 7, 30 and 90 UTC days (today included), summed by the
    database from the daily rollups. One query. (Percentiles over these windows are in the API: they need the
    raw runs.)"""
    today = bucket_start(now or timezone.now(), Period.DAY)
    sums = {}
    for days in AVAILABILITY_WINDOWS:
        recent = Q(starts_at__gte=today - dt.timedelta(days=days - 1))
        for name in ("runs", "ok", "errors", "rate_limited"):
            sums[f"{name}_{days}"] = Coalesce(Sum(name, filter=recent), 0)
    row = ProbeRollup.objects.filter(target_id__in=list(target_ids), period=Period.DAY).aggregate(**sums)
    return [
        WindowStats(
            **{name: row[f"{name}_{days}"] for name in ("runs", "ok", "errors", "rate_limited")}, days=days
        )
        for days in AVAILABILITY_WINDOWS
    ]


def last_test(model: Model) -> MonitoringSummary:
    """The last test of every host of `model`: counts, availability, p50/p95 latency, TTFT and output speed over
    the 24 hours up to its latest run, and what is configured to probe it. Seven queries at most, whatever the
    number of runs: the raw runs it reads are those of one day, found through the (target, started_at) index."""
    targets = list(
        ProbeTarget.objects.filter(offering__model=model)
        .select_related("offering__host")
        .annotate(
            last_run_at=Subquery(
                ProbeRun.objects.filter(target=OuterRef("pk"))
                .order_by("-started_at")
                .values("started_at")[:1]
            )
        )
        .order_by("pk")
    )
    last = max((target.last_run_at for target in targets if target.last_run_at), default=None)
    if last is None:
        return MonitoringSummary(hosts=targets)
    ids = [target.pk for target in targets]
    stats = window_stats(ProbeRun.objects.filter(target_id__in=ids, started_at__gt=last - LAST_TEST_WINDOW))
    return MonitoringSummary(**vars(stats), hosts=targets)


def summary_for_model(model: Model) -> MonitoringSummary:
    """The profile page's monitoring: the last test, with the daily rollups for the charts and the availability
    over 7, 30 and 90 days. A fixed number of queries whatever the number of runs."""
    summary = last_test(model)
    if summary.measured:
        ids = [target.pk for target in summary.hosts]
        summary.daily = daily_totals(ids)
        summary.daily_by_target = daily_series(ids)
        summary.longer = availability_windows(ids)
    return summary


def status_of_targets(now: dt.datetime | None = None) -> list[ProbeTarget]:
    """Every enabled target with its last run (outcome, HTTP status, latency, time) and its runs over the last 24
    hours from the hourly rollups (runs, ok, errors, rate_limited, availability). Two queries."""
    now = now or timezone.now()
    # The 24 hourly buckets up to and including the current hour.
    since = bucket_start(now, Period.HOUR) - LAST_TEST_WINDOW + dt.timedelta(hours=1)
    last_run = ProbeRun.objects.filter(target=OuterRef("pk")).order_by("-started_at")
    hourly = ProbeRollup.objects.filter(period=Period.HOUR, starts_at__gte=since)
    day = {
        row["target_id"]: row
        for row in hourly.values("target_id").annotate(
            runs=Sum("runs"), ok=Sum("ok"), errors=Sum("errors"), rate_limited=Sum("rate_limited")
        )
    }
    targets = list(
        ProbeTarget.objects.filter(enabled=True)
        .select_related("offering__model__lab", "offering__host")
        .annotate(
            last_run_at=Subquery(last_run.values("started_at")[:1]),
            last_outcome=Subquery(last_run.values("outcome")[:1]),
            last_status=Subquery(last_run.values("http_status")[:1]),
            last_latency=Subquery(last_run.values("latency_ms")[:1]),
        )
        .order_by("offering__model__lab__name", "offering__model__name", "offering__host__name")
    )
    for target in targets:
        target.day = WindowStats(**{k: v for k, v in day.get(target.pk, {}).items() if k != "target_id"})
        target.state, target.state_level = current_state(target, now)
    return targets


def current_state(target: ProbeTarget, now: dt.datetime) -> tuple[str, str]:
    """What the last run says (and whether it is recent), in words, with a level: ok, warn, bad or none."""
    if target.last_run_at is None:
        return "Not run yet", "none"
    if now - target.last_run_at > STALE_AFTER_INTERVALS * dt.timedelta(minutes=target.interval_minutes):
        return "No recent run", "none"
    if target.last_outcome == Outcome.OK:
        return "Up", "ok"
    if target.last_status == 429:
        return "Rate-limited", "warn"
    reason = (
        f"HTTP {target.last_status}" if target.last_status else Outcome(target.last_outcome).label.lower()
    )
    return f"Down: {reason}", "bad"
