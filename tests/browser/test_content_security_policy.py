"""Under the site's Content-Security-Policy (no inline script or style), every kind of page works in chromium with
not one violation: the profile's charts, compare, browse and its search suggestions, status, the admin and the
API docs."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from catalog.models import Offering
from monitoring.models import Adapter, Outcome, ProbeRun, ProbeTarget
from tests.browser.test_catalog_and_profile import SCREENSHOTS
from tests.fixtures import store_runs
from tokenledger import plotly_css
from tokenledger.charts import PLOTLY_CSS

# Registered before any script of the page runs, so that no violation goes unseen.
CATCH_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => window.cspViolations.push(
    `${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`));
"""


@pytest.fixture
def watched(page):
    """The page, recording every CSP violation; `violations()` reads them (cleared by each navigation)."""
    page.add_init_script(CATCH_VIOLATIONS)
    return page


def violations(page) -> list[str]:
    return page.evaluate("window.cspViolations")


def visit(page, url: str):
    response = page.goto(url)
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    return response


@pytest.fixture
def probed_gpt_4o(live_sample_data):
    """Three days of runs of GPT-4o at OpenAI, for the availability and latency charts."""
    target = ProbeTarget.objects.create(
        offering=Offering.objects.get(host__slug="openai", host_model_id="gpt-4o"),
        adapter=Adapter.OPENAI,
        base_url="http://127.0.0.1:9/v1",
        is_demo=True,
    )
    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    store_runs(
        [
            ProbeRun(
                target=target,
                started_at=today - dt.timedelta(days=days_ago, hours=-hour),
                outcome=Outcome.OK,
                http_status=200,
                latency_ms=500 + 10 * hour,
                ttft_ms=200,
                output_tokens=12,
            )
            for days_ago in (1, 2, 3)
            for hour in (1, 13)
        ]
    )


def test_the_policy_blocks_an_injected_inline_script_and_the_test_sees_it(
    live_server, live_sample_data, watched
):
    visit(watched, f"{live_server.url}/models/")

    ran = watched.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "window.injected = 1";
                   document.body.append(s); return window.injected === 1; }"""
    )

    assert not ran
    watched.wait_for_function("window.cspViolations.length > 0")
    assert violations(watched)[0].startswith("script-src-elem blocked inline")


def test_the_public_pages_draw_everything_with_no_violation(
    live_server, probed_gpt_4o, watched, console_errors
):
    visit(watched, f"{live_server.url}/models/openai/gpt-4o/")
    for chart in ("#price-history", "#availability-chart", "#latency-chart"):
        expect(watched.locator(f"{chart} .main-svg").first).to_be_visible()
    watched.locator("#price-history .scatterlayer .trace .points path").first.hover(force=True)
    expect(watched.locator("#price-history .hoverlayer")).to_contain_text("$")
    expect(watched.locator("svg.bar rect.bar__fill--output")).to_have_attribute("width", "100%")
    watched.screenshot(path=SCREENSHOTS / "csp-profile.png", full_page=True)
    assert violations(watched) == []

    visit(watched, f"{live_server.url}/compare/?models=openai/gpt-4o,anthropic/claude-sonnet-4-5")
    expect(watched.locator("#compare-history .scatterlayer .trace")).to_have_count(4)
    assert violations(watched) == []

    visit(watched, f"{live_server.url}/models/")
    watched.get_by_role("combobox", name="Search models").press_sequentially("gpt-4o", delay=40)
    expect(
        watched.get_by_role("listbox", name="Suggested models").get_by_role("option").first
    ).to_contain_text("GPT-4o")
    assert violations(watched) == []

    visit(watched, f"{live_server.url}/status/")
    expect(watched.get_by_role("heading", level=1)).to_be_visible()
    assert violations(watched) == []

    visit(watched, f"{live_server.url}/benchmarks/")
    assert violations(watched) == []
    assert console_errors == []


def test_the_admin_and_the_api_docs_work_with_no_violation(
    live_server, live_sample_data, admin_user, watched
):
    visit(watched, f"{live_server.url}/admin/login/")
    watched.get_by_label("Username").fill("admin")
    watched.get_by_label("Password").fill("password")
    watched.get_by_role("button", name="Log in").click()
    expect(watched.get_by_text("Site administration")).to_be_visible()
    assert violations(watched) == []

    visit(watched, f"{live_server.url}/admin/monitoring/probetarget/add/")
    watched.locator(".select2-selection").first.click()  # the offering's autocomplete (select2, jQuery)
    watched.locator(".select2-search__field").fill("gpt-4o")
    expect(watched.locator(".select2-results__option").first).to_contain_text("gpt-4o")
    assert violations(watched) == []

    for path in ("/admin/pricing/syncrun/", "/admin/catalog/model/", "/admin/pricing/priceperiod/"):
        visit(watched, f"{live_server.url}{path}")
        expect(watched.locator("#content h1")).to_be_visible()
        assert violations(watched) == [], path

    visit(watched, f"{live_server.url}/api/v1/docs")
    expect(watched.locator(".swagger-ui .info .title")).to_contain_text("Tokenledger")
    watched.locator(".opblock-summary").first.click()
    expect(watched.locator(".opblock-body").first).to_be_visible()
    assert violations(watched) == []


def test_our_plotly_css_holds_exactly_the_rules_the_bundle_would_inject(page):
    """Else a refreshed bundle would draw with stale styles: `make plotly-js` rewrites the file."""
    committed = (plotly_css.STATIC / PLOTLY_CSS).read_text()

    assert committed == plotly_css.stylesheet(plotly_css.injected_rules(page))
    assert ".js-plotly-plot .plotly .main-svg { position: absolute;" in committed
