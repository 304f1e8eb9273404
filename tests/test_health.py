"""/healthz and /readyz as a load balancer and an uptime monitor see them (tokenledger.health).

Unreachable services are faked by settings (a port nothing listens on, a missing queue folder), never by stopping
the real Redis that other tests and processes share.
"""

import datetime as dt
import json

import pytest

from catalog.models import Model, Offering, Provider
from monitoring.models import Adapter, Outcome, ProbeRun, ProbeTarget
from pricing.models import PriceSource, SyncRun, SyncStatus

NOW = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)
NOBODY = "127.0.0.1:1"  # connection refused at once
UNREACHABLE_REDIS = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": f"redis://{NOBODY}/0"}
}


def readyz(client, **headers):
    response = client.get("/readyz", **headers)
    return response, json.loads(response.content)


@pytest.fixture
def filesystem_broker(settings, tmp_path):
    """The embedded default's broker, in folders of this test."""
    queue = tmp_path / "queue"
    queue.mkdir()
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(queue), "data_folder_out": str(queue)}
    return queue


def test_healthz_answers_without_the_database(client):
    # No db fixture: had the view touched the database, pytest-django would have refused it.
    response = client.get("/healthz")

    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_200_with_each_check_and_how_long_it_took(client, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response, body = readyz(client)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert (body["status"], body["failing"]) == ("ready", [])
    assert set(body["checks"]) == {"database", "cache", "broker"}
    for check in body["checks"].values():
        assert check["ok"] is True
        assert check["ms"] >= 0
    assert {source["source"] for source in body["price_sources"]} == set(
        PriceSource.objects.filter(enabled=True).values_list("slug", flat=True)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_neither_may_be_kept_by_a_browser_or_a_proxy(client, path):
    response = client.get(path)

    assert "no-store" in response["Cache-Control"]
    assert not response.has_header("ETag")


@pytest.mark.django_db
def test_each_answer_is_checked_afresh_not_served_from_a_cache(client, settings):
    assert readyz(client)[0].status_code == 200

    settings.CELERY_BROKER_URL = f"redis://{NOBODY}/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    assert readyz(client)[0].status_code == 503


@pytest.mark.django_db
def test_readyz_is_503_naming_the_cache_when_it_does_not_answer(client, settings):
    settings.CACHES = UNREACHABLE_REDIS

    response, body = readyz(client)

    assert response.status_code == 503
    assert (body["status"], body["failing"]) == ("unavailable", ["cache"])
    assert body["checks"]["cache"]["ok"] is False
    assert body["checks"]["cache"]["error"] == "ConnectionError"
    assert body["checks"]["database"]["ok"] is body["checks"]["broker"]["ok"] is True


@pytest.mark.django_db
def test_readyz_is_503_naming_the_broker_when_redis_does_not_answer(client, settings):
    settings.CELERY_BROKER_URL = f"redis://{NOBODY}/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    response, body = readyz(client)

    assert response.status_code == 503
    assert body["failing"] == ["broker"]
    assert body["checks"]["broker"]["ok"] is False


@pytest.mark.django_db
def test_the_filesystem_broker_is_reachable_when_its_queue_folder_is(client, filesystem_broker):
    response, body = readyz(client)

    assert response.status_code == 200
    assert body["checks"]["broker"]["ok"] is True


@pytest.mark.django_db
def test_the_filesystem_broker_is_unreachable_without_its_queue_folder(client, filesystem_broker):
    filesystem_broker.rmdir()

    response, body = readyz(client)

    assert response.status_code == 503
    assert body["failing"] == ["broker"]
    assert body["checks"]["broker"]["error"] == "NotADirectoryError"


@pytest.mark.django_db
def test_no_part_of_the_broker_url_is_shown_even_when_it_fails(client, settings):
    settings.CELERY_BROKER_URL = f"redis://:hunter2-broker-password@{NOBODY}/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    response, _ = readyz(client)
    text = response.content.decode()

    assert response.status_code == 503
    assert "hunter2" not in text
    assert NOBODY not in text and "redis://" not in text


@pytest.fixture
def probed(db):
    """A target probed every 5 minutes."""
    lab = Provider.objects.create(slug="acme", name="Acme AI", is_lab=True, is_host=True)
    model = Model.objects.create(lab=lab, slug="nova", name="Nova")
    offering = Offering.objects.create(model=model, host=lab, host_model_id="nova")
    return ProbeTarget.objects.create(
        offering=offering, adapter=Adapter.OPENAI, base_url="https://api.acme.test/v1", interval_minutes=5
    )


def synced(slug: str, ago: dt.timedelta) -> None:
    SyncRun.objects.create(
        source=PriceSource.objects.get(slug=slug),
        status=SyncStatus.SUCCEEDED,
        started_at=NOW - ago - dt.timedelta(minutes=1),
        finished_at=NOW - ago,
    )


def test_stale_syncs_and_probes_are_reported_but_the_node_stays_ready(client, probed, time_machine):
    time_machine.move_to(NOW, tick=False)
    PriceSource.objects.exclude(slug__in=["litellm", "models_dev"]).update(enabled=False)
    synced("litellm", dt.timedelta(days=10))  # a weekly sync two runs late
    synced("models_dev", dt.timedelta(days=1))
    ProbeRun.objects.create(
        target=probed, started_at=NOW - dt.timedelta(hours=1), outcome=Outcome.OK, latency_ms=300
    )

    response, body = readyz(client)

    assert response.status_code == 200
    assert body["stale"] == ["litellm", "probes"]
    sources = {source["source"]: source for source in body["price_sources"]}
    assert sources["litellm"]["stale"] is True
    assert sources["litellm"]["age_seconds"] == 10 * 86400
    assert sources["models_dev"]["stale"] is False
    assert body["probes"] == {
        "last_batch_at": "2026-12-02T11:00:00+00:00",
        "age_seconds": 3600,
        "stale": True,  # three 5-minute intervals without a run
    }


def test_a_recent_probe_batch_is_fresh(client, probed, time_machine):
    time_machine.move_to(NOW, tick=False)
    ProbeRun.objects.create(
        target=probed, started_at=NOW - dt.timedelta(minutes=4), outcome=Outcome.OK, latency_ms=300
    )

    _, body = readyz(client)

    assert body["probes"]["stale"] is False
    assert "probes" not in body["stale"]


@pytest.mark.django_db
def test_a_site_with_nothing_to_probe_has_no_stale_probes(client):
    _, body = readyz(client)

    assert body["probes"] == {"last_batch_at": None, "age_seconds": None, "stale": False}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_a_load_balancer_probing_the_node_by_its_address_gets_an_answer(client, path):
    assert client.get(path, HTTP_HOST="10.0.0.7").status_code == 200
    assert client.get("/robots.txt", HTTP_HOST="10.0.0.7").status_code == 400  # every other path checks it


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_they_answer_plain_http_where_every_page_is_redirected_to_https(client, settings, path):
    settings.SECURE_SSL_REDIRECT = True

    assert client.get(path).status_code == 200
    assert client.get("/robots.txt").status_code == 301


@pytest.mark.django_db
def test_only_get_and_head_are_answered(client):
    assert client.head("/readyz").status_code == 200
    assert client.post("/readyz").status_code == 405
