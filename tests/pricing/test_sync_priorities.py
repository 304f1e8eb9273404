"""When sources disagree, the ledger follows the higher-priority source and keeps the other's price as a quote."""

import datetime as dt
import json

import pytest

from pricing.models import PricePeriod, SourceQuote
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


def test_a_higher_priority_source_rules_and_the_other_is_kept_as_a_quote(tmp_path):
    run_sync("models_dev", file=models_dev_feed(tmp_path, 2.5), observed_at=JULY_1)
    run_sync("litellm", file=litellm_feed(tmp_path, 2e-06), observed_at=JULY_8)  # LiteLLM outranks models.dev

    _, report = run_sync("models_dev", file=models_dev_feed(tmp_path, 2.5), observed_at=JULY_15)

    period = published_input()
    assert (period.price, period.source.slug) == (2, "litellm")
    assert report.outranked == 1  # input; the output price, on which both agree, models.dev still publishes
    quote = SourceQuote.objects.get()
    assert (quote.source.slug, quote.component, quote.price) == ("models_dev", "input", 2.5)


def test_a_quote_disappears_when_its_source_comes_to_agree(tmp_path):
    run_sync("litellm", file=litellm_feed(tmp_path, 2e-06), observed_at=JULY_1)
    run_sync("models_dev", file=models_dev_feed(tmp_path, 2.5), observed_at=JULY_8)
    assert SourceQuote.objects.count() == 1

    run_sync("models_dev", file=models_dev_feed(tmp_path, 2), observed_at=JULY_15)

    assert not SourceQuote.objects.exists()
    assert published_input().price == 2
