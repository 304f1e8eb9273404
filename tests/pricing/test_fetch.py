"""Fetching a feed: retries with backoff, timeouts, a size limit, and URLs that never leak a key."""

import httpx
import pytest
import respx

from pricing.fetch import display_url, fetch_json
from pricing.sources.base import FeedError

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
