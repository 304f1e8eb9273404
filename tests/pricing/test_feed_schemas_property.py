"""Whatever value a feed puts in a field we read, parsing never fails on it, and no value that a column could not
store, or that is no believable number, gets through to an entry."""

from __future__ import annotations

import copy
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pricing.runs import ADAPTERS
from pricing.sources.base import (
    MAX_TOKENS,
    MAX_USD_PER_MILLION,
    MAX_USD_PER_UNIT,
    FeedError,
    ParsedFeed,
    entry_problem,
)
from pricing.sources.schema import shown
from tests.pricing.test_feed_validation import CORRUPTED, FORMATS, KEPT, set_path

# The fields each adapter reads, and the objects that hold them.
FIELDS = {
    "litellm": [
        "litellm_provider",
        "mode",
        "alias_of",
        "max_input_tokens",
        "max_output_tokens",
        "deprecation_date",
        "supports_vision",
        "supports_function_calling",
        "input_cost_per_token",
        "output_cost_per_token",
        "cache_read_input_token_cost",
        "input_cost_per_token_above_200k_tokens",
        "input_cost_per_token_batches",
        "input_cost_per_image",
        "source",
    ],
    "models_dev": [
        "id",
        "name",
        "family",
        "status",
        "release_date",
        "knowledge",
        "base_model",
        "limit",
        "limit.context",
        "limit.output",
        "modalities",
        "modalities.input",
        "cost",
        "cost.input",
        "cost.cache_read",
        "cost.tiers",
        "cost.context_over_200k",
        "experimental",
        "experimental.modes",
        "experimental.modes.fast",
        "experimental.modes.batch",
        "tool_call",
    ],
    "openrouter": [
        "id",
        "name",
        "canonical_slug",
        "context_length",
        "created",
        "architecture",
        "architecture.input_modalities",
        "top_provider",
        "top_provider.max_completion_tokens",
        "pricing",
        "pricing.prompt",
        "pricing.completion",
        "pricing.image",
        "pricing.request",
        "pricing.overrides",
        "alias_target",
    ],
    "genai_prices": [
        "id",
        "name",
        "context_window",
        "deprecated",
        "prices",
        "prices.input_mtok",
        "prices.output_mtok",
        "prices.requests_kcount",
    ],
    "llm_prices": ["id", "vendor", "name", "input", "output", "input_cached", "from_date", "to_date"],
}

SPECIAL = [
    Decimal("1e999999999"),
    Decimal("-1e-999999999"),
    Decimal("1e-999999999"),
    Decimal("1e20"),
    Decimal("NaN"),
    Decimal("Infinity"),
    Decimal("128000.0"),
    Decimal("0.0000025"),
    "abc",
    "-1",
    "0.0000025",
    "1e999999999",
    "\x00",
    "gpt\x00",
    "x" * 300,
    "2026-01-01",
    "00:30:00Z",
    -5,
    0,
    10**20,
    200_000,
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**25), max_value=10**25),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(SPECIAL),
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(["tier", "size", "start", "price", "base", "tiers", "x", "cost"]), children
        )
    ),
    max_leaves=8,
)
_TIER = re.compile(r"^(?:|prompt>(\d+))$")


def assert_believable(feed: ParsedFeed) -> None:
    """Every entry the adapter kept fits its columns and holds only believable prices and counts."""
    for entry in feed.entries:
        assert entry_problem(entry) is None, entry
        for count in (
            entry.facts.context_window,
            entry.facts.max_input_tokens,
            entry.facts.max_output_tokens,
        ):
            assert count is None or (type(count) is int and 1 <= count <= MAX_TOKENS), count
        for record in entry.prices:
            price = record.price
            assert isinstance(price, Decimal) and price.is_finite() and price >= 0, price
            limit = MAX_USD_PER_UNIT.get(record.unit, MAX_USD_PER_MILLION)
            assert price <= limit, (price, record.unit)
            assert len(f"{price:,.2f}") < 30, "formatting a price never expands an exponent"
            tier = _TIER.match(record.tier)
            assert tier and (not tier[1] or int(tier[1]) <= MAX_TOKENS), record.tier
        assert "\\u0000" not in json.dumps(entry.evidence, default=str)
    for rejection in feed.rejections:
        assert "\x00" not in rejection.source_id and "\x00" not in rejection.reason
        assert "\n" not in rejection.reason and len(rejection.reason) < 500, shown(rejection.reason, 600)


@pytest.mark.parametrize("slug", sorted(FIELDS))
def test_any_value_in_any_field_is_rejected_with_a_reason_or_read_as_a_believable_entry(slug, shared_data):
    source = FORMATS[slug]
    real = source.entries(shared_data)
    adapter = ADAPTERS[slug]

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(field=st.sampled_from(FIELDS[slug]), value=values)
    def check(field: str, value: Any) -> None:
        entries = {KEPT: copy.deepcopy(real[KEPT]), CORRUPTED: copy.deepcopy(real[CORRUPTED])}
        try:
            set_path(entries[CORRUPTED], field, value)
        except (TypeError, AttributeError):
            return  # a parent is a scalar in this entry: another example sets the parent itself
        try:
            feed = adapter.parse(source.feed(entries))
        except FeedError:
            return  # the feed refused as a whole, with its reason
        assert_believable(feed)
        kept = {e.source_id for e in feed.entries} | {r.source_id for r in feed.rejections}
        assert source.source_id(KEPT) in kept or feed.skipped, "the rest of the feed proceeds"

    check()
