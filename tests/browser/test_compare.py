"""Comparing three models in chromium: the reader sets a workload, reads the monthly costs, sees the histories."""

from playwright.sync_api import expect

from tests.browser.test_catalog_and_profile import SCREENSHOTS

MODELS = "openai/gpt-4o,anthropic/claude-sonnet-4-5,google/gemini-2.5-pro"


def test_compare_three_models_with_a_workload(live_server, live_sample_data, page, console_errors):
    page.goto(f"{live_server.url}/compare/?models={MODELS}")
    expect(page.locator("table.compare thead th")).to_have_count(4)

    page.get_by_label("Input tokens per request").fill("10000")
    page.get_by_label("Output tokens per request").fill("1000")
    page.get_by_label("Cache hit rate, % of input").fill("0")
    page.get_by_label("Requests per day").fill("100")
    page.get_by_role("button", name="Price it").click()

    # GPT-4o: (10,000 × $2.50 + 1,000 × $10) / 1M = $0.035 a request; × 100 a day × 30 days = $105.00.
    month = page.locator("tr.compare__total")
    expect(month).to_contain_text("$105.00")
    expect(month.locator(".badge")).to_have_text("cheapest")
    assert "models=openai%2Fgpt-4o" in page.url and "requests_per_day=100" in page.url
    chart = page.locator("#compare-history")
    expect(chart.locator(".main-svg").first).to_be_visible()
    expect(chart.locator(".scatterlayer .trace")).to_have_count(6)  # input and output of each model
    page.screenshot(path=SCREENSHOTS / "compare.png", full_page=True)
    assert console_errors == []
