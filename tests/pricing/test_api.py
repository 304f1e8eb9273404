import datetime as dt
from decimal import Decimal

import pytest

from catalog.models import Model, Offering, Provider
from pricing.ledger import record_prices
from pricing.listing import refresh_listed_prices
from pricing.records import PriceRecord
from pricing.sources import price_source

pytestmark = pytest.mark.django_db

REFERENCE = "openai/gpt-4o-audio-preview-2024-12-17"
AUGUST = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)


def change_prices(key: str, host: str, observed_at: dt.datetime, **prices: str) -> None:
    lab, slug = key.split("/")
    offering = Offering.objects.get(model__lab__slug=lab, model__slug=slug, host__slug=host)
    record_prices(
        {offering.pk: [PriceRecord(c, Decimal(p)) for c, p in prices.items()]},
        source=price_source("models_dev"),
        observed_at=observed_at,
    )
    refresh_listed_prices([offering.model_id])  # as a sync does after recording


def prices(reader, key: str, query: str = "") -> list[dict]:
    response = reader.get(f"/api/v1/models/{key}/prices/{query}")
    assert response.status_code == 200
    return response.json()["prices"]


def test_the_reference_model_has_its_real_prices(sample_data, reader):
    response = reader.get(f"/api/v1/models/{REFERENCE}/prices/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"model", "prices"}
    assert body["model"] == REFERENCE
    by_component = {p["component"]: p for p in body["prices"]}
    assert by_component["input"] == {
        "host": "openai",
        "host_model_id": REFERENCE.split("/")[1],
        "component": "input",
        "tier": None,
        "mode": "standard",
        "usd_per_million": "2.5",
        "unit": "per_1m_tokens",
        "valid_from": "2026-07-24T00:00:00Z",
        "valid_to": None,
        "effective": "observed",
        "opening": "first",
        "observed_at": "2026-07-24T00:00:00Z",
        "source": "litellm",
        "quotes": [
            {
                "source": "litellm",
                "usd_per_million": "2.5",
                "observed_at": "2026-07-24T00:00:00Z",
                "since": "2026-07-24T00:00:00Z",
            }
        ],
    }
    assert by_component["output"]["usd_per_million"] == "10"
    assert by_component["audio_input"]["usd_per_million"] == "40"


def test_host_narrows_the_prices_to_one_host(sample_data, reader):
    every_host = {p["host"] for p in prices(reader, "openai/gpt-4o")}
    azure = prices(reader, "openai/gpt-4o", "?host=azure")

    assert {"openai", "azure", "openrouter"} <= every_host
    assert azure
    assert {p["host"] for p in azure} == {"azure"}


def test_prices_are_ordered_by_host_component_tier_mode_and_start(sample_data, reader):
    change_prices("openai/gpt-4o", "azure", AUGUST, input="1.25", output="10")

    rows = prices(reader, "openai/gpt-4o")

    keys = [(p["host"], p["component"], p["tier"] or "", p["mode"], p["valid_from"]) for p in rows]
    assert keys == sorted(keys)


def test_a_price_change_shows_as_a_closed_period_and_the_one_that_replaced_it(sample_data, reader):
    change_prices("openai/gpt-4o", "azure", AUGUST, input="1.25", output="10")

    inputs = [p for p in prices(reader, "openai/gpt-4o", "?host=azure") if p["component"] == "input"]

    assert [(p["usd_per_million"], p["valid_to"]) for p in inputs] == [
        ("2.5", "2026-08-01T00:00:00Z"),
        ("1.25", None),
    ]
    assert inputs[1]["valid_from"] == "2026-08-01T00:00:00Z"


def test_as_of_gives_the_prices_in_force_at_the_start_of_that_day(sample_data, reader):
    change_prices("openai/gpt-4o", "azure", AUGUST, input="1.25", output="10")

    def azure_input(day: str) -> list[str]:
        rows = prices(reader, "openai/gpt-4o", f"?host=azure&as_of={day}")
        return [p["usd_per_million"] for p in rows if p["component"] == "input"]

    assert azure_input("2026-07-31") == ["2.5"]
    assert azure_input("2026-08-01") == ["1.25"]


def test_as_of_before_the_first_observation_gives_no_prices(sample_data, reader):
    assert prices(reader, REFERENCE, "?as_of=2020-01-01") == []


@pytest.mark.parametrize("day", ["yesterday", "2026-13-01", "01/08/2026"])
def test_a_malformed_as_of_is_refused_with_a_message_naming_the_parameter(sample_data, reader, day):
    response = reader.get(f"/api/v1/models/{REFERENCE}/prices/?as_of={day}")

    assert response.status_code == 400
    [error] = response.json()["detail"]
    assert error["loc"] == ["query", "as_of"]
    assert "valid date" in error["msg"]


def test_an_unknown_model_is_a_json_404(sample_data, reader):
    for url in ("/api/v1/models/openai/no-such-model/", "/api/v1/models/openai/no-such-model/prices/"):
        response = reader.get(url)
        assert response.status_code == 404
        assert response.json() == {"detail": "No model openai/no-such-model in the catalogue."}


def test_one_model_has_its_facts_its_hosts_and_the_link_to_its_page(sample_data, reader):
    body = reader.get("/api/v1/models/openai/gpt-4o/").json()

    assert body["key"] == "openai/gpt-4o"
    assert body["name"] == "GPT-4o"
    assert body["family"] == "gpt"
    assert body["release_date"] == "2024-05-13"
    assert body["knowledge_cutoff"] == "2023-09"
    assert body["context_window"] == 128000
    assert body["max_output_tokens"] == 16384
    assert "image" in body["input_modalities"]
    assert body["supports_tools"] is True
    assert body["supports_vision"] is True
    assert body["open_weights"] is False
    hosts = {o["host"]: o for o in body["offerings"]}
    assert {"openai", "azure", "openrouter"} <= set(hosts)
    assert hosts["openrouter"]["host_model_id"] == "openai/gpt-4o"
    assert hosts["openai"]["host_name"] == "OpenAI"
    assert body["url"] == "http://testserver/models/openai/gpt-4o/"
    assert body["prices_url"] == "http://testserver/api/v1/models/openai/gpt-4o/prices/"


def test_the_list_gives_each_model_the_labs_own_base_prices(sample_data, reader):
    body = reader.get("/api/v1/models/?lab=openai&limit=200").json()

    reference = next(m for m in body["items"] if m["key"] == REFERENCE)
    assert reference == {
        "key": REFERENCE,
        "lab": "openai",
        "slug": "gpt-4o-audio-preview-2024-12-17",
        "name": "GPT-4o Audio (preview, 2024-12-17)",
        # LiteLLM's newest table announces OpenAI's retirement of the model on 2027-01-20.
        "status": "deprecated",
        "retires_on": "2027-01-20",
        "hosts": 1,
        "context_window": 128000,
        "url": f"http://testserver/models/{REFERENCE}/",
        "base_price": {"host": "openai", "input": "2.5", "output": "10"},
    }


def test_the_list_shows_the_cheapest_host_when_the_lab_does_not_sell_the_model(sample_data, reader):
    Offering.objects.filter(model__lab__slug="openai", model__slug="gpt-4o", host__slug="openai").delete()
    change_prices("openai/gpt-4o", "openrouter", AUGUST, input="2", output="8")

    body = reader.get("/api/v1/models/?q=gpt-4o&lab=openai&limit=200").json()

    gpt_4o = next(m for m in body["items"] if m["key"] == "openai/gpt-4o")
    assert gpt_4o["base_price"] == {"host": "openrouter", "input": "2", "output": "8"}


def test_the_list_gives_no_base_price_for_a_model_without_prices(sample_data, reader):
    lab = Provider.objects.get(slug="openai")
    Model.objects.create(lab=lab, slug="unpriced", name="Unpriced")

    body = reader.get("/api/v1/models/?q=unpriced").json()

    assert [(m["key"], m["base_price"]) for m in body["items"]] == [("openai/unpriced", None)]


def test_the_list_filters_by_lab_and_searches_by_name(sample_data, reader):
    anthropic = reader.get("/api/v1/models/?lab=anthropic&limit=200").json()
    sonnets = reader.get("/api/v1/models/?q=sonnet&limit=200").json()

    assert anthropic["count"] == Model.objects.filter(lab__slug="anthropic").count()
    assert {m["lab"] for m in anthropic["items"]} == {"anthropic"}
    assert sonnets["count"] >= 3
    assert all("Sonnet" in m["name"] for m in sonnets["items"])


@pytest.fixture
def many_models(sample_data):
    """More models than the largest page."""
    lab = Provider.objects.get(slug="mistral")
    Model.objects.bulk_create(Model(lab=lab, slug=f"extra-{i}", name=f"Extra {i}") for i in range(100))
    assert Model.objects.count() > 200


def test_the_list_pages_with_limit_and_offset_and_at_most_200_a_page(many_models, reader):
    total = Model.objects.count()

    first = reader.get("/api/v1/models/?limit=2").json()
    second = reader.get("/api/v1/models/?limit=2&offset=1").json()
    capped = reader.get("/api/v1/models/?limit=1000").json()

    assert first["count"] == total
    assert second["items"][0] == first["items"][1]
    assert len(capped["items"]) == 200


def test_the_list_runs_the_same_few_queries_whatever_the_page_size(
    many_models, reader, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3) as one:  # the data versions, the count, the models
        reader.get("/api/v1/models/?limit=1")
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = reader.get("/api/v1/models/?limit=200")
    assert len(response.json()["items"]) == 200


def test_a_lists_count_is_counted_once_for_its_pages_until_the_catalogue_changes(
    many_models, reader, django_assert_num_queries
):
    first = reader.get("/api/v1/models/?limit=1").json()
    with django_assert_num_queries(1):  # the page: the count and the data versions are remembered
        second = reader.get("/api/v1/models/?limit=1&offset=1").json()
    of_a_lab = reader.get("/api/v1/models/?lab=mistral&limit=1").json()

    Model.objects.create(lab=Provider.objects.get(slug="mistral"), slug="newest", name="Newest")

    assert second["count"] == first["count"] == Model.objects.count() - 1
    assert reader.get("/api/v1/models/?limit=1&offset=2").json()["count"] == first["count"] + 1
    assert reader.get("/api/v1/models/?lab=mistral&offset=1").json()["count"] == of_a_lab["count"] + 1


def test_a_model_and_its_prices_take_a_query_a_table_whatever_their_size(
    sample_data, reader, django_assert_num_queries, monkeypatch
):
    monkeypatch.setattr(
        "catalog.freshness.kept", lambda key, default=None: default
    )  # each answer built, as on a cache miss
    reader.get("/api/v1/models/openai/gpt-4o/")  # the data versions, read once a second
    # The model with its lab, its successor (GPT-4o is deprecated), its offerings with their price ends.
    with django_assert_num_queries(3):
        detail = reader.get("/api/v1/models/openai/gpt-4o/").json()
    with django_assert_num_queries(3):  # the model, its prices, their sources' quotes
        history = reader.get("/api/v1/models/openai/gpt-4o/prices/").json()
    with django_assert_num_queries(4):  # and whether the host offers it
        at_azure = reader.get("/api/v1/models/openai/gpt-4o/prices/?host=azure").json()

    assert len(detail["offerings"]) > 2 and detail["successor"] and len(history["prices"]) > 5
    assert at_azure["prices"] and {price["host"] for price in at_azure["prices"]} == {"azure"}


def test_the_openapi_schema_lists_every_path(reader):
    schema = reader.get("/api/v1/openapi.json").json()

    assert schema["info"]["title"] == "Tokenledger API"
    assert set(schema["paths"]) == {
        "/api/v1/models/",
        "/api/v1/models/{lab}/{model}/",
        "/api/v1/models/{lab}/{model}/prices/",
        "/api/v1/models/{lab}/{model}/availability/",
    }


def test_the_docs_page_loads_no_script_from_a_cdn(reader):
    html = reader.get("/api/v1/docs").content.decode()
    assert (
        "<script" in html and "cdn" not in html.lower()
    )  # tests/pricing/test_api_docs.py checks every asset
