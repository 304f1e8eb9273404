"""Hourly and daily rollups agree with the raw runs; retention deletes raw runs only once they are rolled up."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django_celery_beat.models import PeriodicTask

from catalog.models import Offering
from monitoring import rollups
from monitoring.models import Adapter, Outcome, Period, ProbeRollup, ProbeRun, ProbeTarget
from monitoring.queries import window_stats
from tests.fixtures import store_runs, text_of

pytestmark = pytest.mark.django_db

DAY = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)


@pytest.fixture
def target(sample_data):
    offering = Offering.objects.get(host__slug="openai", host_model_id="gpt-4o")
    return ProbeTarget.objects.create(
        offering=offering, adapter=Adapter.OPENAI, base_url="http://127.0.0.1:9"
    )


def runs_of_a_day(target, day, *, every_minutes=10):
    """A run every 10 minutes: latencies that vary over the day, a 500 at 03:00, a 429 at 05:00, a timeout at 07:00."""
    runs = []
    for n in range(24 * 60 // every_minutes):
        at = day + dt.timedelta(minutes=n * every_minutes)
        failure = {
            3: (Outcome.HTTP_ERROR, 500),
            5: (Outcome.HTTP_ERROR, 429),
            7: (Outcome.TIMEOUT, None),
        }.get(at.hour if at.minute == 0 else -1)
        if failure:
            runs.append(ProbeRun(target=target, started_at=at, outcome=failure[0], http_status=failure[1]))
        else:
            latency = 200 + (n * 37) % 300
            runs.append(
                ProbeRun(
                    target=target,
                    started_at=at,
                    outcome=Outcome.OK,
                    http_status=200,
                    latency_ms=latency,
                    ttft_ms=latency / 5,
                    output_tokens=8,
                    tokens_per_second=40 + n % 7,
                )
            )
    return runs


def test_a_daily_rollup_holds_the_same_figures_as_the_raw_runs_of_its_day(target):
    store_runs(runs_of_a_day(target, DAY))

    day = ProbeRollup.objects.get(target=target, period=Period.DAY)
    raw = window_stats(
        ProbeRun.objects.filter(started_at__gte=DAY, started_at__lt=DAY + dt.timedelta(days=1))
    )

    assert day.starts_at == DAY
    assert (day.runs, day.ok, day.errors, day.rate_limited) == (144, 141, 2, 1)
    assert (day.latency_p50, day.latency_samples) == (raw.latency_p50.value, raw.latency_p50.samples)
    assert day.latency_p95 == raw.latency_p95.value
    assert (day.ttft_p50, day.ttft_p95) == (raw.ttft_p50.value, raw.ttft_p95.value)
    assert (day.speed_p50, day.speed_samples) == (raw.speed_p50.value, 141)
    assert day.availability == pytest.approx(100 * 141 / 143)


def test_hourly_rollups_split_the_day_by_hour(target):
    store_runs(runs_of_a_day(target, DAY))

    hours = ProbeRollup.objects.filter(target=target, period=Period.HOUR).order_by("starts_at")

    assert hours.count() == 24
    assert all(hour.runs == 6 for hour in hours)
    three = hours.get(starts_at=DAY.replace(hour=3))
    assert (three.ok, three.errors, three.rate_limited) == (5, 1, 0)
    assert hours.get(starts_at=DAY.replace(hour=5)).rate_limited == 1
    assert sum(hour.runs for hour in hours) == 144


def test_rolling_up_again_changes_nothing_and_a_late_run_updates_its_bucket(target):
    store_runs(runs_of_a_day(target, DAY, every_minutes=60))
    before = list(ProbeRollup.objects.values_list("period", "starts_at", "runs", "ok", "latency_p50"))

    rollups.refresh(DAY, DAY + dt.timedelta(hours=23))
    assert list(ProbeRollup.objects.values_list("period", "starts_at", "runs", "ok", "latency_p50")) == before

    store_runs([ProbeRun(target=target, started_at=DAY + dt.timedelta(minutes=30), outcome=Outcome.TIMEOUT)])
    assert (
        ProbeRollup.objects.get(period=Period.DAY).errors == 3
    )  # 03:00 (500), 07:00 (timeout), the late one
    assert ProbeRollup.objects.get(period=Period.HOUR, starts_at=DAY).runs == 2


def test_retention_deletes_raw_runs_once_rolled_up_and_keeps_the_daily_bars(target, settings, reader):
    settings.MONITORING = {"RAW_RETENTION_DAYS": 30, "HOURLY_RETENTION_DAYS": 30, "DAILY_RETENTION_DAYS": 90}
    now = DAY + dt.timedelta(days=40, hours=12)
    old, recent = DAY, now.replace(hour=0) - dt.timedelta(days=1)
    # Runs stored without their rollups (as if the worker died before rolling up): pruning rolls them up first.
    ProbeRun.objects.bulk_create(runs_of_a_day(target, old, every_minutes=60))
    store_runs(runs_of_a_day(target, recent, every_minutes=60))
    ancient = ProbeRollup.objects.create(
        target=target,
        period=Period.DAY,
        starts_at=old - dt.timedelta(days=100),
        runs=1,
        ok=1,
        errors=0,
        rate_limited=0,
    )

    deleted = rollups.prune(now)

    assert deleted["runs"] == 24
    assert not ProbeRun.objects.filter(started_at__lt=recent).exists()
    assert ProbeRun.objects.filter(started_at__gte=recent).count() == 24
    old_day = ProbeRollup.objects.get(period=Period.DAY, starts_at=old)
    assert (old_day.runs, old_day.errors, old_day.rate_limited) == (24, 2, 1)
    assert not ProbeRollup.objects.filter(
        period=Period.HOUR, starts_at__lt=now - dt.timedelta(days=30)
    ).exists()
    assert not ProbeRollup.objects.filter(pk=ancient.pk).exists()
    assert rollups.prune(now)["runs"] == 0  # nothing more to delete, and the old day's bar is unchanged
    assert ProbeRollup.objects.get(period=Period.DAY, starts_at=old).runs == 24


def test_the_daily_bars_outlive_the_raw_runs_on_the_api(target, settings, reader, time_machine):
    settings.MONITORING = {"RAW_RETENTION_DAYS": 30, "HOURLY_RETENTION_DAYS": 30, "DAILY_RETENTION_DAYS": 90}
    time_machine.move_to(DAY + dt.timedelta(days=40))
    store_runs(runs_of_a_day(target, DAY, every_minutes=60))

    rollups.prune()

    assert ProbeRun.objects.count() == 0
    body = reader.get("/api/v1/models/openai/gpt-4o/availability/").json()
    (host,) = body["hosts"]
    assert host["windows"]["30d"]["runs"] == 0
    (day,) = host["daily"]
    assert (day["day"], day["runs"], day["errors"]) == ("2026-11-20", 24, 2)


def test_a_retention_shorter_than_the_percentile_window_is_refused(settings):
    settings.MONITORING = {"RAW_RETENTION_DAYS": 7, "HOURLY_RETENTION_DAYS": 30, "DAILY_RETENTION_DAYS": 30}

    with pytest.raises(SystemCheckError) as refused:
        call_command("check")

    assert "monitoring.E001" in str(refused.value) and "30-day percentile window" in str(refused.value)
    assert "monitoring.E002" in str(refused.value)


def test_beat_prunes_once_a_day():
    task = PeriodicTask.objects.get(name="Prune probe runs")

    assert task.task == "monitoring.tasks.prune_probe_runs"
    assert (task.crontab.minute, task.crontab.hour) == ("20", "0")


def test_the_profile_draws_a_bar_per_day_and_the_latency_per_day(target, reader, time_machine):
    time_machine.move_to(DAY + dt.timedelta(days=1, hours=1))
    store_runs(runs_of_a_day(target, DAY, every_minutes=60))

    page = reader.get("/models/openai/gpt-4o/").content.decode()

    assert 'id="availability-chart"' in page and 'id="latency-chart"' in page
    assert page.count("plotly-basic.min.js") == 1
    # 24 runs: 21 ok, 2 errors (a 500 and a timeout), 1 rate-limited; the hover text of the day's bar says so.
    assert "91.3% \\u00b7 21 of 23 runs ok \\u00b7 1 rate-limited, not counted" in page
    assert "Availability, last 90 days" in text_of(reader.get("/models/openai/gpt-4o/"))


def test_a_model_without_runs_has_no_charts(sample_data, reader):
    page = reader.get("/models/openai/gpt-4o/").content.decode()

    assert "availability-chart" not in page and "No measurements yet" in page


def test_the_profile_shows_availability_over_7_30_and_90_days_from_the_daily_rollups(
    target, reader, time_machine
):
    time_machine.move_to(DAY + dt.timedelta(days=1, hours=1))
    for days_ago in (0, 10, 40):  # one day inside each window only
        store_runs(runs_of_a_day(target, DAY - dt.timedelta(days=days_ago), every_minutes=60))

    page = text_of(reader.get("/models/openai/gpt-4o/"))

    # A day of hourly runs: 21 ok, 2 errors, 1 rate-limited: 91.30 %.
    assert "7 days 91.30% 2 / 24 runs 1" in page
    assert "30 days 91.30% 4 / 48 runs 2" in page
    assert "90 days 91.30% 6 / 72 runs 3" in page
