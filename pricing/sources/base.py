"""The one interface every price source adapter implements, and the checks every price passes.

An adapter turns its feed's own format into `FeedEntry`s: a host's model id, the lab's model it is (as far as
the feed tells), and normalised `PriceRecord`s. A price that fails a check rejects its entry with a reason;
a feed that is not in the expected shape at all raises `FeedError` and nothing of it is written.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from catalog.importing import ModelFacts
from catalog.slugs import provider_slug
from pricing.models import Unit
from pricing.records import PriceRecord, normalised, to_decimal

# Above this, a price per 1M tokens is not a real price but a mistake (the dearest real models cost a few
# hundred dollars per 1M output tokens). A per-token price misread as per-1M lands far below the floor.
MAX_USD_PER_MILLION = Decimal(5_000)
MIN_NONZERO_USD_PER_MILLION = Decimal("0.0001")
MAX_USD_PER_UNIT = {
    Unit.PER_REQUEST: Decimal(100),
    Unit.PER_IMAGE: Decimal(100),
    Unit.PER_AUDIO_SECOND: Decimal(10),
}


class FeedError(ValueError):
    """The feed as a whole is unusable (not JSON, wrong shape, too large, unreachable)."""


class InvalidPrice(ValueError):
    """One price is not believable; its entry is rejected with this reason."""


@dataclass(frozen=True)
class FeedEntry:
    source_id: str  # the entry's id in the feed, as the feed writes it
    host: str  # our slug of the host that serves it
    host_model_id: str  # the id the host's API expects
    lab: str  # the lab that made the model as far as the feed tells: a hint for catalog.identity
    model_slug: str  # the lab's model as far as the feed tells; sure only with hint_is_sure
    prices: tuple[PriceRecord, ...]
    facts: ModelFacts  # enough to list the model if the catalog does not know it yet
    regions: tuple[str, ...] = ()
    hint_is_sure: bool = False  # the feed names the lab's model itself (models.dev base_model)
    retires_on: dt.date | None = None  # the host's announced retirement date, when the feed gives one
    # A router whose price varies by request (OpenRouter's "-1"): an offering of kind router with no price.
    variable_price: bool = False
    # False where the feed spells ids its own way (llm-prices' "claude-sonnet-4.5"): the entry is filed under the
    # host's offering whose id reads the same once punctuation is ignored, or the host's offering of the model.
    id_is_exact: bool = True
    evidence: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)  # the prices as written

    def __post_init__(self) -> None:
        # The host becomes a provider's address: routable whatever the feed named ("evil/host", "<b>x</b>").
        object.__setattr__(self, "host", provider_slug(self.host))


@dataclass(frozen=True)
class Rejection:
    source_id: str
    reason: str
    # The listing it was, where the adapter could tell: still listed, so not missing (its prices stay as they were).
    listing: tuple[str, str] | None = None


@dataclass
class ParsedFeed:
    entries: list[FeedEntry] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    skipped: int = 0  # entries that carry no price we record (e.g. a documentation entry)
    seen: int = 0
    # (host, host model id) of entries listed without any price: their prices are no longer published.
    unpriced: list[tuple[str, str]] = field(default_factory=list)
    # Ids that only point at another entry ("~anthropic/claude-sonnet-latest", LiteLLM's `alias_of`): alias id →
    # the id it points at (empty when the feed does not say). They are not offerings of their own.
    aliases: dict[str, str] = field(default_factory=dict)
    # A whole feed: what it no longer lists at the hosts it covers is missing. False for a single entry.
    complete: bool = True


class PriceFeed(Protocol):
    slug: str

    def parse(self, data: Any) -> ParsedFeed: ...


def checked_price(value: Any, *, unit: str = Unit.PER_MILLION_TOKENS, scale: Decimal = Decimal(1)) -> Decimal:
    """The value as a normalised Decimal in USD per `unit`, or InvalidPrice saying what is wrong with it.

    `scale` converts the feed's unit: 1_000_000 for a feed that prices per token.
    """
    if isinstance(value, bool) or value is None:
        raise InvalidPrice(f"{value!r} is not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidPrice(f"{value!r} is not a finite number")
    try:
        price = to_decimal(value)
    except (TypeError, InvalidOperation):
        raise InvalidPrice(f"{value!r} is not a number") from None
    if not price.is_finite():
        raise InvalidPrice(f"{value!r} is not a finite number")
    if price < 0:
        raise InvalidPrice(f"{value!r} is negative")
    price *= scale
    if unit == Unit.PER_MILLION_TOKENS:
        if price > MAX_USD_PER_MILLION:
            raise InvalidPrice(
                f"${price:,.2f} per 1M tokens is absurd (over ${MAX_USD_PER_MILLION:,}); "
                "is a per-1M price written where a per-token one belongs?"
            )
        if 0 < price < MIN_NONZERO_USD_PER_MILLION:
            raise InvalidPrice(
                f"${price} per 1M tokens is implausibly small; is a per-token price written where a per-1M "
                "one belongs?"
            )
    elif price > MAX_USD_PER_UNIT[unit]:
        raise InvalidPrice(f"${price} {Unit(unit).label} is absurd")
    return normalised(price)


def evidence_of(entry: dict[str, Any], keys: Any) -> dict[str, str]:
    """The entry's price fields as the feed wrote them, as text, to show an editor what the source said."""
    return {
        key: str(value)
        for key, value in entry.items()
        if key in keys or any(k in key for k in ("cost", "price"))
    }
