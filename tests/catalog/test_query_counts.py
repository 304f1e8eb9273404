"""Browse and compare take the same number of queries with about fifty models as with the whole real catalogue."""

import copy

import pytest

from catalog.models import Model
from tests.fixtures import empty_caches
from tokenledger.sample_data import load_all

pytestmark = pytest.mark.django_db

# The pages pinned, with the most queries each may take: data versions, a query per filter group, the count and
# the page for browse; for compare, a few queries for the page and six per model (prices at every host, their
# sources, the history, the last probe).
PAGES = {
    "browse, default": ("/models/", 12),
    "browse, filtered": (
        "/models/?lab=openai&input=image&min_context=128000&kind=payg&cap=tools&max_input=3",
        12,
    ),
    "browse, sorted, page 2": ("/models/?sort=input_price&page=2", 12),
    "browse, two ticked": ("/models/?sort=name&models=openai/gpt-4o&models=anthropic/claude-sonnet-4-5", 13),
    "compare, 2 models": ("/compare/?models=openai/gpt-4o,anthropic/claude-sonnet-4-5", 15),
    "compare, 2 models and the picker": (
        "/compare/?models=openai/gpt-4o,anthropic/claude-sonnet-4-5&find=gpt",
        16,
    ),
    "compare, 4 models": (
        "/compare/?models=openai/gpt-4o,anthropic/claude-sonnet-4-5,google/gemini-2.5-pro,openai/gpt-4o-mini",
        27,
    ),
}
# About fifty models: a few of each sample lab's own, with the ones the pages and the shipped profiles name.
NAMED = {
    "gpt-4o",
    "gpt-4o-mini",
    "gpt-4o-audio-preview-2024-12-17",
    "claude-sonnet-4-5",
    "gemini-2.5-pro",
    "deepseek-chat",
    "mistral-large-2512",
}


def small_catalogue(data: dict) -> dict:
    trimmed = {}
    for lab in ("openai", "anthropic", "google", "deepseek", "mistral"):
        provider = copy.deepcopy(data[lab])
        first = sorted(provider["models"])[:9]
        provider["models"] = {k: v for k, v in provider["models"].items() if k in NAMED or k in first}
        trimmed[lab] = provider
    return trimmed


def test_browse_and_compare_take_as_many_queries_with_fifty_models_as_with_the_whole_catalogue(
    real_api_json, reader, django_assert_max_num_queries
):
    load_all(small_catalogue(real_api_json))
    few = Model.objects.count()
    counts = {}
    for name, (url, limit) in PAGES.items():
        empty_caches()
        with django_assert_max_num_queries(limit) as queries:
            assert reader.get(url).status_code == 200, name
        counts[name] = len(queries.captured_queries)

    load_all(copy.deepcopy(real_api_json))
    assert few >= 40 and Model.objects.count() > 25 * few
    for name, (url, _) in PAGES.items():
        empty_caches()
        with django_assert_max_num_queries(counts[name]):
            assert reader.get(url).status_code == 200, name
