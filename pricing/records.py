"""The normalised shape every price source produces, whatever its feed's format."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from pricing.models import PRICE_DECIMAL_PLACES, Component, Mode, Unit

ONE_MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class PriceRecord:
    """One price of one component: `price` is USD per `unit` (per 1M tokens unless said otherwise).

    `starts` is the date the source states the price takes effect (genai-prices' `constraint.start_date`,
    llm-prices' `from_date`), also in the future; None when the source does not say, and the price is taken as
    in force when it was observed. `ends` is the date the source states it stopped (or will stop) applying.
    """

    component: str
    price: Decimal
    tier: str = ""
    mode: str = Mode.STANDARD
    unit: str = Unit.PER_MILLION_TOKENS
    starts: dt.date | None = None
    ends: dt.date | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.component, self.tier, self.mode)

    def sort_key(self) -> tuple:
        return (self.component, self.tier, self.mode, self.starts or dt.date.min, self.price, self.unit)

    def __lt__(self, other: PriceRecord) -> bool:
        return self.sort_key() < other.sort_key()


def context_tier(prompt_tokens: int) -> str:
    """The tier name for prices that apply when the prompt is longer than `prompt_tokens`."""
    return f"prompt>{prompt_tokens}"


def tier_threshold(tier: str) -> int | None:
    if tier.startswith("prompt>"):
        return int(tier.removeprefix("prompt>"))
    return None


def to_decimal(value: object) -> Decimal:
    """Exact decimal of a JSON number (parse feeds with parse_float=Decimal to keep floats exact)."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a price")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        return Decimal(value.strip())
    raise TypeError(f"not a number: {value!r}")


def normalised(price: Decimal) -> Decimal:
    """The price as the ledger stores it, without insignificant zeros: 3, 3.0 and 3.000 compare and print
    alike, and a feed's binary-float artefact such as 0.049999999999999996 reads as 0.05."""
    price = price.quantize(Decimal(1).scaleb(-PRICE_DECIMAL_PLACES)).normalize()
    # normalize() turns 100 into 1E+2; keep plain notation.
    return price.quantize(Decimal(1)) if price == price.to_integral_value() else price


COMPONENT_IDS = {c.value for c in Component}


def decimal_text(price: Decimal) -> str:
    """A price as downloads and the API write it: "2.5", "10", "0.0028", never with an exponent."""
    return f"{normalised(price):f}"
