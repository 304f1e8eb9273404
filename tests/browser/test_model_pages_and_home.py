"""Two reader tasks in chromium: from the home page, find when GPT-4o's price changed; open a model our editors
have not reviewed and move on to a similar one. Screenshots at 1366 and 390 px of the pages they pass."""

import re

from playwright.sync_api import Page, expect

from catalog.models import Model
from tests.browser.test_catalog_and_profile import SCREENSHOTS
from tests.fixtures import load_shipped

WIDTHS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


def assert_fits(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px at {page.viewport_size['width']}px"


def shoot(page: Page, url: str, name: str) -> None:
    """The page at both widths, checked for sideways scrolling, into var/screenshots/<name>-<width>.png."""
    for size in WIDTHS.values():
        page.set_viewport_size(size)
        page.goto(url)
        assert_fits(page)
        page.screenshot(path=SCREENSHOTS / f"{name}-{size['width']}.png", full_page=True)


def test_from_the_home_page_a_reader_finds_when_gpt_4os_price_changed(
    live_server, transactional_db, page, console_errors
):
    load_shipped()  # what `make run` loads: the whole catalogue and every shipped price file
    shoot(page, f"{live_server.url}/", "home")

    page.set_viewport_size(WIDTHS["desktop"])
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Latest price changes")).to_be_visible()
    expect(page.get_by_role("heading", name="Cheapest by what you need")).to_be_visible()
    search = page.get_by_role("searchbox", name="Find a model")
    search.fill("GPT-4o")
    search.press("Enter")
    expect(page).to_have_url(re.compile(r"/models/\?q=GPT-4o$"))
    page.get_by_role("link", name="GPT-4o", exact=True).first.click()

    expect(page).to_have_url(re.compile(r"/models/openai/gpt-4o/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("GPT-4o")
    notes = page.locator(".history-notes")
    expect(notes).to_contain_text("▼ 50% on 2024-11-28")
    expect(page.locator("#price-history .main-svg").first).to_be_visible()
    notes.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOTS / "task-gpt-4o-price-change.png")
    assert console_errors == []


def test_a_reader_opens_a_model_without_a_profile_and_moves_on_to_a_similar_one(
    live_server, live_sample_data, page, console_errors
):
    unreviewed = "/models/openai/gpt-4o-mini/"
    shoot(page, live_server.url + unreviewed, "model-without-profile")
    shoot(page, f"{live_server.url}/models/openai/gpt-4o-audio-preview-2024-12-17/", "reviewed-profile")

    page.set_viewport_size(WIDTHS["phone"])
    page.goto(live_server.url + unreviewed)
    expect(page.get_by_role("note").filter(has_text="Not yet reviewed by our editors")).to_be_visible()
    expect(page.locator("table.prices tbody tr")).to_have_count(
        Model.objects.get(lab__slug="openai", slug="gpt-4o-mini").offerings.count()
    )
    assert page.locator("table.prices tbody tr").count() >= 3, "a model with prices at several hosts"
    headings = page.locator(".profile-section h2").all_inner_texts()
    assert [re.sub(r"^\d\d\s+", "", h) for h in headings] == ["Pricing", "Similar models"]
    expect(page.locator(".profile-section .empty")).to_have_count(0)

    similar = page.locator(".similar__item").first
    expect(similar).to_contain_text("Input")
    expect(similar).to_contain_text("tokens")
    link = similar.locator("a.similar__name")
    name, href = link.inner_text(), link.get_attribute("href")
    link.click()

    expect(page).to_have_url(re.compile(re.escape(href) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    assert href != unreviewed
    assert_fits(page)
    page.screenshot(path=SCREENSHOTS / "task-similar-model.png")
    assert console_errors == []
