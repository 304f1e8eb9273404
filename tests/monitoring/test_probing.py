"""Probes against the fake provider on 127.0.0.1: timings, every kind of outage, and keys that never leak."""

import json
import logging
from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import Offering
from monitoring.fake_provider import FakeProvider
from monitoring.models import Adapter, ProbeRun, ProbeTarget
from monitoring.probing import ProbeSpec, probe_targets, run_probes

SECRET = "fake-provider-key-9f8e7d6c5b4a3928"  # a made-up key, echoed back by the fake provider


@pytest.fixture(scope="module")
def fake():
    with FakeProvider() as provider:
        yield provider


def run(*specs):
    return run_probes(specs)


@pytest.mark.parametrize("adapter", ["openai", "anthropic", "gemini"])
def test_measured_latency_and_ttft_follow_what_the_provider_injects(fake, adapter):
    # Accuracy (within 10 ms) is measured in bench/probe_fake_provider.py, and the timing itself is tested on a
    # fake clock (test_probe_phases.py). A busy machine only ever adds time, so here the readings are bounded
    # from below and ordered, never bounded from above.
    spec = ProbeSpec(adapter, fake.url, "fake:latency=200:ttft=50:tokens=8")
    (result,) = run(spec)

    assert result.outcome == "ok"
    assert 45 <= result.ttft_ms <= result.latency_ms, result
    assert result.latency_ms >= 195, result
    assert result.output_tokens == 8
    assert result.tokens_per_second > 0


@pytest.mark.parametrize(
    ("model", "outcome", "status"),
    [
        ("fake:hang", "timeout", None),
        ("fake:status=429", "http_error", 429),
        ("fake:status=500", "http_error", 500),
        ("fake:status=503", "http_error", 503),
        ("fake:garbage", "malformed", 200),
    ],
)
def test_each_kind_of_outage_is_counted_as_what_it_is(fake, model, outcome, status):
    # Only the hang is meant to time out, and soon; the others get the time a busy machine may need to answer.
    (result,) = run(ProbeSpec("openai", fake.url, model, timeout=0.5 if model == "fake:hang" else 30))

    assert (result.outcome, result.http_status) == (outcome, status)
    assert result.error


def test_a_refused_connection_is_a_connection_error():
    with FakeProvider() as gone:
        url = gone.url
    (result,) = run(ProbeSpec("openai", url, "fake", timeout=2))

    assert result.outcome == "connection_error"


@pytest.mark.django_db
def test_a_key_echoed_by_the_provider_appears_nowhere(
    fake, sample_data, monkeypatch, caplog, reader, admin_client
):
    monkeypatch.setenv("FAKE_PROVIDER_API_KEY", SECRET)
    offering = Offering.objects.create(
        model=Offering.objects.get(host__slug="openai", host_model_id="gpt-4o").model,
        host=Offering.objects.get(host__slug="openai", host_model_id="gpt-4o").host,
        host_model_id="fake:echo_key:status=401",
    )
    target = ProbeTarget.objects.create(
        offering=offering,
        adapter=Adapter.OPENAI,
        base_url=fake.url,
        api_key_env="FAKE_PROVIDER_API_KEY",
        is_demo=True,
    )
    caplog.set_level(logging.DEBUG)

    probe_targets([target])

    run_row = ProbeRun.objects.get(target=target)
    assert run_row.outcome == "http_error" and run_row.http_status == 401
    assert "Incorrect API key provided: [redacted]" in run_row.error
    stored = json.dumps([*ProbeRun.objects.values(), *ProbeTarget.objects.values()], default=str)
    assert SECRET not in stored
    assert SECRET not in caplog.text
    for url in (
        "/status/",
        "/models/openai/gpt-4o/",
        "/api/v1/models/openai/gpt-4o/availability/",
        "/models/openai/gpt-4o/availability.csv",
    ):
        assert SECRET not in reader.get(url).content.decode()
    for url in (
        "/admin/monitoring/proberun/",
        f"/admin/monitoring/proberun/{run_row.pk}/change/",
        f"/admin/monitoring/probetarget/{target.pk}/change/",
        "/admin/monitoring/proberollup/",
    ):
        page = admin_client.get(url)
        assert page.status_code == 200 and SECRET not in page.content.decode()
    assert (
        "Incorrect API key provided: [redacted]"
        in admin_client.get(f"/admin/monitoring/proberun/{run_row.pk}/change/").content.decode()
    )


def test_the_probe_command_reports_each_run_and_a_summary_as_json(fake, monkeypatch):
    monkeypatch.setattr("monitoring.probing.DRAIN_SECONDS", 30)  # the runs share a connection, however busy
    out = StringIO()
    call_command(
        "probe",
        "--base-url",
        fake.url,
        "--api-model",
        "fake:latency=20:ttft=5",
        "--runs",
        "3",
        "--json",
        stdout=out,
    )

    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["outcome"] for line in lines[:3]] == ["ok"] * 3
    assert set(lines[0]) == {
        "outcome",
        "http_status",
        "latency_ms",
        "ttft_ms",
        "ttfb_ms",
        "connect_ms",
        "output_tokens",
        "tokens_per_second",
        "error",
    }
    assert lines[3]["runs"] == 3 and lines[3]["ok"] == 3 and lines[3]["availability"] == 1
    assert lines[3]["p50_ms"] >= 19  # never less than the provider was told to take
    assert lines[0]["connect_ms"] > 0 and lines[1]["connect_ms"] is None  # the runs share one connection
