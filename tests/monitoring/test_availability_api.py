import datetime as dt

import pytest
from django.utils import timezone

from catalog.models import Offering
from monitoring.models import Adapter, Outcome, ProbeRun, ProbeTarget
from tests.fixtures import store_runs

pytestmark = pytest.mark.django_db

URL = "/api/v1/models/openai/gpt-4o/availability/"


@pytest.fixture
def target(sample_data):
    offering = Offering.objects.get(host__slug="openai", host_model_id="gpt-4o")
    return ProbeTarget.objects.create(
        offering=offering, adapter=Adapter.OPENAI, base_url="http://127.0.0.1:9", is_demo=True
    )


def test_availability_per_host_and_window_with_sample_counts_and_a_daily_series(target, reader):
    now = timezone.now()
    store_runs(
        [
            ProbeRun(
                target=target,
                started_at=now - dt.timedelta(hours=h),
                outcome=Outcome.OK,
                latency_ms=100 + h,
                ttft_ms=40,
            )
            for h in range(1, 6)
        ]
        + [
            ProbeRun(
                target=target,
                started_at=now - dt.timedelta(hours=7),
                outcome=Outcome.HTTP_ERROR,
                http_status=500,
            ),
            ProbeRun(
                target=target,
                started_at=now - dt.timedelta(days=3),
                outcome=Outcome.HTTP_ERROR,
                http_status=429,
            ),
            ProbeRun(target=target, started_at=now - dt.timedelta(days=10), outcome=Outcome.TIMEOUT),
        ]
    )

    body = reader.get(URL).json()

    assert body["model"] == "openai/gpt-4o"
    (host,) = body["hosts"]
    assert (host["host"], host["demo"]) == ("openai", True)
    day = host["windows"]["24h"]
    assert (day["runs"], day["ok"], day["errors"], day["availability_percent"]) == (6, 5, 1, 83.33)
    assert day["latency_p50_ms"] == {"value": 103.0, "samples": 5}
    week = host["windows"]["7d"]
    assert (week["runs"], week["rate_limited"], week["availability_percent"]) == (7, 1, 83.33)
    assert host["windows"]["30d"]["errors"] == 2
    assert sum(d["runs"] for d in host["daily"]) == 8


def test_a_model_without_probes_has_no_hosts(sample_data, reader):
    assert reader.get(URL).json() == {"model": "openai/gpt-4o", "hosts": []}


def test_the_daily_series_downloads_as_csv(target, reader):
    store_runs([ProbeRun(target=target, started_at=timezone.now(), outcome=Outcome.OK, latency_ms=100)])

    response = reader.get("/models/openai/gpt-4o/availability.csv")

    assert response["Content-Disposition"] == 'attachment; filename="openai-gpt-4o-availability.csv"'
    header, row = response.content.decode().splitlines()
    assert header == (
        "model,host,host_model_id,demo,day,runs,ok,errors,rate_limited,availability_percent,"
        "latency_p50_ms,latency_p95_ms,ttft_p50_ms,latency_samples"
    )
    assert row.startswith("openai/gpt-4o,openai,gpt-4o,True,") and row.endswith(
        ",1,1,0,0,100.0,100.0,100.0,,1"
    )
    assert "availability.csv" in reader.get("/models/openai/gpt-4o/").content.decode()
