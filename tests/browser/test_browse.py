"""A reader narrows the catalog in chromium: provider, maximum price, order; the URL keeps every choice."""

import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from catalog.models import Model, OfferingKind
from tests.browser.test_catalog_and_profile import SCREENSHOTS
from tests.fixtures import load_whole_catalogue


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
    expected = Model.objects.current().filter(lab__slug="openai", listed_input_price__lte=1).count()
    expect(page.locator(".browse__count")).to_have_text(f"{expected} models")
    prices = page.locator(".model-table tbody tr td:nth-child(2)").all_inner_texts()
    values = [float(re.match(r"\$([\d.,]+)", text)[1].replace(",", "")) for text in prices]
    assert values == sorted(values) and all(v <= 1 for v in values) and len(values) == expected
    page.screenshot(path=SCREENSHOTS / "browse.png", full_page=True)

    page.locator(".chips").get_by_role("link", name=re.compile("Remove filter Provider")).click()
    assert parse_qs(urlparse(page.url).query) == {"max_input": ["1"], "sort": ["input_price"]}

    page.get_by_role("link", name="GPT-5 Nano", exact=True).click()  # (GPT-4.1 nano retired on 2026-10-23)
    expect(page).to_have_url(re.compile(r"/models/openai/gpt-5-nano/$"))
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


@pytest.fixture
def live_whole_catalogue(transactional_db, real_api_json):
    """The whole real models.dev catalogue (5,276 listings of 147 providers), as `make run` loads it."""
    return load_whole_catalogue(real_api_json)


def test_the_cheapest_long_context_vision_model_is_a_paid_pay_as_you_go_price(
    live_server, live_whole_catalogue, page, console_errors
):
    page.goto(f"{live_server.url}/models/?min_context=128000&input=image&sort=input_price")

    expect(page.locator(".chips")).to_contain_text("Context window: 128K+")
    first = page.locator(".model-table tbody tr").first
    price = first.locator("td:nth-child(2)").inner_text()
    assert re.match(r"\$0\.0*[1-9]", price) or re.match(r"\$[1-9]", price), price  # paid, not $0
    name = first.locator("td:first-child a").get_attribute("href").strip("/").split("/")
    model = Model.objects.select_related("listed_price_host").get(lab__slug=name[1], slug=name[2])
    assert model.listed_input_price > 0 and model.context_window >= 128_000
    assert model.offerings.filter(host=model.listed_price_host, kind=OfferingKind.PAYG).exists()
    page.screenshot(path=SCREENSHOTS / "browse-cheapest-vision.png", full_page=False)

    page.goto(f"{live_server.url}/models/?q=gpt-5+nano")
    rows = page.locator(".model-table tbody tr")  # every word, any order: GPT-5 Nano first, its kin after
    expect(rows.first.locator("a").first).to_have_text("GPT-5 Nano")
    expect(rows.first).to_contain_text(re.compile(r"[12]\d hosts"))
    page.screenshot(path=SCREENSHOTS / "browse-gpt-5-nano.png", full_page=False)
    assert console_errors == []
