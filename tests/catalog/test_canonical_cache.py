"""The page cache cannot be grown by spelling one page many ways: a page is kept under the parameters it reads,
each spelled one way; a page with a value in error, or larger than the bound, is served but not kept; the
local-memory cache is bounded. (With REDIS_URL set, as in CI's second pass, the cache is Redis.)"""

import pytest
from django.core.cache import cache

from catalog import freshness
from tests.fixtures import empty_caches, text_of

pytestmark = pytest.mark.django_db


def cached_pages() -> int:
    """How many pages the page cache holds now (local memory, or Redis with REDIS_URL)."""
    if isinstance(getattr(cache, "_cache", None), dict):  # LocMemCache
        return sum(1 for key in cache._cache if ":page:" in key)
    return len(cache._cache.get_client().keys(cache.make_key("page:*")))


def test_unknown_parameters_share_the_pages_one_entry(sample_data, reader):
    urls = [
        "/models/?lab=openai",
        "/models/?lab=openai&junk=x",
        "/models/?junk=y&lab=openai",
        "/models/?utm_source=newsletter&lab=openai&fbclid=abc",
    ]
    pages = [reader.get(url) for url in urls]

    assert cached_pages() == 1
    assert len({page["ETag"] for page in pages}) == 1
    assert all(page.content == pages[0].content for page in pages)


def test_a_thousand_junk_parameters_do_not_grow_the_cache(sample_data, reader):
    for n in range(1000):
        reader.get(f"/search/suggestions/?q=gpt&junk{n}={n}")

    assert cached_pages() == 1


def test_values_spelled_differently_share_one_entry(sample_data, reader):
    spellings = [
        "/models/?max_input=0.5&lab=openai&lab=anthropic",
        "/models/?max_input=0.50&lab=anthropic&lab=openai",
        "/models/?max_input=5E-1&lab=openai&lab=anthropic&lab=openai",
        "/models/?lab=anthropic&max_input=.5000&lab=openai",
    ]
    pages = [reader.get(url) for url in spellings]

    assert {page.status_code for page in pages} == {200}
    assert cached_pages() == 1
    assert "Left out of this address" not in text_of(pages[0])


def test_links_on_a_cached_page_carry_no_junk_parameter(sample_data, reader):
    first = reader.get("/models/?lab=openai&tracking=first-visitor")
    served_from_cache = reader.get("/models/?lab=openai&tracking=someone-else")

    assert served_from_cache.content == first.content
    assert (
        "tracking" not in first.content.decode()
    )  # the filter and page links are built from the canonical query


def test_the_order_of_compared_models_is_kept_as_it_is_the_columns_order(sample_data, reader):
    reader.get("/compare/?models=openai/gpt-4o,anthropic/claude-sonnet-4-5")
    reader.get("/compare/?models=anthropic/claude-sonnet-4-5,openai/gpt-4o")
    reader.get("/compare/?models=openai/gpt-4o&models=anthropic/claude-sonnet-4-5&x=1")

    assert cached_pages() == 2


def test_a_page_with_a_value_in_error_is_served_but_not_kept(sample_data, reader):
    for n in range(20):
        response = reader.get(f"/models/?max_input=1e-{100000 + n}")
        assert response.status_code == 200

    assert cached_pages() == 0


def test_a_page_over_the_size_bound_is_served_but_not_kept(sample_data, reader, monkeypatch):
    small = reader.get("/benchmarks/")
    assert cached_pages() == 1
    empty_caches()
    monkeypatch.setattr(freshness, "PAGE_MAX_BYTES", len(small.content) - 1)

    again = reader.get("/benchmarks/")

    assert again.status_code == 200 and again.content == small.content
    assert cached_pages() == 0


def test_the_local_memory_cache_is_bounded(settings):
    if settings.REDIS_URL:
        pytest.skip("with REDIS_URL the cache is Redis, bounded by its maxmemory (tokenledger.checks)")

    assert 0 < cache._max_entries <= 1000
    assert cache._max_entries * freshness.PAGE_MAX_BYTES <= 512 * 1024 * 1024  # at worst half a gigabyte
