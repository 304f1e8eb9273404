"""What every plotly chart of the site shares: its look, and how it is written into a page with our own copy of
plotly.js (its basic bundle, never a CDN), loaded once per page by the first chart on it.

No inline script (the Content-Security-Policy allows none): a chart is an empty <div> and its figure a JSON data
block, which static/js/charts.js hands to plotly.js; plotly's own style rules come from static/vendor/plotly.css
(tokenledger/plotly_css.py), linked by the first chart, instead of a <style> element plotly.js would inject.

Figures are plain dicts in plotly's JSON schema, written without plotly's Python-side validation: building a
`go.Figure` cost some 20 ms per chart, more than the rest of a profile page.
"""

from __future__ import annotations

import plotly.io as pio
from django.templatetags.static import static

from catalog.seo import SCRIPT_ESCAPES
from tokenledger.staticfiles import PLOTLY_JS

CHARTS_JS = "js/charts.js"
PLOTLY_CSS = "vendor/plotly.css"

FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13, "color": "#17202e"}
GRID = "#eef1f5"
# Above the plot, where it never meets the x axis' title or ticks, however narrow the screen.
LEGEND = {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"}


# The trace types in plotly.js's basic bundle, the one we serve (tokenledger/staticfiles.py).
BUNDLED_TRACE_TYPES = frozenset({"scatter", "bar", "pie"})


def figure(traces: list[dict], *, height: int = 300, xaxis: dict | None = None, **layout) -> dict:
    """A figure with the site's look; `xaxis` and the rest of `layout` add to it (plotly's layout keys).

    Every trace names its type, one the served bundle draws: another would be a blank chart in the browser."""
    unbundled = {trace.get("type") for trace in traces} - BUNDLED_TRACE_TYPES
    if unbundled:
        raise ValueError(
            f"trace types {sorted(map(str, unbundled))} are not in the plotly.js bundle we serve"
        )
    return {
        "data": traces,
        "layout": {
            "height": height,
            "margin": {"l": 56, "r": 16, "t": 16, "b": 40},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "#ffffff",
            "font": FONT,
            "legend": LEGEND,
            "hovermode": "closest",
            "xaxis": {"showgrid": False, "linecolor": "#dde2ea", **(xaxis or {})},
            **layout,
        },
    }


CONFIG = {"displayModeBar": False, "responsive": True}


def to_html(fig: dict, *, div_id: str, load_plotly: bool = True) -> str:
    """The chart as an HTML fragment; `load_plotly` adds the script tags (only the page's first chart needs them:
    deferred, they run once the whole page is read, and draw every chart on it)."""
    # Plotly's json engine, as before orjson was installed for the API: "auto" would pick orjson and write
    # figures differently (no \\u escapes, other float spellings).
    figure_json = pio.to_json({**fig, "config": CONFIG}, validate=False, engine="json").translate(
        SCRIPT_ESCAPES
    )  # no label can close the block
    html = (
        f'<div id="{div_id}" class="plotly-graph-div" data-figure="{div_id}-figure"></div>'
        f'<script type="application/json" id="{div_id}-figure">{figure_json}</script>'
    )
    if load_plotly:
        # plotly.js injects no <style> where its stylesheet has this id and class (tokenledger/plotly_css.py).
        html += (
            f'<link rel="stylesheet" id="plotly.js-style-global" class="no-inline-styles" href="{static(PLOTLY_CSS)}">'
            f'<script src="{static(PLOTLY_JS)}" defer></script><script src="{static(CHARTS_JS)}" defer></script>'
        )
    return html
