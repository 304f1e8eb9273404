"""/changes/: price changes, new models and status changes across the catalog, newest first."""

import datetime as dt
from decimal import Decimal

import pytest

from catalog.models import Model, StatusChange
from pricing.ledger import record_prices
from pricing.records import PriceRecord
from tests.fixtures import reimport_as_deprecated, text_of

pytestmark = pytest.mark.django_db


def test_price_changes_new_models_and_status_changes_newest_first(sample_data, reader):
    gpt4o = Model.objects.get(lab__slug="openai", slug="gpt-4o")
    offering = gpt4o.offerings.get(host__slug="openai")
    source = offering.price_periods.get(
        component="input", valid_to__isnull=True, tier="", mode="standard"
    ).source
    record_prices(
        {offering.pk: [PriceRecord("input", Decimal("2.00"))]},
        source=source,
        observed_at=dt.datetime(2026, 8, 3, tzinfo=dt.UTC),
    )
    reimport_as_deprecated(gpt4o)
    assert StatusChange.objects.get().new_status == "deprecated"

    page = text_of(reader.get("/changes/"))

    assert "Status: Generally available → Deprecated" in page
    assert "2026-08-03 Price GPT-4o (OpenAI): Input at OpenAI: $2.50 → $2.00 per 1M tokens (▼ 20%)" in page
    newest = Model.objects.filter(release_date__isnull=False).order_by("-release_date").first()
    assert f"{newest.name} ({newest.lab.name}): Listed by {newest.lab.name}" in page
    dates = [
        line[:10]
        for line in page.split("Recent changes")[-1].split()
        if line[:4].isdigit() and len(line) == 10
    ]
    assert dates == sorted(dates, reverse=True)


def test_each_kind_of_change_has_its_own_view(sample_data, reader):
    page = text_of(reader.get("/changes/", {"kind": "status"}))

    assert "Nothing recorded yet" in page
    assert "Listed by" in text_of(reader.get("/changes/", {"kind": "models"}))
    assert reader.get("/changes/", {"kind": "<script>"}).status_code == 200
