"""Model identity, rule by rule: which lab model a host's id is, and the pairs that must never merge."""

import datetime as dt

import pytest

from catalog.identity import LabIndex, Listing, Resolver, name_core, parse_id, tokens

# Lab models as the labs list them (ids, names and release dates from the real models.dev catalogue).
LAB_MODELS = [
    ("openai/gpt-5-nano", "GPT-5 Nano", None),
    ("openai/gpt-5-mini", "GPT-5 Mini", None),
    ("openai/gpt-4o", "GPT-4o", dt.date(2024, 5, 13)),
    ("openai/gpt-4o-2024-05-13", "GPT-4o (2024-05-13)", dt.date(2024, 5, 13)),
    ("openai/gpt-4.1", "GPT-4.1", dt.date(2025, 4, 14)),
    ("anthropic/claude-sonnet-4-5", "Claude Sonnet 4.5 (latest)", dt.date(2025, 9, 29)),
    ("anthropic/claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", dt.date(2025, 9, 29)),
    ("anthropic/claude-sonnet-4-20250514", "Claude Sonnet 4", dt.date(2025, 5, 14)),
    ("google/gemini-2.5-flash", "Gemini 2.5 Flash", None),
    ("google/gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite", None),
    ("google/gemma-3-27b-it", "Gemma 3 27B", None),
    ("deepseek/deepseek-chat", "DeepSeek Chat", None),
    ("deepseek/deepseek-reasoner", "DeepSeek Reasoner", None),
    ("meta/llama-3.1-8b-instruct", "Llama 3.1 8B Instruct", None),
    ("meta/llama-3.1-70b-instruct", "Llama 3.1 70B Instruct", None),
    ("zhipuai/glm-4.6", "GLM-4.6", None),
    ("alibaba/qwen3-coder-480b-a35b-instruct", "Qwen3 Coder 480B A35B Instruct", None),
    ("alibaba/qwen3-max", "Qwen3 Max", None),
    ("moonshotai/kimi-k2", "Kimi K2", None),
]
LABS = {"openai", "anthropic", "google", "deepseek", "meta", "zhipuai", "alibaba", "moonshotai", "xai"}
HOSTS = {"azure", "openrouter", "amazon-bedrock", "google-vertex", "novita-ai", "poe", "togetherai", "venice"}


def make_resolver(models=LAB_MODELS, decisions=None) -> Resolver:
    index = LabIndex()
    for key, name, released in models:
        lab, slug = key.split("/")
        index.add(lab, slug, name, released)
    index.fold_snapshots()
    return Resolver(index, decisions or {}, labs=LABS, hosts=HOSTS)


def resolve(host: str, host_model_id: str, name: str = "", **hints):
    return make_resolver().resolve(Listing(host, host_model_id, name=name, **hints))


@pytest.mark.parametrize(
    ("host", "host_model_id", "name", "expected", "rule"),
    [
        # The lab's own listing of its own model.
        ("openai", "gpt-5-nano", "GPT-5 Nano", "openai/gpt-5-nano", "own"),
        # Normalisation: a lab named in the id, case and separators.
        ("azure", "gpt-5-nano", "", "openai/gpt-5-nano", "normalised"),
        ("openrouter", "openai/gpt-5-nano", "", "openai/gpt-5-nano", "normalised"),
        ("poe", "OpenAI/GPT_5_Nano", "", "openai/gpt-5-nano", "normalised"),
        ("openrouter", "z-ai/glm-4.6", "", "zhipuai/glm-4.6", "normalised"),
        ("venice", "openai-gpt-5-nano", "", "openai/gpt-5-nano", "normalised"),
        # Regional and plan sites of a lab are the lab.
        ("zai", "glm-4.6", "", "zhipuai/glm-4.6", "own"),
        ("alibaba-cn", "qwen3-max", "", "alibaba/qwen3-max", "own"),
        ("moonshotai-cn", "kimi-k2", "", "moonshotai/kimi-k2", "own"),
        # Source-specific id shapes.
        (
            "google-vertex",
            "publishers/google/models/gemini-2.5-flash",
            "",
            "google/gemini-2.5-flash",
            "normalised",
        ),
        (
            "cloudflare-workers-ai",
            "@cf/meta/llama-3.1-8b-instruct",
            "",
            "meta/llama-3.1-8b-instruct",
            "normalised",
        ),
        (
            "ollama-cloud",
            "qwen3-coder:480b-a35b-instruct",
            "",
            "alibaba/qwen3-coder-480b-a35b-instruct",
            "normalised",
        ),
        # Host decorations.
        ("openrouter", "openai/gpt-5-nano:free", "", "openai/gpt-5-nano", "decoration"),
        (
            "amazon-bedrock",
            "meta.llama3-1-70b-instruct-v1:0",
            "",
            "meta/llama-3.1-70b-instruct",
            "decoration",
        ),
        ("novita-ai", "meta-llama/llama-3.1-8b-instruct-fp8", "", "meta/llama-3.1-8b-instruct", "decoration"),
        (
            "togetherai",
            "meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo",
            "",
            "meta/llama-3.1-8b-instruct",
            "decoration",
        ),
        ("google-vertex", "zai-org/glm-4.6-maas", "", "zhipuai/glm-4.6", "decoration"),
        ("poe", "gemini-2.5-flash-latest", "", "google/gemini-2.5-flash", "decoration"),
        # A lab's snapshot that the lab names as the model, and a snapshot released the day the model was.
        (
            "anthropic",
            "claude-sonnet-4-5-20250929",
            "Claude Sonnet 4.5",
            "anthropic/claude-sonnet-4-5",
            "snapshot",
        ),
        (
            "amazon-bedrock",
            "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
            "",
            "anthropic/claude-sonnet-4-5",
            "snapshot",
        ),
        # Names as hosts write them.
        (
            "gitlab",
            "duo-chat-sonnet-4",
            "Agentic Chat (Claude Sonnet 4)",
            "anthropic/claude-sonnet-4-20250514",
            "name",
        ),
    ],
)
def test_each_rule_resolves_a_listing_to_its_labs_model(host, host_model_id, name, expected, rule):
    resolution = resolve(host, host_model_id, name)

    assert (resolution.key, resolution.rule) == (expected, rule)
    assert not resolution.doubtful


def test_a_sources_hint_is_followed_when_the_id_says_nothing_more():
    resolution = resolve("databricks", "databricks-gpt-5-nano", lab_hint="openai", model_hint="gpt-5-nano")

    assert (resolution.key, resolution.rule) == ("openai/gpt-5-nano", "source-hint")


def test_a_sources_hint_that_names_less_than_the_id_goes_to_an_editor():
    # models.dev says Cloudflare's R1 distill of Qwen 32B is deepseek-r1 itself: a real slip of the source.
    resolution = resolve(
        "cloudflare-workers-ai",
        "@cf/deepseek-ai/deepseek-r1-distill-qwen-32b",
        lab_hint="deepseek",
        model_hint="deepseek-r1",
    )

    assert resolution.doubtful and resolution.candidates == ("deepseek/deepseek-r1",)
    assert resolution.key == "deepseek/deepseek-r1-distill-qwen-32b"
    assert "distill" in resolution.evidence and "32b" in resolution.evidence


def test_an_editors_decision_comes_before_every_rule():
    decisions = {("azure", "gpt-5-nano"): ("openai", "gpt-5-mini"), ("azure", "gpt-4.1-2025-04-14"): None}
    resolver = make_resolver(decisions=decisions)

    assert resolver.resolve(Listing("azure", "gpt-5-nano")).key == "openai/gpt-5-mini"
    kept = resolver.resolve(Listing("azure", "gpt-4.1-2025-04-14"))
    assert (kept.key, kept.rule) == ("openai/gpt-4.1-2025-04-14", "alias-separate")


def test_a_free_variant_is_the_model_and_says_it_is_free():
    assert resolve("openrouter", "openai/gpt-5-nano:free").free
    assert not resolve("openrouter", "openai/gpt-5-nano").free


# Pairs that are different models: whichever of the two a lab lists, the other never merges into it.
NEVER_MERGE = [
    ("openai/gpt-5-mini", "openai/gpt-5-nano"),
    ("google/gemini-2.5-flash", "google/gemini-2.5-flash-lite"),
    ("deepseek/deepseek-chat", "deepseek/deepseek-reasoner"),
    ("meta/llama-3.1-8b-instruct", "meta/llama-3.1-70b-instruct"),
    ("openai/gpt-4o", "openai/gpt-4o-2024-05-13"),
    ("anthropic/claude-sonnet-4-20250514", "anthropic/claude-sonnet-4-5"),
]


@pytest.mark.parametrize(("one", "other"), NEVER_MERGE + [(b, a) for a, b in NEVER_MERGE])
def test_different_models_never_merge(one, other):
    only_one = make_resolver([m for m in LAB_MODELS if m[0] != other])
    lab, slug = other.split("/")

    for host, host_model_id in (("azure", slug), ("openrouter", f"{lab}/{slug}")):
        resolution = only_one.resolve(Listing(host, host_model_id))
        assert resolution.key != one, f"{host}/{host_model_id} merged into {one}"
    # And with both listed, each resolves to itself.
    assert make_resolver().resolve(Listing("azure", slug)).key == other


def test_a_snapshot_the_lab_does_not_list_goes_to_an_editor():
    # gpt-4.1-2025-04-14 is gpt-4.1, but gpt-4o-2024-05-13 is not what gpt-4o names now: only an editor knows.
    resolution = resolve("azure", "gpt-4.1-2025-04-14")

    assert resolution.doubtful and resolution.candidates == ("openai/gpt-4.1",)
    assert "released that day" in resolution.evidence


def test_a_close_match_goes_to_an_editor_with_its_candidates():
    resolution = resolve("ollama-cloud", "gemma3:27b")

    assert resolution.doubtful
    assert resolution.candidates == ("google/gemma-3-27b-it",)
    assert resolution.key == "google/gemma3:27b"  # filed apart until an editor decides


def test_an_organisations_namespace_is_its_lab_and_a_host_without_lab_evidence_keeps_its_own():
    drummer = resolve("nano-gpt", "TheDrummer/Rocinante-12B-v1.1")
    assert (drummer.key, drummer.rule) == ("thedrummer/rocinante-12b-v1.1", "new")

    venice = resolve("venice", "venice-uncensored")
    assert (venice.key, venice.rule) == ("venice/venice-uncensored", "unknown-lab")


def test_another_hosts_name_before_an_id_is_routing_not_the_lab():
    assert resolve("poe", "novita-ai/glm-4.6").key == "zhipuai/glm-4.6"


@pytest.mark.parametrize(
    ("name", "core"),
    [
        ("OpenAI GPT-5 Nano", "GPT-5 Nano"),
        ("Zai GLM-4.6", "GLM-4.6"),
        ("OpenAI: GPT-5.1 Chat", "GPT-5.1 Chat"),
        ("Agentic Chat (Claude Opus 4.7)", "Claude Opus 4.7"),
        ("Mistral Large 3", "Mistral Large 3"),  # the lab's word is part of the model's name here
    ],
)
def test_names_lose_the_lab_their_host_puts_before_them(name, core):
    assert name_core(name) == core


def test_ids_compare_without_case_or_separators():
    assert tokens("gpt4o") == tokens("GPT-4o") == tokens("gpt_4o") == tokens("gpt 4o")
    assert tokens("gpt-4.1") != tokens("gpt-41")
    parsed = parse_id("amazon-bedrock", "us.anthropic.claude-opus-4-7-v1:0")
    assert (parsed.lab, parsed.core) == ("anthropic", "claude-opus-4-7")


@pytest.mark.parametrize(
    "text", ["( )", "()", ":", "~", "/", "@cf/", "a/b/c/d/e", "模型-测试", "🔥🔥", "x" * 300]
)
def test_odd_ids_and_names_resolve_without_an_error(text):
    resolution = resolve("venice", text, name=text)

    assert resolution.lab and resolution.rule and resolution.slug and "/" not in resolution.slug
    assert len(resolution.slug) <= 200
