"""The reader task "search gpt4o": the header search suggests GPT-4o as the reader types and takes them to its
page; without JavaScript the form submits and GPT-4o is the first result."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_catalog_and_profile import SCREENSHOTS
from tests.fixtures import load_whole_catalogue

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def live_catalogue(transactional_db, real_api_json):
    """The whole real models.dev catalogue, where "gpt4o" has dozens of near namesakes to rank."""
    return load_whole_catalogue(real_api_json)


def suggest(page, typed: str):
    search = page.get_by_role("combobox", name="Search models")
    search.press_sequentially(typed, delay=40)
    listbox = page.get_by_role("listbox", name="Suggested models")
    expect(listbox).to_be_visible()
    return search, listbox


def test_a_reader_types_gpt4o_picks_the_suggestion_and_lands_on_gpt_4o(
    live_server, live_catalogue, page, console_errors
):
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/")
    search, listbox = suggest(page, "gpt4o")

    first = listbox.get_by_role("option").first
    expect(first).to_contain_text("GPT-4o")
    expect(first).to_contain_text(re.compile(r"OpenAI · \$\d"))
    expect(listbox.get_by_role("option").last).to_have_text("All results for “gpt4o”")
    search.press("ArrowDown")
    expect(first).to_have_attribute("aria-selected", "true")
    expect(search).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    page.screenshot(path=SCREENSHOTS / "search-suggestions-1366.png")
    search.press("Enter")

    expect(page).to_have_url(f"{live_server.url}/models/openai/gpt-4o/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("GPT-4o")

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/")
    search, listbox = suggest(page, "GPT 4o")
    page.screenshot(path=SCREENSHOTS / "search-suggestions-390.png")
    search.press("Escape")
    expect(listbox).to_be_hidden()
    search.press("ArrowDown")  # opens them again
    listbox.get_by_role("option").first.click()
    expect(page).to_have_url(f"{live_server.url}/models/openai/gpt-4o/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert console_errors == []


def test_without_javascript_the_header_search_submits_and_gpt_4o_comes_first(
    live_server, live_catalogue, browser
):
    for viewport, name in ((DESKTOP, "search-results-1366.png"), (PHONE, "search-results-390.png")):
        context = browser.new_context(java_script_enabled=False, viewport=viewport)
        page = context.new_page()
        page.goto(f"{live_server.url}/")
        page.get_by_role("searchbox", name="Search models").fill("gpt4o")
        page.get_by_role("searchbox", name="Search models").press("Enter")

        expect(page).to_have_url(f"{live_server.url}/models/?q=gpt4o")
        first = page.locator(".model-table tbody tr").first.locator("a").first
        expect(first).to_have_text("GPT-4o")
        expect(first).to_have_attribute("href", "/models/openai/gpt-4o/")
        expect(page.get_by_label("Sort by")).to_have_value("relevance")
        first.scroll_into_view_if_needed()  # on a phone the filters come first (browse's own matter)
        page.screenshot(path=SCREENSHOTS / name)
        context.close()


def test_a_misspelt_search_offers_the_nearest_names(live_server, live_catalogue, page, console_errors):
    page.goto(f"{live_server.url}/")
    suggest(page, "gtp4o")

    maybe = page.get_by_role("option", name=re.compile(r"Did you mean GPT-4o\?"))
    expect(maybe).to_be_visible()
    maybe.click()
    expect(page).to_have_url(re.compile(r"/models/\?q=GPT-4o$"))
    expect(page.locator(".model-table tbody tr").first).to_contain_text("GPT-4o")
    assert console_errors == []
