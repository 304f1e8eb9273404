"""A feed URL's user, password and query string (where keys live) are kept nowhere: not in the SyncRun row, the
admin, the logs or the error a caller sees, whether the fetch fails or succeeds."""

import http.server
import json
import logging
import threading

import pytest
from django.core.management import CommandError, call_command

from pricing.models import PriceSource, SyncRun
from pricing.runs import run_sync
from pricing.sources.base import FeedError
from tokenledger.redaction import display_url

pytestmark = pytest.mark.django_db

PASSWORD = "hunter2-PASSWORD"
KEY = "SECRETkey0123456789"
FEED = {"gpt-4o": {"litellm_provider": "openai", "input_cost_per_token": 2.5e-06}}


class FeedHandler(http.server.BaseHTTPRequestHandler):
    """/feed.json answers a small litellm feed, anything else 404."""

    def do_GET(self):
        if self.path.split("?")[0] == "/feed.json":
            body = json.dumps(FEED).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_error(404)

    def log_message(self, *args):
        pass


@pytest.fixture
def feed_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port
    server.shutdown()


def secret_url(port: int, path: str) -> str:
    return f"http://reader:{PASSWORD}@127.0.0.1:{port}/{path}?key={KEY}&v=2"


def assert_kept_nowhere(admin_client, caplog, *texts: str) -> None:
    run = SyncRun.objects.get()
    stored = json.dumps(list(SyncRun.objects.values()), default=str)
    pages = "".join(
        admin_client.get(url).content.decode()
        for url in ("/admin/pricing/syncrun/", f"/admin/pricing/syncrun/{run.pk}/change/")
    )
    for secret in (PASSWORD, KEY, "reader"):
        assert secret not in stored
        assert secret not in pages
        assert secret not in caplog.text
        for text in texts:
            assert secret not in text


def test_a_failed_fetch_keeps_only_the_urls_display_form(feed_server, admin_client, caplog):
    caplog.set_level(logging.DEBUG)
    url = secret_url(feed_server, "missing.json")

    with pytest.raises(FeedError) as raised:
        run_sync("litellm", url=url)

    run = SyncRun.objects.get()
    assert run.status == "failed"
    assert run.origin == f"http://127.0.0.1:{feed_server}/missing.json"
    assert "answered HTTP 404" in run.error
    assert_kept_nowhere(admin_client, caplog, str(raised.value), repr(raised.value))


def test_a_successful_fetch_keeps_only_the_urls_display_form(feed_server, admin_client, caplog):
    caplog.set_level(logging.DEBUG)

    run, _ = run_sync("litellm", url=secret_url(feed_server, "feed.json"))

    assert run.status == "succeeded" and run.opened >= 1
    assert run.origin == f"http://127.0.0.1:{feed_server}/feed.json"
    assert_kept_nowhere(admin_client, caplog)


def test_an_error_that_quotes_the_raw_url_is_redacted_before_it_is_stored_or_raised(
    feed_server, admin_client, caplog, monkeypatch
):
    def quoting_fetch(url):
        raise ValueError(f"cannot read {url} (key {KEY})")

    monkeypatch.setattr("pricing.runs.fetch_json", quoting_fetch)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(FeedError) as raised:
        run_sync("litellm", url=secret_url(feed_server, "feed.json"))

    run = SyncRun.objects.get()
    assert f"cannot read http://127.0.0.1:{feed_server}/feed.json" in run.error
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert_kept_nowhere(admin_client, caplog, str(raised.value))


def test_the_command_prints_no_secret_of_a_failing_url(feed_server, capsys, caplog):
    with pytest.raises(CommandError) as raised:
        call_command("sync_prices", "--source", "litellm", "--url", secret_url(feed_server, "missing.json"))

    printed = str(raised.value) + "".join(capsys.readouterr())
    assert f"127.0.0.1:{feed_server}/missing.json" in printed
    assert PASSWORD not in printed and KEY not in printed


@pytest.mark.parametrize(
    "url, shown",
    [
        ("https://user:pw@feeds.example:8443/a.json?key=x#frag", "https://feeds.example:8443/a.json"),
        ("http://[::1]:8000/feed.json?key=x", "http://[::1]:8000/feed.json"),
        ("http://user:pw@127.0.0.1:99999999/feed.json", ""),  # unreadable port: nothing kept
        ("", ""),
    ],
)
def test_the_display_form_of_a_url_has_no_credentials_or_query(url, shown):
    assert display_url(url) == shown


def test_the_sources_admin_list_shows_a_feed_url_without_its_key(admin_client):
    PriceSource.objects.filter(slug="litellm").update(url=f"https://feeds.example/prices.json?key={KEY}")

    page = admin_client.get("/admin/pricing/pricesource/").content.decode()

    assert "https://feeds.example/prices.json" in page and KEY not in page
