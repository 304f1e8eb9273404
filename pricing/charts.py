"""Plotly step charts of price history."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from itertools import pairwise

from pricing.models import Component, Opening, PricePeriod
from tokenledger.charts import GRID, figure, to_html
from tokenledger.formatting import change, usd

_MONTH = dt.timedelta(days=30)
COLOURS = {Component.INPUT: "#2563eb", Component.OUTPUT: "#7c3aed"}


def _change_label(before: PricePeriod, after: PricePeriod) -> str:
    return f"{usd(before.price)} → {usd(after.price)} ({change(before.price, after.price)})"


def _by_component(periods: Iterable[PricePeriod]) -> dict[str, list[PricePeriod]]:
    """Each component's periods, oldest first."""
    by_component: dict[str, list[PricePeriod]] = {}
    for period in sorted(periods, key=lambda p: p.valid_from):
        by_component.setdefault(period.component, []).append(period)
    return by_component


def _step_line(steps: list[PricePeriod], now: dt.datetime) -> dict:
    """The x and y of a step line through `steps`, held at the last price to its end (or to `now`)."""
    return {
        # A scheduled price (starting after `now`) is drawn from its date on, for a month.
        "x": [p.valid_from for p in steps] + [steps[-1].valid_to or max(now, steps[-1].valid_from + _MONTH)],
        "y": [float(p.price) for p in steps] + [float(steps[-1].price)],
    }


def price_history_chart(
    periods: Iterable[PricePeriod], *, now: dt.datetime, div_id: str = "price-history"
) -> str:
    """A step line per component (input, output) from its first observation to `now`, each change marked.

    `periods` are one offering's base periods (standard mode, no tier), in any order.
    """
    by_component = _by_component(periods)
    traces: list[dict] = []
    for component in (Component.INPUT, Component.OUTPUT):
        steps = by_component.get(component)
        if not steps:
            continue
        label, colour = Component(component).label, COLOURS[component]
        traces.append(
            dict(
                type="scatter",
                **_step_line(steps, now),
                mode="lines",
                line={"shape": "hv", "color": colour, "width": 2.5},
                name=f"{label} per 1M tokens",
                hoverinfo="skip",  # the markers carry the hover text, with prices written as everywhere else
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
    chart = figure(traces, yaxis={"tickprefix": "$", "rangemode": "tozero", "gridcolor": GRID})
    return to_html(chart, div_id=div_id)


MODEL_COLOURS = ["#2563eb", "#c2410c", "#0f766e", "#7c3aed"]


def compare_history_chart(series: list[tuple[str, list[PricePeriod]]], *, now: dt.datetime) -> str | None:
    """Several models' price histories in one chart: per model one colour, input solid and output dashed, each a
    step line from its first observation to `now`. `series` is (model name, base periods) per model."""
    traces: list[dict] = []
    for index, (name, periods) in enumerate(series):
        colour = MODEL_COLOURS[index % len(MODEL_COLOURS)]
        by_component = _by_component(periods)
        for component, dash in ((Component.INPUT, "solid"), (Component.OUTPUT, "dash")):
            steps = by_component.get(component)
            if not steps:
                continue
            label = f"{name} · {Component(component).label.lower()}"
            traces.append(
                {
                    "type": "scatter",
                    **_step_line(steps, now),
                    "mode": "lines",
                    "line": {"shape": "hv", "color": colour, "dash": dash, "width": 2.5},
                    "name": label,
                    "customdata": [usd(p.price) for p in steps] + [usd(steps[-1].price)],
                    "hovertemplate": f"{label}: %{{customdata}} per 1M tokens<br>from %{{x|%Y-%m-%d}}<extra></extra>",
                }
            )
    if not traces:
        return None
    chart = figure(
        traces,
        height=340,
        yaxis={"tickprefix": "$", "rangemode": "tozero", "gridcolor": GRID},
        legend={"orientation": "h", "y": -0.2, "x": 0},
    )
    return to_html(chart, div_id="compare-history")
