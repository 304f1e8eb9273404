import re
from decimal import Decimal

import pytest

from tests.fixtures import text_of
from tokenledger.formatting import usd

pytestmark = pytest.mark.django_db


def test_the_comparison_shows_each_models_facts_prices_and_scores_side_by_side(sample_data, reader):
    page = text_of(reader.get("/compare/?models=openai/gpt-4o,openai/gpt-4o-audio-preview-2024-12-17"))

    assert "Compare models" in page
    assert "GPT-4o Audio (preview, 2024-12-17)" in page
    assert "Input $2.50 $2.50" in page
    assert "Output $10.00 $10.00" in page
    assert re.search(r"Cached input \$1\.25 —", page)  # every component, even one only one model has
    assert "Audio input — $40.00" in page  # LiteLLM's audio price of the audio preview
    # The default workload is the site's typical conversation: 600 tokens in and 200 out per request, no cache,
    # 1,000 requests a day: 600 × $2.50 + 200 × $10 per 1M = $0.0035 a request, $105 a month.
    request, month = usd(Decimal("0.0035")), usd(Decimal(105))
    per_thousand = "$3.50 per 1,000 requests"  # a cost under a cent, also per 1,000 (the cost filter)
    assert f"Per request {request} {per_thousand} {request} {per_thousand}" in page
    assert f"Per month (1,000 requests a day, 30 days) {month} {month}" in page
    assert 'name="input_tokens" value="600"' in reader.get("/compare/?models=openai/gpt-4o").content.decode()


def test_the_workload_with_a_cache_hit_rate_prices_cached_input_where_the_host_has_a_price_for_it(
    sample_data, reader
):
    page = text_of(
        reader.get(
            "/compare/",
            {
                "models": "openai/gpt-4o,openai/gpt-4o-audio-preview-2024-12-17",
                "input_tokens": "2000",
                "output_tokens": "500",
                "cache_hit": "50",
                "requests_per_day": "1000",
            },
        )
    )

    # gpt-4o: 1,000 × $2.50 + 1,000 × $1.25 (cached) + 500 × $10 per 1M = $0.00875; the audio preview has no
    # cached-input price, so its cached tokens cost the input price.
    assert "Per request $0.00875 $8.75 per 1,000 requests $0.0100" in page
    assert "Per month (1,000 requests a day, 30 days) $262.50 cheapest $300.00" in page


def test_the_comparison_overlays_the_price_histories_and_shows_measurements(sample_data, reader):
    response = reader.get("/compare/?models=openai/gpt-4o,anthropic/claude-sonnet-4-5,google/gemini-2.5-pro")

    page = response.content.decode()
    assert 'id="compare-history"' in page and page.count("plotly-basic.min.js") == 1
    for name in ("GPT-4o · input", "Claude Sonnet 4.5 · output", "Gemini 2.5 Pro · input"):
        assert name.replace("·", "\\u00b7") in page  # trace names, as plotly's JSON writes them
    assert text_of(response).count("No measurements yet") == 3


def test_the_comparison_names_a_model_it_does_not_know(sample_data, reader):
    page = text_of(reader.get("/compare/?models=openai/gpt-4o,openai/nope"))

    assert "No model openai/nope in the catalog" in page


def test_the_leaderboard_ranks_each_benchmark_with_source_and_date(sample_data, reader):
    page = text_of(reader.get("/benchmarks/"))

    assert "Benchmark leaderboard" in page
    assert re.search(r"MMLU .*1 GPT-4o", page)
    assert "2026-05-24" in page


def test_a_long_prompt_is_priced_at_the_long_context_tier(sample_data, reader):
    page = text_of(
        reader.get(
            "/compare/",
            {
                "models": "google/gemini-2.5-pro,openai/gpt-4o",
                "input_tokens": "300000",
                "output_tokens": "1000",
            },
        )
    )

    # Gemini 2.5 Pro above 200,000 prompt tokens: $2.50 in and $15 out per 1M, not $1.25 and $10.
    assert "Per request $0.765 $0.760" in page


def test_the_leaderboard_sorts_by_score_date_or_model_and_keeps_the_rank_by_score(sample_data, reader):
    by_date = reader.get("/benchmarks/", {"sort": "date"}).content.decode()
    swe = by_date[by_date.index('id="b-swe-bench-verified"') :]
    swe = swe[: swe.index("</table>")]
    dates = re.findall(r"<td>(\d{4}-\d{2}-\d{2})</td>", swe)  # the Published column
    assert dates == sorted(dates, reverse=True) and len(dates) >= 2
    by_score = text_of(reader.get("/benchmarks/"))
    assert re.search(r"SWE-bench Verified .*?1 Claude Sonnet 4\.5", by_score)
    assert 'aria-current="page">Newest first' in by_date
    assert reader.get("/benchmarks/", {"sort": "nonsense"}).status_code == 200
