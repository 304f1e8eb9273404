"""A sync attaches each entry to the catalog's model; what matches nothing becomes a model to review."""

import datetime as dt
import json

import pytest

from catalog.models import Model, Offering
from pricing.runs import run_sync

pytestmark = pytest.mark.django_db

JULY = dt.datetime(2026, 7, 24, tzinfo=dt.UTC)


def sync_litellm(tmp_path, entries):
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(entries))
    return run_sync("litellm", file=path, observed_at=JULY)[1]


def test_litellms_gpt_4o_is_openais_model_as_openai_offers_it(sample_data, tmp_path):
    report = sync_litellm(
        tmp_path, {"gpt-4o": {"litellm_provider": "openai", "input_cost_per_token": 2.5e-06}}
    )

    assert report.matched == 1 and report.unmatched == []
    offering = Offering.objects.get(host__slug="openai", host_model_id="gpt-4o")
    assert offering.model.get_absolute_url() == "/models/openai/gpt-4o/"


def test_a_regional_bedrock_id_becomes_an_offering_of_the_labs_model(sample_data, tmp_path):
    report = sync_litellm(
        tmp_path,
        {
            "eu.anthropic.claude-sonnet-4-5-20250929-v1:0": {
                "litellm_provider": "bedrock_converse",
                "input_cost_per_token": 3.3e-06,
            }
        },
    )

    assert report.unmatched == []
    offering = Offering.objects.get(host_model_id="eu.anthropic.claude-sonnet-4-5-20250929-v1:0")
    assert (offering.host.slug, offering.model.lab.slug, offering.regions) == (
        "amazon-bedrock",
        "anthropic",
        ["EU"],
    )
    # Anthropic names its snapshot exactly as the model ("Claude Sonnet 4.5"): one model, both ids.
    assert offering.model.slug == "claude-sonnet-4-5"


def test_an_id_that_matches_nothing_creates_an_unreviewed_model_and_is_reported(sample_data, tmp_path):
    report = sync_litellm(
        tmp_path,
        {
            "mistral/magistral-ultra-2612": {
                "litellm_provider": "mistral",
                "input_cost_per_token": 2e-06,
                "max_input_tokens": 128000,
                "supports_function_calling": True,
            }
        },
    )

    assert report.unmatched == ["mistral/magistral-ultra-2612"] and report.new_models == 1
    model = Model.objects.get(lab__slug="mistral", slug="magistral-ultra-2612")
    assert model.needs_review
    assert (model.context_window, model.supports_tools) == (128000, True)
    assert model.offerings.get().host.slug == "mistral"


def test_a_hosts_new_listing_of_a_known_model_joins_it_with_its_kind(sample_data, tmp_path):
    report = sync_litellm(
        tmp_path,
        {
            # A host's id for OpenAI's model, priced in batch mode only, and a free variant of it.
            "fireworks_ai/accounts/fireworks/models/gpt-4o-mini": {
                "litellm_provider": "fireworks_ai",
                "input_cost_per_token_batches": 7.5e-08,
                "output_cost_per_token_batches": 3e-07,
            },
            "openrouter/openai/gpt-4o-mini:free": {
                "litellm_provider": "openrouter",
                "input_cost_per_token": 0,
                "output_cost_per_token": 0,
            },
        },
    )

    assert report.unmatched == [] and report.new_models == 0
    batch = Offering.objects.select_related("model__lab").get(host__slug="fireworks-ai")
    free = Offering.objects.select_related("model__lab").get(host_model_id="openai/gpt-4o-mini:free")
    assert (batch.model.key, batch.kind) == ("openai/gpt-4o-mini", "batch")
    assert (free.model.key, free.kind) == ("openai/gpt-4o-mini", "free")
    gpt = Model.objects.get(lab__slug="openai", slug="gpt-4o-mini")
    assert gpt.listed_input_price > 0 and gpt.listed_price_host.slug == "openai"
