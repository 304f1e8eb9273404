"""The age of each source's last successful sync, as the health check, `manage.py sync_health` and the admin
show it: a source with none for 8 days, or none ever, is overdue."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from pricing.health import source_health
from pricing.models import PriceSource, SyncRun, SyncStatus
from pricing.sources import price_source
from tests.fixtures import text_of

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)


def record(slug: str, status: str, *, ago: dt.timedelta, error: str = "", dry_run: bool = False) -> SyncRun:
    return SyncRun.objects.create(
        source=price_source(slug),
        status=status,
        started_at=NOW - ago - dt.timedelta(minutes=1),
        finished_at=NOW - ago,
        error=error,
        dry_run=dry_run,
    )


@pytest.fixture
def history(time_machine):
    """models.dev synced 2 days ago; LiteLLM 9 days ago and failing since; OpenRouter only in a dry run."""
    time_machine.move_to(NOW, tick=False)
    PriceSource.objects.filter(slug__in=["genai_prices", "llm_prices"]).update(enabled=False)
    record("models_dev", SyncStatus.SUCCEEDED, ago=dt.timedelta(days=2))
    record("litellm", SyncStatus.SUCCEEDED, ago=dt.timedelta(days=9))
    record(
        "litellm", SyncStatus.FAILED, ago=dt.timedelta(days=2), error="FeedError: https://x answered HTTP 503"
    )
    record("openrouter", SyncStatus.SUCCEEDED, ago=dt.timedelta(hours=1), dry_run=True)


def test_the_health_check_gives_each_enabled_source_the_age_of_its_last_successful_sync(
    history, django_assert_num_queries
):
    with django_assert_num_queries(1):
        health = {h.source.slug: h for h in source_health()}

    assert set(health) == {"models_dev", "litellm", "openrouter"}
    assert health["models_dev"].age == dt.timedelta(days=2)
    assert (health["models_dev"].overdue, health["models_dev"].failing) == (False, False)
    assert health["litellm"].age == dt.timedelta(days=9)
    assert (health["litellm"].overdue, health["litellm"].failing) == (True, True)
    assert health["litellm"].last_failure == "FeedError: https://x answered HTTP 503"
    assert (health["openrouter"].age, health["openrouter"].overdue) == (None, True)  # a dry run is no sync


def test_a_replayed_snapshot_is_as_old_as_the_prices_it_holds_not_its_replay(history):
    # `make run` replays the shipped feeds today; their prices were observed months ago, and /status/ says so.
    replay = record("openrouter", SyncStatus.SUCCEEDED, ago=dt.timedelta(minutes=5))
    replay.observed_at = NOW - dt.timedelta(days=120)
    replay.save()
    record("models_dev", SyncStatus.SUCCEEDED, ago=dt.timedelta(days=1))  # a live sync: observed as it ran

    health = {h.source.slug: h for h in source_health()}

    assert (health["openrouter"].age, health["openrouter"].overdue) == (dt.timedelta(days=120), True)
    assert health["models_dev"].age == dt.timedelta(days=1)


def test_sync_health_exits_non_zero_naming_the_overdue_sources(history, capsys):
    with pytest.raises(CommandError, match=r"^2 price source\(s\) overdue: litellm, openrouter$"):
        call_command("sync_health")

    out = capsys.readouterr().out
    assert "models_dev: last successful sync 2026-11-30 12:00 UTC, 2 days ago\n" in out
    assert "litellm: last successful sync 2026-11-23 12:00 UTC, 9 days ago — OVERDUE; last failure: " in out
    assert "openrouter: never synced successfully — OVERDUE" in out


def test_sync_health_succeeds_when_every_source_synced_within_8_days(history, capsys):
    record("litellm", SyncStatus.SUCCEEDED, ago=dt.timedelta(hours=3))
    record("openrouter", SyncStatus.SUCCEEDED, ago=dt.timedelta(days=7, hours=23))

    call_command("sync_health")

    out = capsys.readouterr().out
    assert "litellm: last successful sync 2026-12-02 09:00 UTC, 3 hours ago\n" in out
    assert "openrouter: last successful sync 2026-11-24 13:00 UTC, 7 days ago\n" in out
    assert "All 3 price sources synced within 8 days." in out


def test_the_admin_lists_each_sources_last_success_its_age_and_its_last_failure(history, admin_client):
    page = text_of(admin_client.get(reverse("admin:pricing_pricesource_changelist")))

    assert "Last successful sync" in page and "Last failure" in page
    assert "2 days" in page
    assert "9 days (overdue)" in page
    assert "2026-11-30 11:59 UTC: FeedError: https://x answered HTTP 503" in page
    assert "never synced (overdue)" in page
