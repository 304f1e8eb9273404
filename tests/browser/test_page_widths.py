"""Every page type, on the shipped sample data, fits a 390 px phone and a 1366 px laptop: the document is never
wider than the viewport (wide tables scroll inside their box). A screenshot of each page at each width is kept in
var/screenshots/widths/ to look at."""

from tests.browser.test_catalog_and_profile import SCREENSHOTS
from tests.fixtures import load_shipped

WIDTHS = (390, 1366)
COMPARE_THREE = "/compare/?models=openai/gpt-4o,anthropic/claude-sonnet-4-5,google/gemini-2.5-pro"
PAGES = {
    "home": "/",
    "browse": "/models/",
    "provider": "/models/openai/",
    "profile": "/models/openai/gpt-4o/",  # reviewed, with its price chart
    "model-without-profile": "/models/openai/gpt-4o-mini/",
    "compare-three": COMPARE_THREE,
    "benchmarks": "/benchmarks/",
    "changes": "/changes/",
    "methodology": "/methodology/",
    "status": "/status/",
    "api-docs": "/api/v1/docs",
    "not-found": "/no-such-page/",
    "admin-login": "/admin/login/",
}
# The widest elements that stick out of the viewport, named so that a failure says what to fix.
WIDEST = """(width) => [...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > width + 1 && !e.parentElement.closest('.table-scroll'))
    .sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right)
    .slice(0, 3)
    .map((e) => `${e.tagName.toLowerCase()}${e.className ? '.' + String(e.className).split(' ')[0] : ''}`
        + ` (${Math.round(e.getBoundingClientRect().right)} px)`)"""


def too_wide(page, base_url: str, pages: dict[str, str]) -> list[str]:
    """Each page at each width: its screenshot taken, and a line for each page wider than the screen."""
    folder = SCREENSHOTS / "widths"
    folder.mkdir(parents=True, exist_ok=True)
    failures = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in pages.items():
            page.goto(base_url + path, wait_until="networkidle")
            document_width = page.evaluate("document.documentElement.scrollWidth")
            page.screenshot(path=folder / f"{name}-{width}.png", full_page=True)
            if document_width > width:
                widest = ", ".join(page.evaluate(WIDEST, width))
                failures.append(f"{name} ({path}) is {document_width} px wide at {width} px: {widest}")
    return failures


def test_every_page_type_fits_a_phone_and_a_laptop(live_server, transactional_db, page):
    load_shipped()  # what `make run` loads: the whole catalogue, its price history and the profiles

    assert too_wide(page, live_server.url, PAGES) == []
