"""Arbitrary values for every query parameter of browse, compare, the search suggestions and the API, and a few
parameters no page knows: never a 500, never a page over 1 MB (Hypothesis; on the small sample catalogue)."""

from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

ONE_MB = 1024 * 1024
MODEL = "openai/gpt-4o"
UNKNOWN = ["junk", "utm_source", "Page", "q[]", ""]

ENDPOINTS = {
    "/models/": [
        "q", "lab", "input", "output", "cap", "status", "kind", "min_context", "max_input", "max_output",
        "sort", "page", "models",
    ],
    "/compare/": ["models", "find", "input_tokens", "output_tokens", "cache_hit", "requests_per_day"],
    "/search/suggestions/": ["q"],
    "/api/v1/models/": ["lab", "q", "limit", "offset"],
    f"/api/v1/models/{MODEL}/": [],
    f"/api/v1/models/{MODEL}/prices/": ["host", "as_of"],
    f"/api/v1/models/{MODEL}/availability/": [],
}  # fmt: skip

# Text of any script (NUL and control characters included; no lone surrogates, which no URL can carry).
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
numbers = st.one_of(
    st.integers().map(str),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.builds(lambda m, e: f"{m}e{e}", st.integers(-9, 9), st.integers(-(10**7), 10**7)),
)
plausible = st.sampled_from(
    ["openai", "openai/gpt-4o", "azure", "gpt", "name", "text", "tools", "ga", "2026-08-01", "1", "0", ""]
)
values = st.one_of(any_text, numbers, plausible)


def query_strings(names: list[str]):
    pairs = st.lists(st.tuples(st.sampled_from(names + UNKNOWN), values), max_size=6)
    raw = st.text(st.sampled_from("%0123456789abcdefABCDEF=&+;xq"), max_size=40)  # broken percent-escapes
    return st.one_of(pairs.map(urlencode), raw)


@pytest.mark.parametrize("path", ENDPOINTS)
def test_no_value_of_any_parameter_is_a_500_or_a_page_over_1_mb(sample_data, path):
    client = Client(raise_request_exception=False)

    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(query=query_strings(ENDPOINTS[path]))
    def check(query: str) -> None:
        response = client.get(path, QUERY_STRING=query)

        assert response.status_code < 500, (path, query, response.status_code)
        assert len(response.content) < ONE_MB, (path, query, len(response.content))
        if path.startswith("/api/"):
            response.json()  # the API answers in JSON, errors too

    check()
