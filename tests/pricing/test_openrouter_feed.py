"""OpenRouter's models list as captured on 2026-08-01: free ids, per-token image prices, long-context overrides,
`~` aliases and routers whose price varies."""

import json
from decimal import Decimal

import pytest

from pricing.records import PriceRecord
from pricing.sources import openrouter


@pytest.fixture(scope="module")
def capture(shared_data):
    with (shared_data / "feeds" / "openrouter" / "models.json").open(encoding="utf-8") as f:
        return openrouter.parse(json.load(f, parse_float=Decimal))


def entry(feed, source_id):
    [found] = [e for e in feed.entries if e.source_id == source_id]
    return found


def test_the_capture_parses_without_a_rejection(capture):
    assert capture.rejections == []
    assert (capture.seen, len(capture.entries), len(capture.aliases)) == (336, 326, 10)


def test_a_free_id_is_an_entry_of_its_own_at_zero_for_the_paid_ids_model(capture):
    free = entry(capture, "openai/gpt-oss-20b:free")
    paid = entry(capture, "openai/gpt-oss-20b")

    assert free.host_model_id == "openai/gpt-oss-20b:free"
    assert set(free.prices) == {PriceRecord("input", Decimal(0)), PriceRecord("output", Decimal(0))}
    assert free.model_slug == paid.model_slug == "gpt-oss-20b"


def test_a_2026_image_price_is_per_token_and_overrides_are_long_context_tiers(capture):
    gemini = entry(capture, "google/gemini-2.5-pro")
    prices = {(r.component, r.tier, r.unit): r.price for r in gemini.prices}

    assert prices[("image_input", "", "per_1m_tokens")] == Decimal("1.25")
    assert prices[("input", "prompt>200000", "per_1m_tokens")] == Decimal("2.5")
    assert prices[("output", "prompt>200000", "per_1m_tokens")] == Decimal("15")
    assert prices[("cache_read", "prompt>200000", "per_1m_tokens")] == Decimal("0.25")
    assert not [r for r in gemini.prices if r.unit == "per_image"]


def test_several_overrides_give_several_tiers(capture):
    qwen = entry(capture, "qwen/qwen3-max")

    assert {r.tier for r in qwen.prices if r.component == "input"} == {"", "prompt>32000", "prompt>128000"}


def test_an_alias_is_not_an_entry_but_points_at_the_model_it_stands_for(capture):
    assert "~anthropic/claude-sonnet-latest" not in {e.source_id for e in capture.entries}
    assert capture.aliases["~anthropic/claude-sonnet-latest"] == "anthropic/claude-sonnet-5"
    assert capture.aliases["~openai/gpt-mini-latest"] == "openai/gpt-5.4-mini"


def test_without_the_feeds_own_target_an_alias_points_at_the_newest_model_of_its_family_at_its_price():
    def item(model_id, created, prompt="0.000003", completion="0.000015"):
        return {"id": model_id, "created": created, "pricing": {"prompt": prompt, "completion": completion}}

    feed = openrouter.parse(
        {
            "data": [
                item("anthropic/claude-sonnet-4.5", 1),
                item("anthropic/claude-sonnet-4.6", 2),
                item("anthropic/claude-sonnet-5", 3, prompt="0.000002"),  # newer, another price
                item("anthropic/claude-opus-4.6", 4),  # newer, another family
                item("~anthropic/claude-sonnet-latest", 5),
                item("~openai/gpt-mini-latest", 5),  # no such model in the feed
            ]
        }
    )

    assert feed.aliases == {
        "~anthropic/claude-sonnet-latest": "anthropic/claude-sonnet-4.6",
        "~openai/gpt-mini-latest": "",
    }
    assert (len(feed.entries), feed.rejections) == (4, [])


def test_a_router_whose_price_varies_is_an_entry_without_a_price(capture):
    auto = entry(capture, "openrouter/auto")

    assert auto.variable_price
    assert auto.prices == ()


def test_an_old_style_image_price_is_per_image():
    feed = openrouter.parse(
        {
            "data": [
                {
                    "id": "openai/gpt-4o",
                    "pricing": {"prompt": "0.0000025", "completion": "0.00001", "image": "0.001445"},
                }
            ]
        }
    )

    [gpt] = feed.entries
    assert PriceRecord("image_input", Decimal("0.001445"), unit="per_image") in gpt.prices


def test_a_bad_override_rejects_its_entry_with_a_reason():
    feed = openrouter.parse(
        {
            "data": [
                {
                    "id": "x-ai/grok-9",
                    "pricing": {
                        "prompt": "0.000002",
                        "completion": "0.000006",
                        "overrides": [{"min_prompt_tokens": 200000, "prompt": "-0.000004"}],
                    },
                }
            ]
        }
    )

    assert feed.entries == []
    assert feed.rejections[0].reason == "overrides (> 200000 tokens): pricing.prompt: '-0.000004' is negative"
