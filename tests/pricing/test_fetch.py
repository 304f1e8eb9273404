"""Fetching a feed: retries with backoff, timeouts, a size limit, an overall deadline, and URLs that never leak
a key."""

import httpx
import pytest
import respx

from pricing.fetch import display_url, fetch_json
from pricing.sources.base import FeedError
from tests.pricing.drip import DripServer

URL = "https://feeds.example/prices.json"


@respx.mock
def test_it_retries_a_server_error_and_returns_the_json_that_follows():
    route = respx.get(URL).mock(side_effect=[httpx.Response(503), httpx.Response(200, json={"gpt-4o": {}})])

    assert fetch_json(URL, backoff=0) == {"gpt-4o": {}}
    assert route.call_count == 2


@respx.mock
def test_it_sends_our_user_agent():
    route = respx.get(URL).mock(return_value=httpx.Response(200, json={}))

    fetch_json(URL, backoff=0)

    assert route.calls.last.request.headers["User-Agent"].startswith("Tokenledger/")


@respx.mock
def test_it_gives_up_after_its_retries_with_a_clear_error():
    route = respx.get(URL).mock(side_effect=httpx.ConnectTimeout("slow"))

    with pytest.raises(FeedError, match=r"timed out .* \(3 attempts\)"):
        fetch_json(URL, retries=2, backoff=0)
    assert route.call_count == 3


@respx.mock
def test_a_client_error_is_not_retried():
    route = respx.get(URL).mock(return_value=httpx.Response(404))

    with pytest.raises(FeedError, match="answered HTTP 404"):
        fetch_json(URL, backoff=0)
    assert route.call_count == 1


@respx.mock
def test_a_feed_over_the_size_limit_is_refused():
    respx.get(URL).mock(return_value=httpx.Response(200, content=b"[" + b"0," * 1000 + b"0]"))

    with pytest.raises(FeedError, match="limit"):
        fetch_json(URL, max_bytes=100, backoff=0)


@respx.mock
def test_an_answer_that_is_not_json_is_refused():
    respx.get(URL).mock(return_value=httpx.Response(200, content=b"<html>maintenance</html>"))

    with pytest.raises(FeedError, match="is not valid JSON"):
        fetch_json(URL, backoff=0)


@respx.mock
def test_a_key_in_the_url_never_appears_in_an_error():
    respx.get(url__startswith=URL).mock(return_value=httpx.Response(500))

    with pytest.raises(FeedError) as error:
        fetch_json(URL + "?api_key=sk-secret-123", retries=0, backoff=0)
    assert "sk-secret-123" not in str(error.value)
    assert (
        display_url("https://user:pw@feeds.example:8443/a.json?key=x") == "https://feeds.example:8443/a.json"
    )


# Only the deadline says "gave up after N s", so the messages below prove that the deadline ended each fetch
# (without it: a read timeout's message after a minute, or the drip server's own end). How long a fetch took is
# not asserted: a busy machine would break that, and not the deadline.


def test_a_server_that_drips_its_body_is_given_up_at_the_deadline():
    with DripServer("body", every=1) as url, pytest.raises(FeedError) as error:
        fetch_json(url, deadline=3, backoff=0)

    assert str(error.value).startswith(f"{url} gave up after 3 s: the server sent ")
    assert str(error.value).endswith(" bytes") and "\n" not in str(error.value)


def test_a_server_that_drips_its_headers_is_cut_off_at_the_deadline():
    """No read ever times out (a byte comes every second): the watchdog shuts the connection."""
    with (
        DripServer("headers", every=1) as url,
        pytest.raises(FeedError, match=r"gave up after 3 s: no complete answer$"),
    ):
        fetch_json(url, deadline=3, backoff=0)


def test_a_read_that_stalls_ends_at_the_deadline_not_at_the_read_timeout():
    with (
        DripServer("stall") as url,
        pytest.raises(FeedError, match=r"gave up after 3 s: the server sent 0 bytes"),
    ):
        fetch_json(url, deadline=3, timeout=httpx.Timeout(60.0, connect=10.0), backoff=0)


def test_the_fetch_deadline_comes_from_the_settings(settings):
    settings.PRICE_FETCH_DEADLINE_SECONDS = 2
    with DripServer("stall") as url, pytest.raises(FeedError, match="gave up after 2 s"):
        fetch_json(url, backoff=0)


class FakeTime:
    """pricing.fetch's clock and sleep, in seconds that pass only when the test (or a sleep) says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@respx.mock
def test_retries_stop_when_the_next_would_not_fit_in_the_deadline(monkeypatch):
    # On a fake clock: on the wall clock, a busy machine can stretch the second attempt past the deadline, which
    # then ends the fetch with its own message instead ("gave up after 3 s").
    clock = FakeTime()
    monkeypatch.setattr("pricing.fetch.time", clock)

    def slow_failure(request):
        clock.sleep(1)
        raise httpx.ConnectTimeout("slow")

    route = respx.get(URL).mock(side_effect=slow_failure)

    with pytest.raises(
        FeedError, match=r"timed out .* \(2 attempts; no time for another within the 3 s deadline\)"
    ):
        fetch_json(URL, retries=10, backoff=0.5, deadline=3)
    # 1 s, 0.5 s between, 1 s: at 2.5 s the next wait (1 s) would pass the deadline. Never the 11 asked for.
    assert route.call_count == 2
    assert clock.now == 2.5


def test_each_attempt_against_a_stalling_server_counts_against_one_deadline():
    server = DripServer("stall")
    with server as url, pytest.raises(FeedError, match="gave up after 3 s"):
        fetch_json(url, retries=10, backoff=0, deadline=3, timeout=httpx.Timeout(1.0))

    # A read timeout never fires early, so each attempt takes a second or more: the deadline ends the third or
    # fourth, not the eleventh (a busy machine only makes them fewer: how many is not bounded from below).
    assert 1 <= server.requests <= 5
