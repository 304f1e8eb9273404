"""The availability bars and the latency chart on a profile, drawn in chromium from runs the worker stored."""

import datetime as dt

from django.utils import timezone
from playwright.sync_api import expect

from catalog.models import Offering
from monitoring.models import Adapter, Outcome, ProbeRun, ProbeTarget
from tests.browser.test_catalog_and_profile import SCREENSHOTS
from tests.fixtures import store_runs


def test_a_bar_per_day_and_the_daily_latency_with_hover_details(
    live_sample_data, live_server, page, console_errors, time_machine
):
    # Today at noon, the clock running: the bar for two days ago stays the 88th even when the test runs across
    # midnight (UTC), and today's runs are those of the morning.
    time_machine.move_to(timezone.now().replace(hour=12, minute=0, second=0, microsecond=0))
    offering = Offering.objects.get(host__slug="openai", host_model_id="gpt-4o")
    target = ProbeTarget.objects.create(
        offering=offering, adapter=Adapter.OPENAI, base_url="http://127.0.0.1:9/v1", is_demo=True
    )
    today = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    runs = []
    for days_ago in range(5):  # five days, four runs each; one 503 two days ago
        for hour in (1, 7, 13, 19):
            failed = days_ago == 2 and hour == 13
            runs.append(
                ProbeRun(
                    target=target,
                    started_at=today - dt.timedelta(days=days_ago) + dt.timedelta(hours=hour),
                    outcome=Outcome.HTTP_ERROR if failed else Outcome.OK,
                    http_status=503 if failed else 200,
                    latency_ms=None if failed else 500 + 10 * hour,
                    ttft_ms=None if failed else 200,
                    output_tokens=None if failed else 12,
                )
            )
    store_runs([run for run in runs if run.started_at <= timezone.now()])

    page.goto(f"{live_server.url}/models/openai/gpt-4o/")

    bars = page.locator("#availability-chart .bars .point")
    expect(bars).to_have_count(90)
    expect(page.locator("#latency-chart .scatterlayer .trace")).to_have_count(3)  # p50, p95, TTFT
    page.locator("#availability-chart").scroll_into_view_if_needed()
    box = bars.nth(87).bounding_box()  # the bar runs from 0%, below the axis: hover near its top
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 4, steps=5)
    expect(page.locator("#availability-chart .hoverlayer")).to_contain_text("75.0% · 3 of 4 runs ok")
    page.locator("section[aria-labelledby=s-availability]").screenshot(path=SCREENSHOTS / "availability.png")
    assert console_errors == []
