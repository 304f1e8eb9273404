"""A reader narrows the catalog in chromium: provider, maximum price, order; the URL keeps every choice."""

import re
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import expect

from catalog.models import Model
from tests.browser.test_catalog_and_profile import SCREENSHOTS


def test_filter_by_provider_and_maximum_price_sort_and_open_a_model(
    live_server, live_sample_data, page, console_errors
):
    page.goto(f"{live_server.url}/models/")

    page.locator("#filter-lab input[value=openai]").check()  # applied at once, by JavaScript
    expect(page.locator(".chips")).to_contain_text("Provider: OpenAI")
    page.locator("#filter-max_input select").select_option("1")
    expect(page.locator(".chips")).to_contain_text("Input price, per 1M: $1 or less")
    page.get_by_label("Sort by").select_option("input_price")
    expect(page.get_by_label("Sort by")).to_have_value("input_price")

    query = parse_qs(urlparse(page.url).query)
    assert query == {"lab": ["openai"], "max_input": ["1"], "sort": ["input_price"]}, page.url
    expected = Model.objects.filter(lab__slug="openai", listed_input_price__lte=1).count()
    expect(page.locator(".browse__count")).to_have_text(f"{expected} models")
    prices = page.locator(".model-table tbody tr td:nth-child(2)").all_inner_texts()
    values = [float(re.match(r"\$([\d.,]+)", text)[1].replace(",", "")) for text in prices]
    assert values == sorted(values) and all(v <= 1 for v in values) and len(values) == expected
    page.screenshot(path=SCREENSHOTS / "browse.png", full_page=True)

    page.locator(".chips").get_by_role("link", name=re.compile("Remove filter Provider")).click()
    assert parse_qs(urlparse(page.url).query) == {"max_input": ["1"], "sort": ["input_price"]}

    page.get_by_role("link", name="GPT-4.1 nano", exact=True).click()
    expect(page).to_have_url(re.compile(r"/models/openai/gpt-4.1-nano/$"))
    assert console_errors == []


def test_the_filters_work_without_javascript(live_server, live_sample_data, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/models/")

    page.locator("#filter-cap input[value=reasoning]").check()
    page.get_by_role("button", name="Apply filters").click()

    assert parse_qs(urlparse(page.url).query)["cap"] == ["reasoning"]
    expect(page.locator(".chips")).to_contain_text("Capabilities: Reasoning")
    context.close()
