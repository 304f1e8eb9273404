"""OpenRouter's `GET /api/v1/models`: `{"data": [{"id": "openai/gpt-4o", "pricing": {...}, ...}]}`.

Prices are decimal strings in USD per token (`"0.0000025"`), or per request for `request`; `image` is per image in
older captures and per token in 2026 ones (see `image_unit`). Since 2026-08 `pricing.overrides` lists long-context
prices: `[{"min_prompt_tokens": 200000, "prompt": "0.000006", ...}]`.

Three kinds of id are not plain offerings:
- "-1" marks a price that varies by request (routers such as `openrouter/auto`): an entry with `variable_price`
  and no price;
- `…:free` ids are the free tier of the paid id (the same model), priced at 0;
- `~` ids (`~anthropic/claude-sonnet-latest`) are aliases of the lab's newest model of a family: not entries, but
  `ParsedFeed.aliases` pointing at the id they stand for (see `alias_target`).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from catalog.identity import tokens
from catalog.importing import ModelFacts
from catalog.slugs import model_slug
from pricing.feedjson import RepeatedKeys
from pricing.matching import lab_from_name, split_lab
from pricing.models import Component, Unit
from pricing.records import ONE_MILLION, PriceRecord, context_tier, to_decimal
from pricing.sources.base import (
    FeedEntry,
    FeedError,
    InvalidPrice,
    ParsedFeed,
    Rejection,
    checked_price,
    checked_threshold,
)
from pricing.sources.schema import (
    ID_LENGTH,
    NAME_LENGTH,
    Id,
    Schema,
    Text,
    TokenCount,
    id_problem,
    problem,
    shown_id,
)

SLUG = "openrouter"
HOST = "openrouter"

# Pricing keys → (component, unit). Keys we have no component for (web_search, image_output, input_audio_cache,
# input_cache_write_1h) are left out.
PRICING_KEYS = {
    "prompt": (Component.INPUT, Unit.PER_MILLION_TOKENS),
    "completion": (Component.OUTPUT, Unit.PER_MILLION_TOKENS),
    "input_cache_read": (Component.CACHE_READ, Unit.PER_MILLION_TOKENS),
    "input_cache_write": (Component.CACHE_WRITE, Unit.PER_MILLION_TOKENS),
    "internal_reasoning": (Component.REASONING, Unit.PER_MILLION_TOKENS),
    "audio": (Component.AUDIO_INPUT, Unit.PER_MILLION_TOKENS),
    "audio_output": (Component.AUDIO_OUTPUT, Unit.PER_MILLION_TOKENS),
    "image": (Component.IMAGE_INPUT, Unit.PER_IMAGE),  # or per token: see image_unit
    "request": (Component.REQUEST, Unit.PER_REQUEST),
}
VARIABLE = "-1"
# No image costs less than a hundredth of a cent to read: an `image` price below this is per token.
MIN_USD_PER_IMAGE = Decimal("0.0001")


class Architecture(Schema):
    input_modalities: list[Id(20)] | None = None
    output_modalities: list[Id(20)] | None = None


class TopProvider(Schema):
    max_completion_tokens: TokenCount = None


class AliasTarget(Schema):
    slug: Text(ID_LENGTH) = None


class Item(Schema):
    """One model of the list, as far as we read it; its prices are read by `entry_records`."""

    id: Id()
    name: Text(NAME_LENGTH) = None
    canonical_slug: Text(ID_LENGTH) = None
    context_length: TokenCount = None
    created: int | None = None
    architecture: Architecture | None = None
    top_provider: TopProvider | None = None
    pricing: dict[str, Any] | None = None
    alias_target: AliasTarget | None = None


class VariablePrice(Exception):
    """A price that varies by request ("-1")."""


def _decimal(value: Any) -> Decimal | None:
    try:
        return to_decimal(value)
    except (TypeError, InvalidOperation):
        return None


def image_unit(image: Any, prompt: Any) -> str:
    """The unit `image` is written in, read from the entry's own evidence.

    Older captures price an image per image ("0.001445", "0.003613"); from 2026 OpenRouter writes it per token, and
    for Google's models it equals the prompt price ("0.0000015" beside "prompt": "0.0000015"). A value equal to the
    prompt price, or too small to be the price of a whole image, is per token.
    """
    price, prompt_price = _decimal(image), _decimal(prompt)
    if price is None or not price.is_finite():
        return Unit.PER_IMAGE  # checked_price says what is wrong with it
    if price == prompt_price or price < MIN_USD_PER_IMAGE:
        return Unit.PER_MILLION_TOKENS
    return Unit.PER_IMAGE


def price_records(pricing: dict[str, Any], *, tier: str = "", prompt: Any = None) -> list[PriceRecord]:
    """The prices of one pricing object (the base prices or one override), checked; InvalidPrice names the key
    of the first bad one, VariablePrice the first that varies. `prompt` is the base prompt price, for an override
    that does not repeat it."""
    prompt = pricing.get("prompt", prompt)
    records = []
    for key, (component, unit) in PRICING_KEYS.items():
        value = pricing.get(key)
        if value is None:
            continue
        if str(value).strip() == VARIABLE:
            raise VariablePrice(key)
        if key == "image":
            unit = image_unit(value, prompt)
        scale = ONE_MILLION if unit == Unit.PER_MILLION_TOKENS else Decimal(1)
        try:
            price = checked_price(value, unit=unit, scale=scale)
        except InvalidPrice as error:
            raise InvalidPrice(f"pricing.{key}: {error}") from None
        # OpenRouter writes "0" for components a model does not bill; only input and output are always real.
        if price == 0 and component not in (Component.INPUT, Component.OUTPUT):
            continue
        records.append(PriceRecord(component=component, price=price, unit=unit, tier=tier))
    return records


def entry_records(pricing: dict[str, Any]) -> list[PriceRecord]:
    """The base prices and every long-context override's, as tiers (`min_prompt_tokens` → prompt>N)."""
    records = price_records(pricing)
    overrides = pricing.get("overrides") or []
    if not isinstance(overrides, list):
        raise InvalidPrice("pricing.overrides is not a list")
    for override in overrides:
        if not isinstance(override, dict):
            raise InvalidPrice(f"pricing.overrides: {str(override)[:40]!r} is not an object")
        threshold = checked_threshold(
            override.get("min_prompt_tokens"), "pricing.overrides.min_prompt_tokens"
        )
        try:
            records += price_records(override, tier=context_tier(threshold), prompt=pricing.get("prompt"))
        except InvalidPrice as error:
            raise InvalidPrice(f"overrides (> {threshold} tokens): {error}") from None
    return sorted(records)


def _base_prices(item: dict[str, Any]) -> tuple[Decimal | None, Decimal | None]:
    pricing = item.get("pricing") or {}
    return _decimal(pricing.get("prompt")), _decimal(pricing.get("completion"))


def alias_target(alias: dict[str, Any], items: list[dict[str, Any]]) -> str:
    """The id a `~` alias points at: the one its `alias_target` names, when the capture gives it (from 2026).

    Otherwise the newest (`created`) id of the same lab that has every word of the alias's family
    (`~openai/gpt-mini-latest` → gpt, mini: `openai/gpt-5.4-mini`) and the alias's own prompt and completion
    prices; "" when none does. A guess: newer variants of a family (`gemini-3-pro-image`) can win it.
    """
    stated = alias.get("alias_target")
    if isinstance(stated, dict) and isinstance(stated.get("slug"), str) and stated["slug"].strip():
        return stated["slug"].strip()
    lab, stem = split_lab(alias["id"].removeprefix("~"))
    words = set(tokens(stem.removesuffix("-latest")))
    prices = _base_prices(alias)
    if lab is None or not words or None in prices:
        return ""
    candidates = [
        item
        for item in items
        if not item["id"].startswith("~")
        and not item["id"].endswith(":free")
        and split_lab(item["id"])[0] == lab
        and words <= set(tokens(split_lab(item["id"])[1]))
        and _base_prices(item) == prices
    ]
    newest = max(candidates, key=lambda item: _created(item), default=None)
    return newest["id"] if newest else ""


def _created(item: dict[str, Any]) -> int:
    created = item.get("created")
    return created if isinstance(created, int) and not isinstance(created, bool) else 0


def _entry(item: dict[str, Any], prices: list[PriceRecord], *, variable_price: bool = False) -> FeedEntry:
    source_id = item["id"]
    lab, name = split_lab(source_id)
    # `canonical_slug` names the lab's model and its dated snapshot ("qwen/qwen3.7-flash-20260727"): its lab
    # part is a hint for catalog.identity where the id's own prefix is OpenRouter's spelling.
    canonical_lab, _ = split_lab(str(item.get("canonical_slug") or ""))
    lab = lab or canonical_lab or lab_from_name(name, HOST)
    architecture = item.get("architecture") or {}
    top = item.get("top_provider") or {}
    pricing = item.get("pricing") or {}
    return FeedEntry(
        source_id=source_id,
        host=HOST,
        host_model_id=source_id,
        lab=lab,
        # `…:free` is the paid id's model (catalog.identity makes it a free-tier offering of it).
        model_slug=model_slug(name.split(":")[0]),
        prices=tuple(prices),
        facts=ModelFacts(
            name=str(item.get("name") or source_id),
            context_window=item.get("context_length") or None,
            max_output_tokens=top.get("max_completion_tokens") or None,
            input_modalities=tuple(architecture.get("input_modalities") or ("text",)),
            output_modalities=tuple(architecture.get("output_modalities") or ("text",)),
            source=f"OpenRouter models API: {source_id}",
        ),
        variable_price=variable_price,
        evidence={
            "pricing": {
                key: [{k: str(v) for k, v in o.items()} for o in value if isinstance(o, dict)]
                if key == "overrides" and isinstance(value, list)
                else str(value)
                for key, value in pricing.items()
            }
        },
    )


def parse(data: Any) -> ParsedFeed:
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise FeedError('an OpenRouter models list is a JSON object with a "data" list')
    if isinstance(data, RepeatedKeys):
        raise FeedError(f"an OpenRouter models list gives {', '.join(map(repr, data.repeated))} twice")
    feed = ParsedFeed()
    # Each entry is validated once; an alias needs the readable entries before it can name its target.
    reasons = [problem(Item, item) if isinstance(item, dict) else None for item in data["data"]]
    items = [
        item
        for item, reason in zip(data["data"], reasons, strict=True)
        if isinstance(item, dict) and not reason
    ]
    for item, reason in zip(data["data"], reasons, strict=True):
        feed.seen += 1
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            feed.rejections.append(Rejection(shown_id(item), "an entry without an id"))
            continue
        source_id = item["id"]
        if reason:
            # An entry whose id cannot be stored cannot be named as a listing either.
            listing = None if id_problem(source_id) else (HOST, source_id)
            feed.rejections.append(Rejection(shown_id(source_id), reason, listing=listing))
            continue
        if source_id.startswith("~"):
            feed.aliases[source_id] = alias_target(item, items)
            feed.skipped += 1
            continue
        pricing = item.get("pricing") or {}
        if not isinstance(pricing, dict):
            feed.rejections.append(Rejection(source_id, "pricing is not an object"))
            continue
        try:
            prices = entry_records(pricing)
        except VariablePrice:
            feed.add(_entry(item, [], variable_price=True))
            continue
        except InvalidPrice as error:
            feed.rejections.append(Rejection(source_id, str(error), listing=(HOST, source_id)))
            continue
        if not prices:
            feed.skipped += 1
            continue
        feed.add(_entry(item, prices))
    return feed
