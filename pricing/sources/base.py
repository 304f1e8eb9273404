"""The one interface every price source adapter implements, and the checks every price passes.

An adapter turns its feed's own format into `FeedEntry`s: a host's model id, the lab's model it is (as far as
the feed tells), and normalised `PriceRecord`s. A price that fails a check rejects its entry with a reason;
a feed that is not in the expected shape at all raises `FeedError` and nothing of it is written.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from catalog.importing import ModelFacts
from catalog.models import modality_flags
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
# A price's order of magnitude, before any arithmetic: far beyond every bound above, and far enough below to
# round to nothing, so that `1e999999999` is refused without being expanded (nor `1e-999999999` read as $0).
_PRICE_EXPONENTS = range(-30, 31)
# Token counts and tier thresholds: the longest context window of any real model is a few million tokens.
MAX_TOKENS = 100_000_000
# Control characters have no place in an id, and PostgreSQL cannot store a NUL in any text at all. A name may hold
# white space a feed left in (models.dev writes "DeepSeek R1 (Turbo)\t"), but no other control character.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
SLUG_LENGTH = 100  # Provider.slug: a host or a lab
SHOWN_LENGTH = 60


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

    def add(self, entry: FeedEntry) -> None:
        """The entry, or its rejection when a value the adapter derived from it would not fit its column."""
        if reason := entry_problem(entry):
            self.rejections.append(
                Rejection(entry.source_id, reason, listing=(entry.host, entry.host_model_id))
            )
        else:
            self.entries.append(entry)


class PriceFeed(Protocol):
    slug: str

    def parse(self, data: Any) -> ParsedFeed: ...


def checked_price(value: Any, *, unit: str = Unit.PER_MILLION_TOKENS, scale: Decimal = Decimal(1)) -> Decimal:
    """The value as a normalised Decimal in USD per `unit`, or InvalidPrice saying what is wrong with it.

    `scale` converts the feed's unit: 1_000_000 for a feed that prices per token.
    """
    if isinstance(value, bool) or value is None:
        raise InvalidPrice(f"{shown(value)} is not a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidPrice(f"{shown(value)} is not a finite number")
    try:
        price = to_decimal(value)
    except (TypeError, InvalidOperation):
        raise InvalidPrice(f"{shown(value)} is not a number") from None
    if not price.is_finite():
        raise InvalidPrice(f"{shown(value)} is not a finite number")
    if price < 0:
        raise InvalidPrice(f"{shown(value)} is negative")
    if not price.is_zero() and price.adjusted() not in _PRICE_EXPONENTS:
        raise InvalidPrice(f"{shown(value)} is {'absurd' if price.adjusted() > 0 else 'implausibly small'}")
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


def checked_threshold(value: Any, where: str) -> int:
    """A tier's prompt-length threshold: a whole number of tokens from 1 to MAX_TOKENS, or InvalidPrice."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_TOKENS:
        raise InvalidPrice(f"{where}: {shown(value)} is not a number of tokens from 1 to {MAX_TOKENS:,}")
    return value


def shown(value: Any, length: int = SHOWN_LENGTH) -> str:
    """A value as a reason quotes it: its repr (control characters escaped), cut short."""
    text = str(value) if isinstance(value, Decimal) else repr(value)
    return text if len(text) <= length else f"{text[: length - 1]}…"


# Where each value of a FeedEntry is stored, and how long that column is (catalog.models).
_ENTRY_COLUMNS = {"host": SLUG_LENGTH, "lab": SLUG_LENGTH, "host_model_id": 255, "model_slug": 200}
_FACT_COLUMNS = {"name": 200, "family": 100, "knowledge_cutoff": 10, "source": 300}


def entry_problem(entry: FeedEntry) -> str | None:
    """What of an entry, as the adapter derived it, a column could not store (a slug transliterated longer than
    its id, a source prefixed to a long id); None when it all fits."""
    ids = [(name, getattr(entry, name), length) for name, length in _ENTRY_COLUMNS.items()]
    ids += [("region", region, SLUG_LENGTH) for region in entry.regions]
    texts = [(name, getattr(entry.facts, name), length) for name, length in _FACT_COLUMNS.items()]
    modalities = [*entry.facts.input_modalities, *entry.facts.output_modalities]
    ids += [("modality", m, 20) for m in modalities]
    tags = modality_flags(list(entry.facts.input_modalities), list(entry.facts.output_modalities))[
        "modality_tags"
    ]
    if len(tags) > 200:  # Model.modality_tags
        return f"{len(modalities)} modalities are more than a model lists"
    for name, value, length in [*ids, *texts]:
        if len(value) > length:
            return f"{name} {shown(value)} is {len(value):,} characters long, over {length:,}"
        if (CONTROL_CHARACTERS if (name, value, length) in ids else CONTROL_IN_TEXT).search(value):
            return f"{name} {shown(value)} contains a control character"
    return None


def evidence_of(entry: dict[str, Any], keys: Any) -> dict[str, str]:
    """The entry's price fields as the feed wrote them, as text, to show an editor what the source said."""
    return {
        key: str(value)
        for key, value in entry.items()
        if key in keys or any(k in key for k in ("cost", "price"))
    }
