from decimal import Decimal

import pytest

from tokenledger.formatting import change, usd


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("2.5", "$2.50"),
        ("10", "$10.00"),
        ("1234.5", "$1,234.50"),
        ("0.5", "$0.50"),
        ("0.125", "$0.125"),
        ("0.045", "$0.045"),
        ("0.0035", "$0.0035"),
        ("0.003625", "$0.003625"),
        ("0.00123456", "$0.001235"),
        ("0", "$0"),
        (None, "—"),
        ("", "—"),
    ],
)
def test_prices_are_written_exactly_and_briefly(value, text):
    assert usd(Decimal(value) if value else value) == text


def test_a_change_is_written_as_an_arrow_and_a_percentage():
    assert change(Decimal(10), Decimal(2)) == "▼ 80%"
    assert change(Decimal("2.5"), Decimal("3")) == "▲ 20%"
    assert change(Decimal(0), Decimal(1)) == "▲ from $0"
