"""Availability and latency as the profile page shows them, computed by the database."""

import datetime as dt

import pytest

from catalog.models import Offering
from monitoring.models import Adapter, Outcome, ProbeRun, ProbeTarget
from monitoring.queries import summary_for_model
from tests.fixtures import store_runs, text_of

pytestmark = pytest.mark.django_db

LAST = dt.datetime(2026, 5, 24, 4, 46, tzinfo=dt.UTC)
PAGE = "/models/openai/gpt-4o/"


@pytest.fixture
def target(sample_data):
    offering = Offering.objects.get(host__slug="openai", host_model_id="gpt-4o")
    return ProbeTarget.objects.create(
        offering=offering, adapter=Adapter.OPENAI, base_url="https://api.openai.com/v1"
    )


def add_runs(target, outcomes, latencies):
    store_runs(
        [
            ProbeRun(
                target=target,
                started_at=LAST - dt.timedelta(hours=i),
                outcome=outcome,
                http_status=200 if outcome == Outcome.OK else (429 if outcome == "rate_limited" else 500),
                latency_ms=latency,
                ttft_ms=latency / 4 if latency else None,
                output_tokens=8 if outcome == Outcome.OK else None,
                tokens_per_second=50.0 if outcome == Outcome.OK else None,
            )
            for i, (outcome, latency) in enumerate(zip(outcomes, latencies, strict=True))
        ]
    )


def test_one_failure_in_six_runs_reads_errors_1_of_6_and_83_3_percent(target, reader):
    add_runs(target, [Outcome.OK] * 5 + [Outcome.HTTP_ERROR], [300, 310, 320, 330, 900, 50])

    page = text_of(reader.get(PAGE))

    assert "Errors 1 / 6 runs" in page
    assert "83.3%" in page
    assert "Last automated test: May 24, 2026 · 04:46 UTC" in page
    assert "P50 320 ms" in page and "P95 900 ms" in page


def test_rate_limited_runs_are_shown_but_not_counted_against_availability(target, reader):
    add_runs(target, [Outcome.OK, Outcome.OK, Outcome.OK, "rate_limited"], [300, 300, 300, None])
    ProbeRun.objects.filter(http_status=429).update(outcome=Outcome.HTTP_ERROR)

    summary = summary_for_model(target.offering.model)

    assert (summary.availability, summary.rate_limited, summary.runs) == (100, 1, 4)
    assert "1 rate-limited not counted" in text_of(reader.get(PAGE))


def test_a_percentile_says_how_many_samples_it_stands_on(target, reader):
    add_runs(target, [Outcome.OK] * 8, [100, 200, 300, 400, 500, 600, 700, 800])

    summary = summary_for_model(target.offering.model)

    assert (summary.latency_p50.value, summary.latency_p50.samples) == (400, 8)
    assert (summary.latency_p95.value, summary.latency_p95.samples) == (800, 8)
    assert "8 samples" in text_of(reader.get(PAGE))


def test_runs_older_than_a_day_before_the_last_test_are_not_in_it(target):
    add_runs(target, [Outcome.OK] * 30, [100] * 30)  # one an hour, over 30 hours

    assert summary_for_model(target.offering.model).runs == 24


def test_the_summary_takes_a_fixed_number_of_queries(target, django_assert_num_queries):
    add_runs(target, [Outcome.OK] * 20, list(range(100, 300, 10)))
    model = target.offering.model
    with django_assert_num_queries(10) as few:  # targets, 6 for the last test, 2 daily series, longer windows
        summary_for_model(model)
    ProbeRun.objects.filter(target=target).delete()

    add_runs(target, [Outcome.OK] * 200, [100 + i for i in range(200)])

    with django_assert_num_queries(len(few)):
        summary_for_model(model)
