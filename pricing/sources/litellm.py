"""LiteLLM's model_prices_and_context_window.json: model id → limits, flags and prices in USD per token.

Suffixes mark variants of a price key: `_above_200k_tokens` (long prompts), `_batches`, `_flex`, `_priority`.
Ids may carry a host prefix (`azure/…`, `gemini/…`, `openrouter/…`) and a regional one (`eu.`, `azure/eu/…`).
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from catalog.identity import lab_spelling
from catalog.importing import ModelFacts, parse_date
from catalog.models import ModelStatus
from catalog.slugs import model_slug, provider_slug
from pricing.feedjson import read_file
from pricing.fetch import MAX_FEED_BYTES
from pricing.matching import lab_from_name, split_lab, split_region
from pricing.models import Component, Mode, Unit
from pricing.records import ONE_MILLION, PriceRecord, context_tier
from pricing.sources.base import (
    SLUG_LENGTH,
    FeedEntry,
    FeedError,
    InvalidPrice,
    ParsedFeed,
    Rejection,
    checked_price,
    checked_threshold,
    evidence_of,
)
from pricing.sources.schema import (
    ID_LENGTH,
    TWICE,
    Flag,
    Schema,
    Text,
    TokenCount,
    id_problem,
    problem,
    repeated_ids,
    shown_id,
)

SLUG = "litellm"

# Base keys → (component, unit, scale to our unit). Per-token prices are scaled to per 1M tokens.
BASE_KEYS = {
    "input_cost_per_token": (Component.INPUT, Unit.PER_MILLION_TOKENS),
    "output_cost_per_token": (Component.OUTPUT, Unit.PER_MILLION_TOKENS),
    "cache_read_input_token_cost": (Component.CACHE_READ, Unit.PER_MILLION_TOKENS),
    "cache_creation_input_token_cost": (Component.CACHE_WRITE, Unit.PER_MILLION_TOKENS),
    "input_cost_per_audio_token": (Component.AUDIO_INPUT, Unit.PER_MILLION_TOKENS),
    "output_cost_per_audio_token": (Component.AUDIO_OUTPUT, Unit.PER_MILLION_TOKENS),
    "output_cost_per_reasoning_token": (Component.REASONING, Unit.PER_MILLION_TOKENS),
    "input_cost_per_image": (Component.IMAGE_INPUT, Unit.PER_IMAGE),
    "input_cost_per_request": (Component.REQUEST, Unit.PER_REQUEST),
}

_VARIANT = re.compile(r"^(?P<base>.+?)(?:_above_(?P<k>\d+)k_tokens)?(?:_(?P<mode>batches|flex|priority))?$")
_MODES = {"batches": Mode.BATCH, "flex": Mode.FLEX, "priority": Mode.PRIORITY}

# LiteLLM's `litellm_provider` → our host slug. Anything else keeps its own name as a host of its own.
HOSTS = {
    "openai": "openai",
    "text-completion-openai": "openai",
    "anthropic": "anthropic",
    "gemini": "google",
    "azure": "azure",
    "azure_ai": "azure",
    "azure_text": "azure",
    "bedrock": "amazon-bedrock",
    "bedrock_converse": "amazon-bedrock",
    "bedrock_mantle": "amazon-bedrock",
    "mistral": "mistral",
    "deepseek": "deepseek",
    "xai": "xai",
    "openrouter": "openrouter",
    "groq": "groq",
    "together_ai": "togetherai",
    "fireworks_ai": "fireworks-ai",
    "deepinfra": "deepinfra",
    "cerebras": "cerebras",
    "perplexity": "perplexity",
    "cohere": "cohere",
    "cohere_chat": "cohere",
    "moonshot": "moonshotai",
    "minimax": "minimax",
    "zai": "zai",
    "dashscope": "alibaba",
    "nebius": "nebius",
    "scaleway": "scaleway",
    "ovhcloud": "ovhcloud",
    "baseten": "baseten",
    "wandb": "wandb",
    "databricks": "databricks",
    "github_copilot": "github-copilot",
    "cloudflare": "cloudflare-workers-ai",
    "snowflake": "snowflake-cortex",
    "vercel_ai_gateway": "vercel",
    "v0": "v0",
    "novita": "novita-ai",
    "meta_llama": "llama",
    "nvidia_nim": "nvidia",
}
# Vertex AI's families (`vertex_ai-language-models`, `vertex_ai-anthropic_models`, …) are all Google's host.
VERTEX_PREFIX = "vertex_ai"
VERTEX_HOST = "google-vertex"
# The host's own models: the lab is the host unless the id says otherwise.
LAB_HOSTS = {
    "openai",
    "anthropic",
    "google",
    "mistral",
    "deepseek",
    "xai",
    "cohere",
    "moonshotai",
    "minimax",
    "zai",
    "alibaba",
    "perplexity",
    "llama",
}
# Id prefixes that only repeat the provider (`azure/gpt-4o`, `gemini/gemini-2.0-flash`, `vertex_ai/claude-…`).
_ID_PREFIXES = set(HOSTS) | {
    VERTEX_PREFIX,
    "bedrock",
    "together_ai",
    "fireworks_ai",
    "text-completion-openai",
}
# Text models are tracked (embedding included: an entry can move between modes); image, speech and video
# endpoints are counted as skipped.
TRACKED_MODES = {"chat", "completion", "responses", "embedding", "rerank", "moderation"}


class Entry(Schema):
    """One model's entry, as far as we read it; its prices are read by `price_records`."""

    litellm_provider: Text(SLUG_LENGTH) = None
    mode: Text(50) = None
    alias_of: Text(ID_LENGTH) = None
    max_input_tokens: TokenCount = None
    max_output_tokens: TokenCount = None
    max_tokens: TokenCount = None
    deprecation_date: Text(40) = None
    supports_vision: Flag = None
    supports_audio_input: Flag = None
    supports_pdf_input: Flag = None
    supports_audio_output: Flag = None
    supports_function_calling: Flag = None
    supports_reasoning: Flag = None
    supports_response_schema: Flag = None


def load(path: Path) -> dict[str, Any]:
    return read_file(path, max_bytes=MAX_FEED_BYTES)


def host_for(provider: str) -> str:
    if provider.startswith(VERTEX_PREFIX):
        return VERTEX_HOST
    return HOSTS.get(provider) or provider_slug(provider.replace("_", "-").lower())


def price_records(entry: dict[str, Any]) -> list[PriceRecord]:
    """Every price of an entry, checked; InvalidPrice names the key of the first bad one."""
    records = []
    for key, value in entry.items():
        match = _VARIANT.match(key)
        if not match or match["base"] not in BASE_KEYS:
            continue
        component, unit = BASE_KEYS[match["base"]]
        threshold = checked_threshold(int(match["k"]) * 1000, key) if match["k"] else None
        scale = ONE_MILLION if unit == Unit.PER_MILLION_TOKENS else Decimal(1)
        try:
            price = checked_price(value, unit=unit, scale=scale)
        except InvalidPrice as error:
            raise InvalidPrice(f"{key}: {error}") from None
        records.append(
            PriceRecord(
                component=component,
                price=price,
                tier=context_tier(threshold) if threshold else "",
                mode=_MODES.get(match["mode"] or "", Mode.STANDARD),
                unit=unit,
            )
        )
    return sorted(records)


def _facts(name: str, raw: dict[str, Any]) -> ModelFacts:
    entry = Entry.model_validate(raw)
    inputs = ["text"] + [
        m
        for m, flag in (
            ("image", "supports_vision"),
            ("audio", "supports_audio_input"),
            ("pdf", "supports_pdf_input"),
        )
        if getattr(entry, flag)
    ]
    outputs = ["text"] + (["audio"] if entry.supports_audio_output else [])
    return ModelFacts(
        name=name,
        status=ModelStatus.DEPRECATED if entry.deprecation_date else ModelStatus.GA,
        context_window=entry.max_input_tokens,
        max_input_tokens=entry.max_input_tokens,
        max_output_tokens=entry.max_output_tokens,
        input_modalities=tuple(inputs),
        output_modalities=tuple(outputs),
        supports_tools=bool(entry.supports_function_calling),
        supports_reasoning=bool(entry.supports_reasoning),
        supports_structured_output=bool(entry.supports_response_schema),
        source=f"LiteLLM price table: {name}",
    )


def locate(source_id: str, provider: str) -> tuple[str, str, str, str, tuple[str, ...]]:
    """(host, host model id, lab, model slug, regions) for a LiteLLM id and its `litellm_provider`."""
    host = host_for(provider)
    head, sep, rest = source_id.partition("/")
    host_model_id = rest if sep and head in _ID_PREFIXES else source_id
    bare, region = split_region(host, host_model_id)
    lab, model_name = split_lab(bare, separators="/." if host == "amazon-bedrock" else "/")
    if lab is None:
        default = host if host in LAB_HOSTS else lab_spelling(host) or host
        lab = lab_from_name(model_name, default)
    return host, host_model_id, lab, model_slug(model_name), (region,) if region else ()


def parse(data: Any) -> ParsedFeed:
    if not isinstance(data, dict):
        raise FeedError("a LiteLLM price table is a JSON object of model id → entry")
    feed = ParsedFeed()
    twice = repeated_ids(data)
    for source_id, entry in data.items():
        if source_id == "sample_spec" or not isinstance(entry, dict):
            continue  # the documentation entry, and scalar metadata such as "last_updated"
        feed.seen += 1
        bad_id = id_problem(source_id)
        if reason := bad_id or (TWICE if source_id in twice else problem(Entry, entry)):
            provider = entry.get("litellm_provider")
            readable = not bad_id and provider and not problem(Entry, {"litellm_provider": provider})
            listing = locate(source_id, provider)[:2] if readable else None
            feed.rejections.append(Rejection(shown_id(source_id), reason, listing=listing))
            continue
        if isinstance(entry.get("alias_of"), str) and "litellm_provider" not in entry:
            feed.aliases[source_id] = entry["alias_of"]  # "bedrock/claude-opus-latest": a name, not a model
            feed.skipped += 1
            continue
        provider = entry.get("litellm_provider")
        if not isinstance(provider, str) or not provider:
            feed.rejections.append(Rejection(source_id, "no litellm_provider"))
            continue
        if entry.get("mode", "chat") not in TRACKED_MODES:
            feed.skipped += 1
            continue
        try:
            prices = price_records(entry)
        except InvalidPrice as error:
            feed.rejections.append(Rejection(source_id, str(error), listing=locate(source_id, provider)[:2]))
            continue
        if not prices:
            feed.skipped += 1
            continue
        host, host_model_id, lab, slug, regions = locate(source_id, provider)
        feed.add(
            FeedEntry(
                source_id=source_id,
                host=host,
                host_model_id=host_model_id,
                lab=lab,
                model_slug=slug,
                prices=tuple(prices),
                facts=_facts(host_model_id, entry),
                regions=regions,
                retires_on=parse_date(
                    entry.get("deprecation_date") if isinstance(entry.get("deprecation_date"), str) else None
                ),
                evidence=evidence_of(entry, BASE_KEYS),
            )
        )
    return feed
