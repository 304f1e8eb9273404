"""models.dev's api.json: an object keyed by provider id, each with `models` keyed by model id.

Costs are USD per 1M tokens. Long-context prices come as `tiers` (since May 2026) or the legacy
`context_over_200k`; special modes as `experimental.modes.<mode>.cost`. Read the file with
`parse_float=Decimal` so that values such as 0.003625 stay exact.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from catalog.feeds import parse_models_dev
from catalog.identity import slug_of
from catalog.importing import EntryFacts
from pricing.models import Component, Mode
from pricing.records import PriceRecord, context_tier
from pricing.sources.base import FeedEntry, FeedError, InvalidPrice, ParsedFeed, Rejection, checked_price

SLUG = "models_dev"

# Cost keys as models.dev writes them (legacy spellings included) → our component ids.
COST_KEYS = {
    "input": Component.INPUT,
    "output": Component.OUTPUT,
    "cache_read": Component.CACHE_READ,
    "cache_write": Component.CACHE_WRITE,
    "input_audio": Component.AUDIO_INPUT,
    "output_audio": Component.AUDIO_OUTPUT,
    "reasoning": Component.REASONING,
    "inputCached": Component.CACHE_READ,
    "outputCached": Component.CACHE_WRITE,
    "cached_input": Component.CACHE_READ,
    "cache_input": Component.CACHE_READ,
    "cached_write": Component.CACHE_WRITE,
}

KNOWN_MODES = {m.value for m in Mode}


def load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        return json.load(f, parse_float=Decimal)


def _flat_prices(cost: dict[str, Any], *, tier: str = "", mode: str = Mode.STANDARD) -> list[PriceRecord]:
    records = {}
    for key, value in cost.items():
        component = COST_KEYS.get(key)
        if component is None:
            continue
        try:
            price = checked_price(value)
        except InvalidPrice as error:
            raise InvalidPrice(f"{key}: {error}") from None
        record = PriceRecord(component=component, price=price, tier=tier, mode=mode)
        # The canonical spelling wins over a legacy one for the same component.
        if record.key not in records or key == component:
            records[record.key] = record
    return list(records.values())


def price_records(entry: dict[str, Any]) -> list[PriceRecord]:
    """Every price in one model entry, checked and normalised: base prices, long-context tiers and modes."""
    cost = entry.get("cost") or {}
    records = _flat_prices(cost)
    for tier in cost.get("tiers") or []:
        size = int(tier["tier"]["size"])
        records += _flat_prices({k: v for k, v in tier.items() if k != "tier"}, tier=context_tier(size))
    if legacy := cost.get("context_over_200k"):
        tiered = {r.key for r in records if r.tier}
        records += [r for r in _flat_prices(legacy, tier=context_tier(200_000)) if r.key not in tiered]
    modes = ((entry.get("experimental") or {}).get("modes")) or {}
    for mode_name, mode in modes.items():
        if mode_name in KNOWN_MODES and mode.get("cost"):
            records += _flat_prices(mode["cost"], mode=mode_name)
    return sorted(records)


def parse(data: Any) -> ParsedFeed:
    if not isinstance(data, dict) or not all(
        isinstance(p, dict) and isinstance(p.get("models"), dict) for p in data.values()
    ):
        raise FeedError("a models.dev api.json is a JSON object of provider id → provider with 'models'")
    return feed_of(parse_models_dev(data)[1])


def feed_of(entries: list[EntryFacts]) -> ParsedFeed:
    """The prices of catalogue entries already parsed by catalog.feeds.parse_models_dev."""
    feed = ParsedFeed()
    for entry in entries:
        feed.seen += 1
        source_id = f"{entry.host}/{entry.host_model_id}"
        if not entry.raw.get("cost"):
            feed.skipped += 1
            feed.unpriced.append((entry.host, entry.host_model_id))
            continue
        try:
            prices = price_records(entry.raw)
        except (InvalidPrice, KeyError, TypeError, ValueError) as error:
            feed.rejections.append(
                Rejection(source_id, str(error), listing=(entry.host, entry.host_model_id))
            )
            continue
        feed.entries.append(
            FeedEntry(
                source_id=source_id,
                host=entry.host,
                host_model_id=entry.host_model_id,
                lab=entry.lab or entry.lab_hint,
                model_slug=entry.model_slug or slug_of(entry.model_hint),
                hint_is_sure=bool(entry.lab or entry.model_hint),
                prices=tuple(prices),
                facts=entry.model,
                evidence={"cost": json.loads(json.dumps(entry.raw["cost"], default=str))},
            )
        )
    return feed
