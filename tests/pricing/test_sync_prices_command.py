"""`manage.py sync_prices` against a real HTTP server on 127.0.0.1 serving the real LiteLLM table."""

import functools
import http.server
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from pricing.models import PricePeriod, SyncRun
from tokenledger.sample_data import DATA_DIR

pytestmark = pytest.mark.django_db

LITELLM = DATA_DIR / "litellm"


@pytest.fixture
def feed_server():
    """Serves data/litellm/ over HTTP on 127.0.0.1; /broken answers 500."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/broken":
                self.send_error(500)
                return
            super().do_GET()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=LITELLM))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def sync(*args) -> str:
    out = StringIO()
    call_command("sync_prices", *args, stdout=out)
    return out.getvalue()


def test_it_fetches_the_feed_over_http_and_prints_a_summary(feed_server):
    output = sync(
        "--source",
        "litellm",
        "--url",
        f"{feed_server}/model_prices_and_context_window.json",
        "--as-of",
        "2026-07-24",
    )

    assert "Seen: 2983 entries" in output
    assert "Rejected: 30" in output
    assert "wandb/openai/gpt-oss-120b: input_cost_per_token: $15,000.00 per 1M tokens is absurd" in output
    assert "Recorded." in output
    assert PricePeriod.objects.filter(
        offering__host__slug="openai", offering__host_model_id="gpt-4o"
    ).exists()
    run = SyncRun.objects.get()
    assert (run.status, run.rejected, run.origin) == (
        "succeeded",
        30,
        f"{feed_server}/model_prices_and_context_window.json",
    )


def test_the_same_feed_twice_writes_nothing_the_second_time(feed_server):
    url = f"{feed_server}/model_prices_and_context_window.json"
    sync("--source", "litellm", "--url", url, "--as-of", "2026-07-24")
    periods = list(PricePeriod.objects.values_list("pk", "price", "valid_to"))

    output = sync("--source", "litellm", "--url", url, "--as-of", "2026-07-31")

    assert "0 new, 0 changed" in output
    assert "Nothing changed." in output
    assert list(PricePeriod.objects.values_list("pk", "price", "valid_to")) == periods


def test_a_dry_run_writes_nothing(feed_server):
    output = sync(
        "--source", "litellm", "--file", str(LITELLM / "model_prices_and_context_window.json"), "--dry-run"
    )

    assert "Dry run: nothing was written." in output
    assert not PricePeriod.objects.exists()


def test_an_unreachable_feed_is_a_clear_error_that_writes_nothing(feed_server, monkeypatch):
    monkeypatch.setattr("pricing.fetch.BACKOFF_SECONDS", 0)

    with pytest.raises(CommandError, match=r"Nothing was written: .*/broken answered HTTP 500"):
        sync("--source", "litellm", "--url", f"{feed_server}/broken")
    assert not PricePeriod.objects.exists()
    assert SyncRun.objects.get().status == "failed"


def test_a_malformed_date_is_refused():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        sync("--source", "litellm", "--file", "x.json", "--as-of", "24/07/2026")
