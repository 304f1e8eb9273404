"""The test suite's set-up: shared fixtures, and Playwright driving Debian's chromium for tests/browser/."""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop; live_server tests that touch the ORM would otherwise be refused.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytest_plugins = ["tests.fixtures"]

BROWSER_TESTS = Path(__file__).parent / "browser"
CHROMIUM = (
    "/usr/lib/chromium/chromium"  # Debian's package; `make test` installs it. Never `playwright install`.
)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Everything under tests/browser/ is a browser test: `pytest -m "not browser"` leaves them out."""
    for item in items:
        if item.path.is_relative_to(BROWSER_TESTS):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture
def console_errors(page) -> list[str]:
    """The page's console errors and uncaught exceptions, as they happen: assert it stays `[]`."""
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type == "error":
            errors.append(f"console: {message.text} ({message.location.get('url', '')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    return errors


@pytest.fixture(autouse=True)
def _empty_cache(monkeypatch):
    """Every test starts with empty page caches (with REDIS_URL set, the cache is Redis, which outlives tests, and
    a near cache in this process),
    and reads the data versions afresh (a test's database is not the last one's). The second for which a process
    trusts them does not pass unless a test moves `freshness._clock`: a slow page on a busy machine changes nothing."""
    from catalog import freshness
    from tests.fixtures import empty_caches

    empty_caches()
    freshness.forget_versions()
    monkeypatch.setattr(freshness, "_clock", lambda: 0.0)
    yield
    empty_caches()
    freshness.forget_versions()
