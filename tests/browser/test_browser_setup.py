"""The browser tests' own set-up: Debian's chromium starts, and console errors are caught."""

from tests.conftest import CHROMIUM


def test_the_browser_is_debians_chromium(browser, browser_type_launch_args):
    assert browser_type_launch_args["executable_path"] == CHROMIUM
    assert browser.browser_type.name == "chromium"
    assert browser.version


def test_console_errors_catches_logged_errors_and_uncaught_exceptions(page, console_errors):
    page.set_content(
        "<script>console.error('logged on purpose'); console.log('fine');</script>"
        "<script>throw new Error('thrown on purpose')</script>"
    )
    # The console's messages reach us after set_content returns: wait for them (generously: a busy machine is
    # slow) rather than for a fixed 100 ms, which they may miss.
    for _ in range(200):
        if len(console_errors) >= 2:
            break
        page.wait_for_timeout(50)

    assert len(console_errors) == 2
    assert "logged on purpose" in console_errors[0]
    assert "thrown on purpose" in console_errors[1]
