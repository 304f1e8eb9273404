"""LiteLLM's model_prices_and_context_window.json: model id → prices in USD per token.

Suffixes mark variants of a key: `_above_200k_tokens` (long prompts), `_batches`, `_flex`, `_priority`.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from pricing.models import Component, Mode, Unit
from pricing.records import ONE_MILLION, PriceRecord, context_tier, normalised, to_decimal

SLUG = "litellm"

# Base keys → (component, unit). Per-token prices are scaled to per 1M tokens.
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


def load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        return json.load(f, parse_float=Decimal)


def price_records(entry: dict[str, Any]) -> list[PriceRecord]:
    records = []
    for key, value in entry.items():
        match = _VARIANT.match(key)
        if not match or match["base"] not in BASE_KEYS or value is None:
            continue
        component, unit = BASE_KEYS[match["base"]]
        price = to_decimal(value)
        if unit == Unit.PER_MILLION_TOKENS:
            price *= ONE_MILLION
        records.append(
            PriceRecord(
                component=component,
                price=normalised(price),
                tier=context_tier(int(match["k"]) * 1000) if match["k"] else "",
                mode=_MODES.get(match["mode"] or "", Mode.STANDARD),
                unit=unit,
            )
        )
    return sorted(records)
