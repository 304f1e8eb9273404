"""Arbitrary values for every query parameter of browse, compare, the search suggestions and the API, and a few
parameters no page knows: never a 500, never a page over 1 MB, and the API always answers JSON (Hypothesis, on
the small sample catalogue). Every parameter is tried with each value that broke a page before, then Hypothesis
draws arbitrary values alone, mixed with unknown parameters, and broken percent-escapes."""

from urllib.parse import urlencode

import pytest
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
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

# Values that answered 500, or an 8 MB page, somewhere before (issue 12), and their relatives.
KNOWN_BAD = [
    "\x00", "a\x00b", "99999999999999999999", "-99999999999999999999", "-1", "0", "1e-999999", "1e-100000",
    "1e999999", "NaN", "-Infinity", "9" * 5000, "evil/host", "🔥", "模型-测试", "!!!", "0001-01-01",
    "9999-12-31", "openai/gpt-4o,,,/,%", " " * 300, "<script>alert(1)</script>",
]  # fmt: skip

# Text of any script (NUL and control characters included; no lone surrogates, which no URL can carry).
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
numbers = st.one_of(
    st.integers().map(str),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.builds(lambda m, e: f"{m}e{e}", st.integers(-9, 9), st.integers(-(10**6), 10**6)),
)
plausible = st.sampled_from(
    ["openai", "openai/gpt-4o", "azure", "gpt", "name", "text", "tools", "ga", "2026-08-01", "1", "0", ""]
)
values = st.one_of(st.sampled_from(KNOWN_BAD), numbers, any_text, plausible)
HYPOTHESIS = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}


def queries(names: list[str]):
    """One parameter alone (given once or twice), a mix with unknown ones, or broken percent-escapes."""
    one = st.builds(lambda name, value, times: urlencode([(name, value)] * times), st.sampled_from(names),
                    values, st.integers(1, 2))  # fmt: skip
    mix = st.lists(st.tuples(st.sampled_from(names + UNKNOWN), values), max_size=6).map(urlencode)
    broken_escapes = st.text(st.sampled_from("%0123456789abcdefABCDEF=&+;xq"), max_size=40)
    return st.one_of(one, mix, broken_escapes)


@pytest.mark.parametrize("path", ENDPOINTS)
def test_no_value_of_any_parameter_is_a_500_or_a_page_over_1_mb(sample_data, path):
    client = Client(raise_request_exception=False)
    names = [*ENDPOINTS[path], "junk"]

    @settings(max_examples=80, **HYPOTHESIS)
    @given(query=queries(names))
    def check(query: str) -> None:
        response = client.get(path, QUERY_STRING=query)

        assert response.status_code < 500, (path, query, response.status_code)
        assert len(response.content) < ONE_MB, (path, query, len(response.content))
        if path.startswith("/api/"):
            response.json()  # the API answers in JSON, errors too

    for name in names:  # every parameter with every value that broke a page before, whatever Hypothesis draws
        for value in KNOWN_BAD:
            check = example(query=urlencode({name: value}))(check)
    check()
