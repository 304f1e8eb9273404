"""OpenRouter's models list, in its documented shape (GET /api/v1/models): per-token decimal strings."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from catalog.models import Offering, OfferingKind
from pricing.models import PricePeriod
from pricing.runs import run_sync

pytestmark = pytest.mark.django_db

FEED = Path(__file__).parent / "feeds" / "openrouter-models.json"


def test_openrouter_prices_are_recorded_per_million_tokens_on_the_labs_model(sample_data):
    _, report = run_sync("openrouter", file=FEED, observed_at=dt.datetime(2026, 7, 24, tzinfo=dt.UTC))

    prices = {
        (p.component, p.unit): p.price
        for p in PricePeriod.objects.in_force().filter(
            offering__host__slug="openrouter", offering__host_model_id="openai/gpt-4o"
        )
    }
    assert prices[("input", "per_1m_tokens")] == Decimal("2.5")
    assert prices[("output", "per_1m_tokens")] == Decimal("10")
    assert prices[("cache_read", "per_1m_tokens")] == Decimal("1.25")
    assert prices[("image_input", "per_image")] == Decimal("0.003613")
    assert ("request", "per_request") not in prices, (
        "a zero for a component the model does not bill is left out"
    )
    assert report.rejections == []
    router = Offering.objects.get(host__slug="openrouter", host_model_id="openrouter/auto")
    assert router.kind == OfferingKind.ROUTER, "-1 marks a router whose price varies by request"
    assert not router.price_periods.exists()


def test_a_free_variant_is_recorded_at_zero_as_a_model_of_its_own(sample_data):
    run_sync("openrouter", file=FEED, observed_at=dt.datetime(2026, 7, 24, tzinfo=dt.UTC))

    free = PricePeriod.objects.in_force().filter(offering__host_model_id="deepseek/deepseek-chat-v3.1:free")
    assert {(p.component, p.price) for p in free} == {("input", 0), ("output", 0)}
