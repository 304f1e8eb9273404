"""Downloads of the price ledger for readers who want the numbers themselves."""

from __future__ import annotations

import csv

from django.http import HttpResponse
from django.shortcuts import get_object_or_404

from catalog.models import Model
from pricing.models import PricePeriod
from pricing.queries import quotes_for
from pricing.records import decimal_text

CSV_COLUMNS = [
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


def _cell(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (ids come from public feeds)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def history_csv(request, lab: str, model: str) -> HttpResponse:
    """The model's full price history as CSV: one row per period (announced future ones included), open periods
    with an empty valid_to, the columns of the JSON API."""
    model = get_object_or_404(Model.objects.with_lab(), lab__slug=lab, slug=model)
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{model.lab.slug}-{model.slug}-prices.csv"'},
    )
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    periods = list(PricePeriod.objects.history_of(model))
    quotes = quotes_for(periods)
    for period in periods:
        writer.writerow(
            [
                model.key,
                period.offering__host__slug,
                _cell(period.offering__host_model_id),
                period.component,
                period.tier,
                period.mode,
                decimal_text(period.price),
                period.unit,
                period.valid_from.isoformat(),
                period.valid_to.isoformat() if period.valid_to else "",
                period.effective,
                period.opening,
                period.observed_at.isoformat(),
                period.source__slug,
                # Every source's figure on the period's date, as in the API: "litellm=2.5;models_dev=2.5".
                ";".join(f"{q.source}={decimal_text(q.price)}" for q in quotes[period.pk]),
            ]
        )
    return response
