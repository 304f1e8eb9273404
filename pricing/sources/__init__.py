"""Price sources: one small adapter module per feed format, each turning its feed into PriceRecords."""

from __future__ import annotations

from pricing.models import PriceSource

# What a reader is shown about each source: where the feed comes from and under which licence.
KNOWN_SOURCES = {
    "models_dev": {
        "name": "models.dev",
        "url": "https://models.dev/api.json",
        "homepage": "https://models.dev",
        "licence": "MIT (github.com/sst/models.dev)",
        "priority": 10,
    },
    "litellm": {
        "name": "LiteLLM price table",
        "url": "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json",
        "homepage": "https://github.com/BerriAI/litellm",
        "licence": "MIT (github.com/BerriAI/litellm)",
        "priority": 20,
    },
    "openrouter": {
        "name": "OpenRouter models API",
        "url": "https://openrouter.ai/api/v1/models",
        "homepage": "https://openrouter.ai/models",
        "licence": "",
        "priority": 30,
    },
    "genai_prices": {
        "name": "genai-prices",
        "url": "https://raw.githubusercontent.com/pydantic/genai-prices/main/prices/new_data/v2/data.json",
        "homepage": "https://github.com/pydantic/genai-prices",
        "licence": "MIT (github.com/pydantic/genai-prices)",
        "priority": 25,
    },
    "llm_prices": {
        "name": "llm-prices",
        "url": "https://www.llm-prices.com/historical-v1.json",
        "homepage": "https://www.llm-prices.com",
        "licence": "no licence file: values used as facts",
        "priority": 15,
    },
}


def price_source(slug: str) -> PriceSource:
    """The PriceSource row for a known source, created on first use."""
    source, _ = PriceSource.objects.get_or_create(slug=slug, defaults=KNOWN_SOURCES[slug])
    return source
