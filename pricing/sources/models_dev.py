"""models.dev's api.json: an object keyed by provider id, each with `models` keyed by model id.

Costs are USD per 1M tokens. Long-context prices come as `tiers` (since May 2026) or the legacy
`context_over_200k`; special modes as `experimental.modes.<mode>.cost`. Read the file with
`parse_float=Decimal` so that values such as 0.003625 stay exact.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from catalog.feeds import parse_models_dev
from catalog.importing import EntryFacts
from catalog.slugs import model_slug
from pricing.feedjson import read_file
from pricing.fetch import MAX_FEED_BYTES
from pricing.models import Component, Mode
from pricing.records import PriceRecord, context_tier
from pricing.sources.base import (
    SLUG_LENGTH,
    FeedEntry,
    FeedError,
    InvalidPrice,
    ParsedFeed,
    Rejection,
    checked_price,
)
from pricing.sources.schema import (
    ID_LENGTH,
    NAME_LENGTH,
    TWICE,
    Flag,
    Id,
    Schema,
    Text,
    Threshold,
    TokenCount,
    id_problem,
    problem,
    repeated_ids,
    shown_id,
)

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


class Limit(Schema):
    context: TokenCount = None
    input: TokenCount = None
    output: TokenCount = None


class Modalities(Schema):
    input: list[Id(20)] | None = None
    output: list[Id(20)] | None = None


class TierSize(Schema):
    size: Threshold


class Tier(Schema):
    tier: TierSize


class Cost(Schema):
    """The cost keys are prices, read by `price_records`; what holds them must have its shape."""

    tiers: list[Tier] | None = None
    context_over_200k: dict[str, Any] | None = None


class ModeCost(Schema):
    cost: dict[str, Any] | None = None


class Experimental(Schema):
    modes: dict[str, ModeCost] | None = None


class Model(Schema):
    """One model as one provider serves it, as far as catalog.feeds and `price_records` read it."""

    id: Id()
    name: Text(NAME_LENGTH) = None
    family: Text(100) = None
    status: Text(20) = None
    release_date: Text(20) = None
    last_updated: Text(20) = None
    knowledge: Text(10) = None
    base_model: Text(ID_LENGTH) = None
    limit: Limit | None = None
    modalities: Modalities | None = None
    cost: Cost | None = None
    experimental: Experimental | None = None
    attachment: Flag = None
    reasoning: Flag = None
    tool_call: Flag = None
    structured_output: Flag = None
    open_weights: Flag = None


class Provider(Schema):
    name: Text(NAME_LENGTH) = None
    doc: Text(200) = None
    api: Text(200) = None
    env: list[Id(100)] | None = None


def load(path: Path) -> dict[str, Any]:
    return read_file(path, max_bytes=MAX_FEED_BYTES)


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
        size = tier["tier"]["size"]
        records += _flat_prices({k: v for k, v in tier.items() if k != "tier"}, tier=context_tier(size))
    if legacy := cost.get("context_over_200k"):
        tiered = {r.key for r in records if r.tier}
        records += [r for r in _flat_prices(legacy, tier=context_tier(200_000)) if r.key not in tiered]
    modes = ((entry.get("experimental") or {}).get("modes")) or {}
    for mode_name, mode in modes.items():
        if mode_name in KNOWN_MODES and mode.get("cost"):
            records += _flat_prices(mode["cost"], mode=mode_name)
    return sorted(records)


def is_api_json(data: Any) -> bool:
    """Whether `data` has the shape of a models.dev api.json (what `validated` reads); its entries may not."""
    return isinstance(data, dict) and all(
        isinstance(p, dict) and isinstance(p.get("models"), dict) for p in data.values()
    )


def parse(data: Any) -> ParsedFeed:
    if not is_api_json(data):
        raise FeedError("a models.dev api.json is a JSON object of provider id → provider with 'models'")
    readable, rejections = validated(data)
    feed = feed_of(parse_models_dev(readable)[1])
    feed.seen += len(rejections)
    feed.rejections += rejections
    return feed


def validated(data: dict[str, Any]) -> tuple[dict[str, Any], list[Rejection]]:
    """The providers and models that fit the schema, and a rejection for each that does not: a provider whose id
    or facts are unreadable rejects all its models at once."""
    readable, rejections = {}, []
    twice = repeated_ids(data)
    for provider_id, provider in data.items():
        models = provider["models"]
        if reason := (
            id_problem(provider_id, SLUG_LENGTH)
            or (TWICE if provider_id in twice else None)
            or next((f"{key}: given twice" for key in repeated_ids(provider)), None)
            or problem(Provider, {k: v for k, v in provider.items() if k != "models"})
        ):
            rejections += [Rejection(shown_id(f"{provider_id}/{m}"), f"provider {reason}") for m in models]
            continue
        kept, twice_here = {}, repeated_ids(models)
        for model_id, model in models.items():
            bad_id = id_problem(model_id)
            if reason := bad_id or (TWICE if model_id in twice_here else problem(Model, model)):
                listing = None if bad_id else (provider_id, model_id)
                rejections.append(Rejection(shown_id(f"{provider_id}/{model_id}"), reason, listing=listing))
            else:
                kept[model_id] = model
        readable[provider_id] = {**provider, "models": kept}
    return readable, rejections


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
        feed.add(
            FeedEntry(
                source_id=source_id,
                host=entry.host,
                host_model_id=entry.host_model_id,
                lab=entry.lab or entry.lab_hint,
                model_slug=entry.model_slug or model_slug(entry.model_hint),
                hint_is_sure=bool(entry.lab or entry.model_hint),
                prices=tuple(prices),
                facts=entry.model,
                evidence={"cost": json.loads(json.dumps(entry.raw["cost"], default=str))},
            )
        )
    return feed
