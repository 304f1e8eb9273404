import datetime as dt
from decimal import Decimal

import pytest
from django.template import Context, Template

from tokenledger.formatting import age, change, per_thousand, tokens, usd


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("2.5", "$2.50"),
        ("10", "$10.00"),
        ("150", "$150.00"),
        ("1234.5", "$1,235"),
        ("105000", "$105,000"),
        ("0.5", "$0.500"),
        ("0.125", "$0.125"),
        ("0.045", "$0.0450"),
        ("0.01", "$0.0100"),
        ("0.0135", "$0.0135"),
        ("0.0035", "$0.00350"),
        ("0.003625", "$0.00363"),
        ("0.00123456", "$0.00123"),
        ("0.0000054", "$0.00000540"),
        ("0.00000184", "$0.00000184"),
        ("0.9996", "$1.00"),
        ("0", "$0"),
        (None, "—"),
        ("", "—"),
    ],
)
def test_prices_under_a_dollar_have_three_significant_figures_and_from_a_dollar_cents(value, text):
    assert usd(Decimal(value) if value else value) == text


def test_figures_side_by_side_have_the_same_precision():
    assert (usd(Decimal("0.01")), usd(Decimal("0.0135"))) == ("$0.0100", "$0.0135")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("0.0054", "$5.40 per 1,000 chats"),
        ("0.0035", "$3.50 per 1,000 chats"),
        ("0.0000054", "$5.40 per 1M chats"),  # even a thousand cost under a cent
        ("0.01", None),
        ("0.35", None),
        ("0", None),
        (None, None),
    ],
)
def test_a_cost_under_a_cent_is_also_written_per_thousand(value, text):
    assert per_thousand(Decimal(value) if value else value, "chats") == text


def test_the_cost_filter_writes_the_cost_and_its_scale_beneath():
    html = Template('{% load tokenledger %}{{ a|cost:"chats" }}|{{ b|cost:"chats" }}').render(
        Context({"a": Decimal("0.0054"), "b": Decimal("0.35")})
    )
    assert html == '$0.00540<span class="cost-scale">$5.40 per 1,000 chats</span>|$0.350'


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (448, "448 tokens"),
        (128_000, "128K tokens"),
        (1_048_576, "1M tokens"),
        (200_000, "200K tokens"),
        (None, "—"),
    ],
)
def test_token_counts_always_carry_their_unit(value, text):
    assert tokens(value) == text


def test_a_change_is_written_as_an_arrow_and_a_percentage():
    assert change(Decimal(10), Decimal(2)) == "▼ 80%"
    assert change(Decimal("2.5"), Decimal("3")) == "▲ 20%"
    assert change(Decimal(0), Decimal(1)) == "▲ from $0"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "—"),
        (dt.timedelta(seconds=30), "0 minutes"),
        (dt.timedelta(minutes=1), "1 minute"),
        (dt.timedelta(minutes=59), "59 minutes"),
        (dt.timedelta(hours=1, minutes=59), "1 hour"),
        (dt.timedelta(hours=47), "47 hours"),
        (dt.timedelta(days=2), "2 days"),
        (dt.timedelta(days=9, hours=23), "9 days"),
    ],
)
def test_an_age_is_written_in_its_largest_whole_unit(value, text):
    assert age(value) == text
