"""Each source keeps its own record; the published price follows the highest-priority source pricing it."""

import datetime as dt
import json

import pytest

from pricing.models import Opening, PricePeriod, SourcePeriod
from pricing.runs import run_sync

pytestmark = pytest.mark.django_db

JULY_1, JULY_8, JULY_15 = (dt.datetime(2026, 7, d, tzinfo=dt.UTC) for d in (1, 8, 15))


def models_dev_feed(tmp_path, input_price):
    path = tmp_path / f"models-dev-{input_price}.json"
    entry = {"id": "gpt-4o", "name": "GPT-4o", "cost": {"input": input_price, "output": 10}}
    path.write_text(json.dumps({"openai": {"id": "openai", "name": "OpenAI", "models": {"gpt-4o": entry}}}))
    return path


def litellm_feed(tmp_path, input_per_token):
    path = tmp_path / f"litellm-{input_per_token}.json"
    path.write_text(
        json.dumps(
            {
                "gpt-4o": {
                    "litellm_provider": "openai",
                    "input_cost_per_token": input_per_token,
                    "output_cost_per_token": 1e-05,
                }
            }
        )
    )
    return path


def published_input():
    return PricePeriod.objects.in_force().get(component="input")


def test_each_source_keeps_its_own_record_and_the_higher_priority_one_is_published(tmp_path):
    run_sync("models_dev", file=models_dev_feed(tmp_path, 2.5), observed_at=JULY_1)
    run_sync("litellm", file=litellm_feed(tmp_path, 2e-06), observed_at=JULY_8)  # LiteLLM outranks models.dev
    run_sync("models_dev", file=models_dev_feed(tmp_path, 2.5), observed_at=JULY_15)

    period = published_input()
    assert (period.price, period.source.slug) == (2, "litellm")
    records = {
        (p.source.slug, p.price, p.valid_from, p.valid_to)
        for p in SourcePeriod.objects.filter(component="input").select_related("source")
    }
    assert records == {("models_dev", 2.5, JULY_1, None), ("litellm", 2, JULY_8, None)}


def test_following_another_source_is_a_correction_never_a_price_change(tmp_path, client):
    run_sync("models_dev", file=models_dev_feed(tmp_path, 2.5), observed_at=JULY_1)
    run_sync("litellm", file=litellm_feed(tmp_path, 2e-06), observed_at=JULY_8)

    switched = published_input()
    assert (switched.opening, switched.valid_from) == (Opening.CORRECTION, JULY_8)
    assert not PricePeriod.objects.changes().exists()
    assert "2.50" not in client.get("/changes/?kind=prices").content.decode()
    assert "<entry>" not in client.get("/feeds/price-changes/").content.decode()


def test_a_change_of_the_followed_sources_own_price_is_a_change(tmp_path):
    run_sync("litellm", file=litellm_feed(tmp_path, 2e-06), observed_at=JULY_1)
    run_sync("models_dev", file=models_dev_feed(tmp_path, 2.5), observed_at=JULY_8)
    assert published_input().price == 2  # models.dev's $2.50 is its own record, not published

    run_sync("litellm", file=litellm_feed(tmp_path, 2.5e-06), observed_at=JULY_15)

    period = published_input()
    assert (period.price, period.opening, period.valid_from) == (2.5, Opening.CHANGE, JULY_15)
