"""What the profile page shows about measured availability and latency, computed by the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from catalog.models import Model
from monitoring.models import ProbeRun, ProbeTarget

# "The last test" covers the runs of the day up to the latest run: the reference page's "Errors 1 / 6 runs".
LAST_TEST_WINDOW = dt.timedelta(hours=24)


@dataclass
class Percentile:
    value: float | None
    samples: int


@dataclass
class MonitoringSummary:
    targets: int
    has_demo: bool
    runs: int = 0
    ok: int = 0
    errors: int = 0
    rate_limited: int = 0
    last_run_at: dt.datetime | None = None
    latency_p50: Percentile | None = None
    latency_p95: Percentile | None = None
    ttft_p50: Percentile | None = None
    speed_p50: Percentile | None = None

    @property
    def measured(self) -> bool:
        return self.runs > 0

    @property
    def availability(self) -> float | None:
        """ok / (ok + errors); rate-limited runs are shown but left out, as OpenRouter does."""
        counted = self.ok + self.errors
        return 100 * self.ok / counted if counted else None

    @property
    def counted_runs(self) -> int:
        return self.ok + self.errors

    @property
    def empty_reason(self) -> str:
        if self.targets == 0:
            return "No probe is configured for this model yet, so we have not called its API."
        return "A probe is configured, but it has not completed a run yet."


@dataclass
class WindowStats:
    """Availability and latency of a set of runs, as the page and the API give them."""

    runs: int
    ok: int
    errors: int
    rate_limited: int
    last_run_at: dt.datetime | None
    latency_p50: Percentile
    latency_p95: Percentile
    ttft_p50: Percentile
    ttft_p95: Percentile
    speed_p50: Percentile

    @property
    def availability(self) -> float | None:
        counted = self.ok + self.errors
        return 100 * self.ok / counted if counted else None


def window_stats(runs) -> WindowStats:
    """Counts and percentiles of these runs, in six queries whatever their number."""
    counts = runs.summary()
    ok = runs.filter(outcome="ok")
    return WindowStats(
        runs=counts["runs"],
        ok=counts["ok"],
        errors=counts["errors"],
        rate_limited=counts["rate_limited"],
        last_run_at=counts["last_run_at"],
        latency_p50=Percentile(*ok.percentile("latency_ms", 0.5)),
        latency_p95=Percentile(*ok.percentile("latency_ms", 0.95)),
        ttft_p50=Percentile(*ok.percentile("ttft_ms", 0.5)),
        ttft_p95=Percentile(*ok.percentile("ttft_ms", 0.95)),
        speed_p50=Percentile(*ok.percentile("tokens_per_second", 0.5)),
    )


def daily_series(runs, *, days: int = 90, now: dt.datetime | None = None) -> list[dict]:
    """Per day (UTC) over the last `days`: runs, ok, errors and rate-limited. One query."""
    since = (now or timezone.now()) - dt.timedelta(days=days)
    rate_limited = Q(outcome="http_error", http_status=429)
    return list(
        runs.filter(started_at__gte=since)
        .annotate(day=TruncDate("started_at", tzinfo=dt.UTC))
        .values("day")
        .annotate(
            runs=Count("id"),
            ok=Count("id", filter=Q(outcome="ok")),
            rate_limited=Count("id", filter=rate_limited),
            errors=Count("id", filter=~Q(outcome="ok") & ~rate_limited),
        )
        .order_by("day")
    )


def summary_for_model(model: Model) -> MonitoringSummary:
    """The last test of every host of `model`: counts, availability, p50/p95 latency, TTFT, output speed.
    A fixed number of queries (8) whatever the number of runs."""
    targets = ProbeTarget.objects.filter(offering__model=model, enabled=True).aggregate(
        count=Count("id"), demo=Count("id", filter=Q(is_demo=True))
    )
    summary = MonitoringSummary(targets=targets["count"], has_demo=bool(targets["demo"]))
    runs = ProbeRun.objects.filter(target__offering__model=model)
    last = runs.order_by("-started_at").values_list("started_at", flat=True).first()
    if last is None:
        return summary
    stats = window_stats(runs.filter(started_at__gt=last - LAST_TEST_WINDOW))
    summary.runs, summary.ok, summary.errors = stats.runs, stats.ok, stats.errors
    summary.rate_limited, summary.last_run_at = stats.rate_limited, stats.last_run_at
    summary.latency_p50, summary.latency_p95 = stats.latency_p50, stats.latency_p95
    summary.ttft_p50, summary.speed_p50 = stats.ttft_p50, stats.speed_p50
    return summary
