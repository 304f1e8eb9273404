"""How a feed's provider names and model ids map onto our catalog's hosts, labs and models.

Every rule is explicit here and tested (tests/pricing/test_matching.py): provider names, host prefixes in ids,
regional prefixes, labs named inside ids, and dated or versioned aliases of a lab's model id.
"""

from __future__ import annotations

import re

# A lab's name as hosts write it in their ids (OpenRouter's `meta-llama/…`, Bedrock's `meta.…`) → our slug.
LAB_ALIASES = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google": "google",
    "gemini": "google",
    "mistral": "mistral",
    "mistralai": "mistral",
    "deepseek": "deepseek",
    "deepseek-ai": "deepseek",
    "xai": "xai",
    "x-ai": "xai",
    "meta": "meta",
    "meta-llama": "meta",
    "cohere": "cohere",
    "qwen": "alibaba",
    "alibaba": "alibaba",
    "moonshotai": "moonshotai",
    "moonshot": "moonshotai",
    "z-ai": "zhipuai",
    "zai": "zhipuai",
    "zhipuai": "zhipuai",
    "minimax": "minimax",
    "nvidia": "nvidia",
    "perplexity": "perplexity",
    "amazon": "amazon",
    "ai21": "ai21",
    "writer": "writer",
}

# When an id names no lab, its model name often does.
_NAME_PREFIXES = [
    (
        re.compile(
            r"^(gpt|o[1-9]|chatgpt|codex|text-embedding|dall-e|whisper|tts|omni-moderation|computer-use)"
        ),
        "openai",
    ),
    (re.compile(r"^claude"), "anthropic"),
    (re.compile(r"^(gemini|gemma|imagen|veo|learnlm)"), "google"),
    (
        re.compile(
            r"^(mistral|codestral|pixtral|ministral|magistral|devstral|open-mistral|open-mixtral|voxtral)"
        ),
        "mistral",
    ),
    (re.compile(r"^deepseek"), "deepseek"),
    (re.compile(r"^grok"), "xai"),
    (re.compile(r"^(llama|meta-llama)"), "meta"),
    (re.compile(r"^(command|embed-|rerank-)"), "cohere"),
    (re.compile(r"^(qwen|qwq)"), "alibaba"),
    (re.compile(r"^kimi"), "moonshotai"),
    (re.compile(r"^glm"), "zhipuai"),
    (re.compile(r"^(nova|titan)"), "amazon"),
    (re.compile(r"^(jamba|j2-)"), "ai21"),
    (re.compile(r"^sonar"), "perplexity"),
]

# Bedrock's cross-region inference profiles and Azure's data zones, as id prefixes.
_BEDROCK_REGION = re.compile(r"^(?P<region>us|eu|apac|jp|au|ca|us-gov|global)\.")
_AZURE_REGION = re.compile(r"^(?P<region>us|eu|global)/")
REGION_NAMES = {
    "us": "US",
    "eu": "EU",
    "apac": "APAC",
    "jp": "JP",
    "au": "AU",
    "ca": "CA",
    "us-gov": "US",
    "global": "Global",
}


def lab_from_name(model_name: str, default: str) -> str:
    name = model_name.lower()
    for pattern, lab in _NAME_PREFIXES:
        if pattern.match(name):
            return lab
    return default


def split_region(host: str, model_id: str) -> tuple[str, str | None]:
    """("eu.anthropic.claude-…", "EU") from a Bedrock id, ("gpt-4o", "EU") from Azure's "eu/gpt-4o"."""
    pattern = _BEDROCK_REGION if host == "amazon-bedrock" else _AZURE_REGION if host == "azure" else None
    match = pattern.match(model_id) if pattern else None
    if not match:
        return model_id, None
    return model_id[match.end() :], REGION_NAMES[match["region"]]


def split_lab(model_id: str, separators: str = "/.") -> tuple[str | None, str]:
    """("anthropic", "claude-3-haiku") from "anthropic/claude-3-haiku" or Bedrock's "anthropic.claude-3-haiku…"."""
    for separator in separators:
        head, sep, rest = model_id.partition(separator)
        if sep and head.lower() in LAB_ALIASES and rest:
            return LAB_ALIASES[head.lower()], rest
    return None, model_id


_BEDROCK_VERSION = re.compile(r"-v\d+(:\d+)?$")
_VERTEX_DATE = re.compile(r"@(\d{8})$")
_OPENROUTER_DOTTED_VERSION = re.compile(r"(?<=\d)\.(?=\d)")


def model_aliases(model_name: str) -> list[str]:
    """Other spellings of a lab's model id that hosts use, in the order to try them.

    Bedrock appends a version (`claude-3-5-sonnet-20241022-v2:0`), Vertex dates with `@` (`claude-3-5-sonnet@20240620`),
    OpenRouter writes versions with dots (`claude-3.5-sonnet`) where the lab writes dashes.
    """
    aliases = []
    name = model_name.lower()
    for candidate in (
        _BEDROCK_VERSION.sub("", name),
        _VERTEX_DATE.sub(r"-\1", name),
        _OPENROUTER_DOTTED_VERSION.sub("-", name),
    ):
        if candidate != name and candidate not in aliases:
            aliases.append(candidate)
    return aliases
