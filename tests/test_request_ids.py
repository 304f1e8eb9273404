"""Every response carries a request id (X-Request-ID); the logs of the request and its 500 page show the same one.
An id sent with the request is kept only from the header a trusted proxy sets (REQUEST_ID_HEADER)."""

import re

import pytest
from django.test import Client, override_settings

from tests.fixtures import text_of

GENERATED = re.compile(r"[0-9a-f]{32}")
PROXY_ID = "b7a1c0de-5f3e-4b2a-9c8d-0123456789ab"


@pytest.mark.django_db
def test_every_response_has_its_own_request_id(reader):
    first = reader.get("/robots.txt")
    second = reader.get("/robots.txt")

    assert GENERATED.fullmatch(first["X-Request-ID"]) and GENERATED.fullmatch(second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.django_db
def test_a_404_and_a_redirect_carry_one_too(reader):
    assert GENERATED.fullmatch(reader.get("/no-such-page/")["X-Request-ID"])
    assert GENERATED.fullmatch(reader.get("/models")["X-Request-ID"])  # CommonMiddleware's slash redirect


@pytest.mark.django_db
def test_an_id_a_client_sends_is_replaced_when_no_proxy_is_trusted(reader):
    response = reader.get("/robots.txt", headers={"X-Request-ID": PROXY_ID})

    assert response["X-Request-ID"] != PROXY_ID and GENERATED.fullmatch(response["X-Request-ID"])


@override_settings(REQUEST_ID_HEADER="X-Request-ID")
@pytest.mark.django_db
def test_the_trusted_proxys_id_is_kept(reader):
    assert reader.get("/robots.txt", headers={"X-Request-ID": PROXY_ID})["X-Request-ID"] == PROXY_ID


@override_settings(REQUEST_ID_HEADER="X-Amzn-Trace-Id")
@pytest.mark.django_db
def test_the_trusted_header_may_have_another_name_and_only_it_counts(reader):
    trace = "Root=1-67891233-abcdef012345678912345678"
    assert reader.get("/robots.txt", headers={"X-Amzn-Trace-Id": trace})["X-Request-ID"] == trace
    other = reader.get("/robots.txt", headers={"X-Request-ID": PROXY_ID})["X-Request-ID"]
    assert other != PROXY_ID and GENERATED.fullmatch(other)


@override_settings(REQUEST_ID_HEADER="X-Request-ID")
@pytest.mark.django_db
@pytest.mark.parametrize(
    "hostile",
    [
        "a" * 129,  # too long to quote
        "abc\nERROR forged log line",
        "<script>alert(1)</script>",
        "id with spaces",
        "-starts-with-a-dash",
        "ünïcode",
        "",
    ],
)
def test_an_unreadable_id_even_from_the_trusted_header_is_replaced(reader, hostile):
    response = reader.get("/robots.txt", headers={"X-Request-ID": hostile})

    assert GENERATED.fullmatch(response["X-Request-ID"])


@override_settings(REQUEST_ID_HEADER="X-Request-ID")
@pytest.mark.django_db
def test_the_longest_readable_id_is_kept(reader):
    longest = "a" * 128
    assert reader.get("/robots.txt", headers={"X-Request-ID": longest})["X-Request-ID"] == longest


@pytest.mark.urls("tests.urls_with_error")
@pytest.mark.django_db
def test_the_500_page_and_the_error_in_the_log_show_the_responses_request_id(json_log_lines):
    response = Client(raise_request_exception=False).get("/broken/")

    request_id = response["X-Request-ID"]
    assert response.status_code == 500 and GENERATED.fullmatch(request_id)
    assert f"please quote this id: {request_id}" in text_of(response)
    (error,) = [line for line in json_log_lines() if line["logger"] == "django.request"]
    assert error["request_id"] == request_id and error["level"] == "ERROR"
    assert error["message"] == "Internal Server Error: /broken/"
    assert (error["http_method"], error["path"], error["status_code"]) == ("GET", "/broken/", 500)
    assert error["exception"].endswith("RuntimeError: a bug in a view")


@pytest.mark.urls("tests.urls_with_error")
@pytest.mark.django_db
def test_a_server_error_under_the_api_is_json_with_the_request_id():
    response = Client(raise_request_exception=False).get("/api/broken/")

    assert response.status_code == 500
    assert response.json() == {
        "detail": "Internal server error. It has been logged.",
        "request_id": response["X-Request-ID"],
    }


@pytest.mark.urls("tests.urls_with_error")
@pytest.mark.django_db
def test_what_a_view_logs_carries_the_id_of_its_response(json_log_lines):
    client = Client()
    first, second = client.get("/logging/"), client.get("/logging/")

    lines = [line for line in json_log_lines() if line["logger"] == "tests.views"]
    assert [line["request_id"] for line in lines] == [first["X-Request-ID"], second["X-Request-ID"]]


@pytest.mark.django_db
def test_a_404_is_logged_once_under_its_request_id(reader, json_log_lines):
    response = reader.get("/no-such-page/")

    (line,) = [line for line in json_log_lines() if line["logger"] == "django.request"]
    assert line["message"] == "Not Found: /no-such-page/" and line["level"] == "WARNING"
    assert line["request_id"] == response["X-Request-ID"]
