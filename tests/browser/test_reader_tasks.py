"""Two reader tasks of the catalog, done by clicking from /models/ as a reader would, each ending on the page that
answers it: the cheapest pay-as-you-go model with 128K+ context that reads images, and three models compared."""

import re

import pytest
from playwright.sync_api import expect

from catalog.models import Model, OfferingKind
from tests.browser.test_catalog_and_profile import SCREENSHOTS

WIDTHS = [1366, 390]


def _fits(page) -> None:
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, (
        f"{page.url} is wider than {width} px"
    )


def _open_filters(page) -> None:
    """On a phone the filters are folded away under their summary."""
    if not page.locator("details#filters").evaluate("element => element.open"):
        page.locator("details#filters > summary").click()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_cheapest_pay_as_you_go_model_with_long_context_that_reads_images(
    live_server, live_sample_data, page, console_errors, width
):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/models/")
    _open_filters(page)
    page.locator("#filter-min_context select").select_option("128000")
    expect(page.locator(".chips")).to_contain_text("Context window: 128K+")
    _open_filters(page)
    page.locator("#filter-input input[value=image]").check()
    expect(page.locator(".chips")).to_contain_text("Input: Image")
    _open_filters(page)
    page.locator("#filter-kind input[value=payg]").check()
    expect(page.locator(".chips")).to_contain_text("Pay as you go")
    page.get_by_label("Sort by").select_option("input_price")
    expect(page.get_by_label("Sort by")).to_have_value("input_price")

    first = page.locator(".model-table tbody tr").first
    lab, slug = first.locator("td:first-child a").first.get_attribute("href").strip("/").split("/")[1:3]
    model = Model.objects.get(lab__slug=lab, slug=slug)
    assert model.context_window >= 128_000 and "image" in model.input_modalities
    assert model.offerings.filter(kind=OfferingKind.PAYG).exists()
    cheaper = Model.objects.current().filter(
        context_window__gte=128_000,
        modality_tags__contains=" in:image ",
        listed_input_price__lt=model.listed_input_price,
        offerings__kind=OfferingKind.PAYG,
    )
    assert not cheaper.exists(), list(cheaper)
    _fits(page)
    page.screenshot(path=SCREENSHOTS / f"task-cheapest-vision-{width}.png", full_page=True)
    assert console_errors == []


def _tick(page, search: str, name: str, lab: str) -> None:
    _open_filters(page)
    page.locator("#q").fill(search)
    page.locator("#q").press("Enter")
    box = page.get_by_role("checkbox", name=re.compile(rf"^Compare {re.escape(name)} \({lab}\)$"))
    box.check()


@pytest.mark.parametrize("width", WIDTHS)
def test_compare_gpt_4o_claude_sonnet_and_gemini_flash_starting_from_browse(
    live_server, live_sample_data, page, console_errors, width
):
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/models/")
    _tick(page, "gpt-4o", "GPT-4o", "OpenAI")
    _tick(page, "claude sonnet 4.5", "Claude Sonnet 4.5", "Anthropic")
    _tick(page, "gemini 2.5 flash", "Gemini 2.5 Flash", "Google")
    expect(page.locator("#compare-bar")).to_contain_text("GPT-4o")
    page.locator("#compare-button").click()

    expect(page).to_have_url(re.compile(r"/compare/"))
    headers = page.locator("table.compare thead th a:not(.compare__remove)")
    expect(headers).to_have_text(["GPT-4o", "Claude Sonnet 4.5", "Gemini 2.5 Flash"])  # in the order ticked
    expect(page.locator("table.compare")).to_contain_text("$2.50")  # GPT-4o's input price per 1M
    _fits(page)
    page.screenshot(path=SCREENSHOTS / f"task-compare-three-{width}.png", full_page=True)

    page.get_by_role("link", name="Remove Claude Sonnet 4.5").click()
    expect(headers).to_have_text(["GPT-4o", "Gemini 2.5 Flash"])
    assert console_errors == []
