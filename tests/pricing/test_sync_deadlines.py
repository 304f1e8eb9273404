"""A sync always ends: its fetch has a deadline, its task has time limits, and its lease names its run, expires
within minutes, and is renewed while the sync lives; the next sync marks a run left by a dead worker as failed."""

import datetime as dt
import json
import signal

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from pricing.models import PricePeriod, PriceSource, SourcePeriod, SyncLease, SyncRun, SyncStatus
from pricing.runs import LEASE_NAME, acquire_lease, load_feed, run_sync
from pricing.sources import price_source
from pricing.sources.base import FeedError
from pricing.tasks import sync_enabled_sources, sync_overdue_sources, sync_source
from tests.pricing.drip import DripServer
from tokenledger.celery import app

pytestmark = pytest.mark.django_db


@pytest.fixture
def feed(tmp_path):
    path = tmp_path / "litellm.json"
    path.write_text(json.dumps({"gpt-4o": {"litellm_provider": "openai", "input_cost_per_token": 2.5e-06}}))
    return path


@pytest.fixture
def ledger(feed):
    """One source synced once; `ledger()` is what the ledger holds now, to compare after a fault."""
    assert run_sync("litellm", file=feed)[0].status == SyncStatus.SUCCEEDED

    def contents():
        return (
            sorted(PricePeriod.objects.values_list("offering_id", "component", "price", "valid_from")),
            sorted(SourcePeriod.objects.values_list("offering_id", "component", "price", "valid_from")),
        )

    return contents


def lease() -> SyncLease:
    return SyncLease.objects.get(name=LEASE_NAME)


def test_a_sync_from_a_dripping_server_fails_within_its_deadline_and_changes_nothing(settings, ledger):
    settings.PRICE_FETCH_DEADLINE_SECONDS = 3
    before = ledger()

    with DripServer("body", every=2) as url, pytest.raises(FeedError):
        run_sync("litellm", url=url)

    # The message is the deadline's own (without it the drip would go on for a minute): how long it took is not
    # asserted, since a busy machine would break that and not the deadline.
    run = SyncRun.objects.latest("started_at")
    assert run.status == SyncStatus.FAILED
    assert run.error.startswith("FeedError: http://127.0.0.1:")
    assert "gave up after 3 s: the server sent " in run.error
    assert (lease().holder, lease().run) == ("", None)
    assert ledger() == before


def test_a_soft_time_limit_marks_the_run_failed_releases_the_lease_and_stops_the_weekly_job(ledger):
    """Celery's soft limit raises SoftTimeLimitExceeded wherever the task is, here in a stalled read."""
    before = ledger()

    def soft_limit(signum, frame):
        raise SoftTimeLimitExceeded()

    previous = signal.signal(signal.SIGALRM, soft_limit)
    try:
        with DripServer("stall") as url:
            earlier = list(SyncRun.objects.values_list("pk", flat=True))
            PriceSource.objects.exclude(slug__in=["litellm", "openrouter"]).update(enabled=False)
            PriceSource.objects.filter(slug="litellm").update(url=url, priority=1)
            signal.setitimer(signal.ITIMER_REAL, 1.0)
            with pytest.raises(SoftTimeLimitExceeded):
                sync_enabled_sources()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

    run = SyncRun.objects.exclude(
        pk__in=earlier
    ).get()  # the job stopped there: openrouter is left to the catch-up job
    assert (run.source.slug, run.status) == ("litellm", SyncStatus.FAILED)
    assert run.error.startswith("stopped: the sync ran past its task's time limit")
    assert lease().holder == ""
    assert ledger() == before


def test_every_task_has_a_soft_and_a_hard_time_limit_and_the_syncs_outlast_their_fetch_deadline(settings):
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit
    for task in (sync_source, sync_enabled_sources, sync_overdue_sources):
        assert settings.PRICE_FETCH_DEADLINE_SECONDS < task.soft_time_limit < task.time_limit
    ours = [task for name, task in app.tasks.items() if name.split(".")[0] in ("pricing", "monitoring")]
    assert ours
    for task in ours:
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        hard = task.time_limit or app.conf.task_time_limit
        assert soft and hard and soft < hard, task.name


def test_the_lease_names_its_run_and_lasts_minutes_not_half_an_hour(feed, settings):
    seen = {}

    def on_stage(stage):
        held = lease()
        seen[stage] = (held.run_id, held.expires_at - timezone.now())

    run, _ = run_sync("litellm", file=feed, on_stage=on_stage)

    assert set(seen) == {"fetching", "checking", "recording"}
    for run_id, left in seen.values():
        assert run_id == run.pk
        assert dt.timedelta(0) < left <= dt.timedelta(seconds=settings.PRICE_SYNC_LEASE_SECONDS)
    assert settings.PRICE_SYNC_LEASE_SECONDS <= 10 * 60
    assert (lease().holder, lease().run) == ("", None)


def test_the_running_sync_renews_its_lease_between_stages(feed, monkeypatch, time_machine, settings):
    time_machine.move_to(dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.UTC), tick=False)

    def slow_fetch(source, *, url, file):
        time_machine.shift(dt.timedelta(minutes=4))  # most of the lease, but the heartbeat follows
        return load_feed(source, url=None, file=feed)

    monkeypatch.setattr("pricing.runs.load_feed", slow_fetch)
    expiries = []

    run, _ = run_sync("litellm", on_stage=lambda stage: expiries.append(lease().expires_at))

    assert run.status == SyncStatus.SUCCEEDED
    lasts = dt.timedelta(seconds=settings.PRICE_SYNC_LEASE_SECONDS)
    start = dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.UTC)
    assert expiries == [
        start + lasts,
        start + dt.timedelta(minutes=4) + lasts,
        start + dt.timedelta(minutes=4) + lasts,
    ]


def test_a_sync_that_lost_its_lease_stops_before_writing(feed, monkeypatch, ledger):
    before = ledger()

    def fetch_while_another_takes_over(source, *, url, file):
        SyncLease.objects.filter(name=LEASE_NAME).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        assert acquire_lease() is not None  # another sync, after this one's lease ran out
        return load_feed(source, url=None, file=feed)

    monkeypatch.setattr("pricing.runs.load_feed", fetch_while_another_takes_over)

    with pytest.raises(Exception, match="another sync took the lease over"):
        run_sync("litellm")

    run = SyncRun.objects.latest("started_at")
    assert (run.status, run.error) == (
        SyncStatus.FAILED,
        "LeaseLost: another sync took the lease over after this one let it expire",
    )
    assert ledger() == before


def test_the_next_sync_marks_the_run_of_an_expired_lease_abandoned(feed, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.UTC), tick=False)
    crashed = SyncRun.objects.create(source=price_source("litellm"))
    assert acquire_lease(crashed, seconds=300) is not None
    assert run_sync("litellm", file=feed)[0].status == SyncStatus.SKIPPED  # still held
    time_machine.shift(dt.timedelta(minutes=6))

    run, _ = run_sync("litellm", file=feed)

    crashed.refresh_from_db()
    assert run.status == SyncStatus.SUCCEEDED
    assert crashed.status == SyncStatus.FAILED
    assert crashed.error == "abandoned: the worker stopped (lease expired at 2026-11-30 03:05:00 UTC)"
    assert crashed.finished_at == dt.datetime(2026, 11, 30, 3, 6, tzinfo=dt.UTC)


def test_a_run_left_running_without_the_lease_is_marked_abandoned_at_the_next_sync(feed):
    stray = SyncRun.objects.create(
        source=price_source("openrouter"), started_at=timezone.now() - dt.timedelta(days=1)
    )

    run_sync("litellm", file=feed)

    stray.refresh_from_db()
    assert (stray.status, stray.error) == (
        SyncStatus.FAILED,
        "abandoned: the worker stopped (it no longer held the lease)",
    )
