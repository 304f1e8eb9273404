"""pydantic/genai-prices v2 `data.json`: a JSON array of providers, each with `models` and their `prices`.

Prices are USD per 1M tokens (`*_mtok`) or per 1,000 (`*_kcount`), JSON numbers; read the file with
`parse_float=Decimal`. A price is a number or tiered by prompt length (`{"base": 3, "tiers": [{"start": 200000,
"price": 6}]}`). `prices` is one price set, or a list of conditional variants: the first has no constraint and
later ones start on a date (`{"start_date": "2026-09-01"}`) or apply in a daily window (`{"start_time":
"00:30:00Z", "end_time": "16:30:00Z"}`, DeepSeek's standard hours). genai-prices writes no zero prices (its
prices are > 0): a free model is an empty price set `{}`.

Model ids are genai-prices' canonical names, matched to API ids by its `match` rules, so no entry's id is exact.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

from django.utils.text import slugify

from catalog.identity import lab_of_host, lab_spelling
from catalog.importing import ModelFacts
from catalog.models import ModelStatus
from catalog.slugs import model_slug, provider_slug
from pricing.feedjson import read_file
from pricing.fetch import MAX_FEED_BYTES
from pricing.matching import lab_from_name, split_lab, split_region
from pricing.models import Component, Mode, Unit
from pricing.records import PriceRecord, context_tier
from pricing.sources.base import (
    SLUG_LENGTH,
    FeedEntry,
    FeedError,
    InvalidPrice,
    ParsedFeed,
    Rejection,
    checked_price,
    checked_threshold,
)
from pricing.sources.schema import (
    NAME_LENGTH,
    Flag,
    Id,
    Schema,
    Text,
    TokenCount,
    id_problem,
    problem,
    repeated_ids,
    shown_id,
)

SLUG = "genai_prices"

# Price keys we record → (component, unit, scale to our unit). Keys not listed have no component of ours and are
# left out: web/social/storage searches, code executions, citation tokens, the image and video token prices
# (our image_input is per image, not per 1M tokens), cached audio/image reads, per-character and per-hour
# prices. `cache_write_1h_mtok` is left out too: our cache_write is the default (5-minute) write, and the 1-hour
# write is neither a mode of ours nor a tier (tiers are prompt-length thresholds, `prompt>N`).
PRICE_KEYS = {
    "input_mtok": (Component.INPUT, Unit.PER_MILLION_TOKENS, Decimal(1)),
    "output_mtok": (Component.OUTPUT, Unit.PER_MILLION_TOKENS, Decimal(1)),
    "cache_read_mtok": (Component.CACHE_READ, Unit.PER_MILLION_TOKENS, Decimal(1)),
    "cache_write_mtok": (Component.CACHE_WRITE, Unit.PER_MILLION_TOKENS, Decimal(1)),
    "input_audio_mtok": (Component.AUDIO_INPUT, Unit.PER_MILLION_TOKENS, Decimal(1)),
    "output_audio_mtok": (Component.AUDIO_OUTPUT, Unit.PER_MILLION_TOKENS, Decimal(1)),
    "output_reasoning_mtok": (Component.REASONING, Unit.PER_MILLION_TOKENS, Decimal(1)),
    "requests_kcount": (Component.REQUEST, Unit.PER_REQUEST, Decimal("0.001")),  # USD per 1,000 requests
}

# genai-prices' provider id → our host slug. Any other provider keeps its own id, slugified (avian, doubleword,
# modal), as a host of its own.
HOSTS = {
    "anthropic": "anthropic",
    "aws": "amazon-bedrock",
    "azure": "azure",
    "cerebras": "cerebras",
    "cohere": "cohere",
    "deepseek": "deepseek",
    "fireworks": "fireworks-ai",
    "google": "google",  # the Gemini API (its Claude models are Vertex AI's: see VERTEX_HOST)
    "groq": "groq",
    "minimax": "minimax",  # api.minimax.io and .com; the prices are the international platform's, in USD
    "mistral": "mistral",
    "moonshotai": "moonshotai",
    "novita": "novita-ai",
    "openai": "openai",
    "openrouter": "openrouter",
    "ovhcloud": "ovhcloud",
    "perplexity": "perplexity",
    "together": "togetherai",
    "voyageai": "voyage",  # Voyage AI serves its own models: one provider, our lab slug
    "x-ai": "xai",
    # Two hosts of Zhipu's models, as models.dev and providers.yaml have them: z.ai (international, USD) is `zai`,
    # open.bigmodel.cn (China, CNY converted to USD by genai-prices) is `zhipuai`. The lab is zhipuai for both.
    "zai": "zai",
    "zhipuai": "zhipuai",
}
# Hugging Face's router (`huggingface_novita`, `huggingface_groq`, …): one host, as models.dev has it, where each
# inference provider is chosen with a `:provider` suffix on the model id ("Qwen/Qwen3-32B:groq"). The suffix
# keeps the providers' different prices apart.
HUGGINGFACE_PREFIX = "huggingface_"
HUGGINGFACE_HOST = "huggingface"
# genai-prices' `google` covers googleapis.com, Vertex AI included; its Claude models are served only by Vertex AI.
VERTEX_HOST = "google-vertex"
# genai-prices marks Bedrock's in-region price (10% above the global profile's for recent Claude models) with a
# `regional.` prefix that is no Bedrock id: the in-region id is the bare one ("anthropic.claude-…").
BEDROCK_REGIONAL = "regional."
# A daily window longer than this is the standard price, and the rest of the day the off-peak one.
HALF_A_DAY = dt.timedelta(hours=12)


class Model(Schema):
    """One model of a provider, as far as we read it; its `prices` are read by `price_records`."""

    id: Id()
    name: Text(NAME_LENGTH) = None
    context_window: TokenCount = None
    deprecated: Flag = None


def load(path: Path) -> list[Any]:
    return read_file(path, max_bytes=MAX_FEED_BYTES)


def host_for(provider: str, model_id: str = "") -> str:
    if provider.startswith(HUGGINGFACE_PREFIX):
        return HUGGINGFACE_HOST
    if provider == "google" and model_id.startswith("claude-"):
        return VERTEX_HOST
    # slugify leaves nothing of a name in another script ("模型"): provider_slug transliterates it.
    return HOSTS.get(provider) or provider_slug(slugify(provider.replace("_", "-")) or provider)


def locate(provider: str, model_id: str) -> tuple[str, str, str, str, tuple[str, ...]]:
    """(host, host model id, lab, model slug, regions) for a genai-prices provider id and model id."""
    host = host_for(provider, model_id)
    host_model_id = model_id
    if host == HUGGINGFACE_HOST:
        host_model_id = f"{model_id}:{provider.removeprefix(HUGGINGFACE_PREFIX)}"
    elif host == "amazon-bedrock":
        host_model_id = model_id.removeprefix(BEDROCK_REGIONAL)
    bare, region = split_region(host, model_id if host == HUGGINGFACE_HOST else host_model_id)
    lab, name = split_lab(bare, separators="/." if host == "amazon-bedrock" else "/")
    if lab is None:
        lab = lab_from_name(name, lab_of_host(host) or lab_spelling(host) or host)
    return host, host_model_id, lab, model_slug(name.split(":")[0]), (region,) if region else ()


def _date(value: Any, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidPrice(f"{what} {value!r} is not a date (YYYY-MM-DD)") from None


def _time(value: Any, what: str) -> dt.timedelta:
    """A time of day as the time since midnight UTC."""
    try:
        time = dt.time.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidPrice(f"{what} {value!r} is not a time of day") from None
    since_midnight = dt.timedelta(hours=time.hour, minutes=time.minute, seconds=time.second)
    return (since_midnight - (time.utcoffset() or dt.timedelta())) % dt.timedelta(days=1)


def variants(prices: Any) -> list[tuple[dict[str, Any], str, dt.date | None, dt.date | None]]:
    """(price set, mode, starts, ends) for each variant of a model's `prices`; InvalidPrice says what is unreadable."""
    if isinstance(prices, dict):
        return [(prices, Mode.STANDARD, None, None)]
    if not isinstance(prices, list) or not prices:
        raise InvalidPrice("prices is neither a price set nor a list of variants")
    for i, variant in enumerate(prices):
        if not isinstance(variant, dict) or not isinstance(variant.get("prices"), dict):
            raise InvalidPrice(f"prices[{i}] is not a variant with a 'prices' object")
        if not isinstance(variant.get("constraint") or {}, dict) or set(variant) - {"prices", "constraint"}:
            raise InvalidPrice(f"prices[{i}] has keys other than 'prices' and a 'constraint' object")
    constraints = [variant.get("constraint") or {} for variant in prices]
    if any("start_time" in c or "end_time" in c for c in constraints):
        return _daily_variants(prices, constraints)
    return _dated_variants(prices, constraints)


def _dated_variants(prices: list[dict], constraints: list[dict]) -> list:
    """The first variant holds until the first start date (or from its own), each later one from its start date
    until the next one's."""
    starts: list[dt.date | None] = []
    for i, constraint in enumerate(constraints):
        if set(constraint) - {"start_date"}:
            raise InvalidPrice(f"prices[{i}].constraint has unknown keys: {', '.join(sorted(constraint))}")
        if "start_date" not in constraint and i > 0:
            raise InvalidPrice(f"prices[{i}] has no constraint, and only the first variant may go without")
        starts.append(_date(constraint["start_date"], f"prices[{i}].start_date") if constraint else None)
    dated = [d for d in starts if d is not None]
    if any(b <= a for a, b in pairwise(dated)):
        raise InvalidPrice(f"start dates are not in increasing order: {', '.join(map(str, dated))}")
    ends = [*starts[1:], None]
    return [
        (variant["prices"], Mode.STANDARD, start, end)
        for variant, start, end in zip(prices, starts, ends, strict=True)
    ]


def _daily_variants(prices: list[dict], constraints: list[dict]) -> list:
    """DeepSeek's shape: an unconstrained variant and one for a daily window. The one that covers most of the day
    is the standard price; the other is the off-peak price."""
    if len(prices) != 2 or constraints[0] or set(constraints[1]) != {"start_time", "end_time"}:
        raise InvalidPrice(
            "a daily window is read only as the second of two variants, the first one unconstrained"
        )
    start = _time(constraints[1]["start_time"], "prices[1].start_time")
    end = _time(constraints[1]["end_time"], "prices[1].end_time")
    window = (end - start) % dt.timedelta(days=1)
    if window == HALF_A_DAY or not window:
        raise InvalidPrice(
            f"a daily window of {window} leaves no way to tell the standard price from off-peak"
        )
    window_mode, rest_mode = (
        (Mode.STANDARD, Mode.OFF_PEAK) if window > HALF_A_DAY else (Mode.OFF_PEAK, Mode.STANDARD)
    )
    return [(prices[0]["prices"], rest_mode, None, None), (prices[1]["prices"], window_mode, None, None)]


def _checked(value: Any, key: str, unit: str, scale: Decimal) -> Decimal:
    try:
        return checked_price(value, unit=unit, scale=scale)
    except InvalidPrice as error:
        raise InvalidPrice(f"{key}: {error}") from None


def _tiers(value: dict[str, Any], key: str) -> list[tuple[str, Any]]:
    """(tier, price) for a tiered price: the base price, then one per tier named by its prompt threshold."""
    tiers = value.get("tiers")
    if set(value) != {"base", "tiers"} or not isinstance(tiers, list):
        raise InvalidPrice(f"{key}: a tiered price is {{'base': …, 'tiers': [{{'start': …, 'price': …}}]}}")
    read = [("", value["base"])]
    for i, tier in enumerate(tiers):
        start = tier.get("start") if isinstance(tier, dict) else None
        if not isinstance(tier, dict) or set(tier) != {"start", "price"}:
            raise InvalidPrice(f"{key}.tiers[{i}] is not {{'start': …, 'price': …}}")
        read.append((context_tier(checked_threshold(start, f"{key}.tiers[{i}].start")), tier["price"]))
    if len({tier for tier, _ in read}) != len(read):
        raise InvalidPrice(f"{key}: two tiers start at the same prompt length")
    return read


def price_set_records(
    prices: dict[str, Any],
    *,
    mode: str = Mode.STANDARD,
    starts: dt.date | None = None,
    ends: dt.date | None = None,
) -> list[PriceRecord]:
    """The records of one price set; an empty set is genai-prices' free model, $0 input and output."""
    if not prices:
        return [
            PriceRecord(component=c, price=Decimal(0), mode=mode, starts=starts, ends=ends)
            for c in (Component.INPUT, Component.OUTPUT)
        ]
    records = []
    for key, value in prices.items():
        if key not in PRICE_KEYS:
            continue
        component, unit, scale = PRICE_KEYS[key]
        tiers = _tiers(value, key) if isinstance(value, dict) else [("", value)]
        records += [
            PriceRecord(
                component=component,
                price=_checked(price, key if not tier else f"{key} ({tier})", unit, scale),
                tier=tier,
                mode=mode,
                unit=unit,
                starts=starts,
                ends=ends,
            )
            for tier, price in tiers
        ]
    return records


def price_records(prices: Any) -> list[PriceRecord]:
    """Every price of a model's `prices`, checked; InvalidPrice names the key of the first bad one."""
    records = []
    for price_set, mode, starts, ends in variants(prices):
        records += price_set_records(price_set, mode=mode, starts=starts, ends=ends)
    return sorted(records)


def evidence(prices: Any) -> dict[str, Any]:
    """The model's `prices` as written, with numbers as text."""
    return {"prices": json.loads(json.dumps(prices, default=str))}


def _facts(provider: str, raw: dict[str, Any]) -> ModelFacts:
    model = Model.model_validate(raw)
    return ModelFacts(
        name=model.name or model.id,
        status=ModelStatus.DEPRECATED if model.deprecated else ModelStatus.GA,
        context_window=model.context_window,
        source=f"genai-prices: {provider}/{model.id}",
    )


def parse(data: Any) -> ParsedFeed:
    if not isinstance(data, list) or not all(
        isinstance(p, dict) and isinstance(p.get("id"), str) and p["id"] and isinstance(p.get("models"), list)
        for p in data
    ):
        raise FeedError(
            "a genai-prices data.json is a JSON array of providers, each with an 'id' and 'models' list"
        )
    feed = ParsedFeed()
    for provider in data:
        if reason := id_problem(provider["id"], SLUG_LENGTH) or next(
            (f"{key}: given twice" for key in repeated_ids(provider)), None
        ):
            feed.seen += len(provider["models"])
            feed.rejections.append(Rejection(shown_id(provider["id"]), f"provider {reason}"))
            continue
        for model in provider["models"]:
            feed.seen += 1
            if not isinstance(model, dict) or not isinstance(model.get("id"), str) or not model["id"]:
                feed.rejections.append(
                    Rejection(f"{provider['id']}/{shown_id(model)}", "a model without an id")
                )
                continue
            source_id = f"{provider['id']}/{model['id']}"
            if reason := problem(Model, model):
                listing = None if reason.startswith("id:") else locate(provider["id"], model["id"])[:2]
                feed.rejections.append(Rejection(shown_id(source_id), reason, listing=listing))
                continue
            if "prices" not in model:
                feed.rejections.append(Rejection(source_id, "no prices"))
                continue
            try:
                prices = price_records(model["prices"])
            except InvalidPrice as error:
                feed.rejections.append(
                    Rejection(source_id, str(error), listing=locate(provider["id"], model["id"])[:2])
                )
                continue
            if not prices:
                feed.skipped += 1
                continue
            host, host_model_id, lab, slug, regions = locate(provider["id"], model["id"])
            feed.add(
                FeedEntry(
                    source_id=source_id,
                    host=host,
                    host_model_id=host_model_id,
                    lab=lab,
                    model_slug=slug,
                    prices=tuple(prices),
                    facts=_facts(provider["id"], model),
                    regions=regions,
                    id_is_exact=False,
                    evidence=evidence(model["prices"]),
                )
            )
    return feed
