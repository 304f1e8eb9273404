"""Plotly charts of a model's measured availability (a bar per day) and latency (daily p50/p95 and TTFT)."""

from __future__ import annotations

import datetime as dt

from monitoring.queries import DAILY_DAYS
from tokenledger.charts import GRID, figure, to_html

GOOD, FAIR, POOR, NONE = "#16a34a", "#d97706", "#dc2626", "#e3e7ee"
# Per host a colour and a marker; per figure a dash (p50 solid, p95 dashed, time to first token dotted).
HOST_COLOURS = ["#2563eb", "#7c3aed", "#0891b2", "#c2410c", "#4d7c0f", "#be185d"]
HOST_SYMBOLS = ["circle", "square", "diamond", "triangle-up", "cross", "x"]


def _colour(availability: float | None) -> str:
    if availability is None:
        return NONE
    return GOOD if availability >= 99 else FAIR if availability >= 95 else POOR


def availability_chart(daily: list[dict], *, today: dt.date, load_plotly: bool = True) -> str:
    """One bar per UTC day of the last 90, as high as that day's availability and coloured by it; days without a
    counted run are grey and say so. `daily` are rows of runs, ok, errors and rate_limited per day (`starts_at`)."""
    by_day = {row["starts_at"].date(): row for row in daily}
    days = [today - dt.timedelta(days=n) for n in range(DAILY_DAYS - 1, -1, -1)]
    heights, colours, notes = [], [], []
    for day in days:
        row = by_day.get(day)
        counted = (row["ok"] + row["errors"]) if row else 0
        availability = 100 * row["ok"] / counted if counted else None
        heights.append(availability if availability is not None else 100)
        colours.append(_colour(availability))
        if not row:
            notes.append("no runs")
        else:
            note = f"{availability:.1f}% · {row['ok']} of {counted} runs ok" if counted else "no counted run"
            if row["rate_limited"]:
                note += f" · {row['rate_limited']} rate-limited, not counted"
            notes.append(note)
    lowest = min((h for h, c in zip(heights, colours, strict=True) if c != NONE), default=100)
    bars = {
        "type": "bar",
        "x": days,
        "y": heights,
        "marker": {"color": colours, "line": {"width": 0}},
        "customdata": notes,
        "hovertemplate": "%{x|%Y-%m-%d}: %{customdata}<extra></extra>",
        "name": "Availability per day",
    }
    chart = figure(
        [bars],
        height=180,
        bargap=0.25,
        showlegend=False,
        xaxis=_ninety_days(today),
        # The worst day stands about halfway up, so a bad day reads at a glance without flattening good ones.
        yaxis={
            "range": [max(0.0, min(95.0, 2 * lowest - 100)), 100.5],
            "ticksuffix": "%",
            "gridcolor": GRID,
            "title": {"text": "Availability (%)"},
            "automargin": True,
        },
    )
    return to_html(chart, div_id="availability-chart", load_plotly=load_plotly)


def _ninety_days(today: dt.date) -> dict:
    """The x axis of both charts: the last 90 UTC days, so that the latency lines sit over the bars."""
    first = today - dt.timedelta(days=DAILY_DAYS - 1)
    return {
        "type": "date",
        "range": [first - dt.timedelta(days=1), today + dt.timedelta(days=1)],
        "title": {"text": "Day (UTC)"},
        "automargin": True,
    }


def latency_chart(
    series_by_target: dict[int, list], hosts: list, *, today: dt.date, load_plotly: bool = True
) -> str | None:
    """Per host, daily p50 and p95 total latency and p50 time to first token (ms), from the daily rollups."""
    traces: list[dict] = []
    named = len([h for h in hosts if series_by_target.get(h.pk)]) > 1
    for index, target in enumerate(hosts):
        rollups = [r for r in series_by_target.get(target.pk, []) if r.latency_samples]
        if not rollups:
            continue
        colour = HOST_COLOURS[index % len(HOST_COLOURS)]
        suffix = f" · {target.offering.host.name}" if named else ""
        days = [r.starts_at.date() for r in rollups]
        for label, values, dash, samples in (
            ("Latency p50", [r.latency_p50 for r in rollups], "solid", [r.latency_samples for r in rollups]),
            ("Latency p95", [r.latency_p95 for r in rollups], "dash", [r.latency_samples for r in rollups]),
            (
                "Time to first token p50",
                [r.ttft_p50 for r in rollups],
                "dot",
                [r.ttft_samples for r in rollups],
            ),
        ):
            traces.append(
                {
                    "type": "scatter",
                    "x": days,
                    "y": values,
                    "mode": "lines+markers" if len(days) < 15 else "lines",
                    "marker": {"symbol": HOST_SYMBOLS[index % len(HOST_SYMBOLS)]},
                    "line": {"color": colour, "dash": dash, "width": 2},
                    "name": label + suffix,
                    "customdata": samples,
                    "hovertemplate": f"{label}{suffix}: %{{y:.0f}} ms<br>%{{x|%Y-%m-%d}}, "
                    "%{customdata} samples<extra></extra>",
                }
            )
    if not traces:
        return None
    chart = figure(
        traces,
        height=280,
        xaxis=_ninety_days(today),
        yaxis={
            "ticksuffix": " ms",
            "rangemode": "tozero",
            "gridcolor": GRID,
            "title": {"text": "Milliseconds"},
            "automargin": True,
        },
    )
    return to_html(chart, div_id="latency-chart", load_plotly=load_plotly)


def charts_for(summary, *, today: dt.date, load_plotly: bool = True) -> dict[str, str | None]:
    """The profile page's availability and latency charts of a model's MonitoringSummary (none before a run)."""
    if not summary.measured:
        return {"availability": None, "latency": None}
    return {
        "availability": availability_chart(summary.daily, today=today, load_plotly=load_plotly),
        "latency": latency_chart(summary.daily_by_target, summary.hosts, today=today, load_plotly=False),
    }
