"""Availability and latency in the public API: per host, per window, with sample counts and the daily series."""

# No `from __future__ import annotations` here: ninja reads the endpoints' annotations at import.
import datetime as dt

from django.utils import timezone
from ninja import Router, Schema

from catalog import freshness
from monitoring.models import ProbeRun, ProbeTarget
from monitoring.queries import Percentile, daily_series, window_stats
from pricing.api import cached, get_model, key_of

router = Router(tags=["availability"])

WINDOWS = {"24h": dt.timedelta(hours=24), "7d": dt.timedelta(days=7), "30d": dt.timedelta(days=30)}


class Measured(Schema):
    value: float | None
    samples: int


class Window(Schema):
    runs: int
    ok: int
    errors: int
    rate_limited: int
    availability_percent: float | None
    latency_p50_ms: Measured
    latency_p95_ms: Measured
    ttft_p50_ms: Measured
    ttft_p95_ms: Measured
    tokens_per_second_p50: Measured


class Day(Schema):
    day: dt.date
    runs: int
    ok: int
    errors: int
    rate_limited: int
    availability_percent: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    ttft_p50_ms: float | None
    latency_samples: int


def day_row(rollup) -> dict:
    """A daily rollup as the API and the CSV give it."""
    availability = rollup.availability
    return {
        "day": rollup.starts_at.date(),
        "runs": rollup.runs,
        "ok": rollup.ok,
        "errors": rollup.errors,
        "rate_limited": rollup.rate_limited,
        "availability_percent": round(availability, 2) if availability is not None else None,
        "latency_p50_ms": rollup.latency_p50,
        "latency_p95_ms": rollup.latency_p95,
        "ttft_p50_ms": rollup.ttft_p50,
        "latency_samples": rollup.latency_samples,
    }


class HostAvailability(Schema):
    host: str
    host_model_id: str
    demo: bool
    last_run_at: dt.datetime | None
    windows: dict[str, Window]
    daily: list[Day]


class Availability(Schema):
    model: str
    hosts: list[HostAvailability]


def _measured(p: Percentile) -> dict:
    return {"value": p.value, "samples": p.samples}


@router.get("/models/{lab}/{model}/availability/", response=Availability, url_name="availability")
@cached(freshness.CATALOG, freshness.MONITORING)
def availability(request, lab: str, model: str):
    """Measured availability (ok / (ok + errors); rate-limited runs are counted apart), latency and time to first
    token percentiles with their sample counts over 24 h, 7 d and 30 d (from the raw runs), and per day over 90 days
    runs, availability and latency percentiles (from the daily rollups), for every
    host of the model we probe. Demo targets, which probe a simulated provider, say so."""
    found = get_model(lab, model)
    now = timezone.now()
    hosts = []
    targets = list(
        ProbeTarget.objects.filter(offering__model_id=found["pk"], enabled=True).select_related(
            "offering__host"
        )
    )
    daily = daily_series([target.pk for target in targets], now=now)
    for target in targets:
        runs = ProbeRun.objects.filter(target=target)
        windows = {}
        last_run_at = None
        for name, length in WINDOWS.items():
            stats = window_stats(runs.filter(started_at__gt=now - length))
            last_run_at = last_run_at or stats.last_run_at
            windows[name] = {
                "runs": stats.runs,
                "ok": stats.ok,
                "errors": stats.errors,
                "rate_limited": stats.rate_limited,
                "availability_percent": round(stats.availability, 2)
                if stats.availability is not None
                else None,
                "latency_p50_ms": _measured(stats.latency_p50),
                "latency_p95_ms": _measured(stats.latency_p95),
                "ttft_p50_ms": _measured(stats.ttft_p50),
                "ttft_p95_ms": _measured(stats.ttft_p95),
                "tokens_per_second_p50": _measured(stats.speed_p50),
            }
        hosts.append(
            {
                "host": target.offering.host.slug,
                "host_model_id": target.offering.host_model_id,
                "demo": target.is_demo,
                "last_run_at": last_run_at,
                "windows": windows,
                "daily": [day_row(rollup) for rollup in daily[target.pk]],
            }
        )
    return {"model": key_of(found), "hosts": hosts}
