import re

import pytest

from tests.fixtures import text_of

pytestmark = pytest.mark.django_db


def test_the_comparison_shows_each_models_facts_prices_and_scores_side_by_side(sample_data, reader):
    page = text_of(reader.get("/compare/?models=openai/gpt-4o,openai/gpt-4o-audio-preview-2024-12-17"))

    assert "Compare models" in page
    assert "GPT-4o Audio (preview, 2024-12-17)" in page
    assert "Input / 1M tokens $2.50 $2.50" in page
    assert "Output / 1M tokens $10.00 $10.00" in page
    assert "600 in + 200 out ≈ $0.0035 ≈ $0.0035" in page


def test_the_comparison_names_a_model_it_does_not_know(sample_data, reader):
    page = text_of(reader.get("/compare/?models=openai/gpt-4o,openai/nope"))

    assert "No model openai/nope in the catalog" in page


def test_the_leaderboard_ranks_each_benchmark_with_source_and_date(sample_data, reader):
    page = text_of(reader.get("/benchmarks/"))

    assert "Benchmark leaderboard" in page
    assert re.search(r"MMLU .*1 GPT-4o", page)
    assert "2026-05-24" in page
