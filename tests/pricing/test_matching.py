"""How feed ids map onto our hosts, labs and models: every rule, explicitly."""

import pytest

from pricing.matching import lab_from_name, split_lab, split_region
from pricing.sources.litellm import locate


@pytest.mark.parametrize(
    ("source_id", "provider", "expected"),
    [
        ("gpt-4o", "openai", ("openai", "gpt-4o", "openai", "gpt-4o", ())),
        ("azure/gpt-4o", "azure", ("azure", "gpt-4o", "openai", "gpt-4o", ())),
        (
            "azure/eu/gpt-4o-2024-08-06",
            "azure",
            ("azure", "eu/gpt-4o-2024-08-06", "openai", "gpt-4o-2024-08-06", ("EU",)),
        ),
        ("gemini/gemini-2.5-pro", "gemini", ("google", "gemini-2.5-pro", "google", "gemini-2.5-pro", ())),
        (
            "gemini-2.5-pro",
            "vertex_ai-language-models",
            ("google-vertex", "gemini-2.5-pro", "google", "gemini-2.5-pro", ()),
        ),
        (
            "vertex_ai/claude-3-5-sonnet@20240620",
            "vertex_ai-anthropic_models",
            ("google-vertex", "claude-3-5-sonnet@20240620", "anthropic", "claude-3-5-sonnet-20240620", ()),
        ),
        (
            "anthropic.claude-3-5-sonnet-20241022-v2:0",
            "bedrock",
            (
                "amazon-bedrock",
                "anthropic.claude-3-5-sonnet-20241022-v2:0",
                "anthropic",
                "claude-3-5-sonnet-20241022-v2:0",
                (),
            ),
        ),
        (
            "eu.anthropic.claude-opus-4-7",
            "bedrock_converse",
            ("amazon-bedrock", "eu.anthropic.claude-opus-4-7", "anthropic", "claude-opus-4-7", ("EU",)),
        ),
        (
            "openrouter/anthropic/claude-3.5-sonnet",
            "openrouter",
            ("openrouter", "anthropic/claude-3.5-sonnet", "anthropic", "claude-3.5-sonnet", ()),
        ),
        (
            "groq/meta-llama/llama-4-scout-17b-16e-instruct",
            "groq",
            (
                "groq",
                "meta-llama/llama-4-scout-17b-16e-instruct",
                "meta",
                "llama-4-scout-17b-16e-instruct",
                (),
            ),
        ),
        (
            "deepseek/deepseek-chat",
            "deepseek",
            ("deepseek", "deepseek-chat", "deepseek", "deepseek-chat", ()),
        ),
        (
            "mistral/mistral-large-latest",
            "mistral",
            ("mistral", "mistral-large-latest", "mistral", "mistral-large-latest", ()),
        ),
        ("xai/grok-4", "xai", ("xai", "grok-4", "xai", "grok-4", ())),
        (
            "together_ai/Qwen/Qwen3-235B",
            "together_ai",
            ("togetherai", "Qwen/Qwen3-235B", "alibaba", "qwen3-235b", ()),
        ),
        (
            "some-model",
            "brand_new_host",
            ("brand-new-host", "some-model", "brand-new-host", "some-model", ()),
        ),
    ],
)
def test_a_litellm_id_maps_to_a_host_a_lab_and_a_model(source_id, provider, expected):
    assert locate(source_id, provider) == expected


def test_regional_prefixes_are_read_only_where_the_host_uses_them():
    assert split_region("amazon-bedrock", "apac.amazon.nova-lite-v1:0") == ("amazon.nova-lite-v1:0", "APAC")
    assert split_region("azure", "global/gpt-5.1") == ("gpt-5.1", "Global")
    assert split_region("openai", "eu.something") == ("eu.something", None)


def test_a_lab_named_in_an_id_is_recognised_by_its_hosts_spellings():
    assert split_lab("meta-llama/llama-3.3-70b") == ("meta", "llama-3.3-70b")
    assert split_lab("x-ai/grok-4") == ("xai", "grok-4")
    assert split_lab("unknown-lab/model") == (None, "unknown-lab/model")
    assert lab_from_name("claude-opus-4", default="azure") == "anthropic"
    assert lab_from_name("o3-mini", default="azure") == "openai"
    assert lab_from_name("jais-30b", default="azure") == "azure"
