"""The API's answers are cached and revalidated as the pages are (ETag, Last-Modified, Cache-Control), retired by
the same data versions, and built from scratch in a few queries however large the catalogue. (With REDIS_URL set,
as in CI's second pass, the cache is Redis.)"""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from catalog import freshness
from catalog.models import Model, ModelRedirect, Offering, Provider
from monitoring.models import Adapter, Outcome, ProbeRun, ProbeTarget
from pricing.ledger import record_prices
from pricing.listing import refresh_listed_prices
from pricing.records import PriceRecord
from pricing.sources import price_source
from tests.fixtures import store_runs

pytestmark = pytest.mark.django_db

MODEL = "/api/v1/models/acme/model-0/"
ENDPOINTS = ["/api/v1/models/", MODEL, f"{MODEL}prices/", f"{MODEL}availability/"]
JULY = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)


def catalogue(models: int) -> None:
    """A lab's `models` models, each at its own API and at a second host, each priced, probed and measured."""
    lab = Provider.objects.create(slug="acme", name="Acme", is_lab=True, is_host=True)
    host = Provider.objects.create(slug="cloudy", name="Cloudy", is_host=True)
    prices, targets = {}, []
    for i in range(models):
        model = Model.objects.create(lab=lab, slug=f"model-{i}", name=f"Model {i}", context_window=128_000)
        for seller in (lab, host):
            offering = Offering.objects.create(model=model, host=seller, host_model_id=f"model-{i}")
            prices[offering.pk] = [PriceRecord("input", Decimal("1.5")), PriceRecord("output", Decimal(6))]
            targets.append(
                ProbeTarget(offering=offering, adapter=Adapter.OPENAI, base_url="http://127.0.0.1:9/v1")
            )
    record_prices(prices, source=price_source("models_dev"), observed_at=JULY)
    refresh_listed_prices()  # as a sync does after recording
    ProbeTarget.objects.bulk_create(targets)
    now = timezone.now()
    store_runs(
        [
            ProbeRun(
                target=target, started_at=now - dt.timedelta(hours=1), outcome=Outcome.OK, latency_ms=300
            )
            for target in ProbeTarget.objects.all()
        ]
    )


@pytest.fixture
def small_catalogue():
    catalogue(5)


def reprice(input_price: str) -> None:
    offering = Offering.objects.get(model__slug="model-0", host__slug="acme")
    record_prices(
        {offering.pk: [PriceRecord("input", Decimal(input_price)), PriceRecord("output", Decimal(6))]},
        source=price_source("models_dev"),
        observed_at=JULY + dt.timedelta(days=30),
    )
    refresh_listed_prices([offering.model_id])


@pytest.mark.parametrize("url", ENDPOINTS)
def test_an_answer_carries_its_validators_and_a_client_revalidates_with_a_304(small_catalogue, reader, url):
    first = reader.get(url)

    assert first.status_code == 200
    assert first["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert first["ETag"] and first["Last-Modified"]
    not_modified = reader.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert reader.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    assert reader.get(url, HTTP_IF_NONE_MATCH='"another"').status_code == 200


@pytest.mark.parametrize("url", ENDPOINTS)
def test_a_second_client_gets_the_answer_from_the_cache(
    small_catalogue, reader, url, django_assert_num_queries
):
    first = reader.get(url)

    with django_assert_num_queries(0):  # the data versions were read a moment ago, by the first
        second = reader.get(url)
    assert second.json() == first.json() and second["ETag"] == first["ETag"]


def test_each_host_asked_gets_links_to_itself_though_the_answer_is_cached(small_catalogue, reader, settings):
    settings.ALLOWED_HOSTS = ["api.example.com", "mirror.example.net"]
    urls = {
        host: reader.get("/api/v1/models/", HTTP_HOST=host).json()["items"][0]["url"]
        for host in ["api.example.com", "mirror.example.net", "api.example.com"]
    }

    assert urls["api.example.com"].startswith("http://api.example.com/models/")
    assert urls["mirror.example.net"].startswith("http://mirror.example.net/models/")
    assert reader.get("/api/v1/models/", HTTP_HOST="elsewhere.example.org").status_code == 400


def test_a_price_change_makes_the_next_answer_new_with_a_new_etag(small_catalogue, reader):
    urls = ["/api/v1/models/", MODEL, f"{MODEL}prices/"]
    before = {url: reader.get(url) for url in urls}

    reprice("1.2")

    for url in urls:
        after = reader.get(url, HTTP_IF_NONE_MATCH=before[url]["ETag"])
        assert after.status_code == 200, url
        assert after["ETag"] != before[url]["ETag"], url
    listed = reader.get("/api/v1/models/").json()["items"]
    assert next(m for m in listed if m["slug"] == "model-0")["base_price"]["input"] == "1.2"
    assert [p["usd_per_million"] for p in reader.get(f"{MODEL}prices/").json()["prices"]][:3] == [
        "1.5",
        "1.2",
        "6",
    ]


def test_a_new_probe_batch_retires_the_cached_availability(small_catalogue, reader):
    url = f"{MODEL}availability/"
    before = reader.get(url)
    target = ProbeTarget.objects.filter(offering__model__slug="model-0").first()

    store_runs([ProbeRun(target=target, started_at=timezone.now(), outcome=Outcome.TIMEOUT)])

    after = reader.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    runs = {host["host"]: host["windows"]["24h"]["runs"] for host in after.json()["hosts"]}
    assert sorted(runs.values()) == [1, 2]


def test_the_cache_key_is_the_parameters_the_endpoint_reads_in_any_order(
    small_catalogue, reader, django_assert_num_queries
):
    first = reader.get("/api/v1/models/?limit=2&offset=1&utm_source=x")

    with django_assert_num_queries(0):  # served from the cache
        second = reader.get("/api/v1/models/?offset=1&limit=2")
    assert second.json() == first.json() and len(first.json()["items"]) == 2
    assert second["ETag"] == first["ETag"]
    # Another spelling of a value is another request: the endpoint reads it, not the cache.
    assert reader.get("/api/v1/models/?limit=3&offset=1").json()["items"][:2] == first.json()["items"]


@pytest.mark.parametrize(
    "url, status",
    [
        ("/api/v1/models/?limit=0", 400),
        ("/api/v1/models/?lab=nobody", 404),
        ("/api/v1/models/acme/nothing/", 404),
        (f"{MODEL}prices/?as_of=someday", 400),
        (f"{MODEL}prices/?host=nowhere", 404),
    ],
)
def test_errors_are_not_cached_and_carry_no_validators(small_catalogue, reader, url, status, monkeypatch):
    stored = []
    real = freshness.cache

    class Recording:
        def get(self, key, default=None):
            return real.get(key, default)

        def get_many(self, keys):
            return real.get_many(keys)

        def set(self, key, value, timeout):
            stored.append(key)
            real.set(key, value, timeout)

    monkeypatch.setattr(freshness, "cache", Recording())

    for _ in range(2):
        response = reader.get(url)
        assert response.status_code == status
        assert "ETag" not in response and "Last-Modified" not in response
        assert response["Content-Type"].startswith("application/json")
    assert stored == []
    assert reader.get(MODEL).status_code == 200 and len(stored) == 1  # an answer is stored, an error never


def test_a_moved_model_redirects_uncached_with_its_query_string(small_catalogue, reader):
    ModelRedirect.objects.create(model=Model.objects.get(slug="model-1"), lab="acme", slug="old-name")

    response = reader.get("/api/v1/models/acme/old-name/prices/?host=cloudy")

    assert response.status_code == 301
    assert response["Location"] == "/api/v1/models/acme/model-1/prices/?host=cloudy"
    assert "ETag" not in response


def test_a_signed_in_editor_gets_the_same_cached_answer(small_catalogue, reader, client):
    anonymous = reader.get(MODEL)
    editor = get_user_model().objects.create_user("ada", is_staff=True)
    client.force_login(editor)

    signed_in = client.get(MODEL, HTTP_IF_NONE_MATCH=anonymous["ETag"])

    assert signed_in.status_code == 304


# --- Built from scratch: a few queries, the same for 5 models as for 50 -----------------------------------

BUILD_QUERIES = {
    "/api/v1/models/?limit=200": 3,  # versions, count, the models with their labs, listed prices, host counts
    "/api/v1/models/?lab=acme&q=model&limit=200": 4,  # the lab's existence too
    MODEL: 4,  # versions, the model, its offerings with prices' ends, the successor
    f"{MODEL}prices/": 4,  # versions, the model, its periods, their quotes
    f"{MODEL}prices/?host=cloudy&as_of=2026-08-15": 5,  # the host's existence too
    # Versions, the model, its targets, the daily rollups, then per probed host (2 here) and window (3) the
    # counts and each percentile that has samples: it grows with a model's probed hosts, never with the catalogue.
    f"{MODEL}availability/": 4 + 2 * 3 * 3,
}


@pytest.mark.parametrize("url, most", BUILD_QUERIES.items())
def test_an_answer_is_built_in_the_same_few_queries_for_5_models_as_for_50(
    reader, url, most, django_assert_max_num_queries
):
    catalogue(5)
    with django_assert_max_num_queries(most) as small:
        assert reader.get(url).status_code == 200
    Model.objects.filter(lab__slug="acme").delete()
    Provider.objects.all().delete()
    catalogue(50)

    with django_assert_max_num_queries(len(small.captured_queries)):
        response = reader.get(url)
    assert response.status_code == 200
