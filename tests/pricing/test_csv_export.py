import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest

from catalog.models import Offering
from pricing.ledger import record_prices
from pricing.models import PricePeriod
from pricing.records import PriceRecord
from pricing.sources import price_source

pytestmark = pytest.mark.django_db

URL = "/models/openai/gpt-4o/prices.csv"
HEADER = [
    "model",
    "host",
    "host_model_id",
    "component",
    "tier",
    "mode",
    "usd_per_unit",
    "unit",
    "valid_from",
    "valid_to",
    "effective",
    "opening",
    "observed_at",
    "source",
    "quotes",
]


def rows_of(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_export_is_a_csv_attachment_named_after_the_model(sample_data, reader):
    response = reader.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="openai-gpt-4o-prices.csv"'
    assert next(csv.reader(io.StringIO(response.content.decode()))) == HEADER


def test_it_has_one_row_per_price_period_of_every_host(sample_data, reader):
    rows = rows_of(reader.get(URL))

    assert len(rows) == PricePeriod.objects.filter(offering__model__slug="gpt-4o").count()
    assert {"openai", "azure", "openrouter"} <= {row["host"] for row in rows}
    openrouter_input = next(r for r in rows if r["host"] == "openrouter" and r["component"] == "input")
    assert openrouter_input == {
        "model": "openai/gpt-4o",
        "host": "openrouter",
        "host_model_id": "openai/gpt-4o",
        "component": "input",
        "tier": "",
        "mode": "standard",
        "usd_per_unit": "2.5",
        "unit": "per_1m_tokens",
        "valid_from": "2026-07-01T16:40:28+00:00",
        "valid_to": "",
        "effective": "observed",
        "opening": "first",
        "observed_at": "2026-07-01T16:40:28+00:00",
        "source": "models_dev",
        "quotes": "models_dev=2.5",
    }


def test_it_keeps_the_closed_periods_of_the_history(sample_data, reader):
    offering = Offering.objects.get(model__slug="gpt-4o", host__slug="azure")
    august = dt.datetime(2026, 8, 1, tzinfo=dt.UTC)
    record_prices(
        {offering.pk: [PriceRecord("input", Decimal("1.25"))]},
        source=price_source("models_dev"),
        observed_at=august,
    )

    rows = rows_of(reader.get(URL))

    azure_input = [r for r in rows if r["host"] == "azure" and r["component"] == "input"]
    assert [(r["usd_per_unit"], r["valid_to"], r["source"]) for r in azure_input] == [
        ("2.5", "2026-08-01T00:00:00+00:00", "models_dev"),
        ("1.25", "", "models_dev"),
    ]


def test_an_unknown_model_is_a_404(sample_data, reader):
    assert reader.get("/models/openai/no-such-model/prices.csv").status_code == 404


def test_the_model_page_links_to_the_csv_and_the_json_history(sample_data, reader):
    html = reader.get("/models/openai/gpt-4o/").content.decode()

    line = re.search(r"Download the full history as (.*?)</p>", html, flags=re.S).group(1)
    assert f'href="{URL}"' in line
    assert 'href="/api/v1/models/openai/gpt-4o/prices/"' in line
