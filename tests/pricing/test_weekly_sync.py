"""The weekly job: scheduled on beat, one sync at a time (even after a crash), every run recorded."""

import datetime as dt
import json

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from pricing.models import PricePeriod, PriceSource, SourcePeriod, SyncLease, SyncRun
from pricing.runs import LEASE_NAME, acquire_lease, load_feed, release_lease, run_sync
from pricing.tasks import sync_enabled_sources

pytestmark = pytest.mark.django_db


def test_beat_runs_the_sync_of_every_enabled_source_weekly():
    task = PeriodicTask.objects.get(name="Weekly price sync")

    assert task.task == "pricing.tasks.sync_enabled_sources"
    assert task.enabled
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_week) == ("0", "3", "1")
    assert set(PriceSource.objects.filter(enabled=True).values_list("slug", flat=True)) == {
        "litellm",
        "models_dev",
        "openrouter",
        "genai_prices",
        "llm_prices",
    }
    daily = PeriodicTask.objects.get(task="pricing.tasks.apply_scheduled_prices")
    assert (daily.crontab.minute, daily.crontab.hour, daily.crontab.day_of_week) == ("5", "0", "*")


def test_the_weekly_job_fetches_all_five_sources_over_http(data_server):
    """Each enabled source's feed served on 127.0.0.1 from the real files shipped in data/."""
    paths = {
        "models_dev": "models-dev/snapshots/2025-08-01.json",
        "litellm": "litellm/history/2023-12-15.json",
        "openrouter": "openrouter/models.json",
        "genai_prices": "genai-prices/data.json",
        "llm_prices": "llm-prices/historical-v1.json",
    }
    for slug, path in paths.items():
        PriceSource.objects.filter(slug=slug).update(url=f"{data_server}/{path}")

    results = sync_enabled_sources()

    assert results == dict.fromkeys(paths, "succeeded")
    runs = {run.source.slug: run for run in SyncRun.objects.select_related("source")}
    assert {slug: SourcePeriod.objects.filter(source__slug=slug).exists() for slug in paths} == dict.fromkeys(
        paths, True
    )
    assert all(runs[slug].origin.startswith("http://127.0.0.1:") for slug in paths)
    assert SourcePeriod.objects.filter(source__slug="genai_prices", effective="stated").exists()
    assert SourcePeriod.objects.filter(source__slug="llm_prices", effective="stated").exists()


def test_a_second_sync_cannot_start_while_one_holds_the_lease(tmp_path):
    holder = acquire_lease()
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps({"gpt-4o": {"litellm_provider": "openai", "input_cost_per_token": 2.5e-06}}))

    run, report = run_sync("litellm", file=feed)

    assert (run.status, report) == ("skipped", None)
    assert not PricePeriod.objects.exists()
    release_lease(holder)
    assert run_sync("litellm", file=feed)[0].status == "succeeded"


def test_a_lease_left_by_a_crashed_worker_expires():
    assert acquire_lease(seconds=60) is not None
    assert acquire_lease() is None
    SyncLease.objects.filter(name=LEASE_NAME).update(expires_at=timezone.now() - dt.timedelta(seconds=1))

    assert acquire_lease() is not None


def test_the_weekly_job_syncs_each_enabled_source_and_records_every_run(tmp_path, monkeypatch):
    litellm_feed = tmp_path / "litellm.json"
    litellm_feed.write_text(
        json.dumps({"gpt-4o": {"litellm_provider": "openai", "input_cost_per_token": 2.5e-06}})
    )
    openrouter_feed = tmp_path / "openrouter.json"
    openrouter_feed.write_text("not json")
    files = {"litellm": litellm_feed, "openrouter": openrouter_feed}
    PriceSource.objects.exclude(slug__in=files).update(enabled=False)

    def load_from_file(source, *, url, file):
        return load_feed(source, url=None, file=files[source.slug])

    monkeypatch.setattr("pricing.runs.load_feed", load_from_file)

    results = sync_enabled_sources()

    assert results == {"litellm": "succeeded", "openrouter": "failed"}
    runs = {run.source.slug: run for run in SyncRun.objects.select_related("source")}
    assert runs["litellm"].opened == 1
    assert "is not valid JSON" in runs["openrouter"].error
    assert PricePeriod.objects.count() == 1
