"""simonw/llm-prices' historical-v1.json: dated price periods per model, long-context tiers as rows of their own."""

import datetime as dt
from decimal import Decimal

import pytest

from pricing.records import PriceRecord
from pricing.sources import llm_prices
from pricing.sources.base import FeedError


@pytest.fixture(scope="module")
def historical(shared_data):
    return llm_prices.parse(llm_prices.load(shared_data / "feeds" / "llm-prices" / "historical-v1.json"))


def entry(feed, source_id):
    [found] = [e for e in feed.entries if e.source_id == source_id]
    return found


def prices(feed_entry, tier=""):
    """(component, price, starts, ends) of an entry's prices in one tier."""
    return {(r.component, r.price, r.starts, r.ends) for r in feed_entry.prices if r.tier == tier}


def row(**fields):
    return {
        "id": "model-x",
        "vendor": "openai",
        "name": "Model X",
        "input": 1,
        "output": 2,
        "input_cached": None,
        "from_date": None,
        "to_date": None,
        **fields,
    }


def test_the_real_file_parses_without_a_rejection(historical):
    assert historical.rejections == []
    assert len(historical.entries) == 116
    assert all(not e.id_is_exact for e in historical.entries)


def test_deepseek_chat_has_its_price_before_and_after_february_2025(historical):
    deepseek = entry(historical, "deepseek/deepseek-chat")

    assert (deepseek.host, deepseek.host_model_id, deepseek.lab) == ("deepseek", "deepseek-chat", "deepseek")
    assert prices(deepseek) >= {
        ("input", Decimal("0.14"), None, dt.date(2025, 2, 8)),
        ("input", Decimal("0.27"), dt.date(2025, 2, 8), None),
    }


def test_a_long_context_row_is_a_tier_of_its_base_model_not_a_model(historical):
    luna = entry(historical, "openai/gpt-5.6-luna")

    assert prices(luna) == {
        ("input", Decimal("1"), None, dt.date(2026, 7, 30)),
        ("output", Decimal("6"), None, dt.date(2026, 7, 30)),
        ("cache_read", Decimal("0.1"), None, dt.date(2026, 7, 30)),
        ("input", Decimal("0.2"), dt.date(2026, 7, 30), None),
        ("output", Decimal("1.2"), dt.date(2026, 7, 30), None),
        ("cache_read", Decimal("0.02"), dt.date(2026, 7, 30), None),
    }
    assert prices(luna, "prompt>272000") == {
        ("input", Decimal("2"), None, dt.date(2026, 7, 30)),
        ("output", Decimal("9"), None, dt.date(2026, 7, 30)),
        ("cache_read", Decimal("0.2"), None, dt.date(2026, 7, 30)),
        ("input", Decimal("0.4"), dt.date(2026, 7, 30), None),
        ("output", Decimal("1.8"), dt.date(2026, 7, 30), None),
        ("cache_read", Decimal("0.04"), dt.date(2026, 7, 30), None),
    }
    assert luna.facts.name == "GPT-5.6 Luna"
    assert not [e for e in historical.entries if e.host_model_id.endswith("-272k")]


def test_a_scheduled_price_keeps_its_future_start(historical):
    sonnet = entry(historical, "anthropic/claude-sonnet-5")

    assert {(r.component, r.price, r.starts, r.ends) for r in sonnet.prices} == {
        ("input", Decimal("2"), None, dt.date(2026, 9, 1)),
        ("output", Decimal("10"), None, dt.date(2026, 9, 1)),
        ("input", Decimal("3"), dt.date(2026, 9, 1), None),
        ("output", Decimal("15"), dt.date(2026, 9, 1), None),
    }


def test_an_undated_price_stays_undated_even_when_other_sources_say_it_changed(historical):
    o3 = entry(historical, "openai/o3")

    assert set(o3.prices) == {
        PriceRecord("input", Decimal("10")),
        PriceRecord("output", Decimal("40")),
        PriceRecord("cache_read", Decimal("0.5")),
    }


def test_vendors_become_our_hosts_and_labs(historical):
    assert {
        (e.host, e.lab) for e in historical.entries if e.source_id.split("/")[0] in ("amazon", "meta-ai")
    } == {
        ("amazon-bedrock", "amazon"),
        ("llama", "meta"),
    }


def test_a_row_listed_twice_counts_once(historical):
    grok = entry(historical, "xai/grok-4-fast")  # llm-prices lists it twice with the same prices

    assert len([r for r in grok.prices if r.component == "input" and not r.tier]) == 1


def test_the_current_file_is_the_same_rows_without_dates():
    feed = llm_prices.parse({"updated_at": "2026-08-05", "prices": [row(input_cached=0.5)]})

    [only] = feed.entries
    assert set(only.prices) == {
        PriceRecord("input", Decimal("1")),
        PriceRecord("output", Decimal("2")),
        PriceRecord("cache_read", Decimal("0.5")),
    }


def test_an_id_ending_in_a_size_is_a_tier_only_when_its_name_says_so():
    feed = llm_prices.parse(
        {
            "prices": [
                row(id="gemini-x-128k", name="Gemini X 128k"),  # a model of its own
                row(id="grok-y-200k", name="Grok Y >200k", input=4, output=8),  # a tier without its base row
            ]
        }
    )

    assert {e.host_model_id: {r.tier for r in e.prices} for e in feed.entries} == {
        "gemini-x-128k": {""},
        "grok-y": {"prompt>200000"},
    }
    assert entry(feed, "openai/grok-y").facts.name == "Grok Y"


@pytest.mark.parametrize("data", [[], {"data": []}, {"prices": {"id": "o3"}}, "prices"])
def test_a_file_in_another_shape_is_a_feed_error(data):
    with pytest.raises(FeedError):
        llm_prices.parse(data)


def test_a_bad_row_rejects_its_model_with_a_reason_and_the_rest_is_kept():
    feed = llm_prices.parse(
        {
            "prices": [
                row(id="bad", output=-2),
                row(id="bad-200k", name="Bad >200k"),
                row(id="good"),
                row(id="odd-date", from_date="August 2026"),
                row(id="unknown-host", vendor="someone-new"),
                "not a row",
                row(id=None),
            ]
        }
    )

    assert [e.host_model_id for e in feed.entries] == ["good"]
    reasons = {r.source_id: r.reason for r in feed.rejections}
    assert reasons["openai/bad"] == "output: -2 is negative"
    assert reasons["openai/odd-date"] == "from_date: 'August 2026' is not a YYYY-MM-DD date"
    assert "someone-new" in reasons["someone-new/unknown-host"]
    assert len(feed.rejections) == 5


def test_two_prices_for_the_same_period_reject_the_model():
    feed = llm_prices.parse({"prices": [row(), row(input=3)]})

    assert feed.entries == []
    assert feed.rejections[0].reason == "input: 2 prices without a start date (1, 3)"
