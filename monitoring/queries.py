"""What the profile page shows about measured availability and latency, computed by the database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q

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


def summary_for_model(model: Model) -> MonitoringSummary:
    """The last test of every host of `model`: counts, availability, p50/p95 latency, TTFT, output speed.
    A fixed number of queries (7) whatever the number of runs."""
    targets = ProbeTarget.objects.filter(offering__model=model, enabled=True).aggregate(
        count=Count("id"), demo=Count("id", filter=Q(is_demo=True))
    )
    summary = MonitoringSummary(targets=targets["count"], has_demo=bool(targets["demo"]))
    runs = ProbeRun.objects.filter(target__offering__model=model)
    last = runs.order_by("-started_at").values_list("started_at", flat=True).first()
    if last is None:
        return summary
    recent = runs.filter(started_at__gt=last - LAST_TEST_WINDOW)
    counts = recent.summary()
    summary.runs, summary.ok, summary.errors = counts["runs"], counts["ok"], counts["errors"]
    summary.rate_limited, summary.last_run_at = counts["rate_limited"], counts["last_run_at"]
    ok = recent.filter(outcome="ok")
    summary.latency_p50 = Percentile(*ok.percentile("latency_ms", 0.5))
    summary.latency_p95 = Percentile(*ok.percentile("latency_ms", 0.95))
    summary.ttft_p50 = Percentile(*ok.percentile("ttft_ms", 0.5))
    summary.speed_p50 = Percentile(*ok.percentile("tokens_per_second", 0.5))
    return summary
