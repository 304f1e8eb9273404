"""The price history chart: drawn by our own plotly.js, each change marked, hover tells the price and date."""

import datetime as dt
import re

from playwright.sync_api import expect

from pricing.runs import run_sync
from tests.browser.test_catalog_and_profile import SCREENSHOTS
from tests.fixtures import load_shipped


def test_the_chart_marks_o3s_price_cut_and_hover_shows_the_price_and_date(
    live_server, transactional_db, shared_data, page, console_errors
):
    for path in sorted((shared_data / "feeds" / "litellm" / "history").glob("2025-0*.json")):
        observed = dt.datetime.combine(dt.date.fromisoformat(path.stem), dt.time(), tzinfo=dt.UTC)
        assert run_sync("litellm", file=path, observed_at=observed)[0].status == "succeeded"
    requests = []
    page.on("request", lambda request: requests.append(request.url))

    page.goto(f"{live_server.url}/models/openai/o3/")

    chart = page.locator("#price-history")
    expect(chart.locator(".main-svg").first).to_be_visible()
    assert any(re.search(r"/static/vendor/plotly-basic\.min(\.[0-9a-f]+)?\.js$", url) for url in requests)
    assert all(url.startswith(live_server.url) for url in requests), "everything comes from our own server"
    markers = chart.locator(".scatterlayer .trace .points path")
    expect(markers).to_have_count(4)  # input and output: first seen, then the cut
    page.locator(".history-notes").scroll_into_view_if_needed()
    expect(page.locator(".history-notes")).to_contain_text("Input $2.00: ▼ 80% on 2025-09-01")

    markers.nth(1).hover(force=True)
    hover = page.locator(".hoverlayer")
    expect(hover).to_contain_text("$10.00 → $2.00")
    expect(hover).to_contain_text("2025-09-01")
    chart.screenshot(path=SCREENSHOTS / "price-chart.png")
    assert console_errors == []


def test_on_the_shipped_history_gpt_4os_chart_shows_its_two_real_prices_and_changes_lists_real_changes(
    live_server, transactional_db, page, console_errors
):
    load_shipped()  # what `make run` loads: every shipped price file, replayed in date order

    page.goto(f"{live_server.url}/models/openai/gpt-4o/")

    chart = page.locator("#price-history")
    expect(chart.locator(".main-svg").first).to_be_visible()
    markers = chart.locator(".scatterlayer .trace .points path")
    expect(markers).to_have_count(4)  # input and output: first seen at $5 / $15, then the cut
    notes = page.locator(".history-notes")
    expect(notes).to_contain_text("Input $2.50: ▼ 50% on 2024-11-28")
    expect(notes).to_contain_text("Output $10.00: ▼ 33% on 2024-11-28")
    markers.nth(1).hover(force=True)
    expect(page.locator(".hoverlayer")).to_contain_text("$5.00 → $2.50")
    chart.screenshot(path=SCREENSHOTS / "gpt-4o-price-history.png")

    page.goto(f"{live_server.url}/changes/?kind=prices")
    rows = page.locator("ol.changes li.change--price")
    expect(rows.first).to_contain_text("→")
    assert rows.count() >= 50
    moves = [
        re.search(r"\$[\d.,]+ → \$[\d.,]+ .*\((▲ \d+%|▼ \d+%|▲ from \$0)\)", t)
        for t in rows.all_inner_texts()
    ]
    assert all(moves), [t for t, m in zip(rows.all_inner_texts(), moves, strict=True) if not m]
    page.screenshot(path=SCREENSHOTS / "changes-shipped-history.png")
    assert console_errors == []
