"""simonw/llm-prices (llm-prices.com): `historical-v1.json`, `{"prices": [{"id", "vendor", "name", "input", "output",
"input_cached", "from_date", "to_date"}]}`, in USD per 1M tokens. `current-v1.json` has the same rows without
the dates (`{"updated_at", "prices": [...]}`), and is read the same way.

A model may have several rows, one per price period: `from_date` is when a price began (null: not recorded, which
is not the model's launch), `to_date` when it ended or will end (null: open). Long-context prices are rows of
their own, their id suffixed with the threshold and their name marked with ">": `gpt-5.4-272k` "GPT-5.4 >272k"
next to `gpt-5.4` "GPT-5.4 ≤272k". They are a tier of the base model's entry, not a model.

llm-prices spells ids its own way ("claude-sonnet-4.5" for Anthropic's "claude-sonnet-4-5", "amazon-nova-pro"
for Bedrock's "amazon.nova-pro-v1:0"), so no entry's id is taken as the host's exact id.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from catalog.importing import ModelFacts
from catalog.slugs import model_slug
from pricing.feedjson import RepeatedKeys, read_file
from pricing.fetch import MAX_FEED_BYTES
from pricing.models import Component
from pricing.records import PriceRecord, context_tier
from pricing.sources.base import (
    MAX_TOKENS,
    SLUG_LENGTH,
    FeedEntry,
    FeedError,
    InvalidPrice,
    ParsedFeed,
    Rejection,
    checked_price,
)
from pricing.sources.schema import NAME_LENGTH, Id, Schema, Text, id_problem, problem, shown_id

SLUG = "llm_prices"

# llm-prices' vendor → (our host slug, the lab whose models the vendor lists). Each vendor is the lab's own API,
# except Amazon's Nova models, priced as Bedrock sells them, and Meta's, as its Llama API sells them (host
# `llama`, "Meta Llama API" in catalog/content/providers.yaml; lab `meta` in identity.yaml). A vendor not listed
# here is rejected rather than guessed: a new host is an editor's decision.
VENDORS = {
    "openai": ("openai", "openai"),
    "anthropic": ("anthropic", "anthropic"),
    "google": ("google", "google"),
    "xai": ("xai", "xai"),
    "mistral": ("mistral", "mistral"),
    "deepseek": ("deepseek", "deepseek"),
    "moonshot-ai": ("moonshotai", "moonshotai"),
    "amazon": ("amazon-bedrock", "amazon"),
    "qwen": ("alibaba", "alibaba"),
    "minimax": ("minimax", "minimax"),
    "meta-ai": ("llama", "meta"),
}

PRICE_KEYS = {
    "input": Component.INPUT,
    "output": Component.OUTPUT,
    "input_cached": Component.CACHE_READ,
}

# "gpt-5.4-272k": the base id and the threshold in thousands of prompt tokens. Only a tier when the row's name
# says so with ">" ("GPT-5.4 >272k"); an id that merely ends in a size is a model of its own.
_TIER_ID = re.compile(r"^(?P<base>.+)-(?P<k>\d+)k$")
# The threshold as the name writes it: " ≤272k", " >200k".
_TIER_NAME = re.compile(r"\s*[<>≤≥]=?\s*\d+(?:\.\d+)?[km]\s*$", re.IGNORECASE)


class Row(Schema):
    """One price period of one model, as far as we read it; its prices and dates are read by `row_records`."""

    id: Id()
    vendor: Id(SLUG_LENGTH)
    name: Text(NAME_LENGTH) = None


def load(path: Path) -> dict[str, Any]:
    return read_file(path, max_bytes=MAX_FEED_BYTES)


@dataclass
class _Model:
    """The rows of one (vendor, id): the base model's periods and its long-context tiers'."""

    vendor: str
    model_id: str
    rows: list[tuple[dict[str, Any], str]] = field(default_factory=list)  # (row, tier)

    @property
    def source_id(self) -> str:
        return f"{self.vendor}/{self.model_id}"

    @property
    def name(self) -> str:
        """The base row's name without its threshold; a tier's when only tiers are listed."""
        rows = sorted(self.rows, key=lambda row_tier: bool(row_tier[1]))
        name = rows[0][0].get("name")
        return _TIER_NAME.sub("", name) if isinstance(name, str) and name.strip() else self.model_id


def split_tier(model_id: str, name: Any) -> tuple[str, str]:
    """(base id, tier) of a row: ("gpt-5.4", "prompt>272000") for `gpt-5.4-272k` "GPT-5.4 >272k"."""
    match = _TIER_ID.match(model_id)
    # The threshold is in thousands of tokens: a longer number is no tier of ours (at most MAX_TOKENS).
    threshold = int(match["k"]) * 1000 if match and len(match["k"]) < 7 else 0
    if match and isinstance(name, str) and ">" in name and 0 < threshold <= MAX_TOKENS:
        return match["base"], context_tier(threshold)
    return model_id, ""


def _date(row: dict[str, Any], key: str) -> dt.date | None:
    value = row.get(key)
    if value is None:
        return None  # not recorded (from_date) or open-ended (to_date)
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidPrice(f"{key}: {value!r} is not a YYYY-MM-DD date")


def row_records(row: dict[str, Any], tier: str = "") -> list[PriceRecord]:
    """The prices of one row (one period), checked; InvalidPrice names the key of the first bad one."""
    starts, ends = _date(row, "from_date"), _date(row, "to_date")
    if starts and ends and ends <= starts:
        raise InvalidPrice(f"the period ends ({ends}) before it starts ({starts})")
    records = []
    for key, component in PRICE_KEYS.items():
        value = row.get(key)
        if value is None:
            continue  # the row does not give this price
        try:
            price = checked_price(value)
        except InvalidPrice as error:
            raise InvalidPrice(f"{key}: {error}") from None
        records.append(PriceRecord(component=component, price=price, tier=tier, starts=starts, ends=ends))
    return records


def model_records(model: _Model) -> list[PriceRecord]:
    """Every period's prices of a model and its tiers; a row given twice counts once (llm-prices lists xAI's
    `grok-4-fast` twice), two prices for one component from the same start reject the model."""
    records = {record for row, tier in model.rows for record in row_records(row, tier)}
    prices: dict[tuple, set[Decimal]] = {}
    for record in records:
        prices.setdefault((*record.key, record.starts), set()).add(record.price)
    for (component, tier, _, starts), found in prices.items():
        if len(found) > 1:
            where = f"{component}{f' ({tier})' if tier else ''}"
            since = f"from {starts}" if starts else "without a start date"
            raise InvalidPrice(f"{where}: {len(found)} prices {since} ({', '.join(map(str, sorted(found)))})")
    return sorted(records)


def _listing(model: _Model) -> tuple[str, str] | None:
    """The host's listing a rejected model is, where its id reads as the host's: its prices stay as they were."""
    return (VENDORS[model.vendor][0], model.model_id) if model.vendor in VENDORS else None


def parse(data: Any) -> ParsedFeed:
    if not isinstance(data, dict) or not isinstance(data.get("prices"), list):
        raise FeedError('an llm-prices file is a JSON object with a "prices" list')
    if isinstance(data, RepeatedKeys):
        raise FeedError(f"an llm-prices file gives {', '.join(map(repr, data.repeated))} twice")
    feed = ParsedFeed()
    models: dict[tuple[str, str], _Model] = {}
    unreadable: dict[tuple[str, str], str] = {}  # a model with a row that does not fit the schema
    for row in data["prices"]:
        if not isinstance(row, dict):
            feed.seen += 1
            feed.rejections.append(Rejection(shown_id(row), "a row that is not an object"))
            continue
        model_id, vendor = row.get("id"), row.get("vendor")
        if id_problem(model_id) or id_problem(vendor, SLUG_LENGTH):
            feed.seen += 1
            reason = id_problem(model_id) or f"vendor {id_problem(vendor, SLUG_LENGTH).removeprefix('id: ')}"
            feed.rejections.append(Rejection(shown_id(f"{vendor}/{model_id}"), reason))
            continue
        base_id, tier = split_tier(
            model_id.strip(), row.get("name") if isinstance(row.get("name"), str) else None
        )
        model = models.setdefault((vendor, base_id), _Model(vendor, base_id))
        model.rows.append((row, tier))
        if reason := problem(Row, row):
            unreadable.setdefault((vendor, base_id), f"row {model_id!r}: {reason}")

    for key, model in models.items():
        feed.seen += 1
        if key in unreadable:
            feed.rejections.append(Rejection(model.source_id, unreadable[key], listing=_listing(model)))
            continue
        if model.vendor not in VENDORS:
            feed.rejections.append(
                Rejection(model.source_id, f"vendor {model.vendor!r} is not one we know a host for")
            )
            continue
        try:
            prices = model_records(model)
        except InvalidPrice as error:
            feed.rejections.append(Rejection(model.source_id, str(error), listing=_listing(model)))
            continue
        if not prices:
            feed.skipped += 1
            continue
        host, lab = VENDORS[model.vendor]
        feed.add(
            FeedEntry(
                source_id=model.source_id,
                host=host,
                host_model_id=model.model_id,
                lab=lab,
                model_slug=model_slug(model.model_id),
                prices=tuple(prices),
                facts=ModelFacts(name=model.name, source=f"llm-prices: {model.source_id}"),
                id_is_exact=False,
                evidence={
                    "rows": [
                        {k: v if v is None else str(v) for k, v in row.items() if k != "vendor"}
                        for row, _ in model.rows
                    ]
                },
            )
        )
    return feed
