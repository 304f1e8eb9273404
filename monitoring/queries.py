"""What the profile page shows about measured availability and latency, computed by the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from catalog.models import Model
from monitoring.models import ProbeRun, ProbeTarget, run_counts

# "The last test" covers the runs of the day up to the latest run: the reference page's "Errors 1 / 6 runs".
LAST_TEST_WINDOW = dt.timedelta(hours=24)


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

    targets: int = 0
    has_demo: bool = False

    @property
    def measured(self) -> bool:
        return self.runs > 0

    @property
    def empty_reason(self) -> str:
        if self.targets == 0:
            return "No probe is configured for this model yet, so we have not called its API."
        return "A probe is configured, but it has not completed a run yet."


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
    return list(
        runs.filter(started_at__gte=since)
        .annotate(day=TruncDate("started_at", tzinfo=dt.UTC))
        .values("day")
        .annotate(**run_counts())
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
    return MonitoringSummary(**vars(stats), targets=summary.targets, has_demo=summary.has_demo)
