"""The genai-prices v2 adapter, against the real data.json kept in ../shared/data and small hand-built inputs."""

import datetime as dt
import json
from decimal import Decimal

import pytest

from pricing.sources import genai_prices
from pricing.sources.base import FeedError, ParsedFeed


@pytest.fixture(scope="module")
def feed(shared_data) -> ParsedFeed:
    return genai_prices.parse(genai_prices.load(shared_data / "feeds" / "genai-prices" / "v2" / "data.json"))


def entry(feed: ParsedFeed, source_id: str):
    (found,) = [e for e in feed.entries if e.source_id == source_id]
    return found


def component_prices(entry, component: str) -> list[tuple]:
    """(price, tier, mode, starts, ends) of one component, in order."""
    return [(r.price, r.tier, r.mode, r.starts, r.ends) for r in entry.prices if r.component == component]


def parse_one(prices, provider: str = "openai", model_id: str = "gpt-test") -> ParsedFeed:
    return genai_prices.parse(
        [{"id": provider, "name": provider, "models": [{"id": model_id, "prices": prices}]}]
    )


def test_every_model_of_the_real_file_is_read_and_none_is_filed_under_an_exact_id(feed):
    assert feed.seen == 1466
    assert feed.rejections == []
    assert len(feed.entries) == 1466
    assert not any(e.id_is_exact for e in feed.entries)
    assert len({(e.host, e.host_model_id) for e in feed.entries}) == len(feed.entries)


def test_the_o3_price_cut_ends_the_old_price_on_the_day_the_new_one_starts(feed):
    o3 = entry(feed, "openai/o3")

    assert (o3.host, o3.host_model_id, o3.lab) == ("openai", "o3", "openai")
    assert component_prices(o3, "input") == [
        (Decimal(10), "", "standard", None, dt.date(2025, 6, 10)),
        (Decimal(2), "", "standard", dt.date(2025, 6, 10), None),
    ]
    assert component_prices(o3, "output") == [
        (Decimal(40), "", "standard", None, dt.date(2025, 6, 10)),
        (Decimal(8), "", "standard", dt.date(2025, 6, 10), None),
    ]


def test_a_scheduled_change_is_kept_with_its_start_date(feed):
    sonnet = entry(feed, "anthropic/claude-sonnet-5")

    assert component_prices(sonnet, "input") == [
        (Decimal(2), "", "standard", None, dt.date(2026, 9, 1)),
        (Decimal(3), "", "standard", dt.date(2026, 9, 1), None),
    ]
    assert component_prices(sonnet, "output")[-1] == (Decimal(15), "", "standard", dt.date(2026, 9, 1), None)


def test_a_change_dated_in_2027_is_kept(feed):
    flash = entry(feed, "google/gemini-3.6-flash")

    assert component_prices(flash, "input") == [
        (Decimal("0.75"), "", "standard", None, dt.date(2027, 1, 1)),
        (Decimal("1.5"), "", "standard", dt.date(2027, 1, 1), None),
    ]


def test_a_tiered_price_gives_a_base_price_and_one_per_prompt_length_tier(feed):
    sonnet = entry(feed, "anthropic/claude-sonnet-4-6")

    # The long-context tier is in the first variant only: it ends when the flat price starts on 2026-03-13.
    assert component_prices(sonnet, "input") == [
        (Decimal(3), "", "standard", None, dt.date(2026, 3, 13)),
        (Decimal(3), "", "standard", dt.date(2026, 3, 13), None),
        (Decimal(6), "prompt>200000", "standard", None, dt.date(2026, 3, 13)),
    ]


def test_deepseeks_day_window_is_the_standard_price_and_the_rest_of_the_day_off_peak(feed):
    chat = entry(feed, "deepseek/deepseek-chat")

    assert component_prices(chat, "input") == [
        (Decimal("0.135"), "", "off_peak", None, None),
        (Decimal("0.27"), "", "standard", None, None),
    ]
    assert component_prices(chat, "output") == [
        (Decimal("0.55"), "", "off_peak", None, None),
        (Decimal("1.1"), "", "standard", None, None),
    ]


def test_bedrock_ids_are_filed_under_amazon_bedrock_with_the_lab_they_name(feed):
    global_sonnet = entry(feed, "aws/global.anthropic.claude-sonnet-4-5-20250929-v1:0")
    regional_sonnet = entry(feed, "aws/regional.anthropic.claude-sonnet-4-5-20250929-v1:0")

    assert (global_sonnet.host, global_sonnet.lab, global_sonnet.regions) == (
        "amazon-bedrock",
        "anthropic",
        ("Global",),
    )
    assert global_sonnet.host_model_id == "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert global_sonnet.model_slug == "claude-sonnet-4-5-20250929-v1"
    # `regional.` is genai-prices' mark for the in-region price, not a Bedrock id: the in-region id is the bare one.
    assert (regional_sonnet.host, regional_sonnet.lab, regional_sonnet.regions) == (
        "amazon-bedrock",
        "anthropic",
        (),
    )
    assert regional_sonnet.host_model_id == "anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert component_prices(regional_sonnet, "input") == [(Decimal("3.3"), "", "standard", None, None)]
    assert entry(feed, "aws/meta.llama3-70b-instruct-v1:0").lab == "meta"


def test_providers_are_mapped_to_our_host_slugs(feed):
    hosts = {
        e.source_id.split("/")[0]: e.host for e in feed.entries if not e.source_id.startswith("google/claude")
    }

    assert hosts["x-ai"] == "xai"
    assert hosts["together"] == "togetherai"
    assert hosts["fireworks"] == "fireworks-ai"
    assert hosts["novita"] == "novita-ai"
    assert hosts["voyageai"] == "voyage"
    assert (hosts["zai"], hosts["zhipuai"]) == ("zai", "zhipuai")
    assert hosts["avian"] == "avian"  # unknown providers keep their own id
    assert {e.lab for e in feed.entries if e.host in ("zai", "zhipuai")} == {"zhipuai"}


def test_claude_at_google_is_vertex_ai(feed):
    haiku = entry(feed, "google/claude-3-5-haiku")

    assert (haiku.host, haiku.lab) == ("google-vertex", "anthropic")
    assert entry(feed, "google/gemini-2.5-pro").host == "google"


def test_hugging_face_providers_are_one_host_with_the_provider_as_an_id_suffix(feed):
    at_groq = entry(feed, "huggingface_groq/Qwen/Qwen3-32B")
    at_sambanova = entry(feed, "huggingface_sambanova/Qwen/Qwen3-32B")

    assert (at_groq.host, at_groq.host_model_id) == ("huggingface", "Qwen/Qwen3-32B:groq")
    assert at_sambanova.host_model_id == "Qwen/Qwen3-32B:sambanova"
    assert (at_groq.lab, at_groq.model_slug) == ("alibaba", "qwen3-32b")


def test_a_price_per_thousand_requests_becomes_a_price_per_request(feed):
    sonar = entry(feed, "perplexity/sonar")

    assert [(r.price, r.unit) for r in sonar.prices if r.component == "request"] == [
        (Decimal("0.012"), "per_request")
    ]


def test_an_empty_price_set_is_a_free_model_at_zero(feed):
    free = entry(feed, "openrouter/openai/gpt-oss-20b:free")

    assert {(r.component, r.price) for r in free.prices} == {("input", Decimal(0)), ("output", Decimal(0))}
    assert (free.host, free.lab, free.model_slug) == ("openrouter", "openai", "gpt-oss-20b")


def test_the_evidence_is_the_prices_as_written_and_the_facts_name_the_source(feed):
    o3 = entry(feed, "openai/o3")
    sonnet = entry(feed, "anthropic/claude-sonnet-5")

    assert o3.evidence["prices"][1] == {
        "constraint": {"start_date": "2025-06-10"},
        "prices": {"input_mtok": 2, "cache_read_mtok": "0.5", "output_mtok": 8},
    }
    json.dumps(o3.evidence)
    assert (sonnet.facts.name, sonnet.facts.context_window) == ("Claude Sonnet 5", 1_000_000)
    assert sonnet.facts.source == "genai-prices: anthropic/claude-sonnet-5"


@pytest.mark.parametrize(
    "data",
    [
        {"openai": {"models": []}},
        [{"id": "openai", "models": {"o3": {}}}],
        [{"id": "openai"}],
        ["openai"],
        [{"models": []}],
    ],
)
def test_a_document_that_is_not_an_array_of_providers_with_models_is_refused(data):
    with pytest.raises(FeedError):
        genai_prices.parse(data)


def test_a_negative_price_rejects_its_model_naming_the_key():
    feed = parse_one({"input_mtok": 1, "output_mtok": -4})

    assert feed.entries == []
    assert [(r.source_id, r.reason) for r in feed.rejections] == [
        ("openai/gpt-test", "output_mtok: -4 is negative")
    ]


@pytest.mark.parametrize(
    ("prices", "reason"),
    [
        ({"input_mtok": {"base": 3, "tiers": [{"start": 200000}]}}, "input_mtok.tiers[0]"),
        ({"input_mtok": {"base": 3, "tiers": [{"start": "200k", "price": 6}]}}, "input_mtok.tiers[0].start"),
        ({"input_mtok": {"base": 3}}, "input_mtok: a tiered price"),
        ({"input_mtok": {"base": 3, "tiers": [{"start": 1000, "price": -6}]}}, "input_mtok (prompt>1000)"),
        ([{"prices": {"input_mtok": 1}}, {"constraint": {"start_date": "soon"}, "prices": {}}], "not a date"),
        (
            [
                {"prices": {"input_mtok": 1}},
                {"constraint": {"start_date": "2026-01-01"}, "prices": {"input_mtok": 2}},
                {"constraint": {"start_date": "2025-01-01"}, "prices": {"input_mtok": 3}},
            ],
            "not in increasing order",
        ),
        ([{"prices": {"input_mtok": 1}}, {"constraint": {"region": "eu"}, "prices": {}}], "unknown keys"),
        ([{"prices": {"input_mtok": 1}}, {"prices": {"input_mtok": 2}}], "only the first variant"),
        (
            [
                {"prices": {}},
                {"constraint": {"start_time": "08:00:00Z", "end_time": "20:00:00Z"}, "prices": {}},
            ],
            "no way to tell",
        ),
        ([], "neither a price set nor a list"),
        ("cheap", "neither a price set nor a list"),
        ([{"input_mtok": 1}], "not a variant"),
    ],
)
def test_an_unreadable_price_is_a_rejection_with_its_reason_not_a_crash(prices, reason):
    feed = parse_one(prices)

    assert feed.entries == []
    assert len(feed.rejections) == 1
    assert reason in feed.rejections[0].reason


def test_a_short_daily_window_is_the_off_peak_price():
    feed = parse_one(
        [
            {"prices": {"input_mtok": 1}},
            {
                "constraint": {"start_time": "22:00:00Z", "end_time": "06:00:00Z"},
                "prices": {"input_mtok": 0.5},
            },
        ]
    )

    assert [(r.price, r.mode) for r in feed.entries[0].prices] == [
        (Decimal("0.5"), "off_peak"),
        (1, "standard"),
    ]


def test_a_model_priced_only_in_units_we_do_not_record_is_skipped():
    feed = parse_one({"web_searches_kcount": 10, "cache_write_1h_mtok": 6})

    assert (feed.entries, feed.rejections, feed.skipped, feed.seen) == ([], [], 1, 1)


def test_a_model_without_an_id_is_rejected_and_the_others_are_read():
    feed = genai_prices.parse(
        [
            {
                "id": "acme_cloud",
                "models": [{"prices": {"input_mtok": 1}}, {"id": "m", "prices": {"input_mtok": 1}}],
            }
        ]
    )

    assert [r.reason for r in feed.rejections] == ["a model without an id"]
    assert [(e.host, e.host_model_id) for e in feed.entries] == [("acme-cloud", "m")]
