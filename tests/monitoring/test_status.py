"""/status/: every monitored model with the outcome of its last run and its last 24 hours, and each price source
with the age of its last successful sync."""

import datetime as dt

import pytest

from catalog.models import Offering
from monitoring.models import Adapter, Outcome, ProbeRun, ProbeTarget
from pricing.models import PriceSource, SyncRun, SyncStatus
from tests.fixtures import store_runs, text_of

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 25, 10, 30, tzinfo=dt.UTC)


def target_for(host_model_id, **fields):
    offering = Offering.objects.get(host__slug="openai", host_model_id=host_model_id)
    return ProbeTarget.objects.create(
        offering=offering, adapter=Adapter.OPENAI, base_url="http://127.0.0.1:9/v1", **fields
    )


def hourly_runs(target, outcomes, *, latency=300.0):
    """One run an hour up to NOW's hour, the last outcome last; "429" is an HTTP error with status 429."""
    last = NOW.replace(minute=0)
    return [
        ProbeRun(
            target=target,
            started_at=last - dt.timedelta(hours=len(outcomes) - 1 - i),
            outcome=Outcome.HTTP_ERROR if outcome == "429" else outcome,
            http_status={Outcome.OK: 200, "429": 429, Outcome.HTTP_ERROR: 503}.get(outcome),
            latency_ms=latency if outcome == Outcome.OK else None,
        )
        for i, outcome in enumerate(outcomes)
    ]


def test_the_status_page_is_honest_until_something_is_monitored(sample_data, reader):
    page = text_of(reader.get("/status/"))

    assert "No model is monitored yet" in page


def test_each_target_shows_its_current_state_and_its_last_24_hours(sample_data, reader, time_machine):
    time_machine.move_to(NOW)
    up = target_for("gpt-4o", is_demo=True)
    down = target_for("gpt-4o-mini")
    limited = target_for("gpt-4.1")
    runs = hourly_runs(
        up, [Outcome.OK] * 29 + [Outcome.HTTP_ERROR] + [Outcome.OK] * 6
    )  # 36 h; 1 error in 24 h
    runs += hourly_runs(down, [Outcome.OK, Outcome.OK, Outcome.HTTP_ERROR])
    runs += hourly_runs(limited, [Outcome.OK, "429"])
    store_runs(runs)

    page = text_of(reader.get("/status/"))

    assert (
        "GPT-4o Demo: simulated provider OpenAI Up Nov 25, 2026 · 10:00 UTC 300 ms 95.8% 1 / 24 runs" in page
    )
    assert "Down: HTTP 503" in page and "66.7% 1 / 3 runs" in page
    assert "Rate-limited" in page and "100.0% 0 / 2 runs (1 rate-limited)" in page


def test_a_probe_that_stopped_running_is_not_shown_as_up(sample_data, reader, time_machine):
    time_machine.move_to(NOW)
    stale = target_for("gpt-4o", interval_minutes=60)
    store_runs(hourly_runs(stale, [Outcome.OK])[:1])
    time_machine.move_to(NOW + dt.timedelta(hours=4))

    assert "No recent run" in text_of(reader.get("/status/"))


def test_the_status_page_takes_the_same_queries_for_one_target_as_for_ten(
    sample_data, reader, django_assert_num_queries, time_machine
):
    time_machine.move_to(NOW)
    store_runs(hourly_runs(target_for("gpt-4o"), [Outcome.OK] * 3))
    with django_assert_num_queries(4) as one:  # data versions, the targets, the last 24 hours, price sources
        reader.get("/status/")
    for host_model_id in Offering.objects.filter(host__slug="openai").values_list("host_model_id", flat=True)[
        :9
    ]:
        if not ProbeTarget.objects.filter(offering__host_model_id=host_model_id).exists():
            store_runs(hourly_runs(target_for(host_model_id), [Outcome.OK] * 3))

    with django_assert_num_queries(len(one)):
        page = text_of(reader.get("/status/"))
    assert page.count("Up") >= 9


def test_the_status_page_shows_each_price_sources_last_successful_sync_and_flags_the_overdue(
    sample_data, reader, time_machine
):
    time_machine.move_to(NOW, tick=False)
    PriceSource.objects.filter(slug__in=["genai_prices", "llm_prices"]).update(enabled=False)
    for slug, days in (("models_dev", 2), ("litellm", 9)):
        SyncRun.objects.create(
            source=PriceSource.objects.get(slug=slug),
            status=SyncStatus.SUCCEEDED,
            finished_at=NOW - dt.timedelta(days=days),
        )
    SyncRun.objects.create(source=PriceSource.objects.get(slug="openrouter"), status=SyncStatus.FAILED)

    page = text_of(reader.get("/status/"))

    assert "Price sources Source Last successful sync Age State" in page
    assert "models.dev Nov 23, 2026 · 10:30 UTC 2 days Up to date" in page
    assert "LiteLLM price table Nov 16, 2026 · 10:30 UTC 9 days Overdue" in page
    assert "OpenRouter models API never — Never synced" in page
