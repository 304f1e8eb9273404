"""A weekly sync that was skipped or failed is tried again by the catch-up job, with growing pauses, until the
source has had a successful sync this week; a source that keeps failing is logged and flagged, never silent."""

import datetime as dt
import json
import logging

import pytest
from django_celery_beat.models import PeriodicTask

from pricing.models import PriceSource, SyncRun, SyncStatus
from pricing.runs import acquire_lease, load_feed, release_lease, renew_lease
from pricing.sources import price_source
from pricing.tasks import sync_enabled_sources, sync_overdue_sources

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 11, 30, 3, 0, tzinfo=dt.UTC)  # the weekly job's slot


@pytest.fixture
def litellm_feed(tmp_path, monkeypatch):
    """Only litellm is enabled; its feed is read from a file (write "not json" into it to break it)."""
    path = tmp_path / "litellm.json"
    path.write_text(json.dumps({"gpt-4o": {"litellm_provider": "openai", "input_cost_per_token": 2.5e-06}}))
    PriceSource.objects.exclude(slug="litellm").update(enabled=False)
    monkeypatch.setattr(
        "pricing.runs.load_feed", lambda source, *, url, file: load_feed(source, url=None, file=path)
    )
    return path


def litellm_runs() -> list[tuple[str, dt.datetime]]:
    runs = SyncRun.objects.filter(source__slug="litellm").order_by("started_at")
    return [(run.status, run.started_at) for run in runs]


def test_beat_runs_the_catch_up_job_every_15_minutes_but_never_at_the_weekly_jobs_minute():
    task = PeriodicTask.objects.get(name="Price sync catch-up")

    assert task.task == "pricing.tasks.sync_overdue_sources"
    assert task.enabled
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("7,22,37,52", "*", "*")


def test_a_weekly_sync_that_met_a_manual_sync_is_retried_until_it_has_run(litellm_feed, time_machine):
    time_machine.move_to(MONDAY, tick=False)
    manual = SyncRun.objects.create(
        source=price_source("openrouter")
    )  # someone's `sync_prices`, still running
    holder = acquire_lease(manual)

    def catch_up_at(minutes: int) -> dict[str, str]:
        time_machine.move_to(MONDAY + dt.timedelta(minutes=minutes), tick=False)
        if holder:
            renew_lease(holder)  # the manual sync is alive: its heartbeat keeps the lease
        return sync_overdue_sources()

    assert sync_enabled_sources() == {"litellm": "skipped"}
    assert catch_up_at(7) == {}  # 15 minutes after the skip
    assert catch_up_at(22) == {"litellm": "skipped"}  # still busy
    assert catch_up_at(37) == {}  # 30 minutes after the second skip
    release_lease(holder)
    holder = None
    assert catch_up_at(52) == {"litellm": "succeeded"}
    assert catch_up_at(67) == {}
    assert catch_up_at(60 * 24 * 6) == {}  # synced this week: nothing to catch up

    assert litellm_runs() == [
        ("skipped", MONDAY),
        ("skipped", MONDAY + dt.timedelta(minutes=22)),
        ("succeeded", MONDAY + dt.timedelta(minutes=52)),
    ]


def test_a_source_that_keeps_failing_is_retried_with_growing_pauses_and_logged(
    litellm_feed, time_machine, caplog
):
    litellm_feed.write_text("not json")
    time_machine.move_to(MONDAY, tick=False)
    assert sync_enabled_sources() == {"litellm": "failed"}

    with caplog.at_level(logging.ERROR, logger="pricing.tasks"):
        for quarter in range(4 * 24):  # a day of catch-up slots: 03:07, 03:22, 03:37, 03:52, 04:07...
            time_machine.move_to(MONDAY + dt.timedelta(minutes=7 + 15 * quarter), tick=False)
            sync_overdue_sources()

    attempts = [started.strftime("%H:%M") for status, started in litellm_runs()]
    # 15 minutes, then 30, 1 h, 2 h, 4 h, and every 6 h from then on.
    assert attempts == ["03:00", "03:22", "03:52", "04:52", "06:52", "10:52", "16:52", "22:52"]
    assert {status for status, _ in litellm_runs()} == {SyncStatus.FAILED}
    overdue = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert overdue and overdue[-1].startswith("price source overdue: litellm: never synced successfully")
    assert "is not valid JSON" in overdue[-1]


def test_the_catch_up_job_leaves_a_source_synced_within_the_week_alone(litellm_feed, time_machine):
    time_machine.move_to(MONDAY - dt.timedelta(days=6), tick=False)
    sync_enabled_sources()
    litellm_feed.write_text("not json")
    time_machine.move_to(MONDAY, tick=False)
    assert sync_enabled_sources() == {"litellm": "failed"}  # the weekly run fails...

    time_machine.move_to(MONDAY + dt.timedelta(hours=12), tick=False)
    assert sync_overdue_sources() == {}  # ...but last Tuesday's prices are not a week old yet
    time_machine.move_to(MONDAY + dt.timedelta(days=1, minutes=7), tick=False)
    assert sync_overdue_sources() == {"litellm": "failed"}  # now they are
