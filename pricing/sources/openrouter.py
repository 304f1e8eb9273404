"""OpenRouter's `GET /api/v1/models`: `{"data": [{"id": "openai/gpt-4o", "pricing": {...}, ...}]}`.

Prices are decimal strings in USD per token (`"0.0000025"`), or per request / per image for those keys.
"-1" marks a price that varies (routers such as `openrouter/auto`): such an entry has no price to record.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from catalog.identity import slug_of
from catalog.importing import ModelFacts
from pricing.matching import lab_from_name, split_lab
from pricing.models import Component, Unit
from pricing.records import ONE_MILLION, PriceRecord
from pricing.sources.base import FeedEntry, FeedError, InvalidPrice, ParsedFeed, Rejection, checked_price

SLUG = "openrouter"
HOST = "openrouter"

PRICING_KEYS = {
    "prompt": (Component.INPUT, Unit.PER_MILLION_TOKENS),
    "completion": (Component.OUTPUT, Unit.PER_MILLION_TOKENS),
    "input_cache_read": (Component.CACHE_READ, Unit.PER_MILLION_TOKENS),
    "input_cache_write": (Component.CACHE_WRITE, Unit.PER_MILLION_TOKENS),
    "internal_reasoning": (Component.REASONING, Unit.PER_MILLION_TOKENS),
    "audio": (Component.AUDIO_INPUT, Unit.PER_MILLION_TOKENS),
    "image": (Component.IMAGE_INPUT, Unit.PER_IMAGE),
    "request": (Component.REQUEST, Unit.PER_REQUEST),
}


def price_records(pricing: dict[str, Any]) -> list[PriceRecord]:
    records = []
    for key, (component, unit) in PRICING_KEYS.items():
        value = pricing.get(key)
        if value is None:
            continue
        if str(value).strip() == "-1":
            raise InvalidPrice(f"{key} varies by request (-1)")
        scale = ONE_MILLION if unit == Unit.PER_MILLION_TOKENS else Decimal(1)
        try:
            price = checked_price(value, unit=unit, scale=scale)
        except InvalidPrice as error:
            raise InvalidPrice(f"pricing.{key}: {error}") from None
        # OpenRouter writes "0" for components a model does not bill; only input and output are always real.
        if price == 0 and component not in (Component.INPUT, Component.OUTPUT):
            continue
        records.append(PriceRecord(component=component, price=price, unit=unit))
    return sorted(records)


def parse(data: Any) -> ParsedFeed:
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise FeedError('an OpenRouter models list is a JSON object with a "data" list')
    feed = ParsedFeed()
    for item in data["data"]:
        feed.seen += 1
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            feed.rejections.append(Rejection(str(item)[:80], "an entry without an id"))
            continue
        source_id = item["id"]
        try:
            prices = price_records(item.get("pricing") or {})
        except InvalidPrice as error:
            feed.rejections.append(Rejection(source_id, str(error)))
            continue
        if not prices:
            feed.skipped += 1
            continue
        lab, name = split_lab(source_id.removeprefix("~"))
        # `canonical_slug` names the lab's model and its dated snapshot ("qwen/qwen3.7-flash-20260727"): its lab
        # part is a hint for catalog.identity where the id's own prefix is OpenRouter's spelling.
        canonical_lab, _ = split_lab(str(item.get("canonical_slug") or ""))
        lab = lab or canonical_lab or lab_from_name(name, HOST)
        architecture = item.get("architecture") or {}
        top = item.get("top_provider") or {}
        feed.entries.append(
            FeedEntry(
                source_id=source_id,
                host=HOST,
                host_model_id=source_id,
                lab=lab,
                model_slug=slug_of(name.split(":")[0]),
                prices=tuple(prices),
                facts=ModelFacts(
                    name=str(item.get("name") or source_id),
                    context_window=item.get("context_length") or None,
                    max_output_tokens=top.get("max_completion_tokens") or None,
                    input_modalities=tuple(architecture.get("input_modalities") or ("text",)),
                    output_modalities=tuple(architecture.get("output_modalities") or ("text",)),
                    source=f"OpenRouter models API: {source_id}",
                ),
                evidence={"pricing": {k: str(v) for k, v in (item.get("pricing") or {}).items()}},
            )
        )
    return feed
