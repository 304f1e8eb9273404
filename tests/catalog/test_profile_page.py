import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog import freshness
from catalog.models import Benchmark, BenchmarkScore, Model, Offering, Profile, ProfileStatus
from monitoring.models import Adapter, Outcome, ProbeRun, ProbeTarget
from pricing.ledger import record_prices
from pricing.records import PriceRecord
from pricing.sources import price_source
from tests.fixtures import empty_caches, store_runs, text_of, text_of_html
from tokenledger.formatting import usd

REFERENCE = "/models/openai/gpt-4o-audio-preview-2024-12-17/"


@pytest.mark.django_db
def test_the_reference_model_shows_its_real_facts_and_prices(sample_data, reader):
    response = reader.get(REFERENCE)

    assert response.status_code == 200
    page = text_of(response)
    assert "GPT-4o Audio" in page
    assert "openai/gpt-4o-audio-preview-2024-12-17" in page
    assert "Preview" in page
    assert "Made in: United States" in page
    assert "Runs in: US" in page
    assert "128,000 tokens" in page
    assert "$2.50" in page and "$10.00" in page
    assert "≈ $0.00350 $3.50 per 1,000 conversations" in page  # a tiny cost, also per 1,000
    assert "Audio input: $40.00 per 1M tokens" in page
    assert "— no change since 2026-07-24" in page
    assert "LiteLLM" in page


@pytest.mark.django_db
def test_the_reference_profile_shows_every_editorial_section(sample_data, reader):
    page = text_of(reader.get(REFERENCE))

    profile = Profile.objects.get(model__slug="gpt-4o-audio-preview-2024-12-17")
    assert f"Reviewed by {profile.reviewer.get_full_name()}" in page
    assert profile.tagline in page
    for section in (
        "Pricing",
        "Strengths & weaknesses",
        "Frequently asked questions",
        "Availability",
        "Benchmark verdicts",
        "Full model profile",
    ):
        assert section in page
    assert profile.strengths[0] in page
    assert profile.faq.first().question in page
    for benchmark, score in (
        ("MMLU", "87.2%"),
        ("MATH-500", "83.9%"),
        ("HumanEval", "79.0%"),
        ("MMMLU", "78.3%"),
    ):
        assert re.search(rf"{benchmark} {score} Tokonomix", page), f"{benchmark} {score} in the scores table"
    assert "Last technical review: 2026-05-22" in page
    assert "No measurements yet" in page
    assert "Last automated test: none yet" in page


@pytest.mark.django_db
def test_the_article_has_its_illustrations_with_alt_text(sample_data, reader):
    html = reader.get(REFERENCE).content.decode()

    figures = re.findall(r'<img[^>]+src="/static/catalog/illustrations/[^"]+"[^>]*>', html)
    assert len(figures) >= 2
    assert all(re.search(r'alt="[^"]{10,}"', img) for img in figures)


@pytest.mark.django_db
def test_a_published_article_that_changes_shows_its_new_text_on_the_next_build(sample_data, reader):
    assert "Newly written paragraph" not in text_of(reader.get(REFERENCE))
    profile = Profile.objects.get(model__slug="gpt-4o-audio-preview-2024-12-17")
    profile.article += "\n\nNewly written paragraph about *audio*."
    profile.save()

    html = reader.get(REFERENCE).content.decode()
    assert "Newly written paragraph about <em>audio</em>." in html


def section_headings(html: str) -> list[tuple[str, str]]:
    """The numbered sections of a page, as (number, title)."""
    return re.findall(r'<span class="section-no">(\d\d)</span> ([^<]+)</h2>', html)


@pytest.mark.django_db
def test_a_model_without_profile_or_measurements_says_so_honestly(sample_data, reader):
    html = reader.get("/models/openai/o3/").content.decode()
    page = text_of_html(html)

    assert page.count("Not yet reviewed by our editors") == 1
    assert "Every figure on this page comes from the public sources named beside it" in page
    assert "Availability: No measurements yet. No probe is configured for this model yet" in page
    assert [title for _, title in section_headings(html)] == ["Pricing", "Similar models"]
    for empty in (
        "No editorial assessment yet",
        "No questions answered yet",
        "No benchmark scores recorded yet",
        "Our editors have not written about this model yet",
    ):
        assert empty not in page


@pytest.mark.django_db
def test_a_model_without_profile_shows_the_sections_its_data_fills_numbered_in_order(sample_data, reader):
    o3 = Model.objects.get(lab__slug="openai", slug="o3")
    mmlu = Benchmark.objects.get_or_create(slug="mmlu", defaults={"name": "MMLU"})[0]
    BenchmarkScore.objects.create(
        model=o3,
        benchmark=mmlu,
        score=Decimal("91.5"),
        source_name="A lab blog",
        measured_on=dt.date(2025, 4, 16),
    )
    target = ProbeTarget.objects.create(
        offering=o3.offerings.get(host__slug="openai"),
        adapter=Adapter.OPENAI,
        base_url="http://127.0.0.1:9/v1",
    )
    store_runs(
        [
            ProbeRun(
                target=target,
                started_at=timezone.now() - dt.timedelta(minutes=5),
                outcome=Outcome.OK,
                latency_ms=420,
                ttft_ms=90,
                output_tokens=8,
                tokens_per_second=40,
            )
        ]
    )

    html = reader.get("/models/openai/o3/").content.decode()

    assert section_headings(html) == [
        ("01", "Pricing"),
        ("02", "Availability"),
        ("03", "Benchmark scores"),
        ("04", "Similar models"),
    ]
    assert re.search(r"MMLU 91.5% A lab blog", text_of_html(html))
    assert "Not yet reviewed by our editors" in text_of_html(html)


@pytest.mark.django_db
def test_a_reviewed_profile_keeps_every_section_and_ends_with_similar_models(sample_data, reader):
    html = reader.get(REFERENCE).content.decode()

    assert section_headings(html) == [
        ("01", "Pricing"),
        ("02", "Strengths &amp; weaknesses"),
        ("03", "Frequently asked questions"),
        ("04", "Availability"),
        ("05", "Benchmark verdicts"),
        ("06", "Full model profile"),
        ("07", "Similar models"),
    ]
    assert "Not yet reviewed by our editors" not in text_of_html(html)


@pytest.mark.django_db
def test_similar_models_link_to_their_pages_with_their_listed_price_and_context(sample_data, reader):
    html = reader.get("/models/openai/gpt-4o-mini/").content.decode()
    similar = html.split('id="s-similar"')[1].split("</section>")[0]

    items = re.findall(r'<a class="similar__name" href="(/models/[^"]+/)">([^<]+)</a>', similar)
    assert 1 <= len(items) <= 6
    assert "/models/openai/gpt-4o-mini/" not in dict(items)
    first = Model.objects.select_related("lab").get(
        lab__slug=items[0][0].split("/")[2], slug=items[0][0].split("/")[3]
    )
    assert (
        first.family == Model.objects.get(lab__slug="openai", slug="gpt-4o-mini").family
    )  # the family first
    card = text_of_html(similar.split(items[0][0])[1].split("</li>")[0])
    assert f"Input {usd(first.listed_input_price)}" in card
    assert f"Output {usd(first.listed_output_price)}" in card
    assert "tokens" in card
    for href, _ in items:
        assert reader.get(href).status_code == 200


@pytest.mark.django_db
def test_an_unpublished_profile_is_not_shown(sample_data, reader):
    Profile.objects.filter(model__slug="gpt-4o-audio-preview-2024-12-17").update(
        status=ProfileStatus.DRAFT, reviewer=None, reviewed_on=None
    )

    page = text_of(reader.get(REFERENCE))

    assert "Not yet reviewed by our editors" in page
    assert "Last technical review" not in page


@pytest.mark.django_db
def test_every_host_is_listed_with_the_labs_own_api_first_and_the_cheapest_marked(sample_data, reader):
    html = reader.get("/models/openai/gpt-4o/").content.decode()
    assert "Cheapest" not in html, "every host charges the list price: none is the cheapest"
    azure = Offering.objects.get(host__slug="azure", host_model_id="gpt-4o")
    record_prices(
        {azure.pk: [PriceRecord("input", Decimal("2.25")), PriceRecord("output", Decimal("9"))]},
        source=price_source("litellm"),
        observed_at=dt.datetime(2026, 8, 1, tzinfo=dt.UTC),
    )

    html = reader.get("/models/openai/gpt-4o/").content.decode()

    rows = re.findall(r'<tr(?: class="is-cheapest")?>\s*<th scope="row">\s*<a href="/models/([^/]+)/"', html)
    assert rows[0] == "openai"
    assert {"azure", "openrouter"} <= set(rows)
    assert re.search(r'<tr class="is-cheapest">\s*<th scope="row">\s*<a href="/models/azure/"', html)
    assert "▼ 10% on 2026-08-01" not in text_of(reader.get("/models/openai/gpt-4o/")), (
        "the lab's price did not move"
    )


@pytest.mark.django_db
def test_a_reader_can_price_their_own_conversation(sample_data, reader):
    page = text_of(reader.get(REFERENCE + "?input_tokens=10000&output_tokens=2000"))

    assert "Your conversation" in page
    assert "≈ $0.0450" in page  # 10,000 × $2.50/1M + 2,000 × $10/1M
    assert "10,000 input + 2,000 output = 12,000 tokens" in page
    assert "≈ $0.00350" in text_of(reader.get(REFERENCE + "?input_tokens=lots"))


@pytest.mark.django_db
def test_the_page_says_when_sources_disagree_who_says_what_and_since_when(sample_data, reader):
    offering = Offering.objects.get(host__slug="openai", host_model_id="gpt-4o")
    record_prices(
        {offering.pk: [PriceRecord("input", Decimal("5"))]},
        source=price_source("llm_prices"),
        observed_at=dt.datetime(2026, 8, 6, tzinfo=dt.UTC),
    )

    page = text_of(reader.get("/models/openai/gpt-4o/"))

    assert (
        "Sources disagree on input: llm-prices $5.00 (shown), since 2026-08-06; "
        "models.dev $2.50, since 2026-07-01." in page
    )
    assert "▲" not in page.split("Pricing over time")[1].split("Every price")[0], (
        "following another source is a correction, not a price move"
    )


@pytest.mark.django_db
def test_an_unknown_model_is_a_404(sample_data, reader):
    assert reader.get("/models/openai/no-such-model/").status_code == 404


@pytest.mark.django_db
def test_the_query_count_does_not_grow_with_price_history_or_probe_runs(
    sample_data, reader, django_assert_max_num_queries
):
    offering = Model.objects.get(slug="gpt-4o-audio-preview-2024-12-17").offerings.get()
    target = ProbeTarget.objects.create(
        offering=offering, adapter=Adapter.OPENAI, base_url="http://127.0.0.1:9/v1"
    )
    start = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)

    def grow(changes: int, runs: int, since: int) -> None:
        for week in range(since, since + changes):
            record_prices(
                {
                    offering.pk: [
                        PriceRecord("input", Decimal("2.5") + week),
                        PriceRecord("output", Decimal(10 + week)),
                    ]
                },
                source=price_source("litellm"),
                observed_at=start + dt.timedelta(weeks=week),
            )
        ProbeRun.objects.bulk_create(
            ProbeRun(
                target=target,
                started_at=start + dt.timedelta(weeks=since, minutes=i),
                outcome=Outcome.OK,
                latency_ms=300 + i,
                ttft_ms=80,
                output_tokens=8,
                tokens_per_second=40,
            )
            for i in range(runs)
        )

    grow(changes=1, runs=3, since=0)
    reader.get(REFERENCE)  # warm caches that are not per page
    empty_caches()  # and measure the page as it is built, not served from the page cache
    freshness.forget_versions()  # with the data versions read, as after the growth below
    # 25 as before the sections (two of them for similar models), and two for the sets of data versions the
    # sections (catalog.sections) are kept by, less the announced prices' (there are none yet)
    with django_assert_max_num_queries(26) as small:
        reader.get(REFERENCE)

    grow(changes=30, runs=1000, since=1)
    empty_caches()

    # One more: the longer history's last weeks are after today, announced prices, which the page reads only
    # where there are some (scheduled_changes).
    with django_assert_max_num_queries(len(small.captured_queries) + 1):
        response = reader.get(REFERENCE)
    assert "▲" in text_of(response)
    assert "1000 samples" in text_of(response)


@pytest.mark.django_db
def test_the_catalog_lists_models_and_finds_them_by_name(sample_data, reader):
    page = text_of(reader.get(reverse("catalog:model_list") + "?q=gpt-4o audio"))
    assert "GPT-4o Audio" in page

    page = text_of(reader.get(reverse("catalog:model_list") + "?q=sonnet"))
    assert "Claude Sonnet 4.5" in page
    assert "GPT-4o" not in page
