"""Plotly step charts of price history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from itertools import pairwise

from pricing.models import Component, Opening, PricePeriod
from tokenledger.charts import GRID, LEGEND, figure, to_html
from tokenledger.formatting import change, usd

_MONTH = dt.timedelta(days=30)
# Input and output differ in colour and in dash, so that they stay apart where their prices are equal (and in print).
COLOURS = {Component.INPUT: "#2563eb", Component.OUTPUT: "#c2410c"}
DASHES = {Component.INPUT: "solid", Component.OUTPUT: "dash"}
SCHEDULED_DASH = "dot"  # an announced price, not yet in force


def _change_label(before: PricePeriod, after: PricePeriod) -> str:
    return f"{usd(before.price)} → {usd(after.price)} ({change(before.price, after.price)})"


def _by_component(periods: Iterable[PricePeriod]) -> dict[str, list[PricePeriod]]:
    """Each component's periods, oldest first."""
    by_component: dict[str, list[PricePeriod]] = {}
    for period in sorted(periods, key=lambda p: p.valid_from):
        by_component.setdefault(period.component, []).append(period)
    return by_component


def _step_lines(steps: list[PricePeriod], now: dt.datetime) -> tuple[dict | None, dict | None]:
    """The x and y of a step line through `steps` up to `now` (held at the last price to its end, or to `now`),
    and of the scheduled part after `now`: from the price in force now through each announced price, for a month
    past the last. Either is None when there is nothing to draw."""
    past = [p for p in steps if p.valid_from <= now]
    future = [p for p in steps if p.valid_from > now]
    current = None
    if past:
        last = past[-1]
        end = last.valid_to if last.valid_to is not None and last.valid_to <= now else now
        current = {
            "x": [p.valid_from for p in past] + [end],
            "y": [float(p.price) for p in past] + [float(last.price)],
        }
    scheduled = None
    if future:
        lead = [past[-1]] if past and (past[-1].valid_to is None or past[-1].valid_to > now) else []
        starts = [now] if lead else []
        last = future[-1]
        scheduled = {
            "x": starts + [p.valid_from for p in future] + [last.valid_to or last.valid_from + _MONTH],
            "y": [float(p.price) for p in lead + future] + [float(last.price)],
        }
    return current, scheduled


def _axes(**yaxis) -> dict:
    """Both price charts' axes: dates along the bottom, USD per 1M tokens up the side, each with its title."""
    return {
        "xaxis": {"title": {"text": "Date (UTC)"}, "type": "date", "automargin": True},
        "yaxis": {
            "title": {"text": "USD per 1M tokens"},
            "tickprefix": "$",
            "rangemode": "tozero",
            "gridcolor": GRID,
            "automargin": True,
            **yaxis,
        },
    }


def price_history_chart(
    periods: Iterable[PricePeriod], *, now: dt.datetime, div_id: str = "price-history"
) -> str:
    """The profile's price history chart as HTML (see `price_history_figure`)."""
    return to_html(price_history_figure(periods, now=now), div_id=div_id)


def price_history_figure(periods: Iterable[PricePeriod], *, now: dt.datetime) -> dict:
    """A step line per component (input solid, output dashed) from its first observation to `now`, each change
    marked, and prices announced for after `now` dotted.

    `periods` are one offering's base periods (standard mode, no tier), in any order.
    """
    by_component = _by_component(periods)
    traces: list[dict] = []
    for component in (Component.INPUT, Component.OUTPUT):
        steps = by_component.get(component)
        if not steps:
            continue
        label, colour = Component(component).label, COLOURS[component]
        current, scheduled = _step_lines(steps, now)
        if current:
            traces.append(
                dict(
                    type="scatter",
                    **current,
                    mode="lines",
                    line={"shape": "hv", "color": colour, "dash": DASHES[component], "width": 2.5},
                    name=f"{label} per 1M tokens",
                    hoverinfo="skip",  # the markers carry the hover text, with prices written as everywhere else
                )
            )
        if scheduled:
            traces.append(
                dict(
                    type="scatter",
                    **scheduled,
                    mode="lines",
                    line={"shape": "hv", "color": colour, "dash": SCHEDULED_DASH, "width": 2.5},
                    name=f"{label}, scheduled (announced)",
                    customdata=[usd(y) for y in scheduled["y"]],
                    hovertemplate=f"{label} scheduled: %{{customdata}} from %{{x|%Y-%m-%d}}<extra></extra>",
                )
            )
        changes = [
            (b, a) for b, a in pairwise(steps) if a.opening == Opening.CHANGE and b.valid_to == a.valid_from
        ]
        corrections = [(b, a) for b, a in pairwise(steps) if a.opening == Opening.CORRECTION]
        if corrections:
            # Another source followed, with another figure: marked apart, never as a price move.
            traces.append(
                dict(
                    type="scatter",
                    x=[a.valid_from for _, a in corrections],
                    y=[float(a.price) for _, a in corrections],
                    mode="markers",
                    marker={
                        "size": 9,
                        "color": "#ffffff",
                        "symbol": "circle-open",
                        "line": {"color": colour, "width": 2},
                    },
                    name=f"{label} corrections",
                    showlegend=False,
                    customdata=[
                        f"corrected from {usd(b.price)} to {usd(a.price)} ({a.source.name} followed)"
                        for b, a in corrections
                    ],
                    hovertemplate=f"{label}: %{{customdata}}<br>on %{{x|%Y-%m-%d}}<extra></extra>",
                )
            )
        traces.append(
            dict(
                type="scatter",
                x=[steps[0].valid_from] + [after.valid_from for _, after in changes],
                y=[float(steps[0].price)] + [float(after.price) for _, after in changes],
                mode="markers",
                marker={
                    "size": [8] + [12] * len(changes),
                    "color": colour,
                    "symbol": ["circle"] + ["diamond"] * len(changes),
                    "line": {"color": "#ffffff", "width": 1.5},
                },
                name=f"{label} changes",
                showlegend=False,
                customdata=[f"first observed at {usd(steps[0].price)}"]
                + [_change_label(b, a) for b, a in changes],
                hovertemplate=f"{label}: %{{customdata}}<br>on %{{x|%Y-%m-%d}}<extra></extra>",
            )
        )
    axes = _axes()
    return figure(traces, xaxis=axes["xaxis"], yaxis=axes["yaxis"])


MODEL_COLOURS = ["#2563eb", "#c2410c", "#0f766e", "#7c3aed"]
MODEL_SYMBOLS = ["circle", "square", "diamond", "triangle-up"]
# Each model's lines are thinner than the one before, drawn on top of it: two models at exactly the same price
# show as a thin line inside a broad one, both visible, and each price carries the model's own marker.
MODEL_WIDTHS = [6, 4, 2.5, 1.5]


def compare_history_chart(series: list[tuple[str, list[PricePeriod]]], *, now: dt.datetime) -> str | None:
    """The compare page's chart as HTML, or None with nothing to draw (see `compare_history_figure`)."""
    fig = compare_history_figure(series, now=now)
    return to_html(fig, div_id="compare-history") if fig else None


def compare_history_figure(series: list[tuple[str, list[PricePeriod]]], *, now: dt.datetime) -> dict | None:
    """Several models' price histories in one chart: per model one colour, marker and line width; input solid and
    output dashed (scheduled prices dotted), each a step line from its first observation to `now`. `series` is
    (model name, base periods) per model."""
    traces: list[dict] = []
    for index, (name, periods) in enumerate(series):
        colour = MODEL_COLOURS[index % len(MODEL_COLOURS)]
        style = {
            "color": colour,
            "width": MODEL_WIDTHS[index % len(MODEL_WIDTHS)],
            "shape": "hv",
        }
        marker = {"symbol": MODEL_SYMBOLS[index % len(MODEL_SYMBOLS)], "size": 9, "color": colour}
        marker["line"] = {"color": "#ffffff", "width": 1}
        by_component = _by_component(periods)
        for component in (Component.INPUT, Component.OUTPUT):
            steps = by_component.get(component)
            if not steps:
                continue
            label = f"{name} · {Component(component).label.lower()}"
            current, scheduled = _step_lines(steps, now)
            for part, dash, suffix in (
                (current, DASHES[component], ""),
                (scheduled, SCHEDULED_DASH, ", scheduled"),
            ):
                if not part:
                    continue
                traces.append(
                    {
                        "type": "scatter",
                        **part,
                        "mode": "lines+markers",
                        "line": {**style, "dash": dash},
                        # A marker at each price, none at the line's held end.
                        "marker": {**marker, "size": [9] * (len(part["x"]) - 1) + [0]},
                        "name": label + suffix,
                        "customdata": [usd(y) for y in part["y"]],
                        "hovertemplate": f"{label}{suffix}: %{{customdata}} per 1M tokens<br>from %{{x|%Y-%m-%d}}"
                        "<extra></extra>",
                    }
                )
    if not traces:
        return None
    axes = _axes()
    return figure(
        traces,
        height=380,
        xaxis=axes["xaxis"],
        yaxis=axes["yaxis"],
        legend={
            **LEGEND,  # above the plot
            "title": {
                "text": "Solid input, dashed output, dotted scheduled.<br>Same price: a thin line over a broad one.",
                "side": "top",
            },
        },
    )
