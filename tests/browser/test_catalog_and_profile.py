"""A reader opens the catalog and a profile in chromium: nothing is broken, nothing logs an error."""

import re
from pathlib import Path

from django.conf import settings
from playwright.sync_api import expect

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"
SCREENSHOTS.mkdir(parents=True, exist_ok=True)


def test_a_reader_finds_the_reference_model_in_the_catalog_and_opens_its_profile(
    live_server, live_sample_data, page, console_errors
):
    page.goto(f"{live_server.url}/models/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Browse AI models")
    page.screenshot(path=SCREENSHOTS / "catalog.png", full_page=True)

    page.get_by_role("searchbox", name="Search", exact=True).fill("gpt-4o audio")
    page.get_by_role("searchbox", name="Search", exact=True).press("Enter")
    page.get_by_role("link", name=re.compile("GPT-4o Audio")).click()

    expect(page).to_have_url(re.compile(r"/models/openai/gpt-4o-audio-preview-2024-12-17/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("GPT-4o Audio")
    pricing = page.locator("section[aria-labelledby=s-pricing]")
    expect(pricing).to_contain_text("$2.50")
    expect(pricing).to_contain_text("$10.00")
    expect(pricing).to_contain_text("≈ $0.00350")
    expect(pricing).to_contain_text("$3.50 per 1,000 conversations")
    expect(page.get_by_text("No measurements yet", exact=True)).to_be_visible()
    for img in page.locator(".article img").all():
        assert img.evaluate("i => i.complete && i.naturalWidth > 0"), img.get_attribute("src")
    page.screenshot(path=SCREENSHOTS / "profile.png", full_page=True)

    assert console_errors == []


def test_the_profile_reads_well_on_a_phone(live_server, live_sample_data, page, console_errors):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/models/openai/gpt-4o-audio-preview-2024-12-17/")

    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a phone"
    page.screenshot(path=SCREENSHOTS / "profile-phone.png", full_page=True)
    assert console_errors == []
