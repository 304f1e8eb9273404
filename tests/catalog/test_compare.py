"""/compare/: reachable from the navigation, browse and every profile; a picker that adds and removes models without
JavaScript; a workload form whose bad values are errors the reader sees."""

import re
from decimal import Decimal

import pytest

from tests.fixtures import text_of
from tokenledger.formatting import usd

pytestmark = pytest.mark.django_db

GPT4O, SONNET, PRO, MINI = (
    "openai/gpt-4o",
    "anthropic/claude-sonnet-4-5",
    "google/gemini-2.5-pro",
    "openai/gpt-4o-mini",
)


def columns(response) -> list[str]:
    """The model links heading the comparison's columns, in order."""
    head = response.content.decode().split("<thead>")[1].split("</thead>")[0]
    return re.findall(r'<th scope="col"><a href="/models/([^"]+)/">', head)


def test_models_come_as_one_list_or_as_repeated_parameters_each_once(sample_data, reader):
    assert columns(reader.get("/compare/", {"models": f"{GPT4O},{SONNET}"})) == [GPT4O, SONNET]
    assert columns(reader.get("/compare/", {"models": [GPT4O, SONNET]})) == [
        GPT4O,
        SONNET,
    ]  # browse's checkboxes
    assert columns(reader.get("/compare/", {"models": [f"{GPT4O},{SONNET}", GPT4O, f" {SONNET} "]})) == [
        GPT4O,
        SONNET,
    ]


def test_unknown_models_are_reported_and_a_fifth_is_left_out_with_a_note(sample_data, reader):
    response = reader.get("/compare/", {"models": [GPT4O, "openai/nope", SONNET, PRO, MINI, "openai/o3"]})

    assert columns(response) == [GPT4O, SONNET, PRO]
    page = text_of(response)
    assert "No model openai/nope in the catalog." in page
    assert re.search(r"4 models at most fit side by side: left out openai/gpt-4o-mini ?, openai/o3 ?\.", page)


def test_the_default_workload_is_the_typical_conversation(sample_data, reader, settings):
    response = reader.get("/compare/", {"models": f"{GPT4O},{SONNET}"})

    html = response.content.decode()
    assert 'name="input_tokens" value="600"' in html and 'name="output_tokens" value="200"' in html
    # GPT-4o: 600 × $2.50 + 200 × $10 per 1M = $0.0035 a request; 1,000 a day for 30 days: $105.00.
    assert f"Per request {usd(Decimal('0.0035'))}" in text_of(response)
    assert "errorlist" not in html and 'aria-invalid="true"' not in html


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("input_tokens", "-5", "Ensure this value is greater than or equal to 0."),
        ("input_tokens", "abc", "Enter a whole number."),
        ("output_tokens", "99999999999", "Ensure this value is less than or equal to 10000000."),
        ("cache_hit", "150", "Ensure this value is less than or equal to 100."),
        ("requests_per_day", "", "This field is required."),
    ],
)
def test_a_bad_workload_value_is_a_visible_error_on_its_field(sample_data, reader, field, value, error):
    response = reader.get(
        "/compare/",
        {"models": f"{GPT4O},{SONNET}", "input_tokens": "10000", "output_tokens": "1000", field: value},
    )

    assert response.status_code == 200
    html = response.content.decode()
    label = re.search(
        rf'<label class="is-invalid">[^<]*<input[^>]*name="{field}"[^>]*>.*?</label>', html, re.S
    )
    assert label and 'aria-invalid="true"' in label[0] and error in label[0]
    assert html.count('aria-invalid="true"') == 1  # only the bad field is marked
    assert "Some values cannot be priced; the costs below use the defaults in their place." in text_of(
        response
    )


def test_a_bad_value_is_priced_at_the_default_and_the_good_ones_as_given(sample_data, reader):
    page = text_of(
        reader.get(
            "/compare/", {"models": f"{GPT4O},{SONNET}", "input_tokens": "-5", "output_tokens": "1000"}
        )
    )

    # GPT-4o: 600 (the default, for -5) × $2.50 + 1,000 × $10 per 1M = $0.0115.
    assert f"Per request {usd(Decimal('0.0115'))}" in page


def test_the_picker_finds_models_and_adds_them_with_a_plain_link_that_keeps_the_workload(sample_data, reader):
    response = reader.get("/compare/", {"models": GPT4O, "find": "sonnet 4.5", "input_tokens": "1000"})

    html = response.content.decode()
    add = re.search(
        r'<a class="button button--small" href="([^"]+)" aria-label="Add Claude Sonnet 4\.5 \(Anthropic\)">',
        html,
    )
    assert add, "no Add button for Claude Sonnet 4.5"
    added = reader.get(add[1].replace("&amp;", "&"))
    assert columns(added) == [GPT4O, SONNET]
    assert 'name="input_tokens" value="1000"' in added.content.decode()
    # The search form carries the models chosen and the workload as hidden fields.
    assert '<input type="hidden" name="models" value="openai/gpt-4o">' in html
    assert '<input type="hidden" name="input_tokens" value="1000">' in html
    assert "Add a model (1 of 4 chosen)" in text_of(response)


def test_the_picker_leaves_out_models_already_chosen_and_says_when_nothing_matches(sample_data, reader):
    html = reader.get("/compare/", {"models": GPT4O, "find": "gpt-4o"}).content.decode()
    assert 'aria-label="Add GPT-4o (OpenAI)"' not in html and 'aria-label="Add GPT-4o mini (OpenAI)"' in html

    assert "No model matches “zzzz-nothing”." in text_of(
        reader.get("/compare/", {"models": GPT4O, "find": "zzzz-nothing"})
    )


def test_each_column_has_a_remove_link_and_four_models_close_the_picker(sample_data, reader):
    response = reader.get("/compare/", {"models": [GPT4O, SONNET, PRO, MINI], "find": "o3"})

    html = response.content.decode()
    remove = re.search(r'href="([^"]+)" aria-label="Remove Claude Sonnet 4\.5"', html)
    assert columns(reader.get(remove[1].replace("&amp;", "&"))) == [GPT4O, PRO, MINI]
    assert 'name="find"' not in html and 'aria-label="Add' not in html
    assert "4 models is the most that fit side by side: remove one to add another." in text_of(response)


def test_compare_is_in_the_navigation_and_on_every_profile(sample_data, reader):
    home = reader.get("/").content.decode()
    assert re.search(r'<nav aria-label="Main">.*<a href="/compare/"[^>]*>Compare</a>.*</nav>', home, re.S)

    profile = reader.get("/models/openai/gpt-4o/").content.decode()
    form = re.search(r'<form class="compare-with" method="get" action="/compare/".*?</form>', profile, re.S)
    assert (
        form
        and '<input type="hidden" name="models" value="openai/gpt-4o">' in form[0]
        and 'name="find"' in form[0]
    )
    # What the form sends: this model chosen, the picker searching for the other.
    page = text_of(reader.get("/compare/", {"models": GPT4O, "find": "claude sonnet"}))
    assert "Claude Sonnet 4" in page and "Add a model (1 of 4 chosen)" in page


def test_the_empty_comparison_offers_the_picker(sample_data, reader):
    page = text_of(reader.get("/compare/"))
    assert "Choose two to 4 models to compare" in page and "Find models to compare" in page


def test_the_compare_page_ignores_the_browse_filters_a_no_script_compare_button_sends(sample_data, reader):
    response = reader.get(
        "/compare/", {"q": "gpt", "lab": "openai", "sort": "newest", "models": [GPT4O, MINI]}
    )
    assert columns(response) == [GPT4O, MINI] and "errorlist" not in response.content.decode()
