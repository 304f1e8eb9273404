"""Writes static/vendor/plotly.css: the style rules plotly.js would otherwise inject into a <style> element when it
loads, which our Content-Security-Policy (style-src 'self') forbids.

plotly.js skips that injection when the page already has an element with the id `plotly.js-style-global` and the
class `no-inline-styles` (tokenledger.charts.to_html links this file so). plotly.js 3+ no longer ships the
stylesheet, so it is read from the bundle itself, in a browser: `python -m tokenledger.plotly_css` (run by
`make plotly-js`; it needs Playwright and Debian's chromium, like the browser tests).
"""

from __future__ import annotations

from pathlib import Path

from tokenledger.charts import PLOTLY_CSS
from tokenledger.staticfiles import PLOTLY_JS

STATIC = Path(__file__).resolve().parent.parent / "static"
CHROMIUM = "/usr/lib/chromium/chromium"
HEADER = (
    "/* The style rules of {bundle}, as it injects them; written by `python -m tokenledger.plotly_css`. */\n"
)


def injected_rules(page) -> list[str]:
    """The rules the bundle adds to its global <style> element, in the order it adds them, on a Playwright page."""
    page.set_content("<!doctype html><html><head></head><body></body></html>")
    page.add_script_tag(path=str(STATIC / PLOTLY_JS))
    rules = page.evaluate(
        """() => Array.from(document.getElementById("plotly.js-style-global").sheet.cssRules, r => r.cssText)"""
    )
    return list(reversed(rules))  # plotly inserts each rule at the top


def stylesheet(rules: list[str]) -> str:
    return HEADER.format(bundle=PLOTLY_JS) + "".join(f"{rule}\n" for rule in rules)


def main() -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        text = stylesheet(injected_rules(browser.new_page()))
        browser.close()
    (STATIC / PLOTLY_CSS).write_text(text)
    print(f"static/{PLOTLY_CSS}: {text.count(chr(10)) - 1} rules")


if __name__ == "__main__":
    main()
