"""Query parameters read with bounds (tokenledger.params): what is read, what is left out with a notice, and the
one spelling a page is cached under."""

from decimal import Decimal

from django.http import QueryDict

from catalog.browse import BrowseParams
from catalog.comparing import CompareParams


def parsed(query: str, params=BrowseParams):
    return params(QueryDict(query))


def test_numbers_are_read_within_their_bounds_and_spelled_one_way():
    form = parsed("max_input=5E-1&max_output=10.000&min_context=128000&page=2")

    assert form.values == {
        "max_input": Decimal("0.5"),
        "max_output": Decimal("10"),
        "min_context": 128_000,
        "page": 2,
    }
    assert form.canonical().urlencode() == "max_input=0.5&max_output=10&min_context=128000&page=2"
    assert form.notices == []


def test_a_number_it_cannot_read_is_left_out_and_named():
    form = parsed("max_input=1e-999999&max_output=Infinity&page=0&min_context=1e5")

    assert form.values == {}
    assert [line.split(":")[0] for line in form.notices] == ["min_context", "max_input", "max_output", "page"]
    assert form.notices[1] == "max_input: At most 6 decimal places. Given: '1e-999999'."
    assert form.canonical().urlencode() == ""


def test_list_items_are_sorted_kept_once_and_the_unknown_ones_named():
    form = parsed("lab=openai&lab=evil/host&lab=anthropic&lab=openai&cap=tools&cap=teleport")

    assert form.values == {"lab": ["anthropic", "openai"], "cap": ["tools"]}
    assert form.notices == [
        "lab: 'evil/host' is not a value this page knows; left out.",
        "cap: 'teleport' is not a value this page knows; left out.",
    ]


def test_the_compared_models_keep_their_order_from_either_spelling():
    form = parsed("models=b/two,a/one&models=b/two&models=c/three", CompareParams)

    assert form.values["models"] == ["b/two", "a/one", "c/three"]
    assert form.canonical().urlencode(safe="/,") == "models=b/two,a/one,c/three"


def test_the_workload_errors_are_left_to_the_page_that_marks_them():
    form = parsed("models=a/one&input_tokens=-1&requests_per_day=", CompareParams)

    assert form.in_error
    assert [line.split(":")[0] for line in form.notices] == ["input_tokens", "requests_per_day"]
    assert form.notices_shown == []


def test_a_long_search_is_cut_not_refused_and_unknown_parameters_are_dropped():
    form = parsed(f"q={'gpt ' * 100}&utm_source=x")

    assert len(form.values["q"]) <= 200 and form.values["q"].startswith("gpt gpt")
    assert list(form.canonical()) == ["q"]
    assert not form.in_error
