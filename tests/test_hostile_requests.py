"""Addresses an attacker or a broken link sends: each is a 400 with a message, or the page with a notice naming
what it left out; never a 500. The API answers in JSON whatever goes wrong; pages keep the site's HTML pages.
(CI runs these on PostgreSQL too, which refuses a NUL byte or an out-of-range number in a query.)"""

import pytest
from django.test import Client

from tests.fixtures import text_of

pytestmark = pytest.mark.django_db

ONE_MB = 1024 * 1024


@pytest.fixture
def visitor() -> Client:
    """A reader whose requests that fail answer as production does (a 500 page), not as an exception."""
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(
    "url",
    [
        "/models/?q=%00",
        "/compare/?models=%00",
        "/compare/?models=openai/gpt-4o&input_tokens=1%002",
        "/search/suggestions/?q=a%00b",
        "/models/openai%00/",
        "/models/openai/gpt-4o%00/",
        "/models/%00/x/prices.csv",
        "/feeds/providers/%00/price-changes.atom",
        "/changes/?kind=%00",
        "/models/?%00=1",
    ],
)
def test_a_nul_byte_in_a_page_address_is_a_400_page_saying_so(sample_data, visitor, url):
    response = visitor.get(url)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "NUL byte" in text_of(response) and "Tokenledger" in text_of(response)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/models/?lab=%00",
        "/api/v1/models/?q=%00",
        "/api/v1/models/openai/gpt-4o/prices/?host=%00",
        "/api/v1/models/openai/gpt-4o%00/",
    ],
)
def test_a_nul_byte_in_an_api_address_is_a_json_400(sample_data, visitor, url):
    response = visitor.get(url)

    assert response.status_code == 400
    assert "NUL byte" in response.json()["detail"]


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/models/?max_input=1e-999999", "max_input"),
        ("/models/?max_input=1e-100000", "max_input"),
        ("/models/?max_output=1e999999", "max_output"),
        ("/models/?max_input=NaN", "max_input"),
        ("/models/?page=-1", "page"),
        ("/models/?page=99999999999999999999", "page"),
        ("/models/?min_context=9" + "9" * 5000, "min_context"),
        ("/models/?lab=evil/host", "lab"),
        ("/models/?lab=%3Cscript%3E", "lab"),
        ("/models/openai/?page=abc", "page"),
        ("/models/openai/gpt-4o/?input_tokens=-1", "input_tokens"),
        ("/benchmarks/?sort=nonsense", "sort"),
        ("/changes/?kind=nonsense", "kind"),
    ],
)
def test_a_value_a_page_cannot_read_is_left_out_with_a_notice_naming_it(sample_data, visitor, url, parameter):
    response = visitor.get(url)

    assert response.status_code == 200
    assert len(response.content) < ONE_MB
    notice = text_of(response).split("Left out of this address", 1)
    assert len(notice) == 2 and f"{parameter}:" in notice[1]


def test_a_price_with_a_huge_exponent_is_never_expanded_into_the_page(sample_data, visitor):
    response = visitor.get("/models/?max_input=1e-999999")

    assert len(response.content) < 200_000  # the expanded number alone was 1 MB (8 MB with its links)
    assert "At most 6 decimal places" in text_of(response)
    assert "0000000000" not in response.content.decode()


def test_an_offset_beyond_any_database_integer_is_a_json_400_naming_it(sample_data, visitor):
    response = visitor.get("/api/v1/models/?offset=99999999999999999999")

    assert response.status_code == 400
    [error] = response.json()["detail"]
    assert error["loc"] == ["query", "offset"]


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/models/?lab=evil/host", "lab"),
        ("/api/v1/models/?q=" + "x" * 201, "q"),
        ("/api/v1/models/openai/gpt-4o/prices/?host=a%20b", "host"),
        ("/api/v1/models/openai/gpt-4o/prices/?as_of=0001-01-01", "as_of"),
        ("/api/v1/models/openai/gpt-4o/prices/?as_of=9999-12-31", "as_of"),
        ("/api/v1/models/?limit=0", "limit"),
    ],
)
def test_an_api_parameter_out_of_bounds_is_a_json_400_naming_it(sample_data, visitor, url, parameter):
    response = visitor.get(url)

    assert response.status_code == 400
    assert [error["loc"] for error in response.json()["detail"]] == [["query", parameter]]


def test_an_unknown_lab_is_a_json_404_not_an_empty_list(sample_data, visitor):
    response = visitor.get("/api/v1/models/?lab=no-such-lab")

    assert response.status_code == 404
    assert response.json() == {"detail": "No lab no-such-lab in the catalogue."}


def test_an_unknown_host_is_a_json_404_not_an_empty_list(sample_data, visitor):
    response = visitor.get("/api/v1/models/openai/gpt-4o/prices/?host=no-such-host")

    assert response.status_code == 404
    assert "no-such-host" in response.json()["detail"]
    known = visitor.get("/api/v1/models/openai/gpt-4o/prices/?host=azure")
    assert known.status_code == 200 and {p["host"] for p in known.json()["prices"]} == {"azure"}


def test_an_address_the_api_does_not_have_is_a_json_404(sample_data, visitor):
    response = visitor.get("/api/v1/no-such-endpoint/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_a_method_the_api_does_not_take_is_a_json_405_naming_the_one_it_does(sample_data, visitor, method):
    response = getattr(visitor, method)("/api/v1/models/openai/gpt-4o/")

    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
    assert response["Allow"] == "GET"


def test_a_failing_api_view_is_a_json_500_without_a_traceback(sample_data, visitor, monkeypatch):
    def fail(*args, **kwargs):  # whatever the view passes: the failure is this error, not a TypeError
        raise RuntimeError("a bug in the API, with a secret-looking detail")

    monkeypatch.setattr("pricing.api.get_model", fail)

    response = visitor.get("/api/v1/models/openai/gpt-4o/")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "Internal server error. It has been logged.",
        "request_id": response["X-Request-ID"],  # to quote when reporting it
    }
    assert b"RuntimeError" not in response.content and b"Traceback" not in response.content


def test_pages_keep_their_html_error_pages(sample_data, visitor):
    response = visitor.get("/no-such-page/")

    assert response.status_code == 404 and "Page not found" in text_of(response)


@pytest.mark.parametrize("number", ["-1", "0", "abc", "99999999999999999999"])
def test_a_page_number_it_cannot_read_shows_the_first_page(sample_data, visitor, number):
    first = visitor.get("/models/")

    response = visitor.get(f"/models/?page={number}")

    assert "Page 1 of" in text_of(response) and "Page 1 of" in text_of(first)
