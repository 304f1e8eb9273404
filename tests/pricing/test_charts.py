"""The price charts read on their own: axes titled with units, input and output apart in colour and dash, models
apart even where their lines coincide, scheduled prices dotted, and only trace types our plotly bundle draws."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from pricing.charts import compare_history_figure, price_history_figure
from pricing.models import Component, Opening
from tokenledger.charts import BUNDLED_TRACE_TYPES, figure

NOW = dt.datetime(2026, 12, 2, tzinfo=dt.UTC)


def period(component: str, price: str, start: str, end: str | None = None, opening: str = Opening.CHANGE):
    day = lambda text: dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)  # noqa: E731
    return SimpleNamespace(
        component=component,
        price=Decimal(price),
        valid_from=day(start),
        valid_to=day(end) if end else None,
        opening=opening,
        source=SimpleNamespace(name="LiteLLM"),
    )


def gpt_4o_like() -> list:
    return [
        period(Component.INPUT, "5", "2024-07-25", "2024-11-28", Opening.FIRST),
        period(Component.INPUT, "2.5", "2024-11-28"),
        period(Component.OUTPUT, "15", "2024-07-25", "2024-11-28", Opening.FIRST),
        period(Component.OUTPUT, "10", "2024-11-28"),
    ]


def lines(fig: dict) -> list[dict]:
    return [t for t in fig["data"] if "lines" in t["mode"]]


def test_the_axes_say_what_they_measure():
    layout = price_history_figure(gpt_4o_like(), now=NOW)["layout"]

    assert layout["yaxis"]["title"]["text"] == "USD per 1M tokens"
    assert layout["xaxis"]["title"]["text"] == "Date (UTC)"


def test_input_and_output_differ_in_colour_and_dash():
    input_line, output_line = lines(price_history_figure(gpt_4o_like(), now=NOW))

    assert input_line["line"]["color"] != output_line["line"]["color"]
    assert (input_line["line"]["dash"], output_line["line"]["dash"]) == ("solid", "dash")


def test_a_price_announced_for_later_is_drawn_dotted_from_today():
    periods = [
        period(Component.INPUT, "1.25", "2025-06-01", "2027-01-01", Opening.FIRST),
        period(Component.INPUT, "1.5", "2027-01-01"),
    ]

    current, scheduled = lines(price_history_figure(periods, now=NOW))

    assert current["x"][-1] == NOW and current["line"]["dash"] == "solid"
    assert scheduled["line"]["dash"] == "dot" and "scheduled" in scheduled["name"]
    assert scheduled["x"][:2] == [NOW, dt.datetime(2027, 1, 1, tzinfo=dt.UTC)]
    assert scheduled["y"][:2] == [1.25, 1.5]


def test_two_models_at_the_same_price_both_stay_visible_and_the_legend_says_how():
    fig = compare_history_figure([("GPT-4o", gpt_4o_like()), ("Twin", gpt_4o_like())], now=NOW)

    first, second = lines(fig)[0], lines(fig)[2]  # each model's input line: the same steps
    assert (first["x"], first["y"]) == (second["x"], second["y"])
    assert first["line"]["color"] != second["line"]["color"]
    assert first["line"]["width"] > second["line"]["width"]  # the later, thinner line lies inside the first
    assert first["marker"]["symbol"] != second["marker"]["symbol"]
    assert "thin line over a broad one" in fig["layout"]["legend"]["title"]["text"]
    assert fig["layout"]["yaxis"]["title"]["text"] == "USD per 1M tokens"


def test_every_chart_uses_only_trace_types_of_the_bundle_we_serve():
    figures = [
        price_history_figure(gpt_4o_like(), now=NOW),
        compare_history_figure([("GPT-4o", gpt_4o_like())], now=NOW),
    ]
    assert {t["type"] for f in figures for t in f["data"]} <= BUNDLED_TRACE_TYPES
    with pytest.raises(ValueError, match="heatmap"):
        figure([{"type": "heatmap", "z": [[1]]}])
