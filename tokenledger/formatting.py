"""How the site writes numbers: prices, changes, ages. Plain functions, used by templates and charts alike."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

SIGNIFICANT_FIGURES = 3


def usd(value: Decimal | float | None) -> str:
    """Dollars as the whole site writes them, prices and costs alike.

    Below $1: three significant figures, trailing zeros kept, so that figures side by side read alike:
    $0.500, $0.125, $0.0100 beside $0.0135, $0.00363, $0.00000540. From $1: cents, $2.50, $10.00, $150.00.
    From $1,000: whole dollars, $1,234. Zero is $0; nothing (None, or "" in a template) is "—".
    """
    if value is None or value == "":
        return "—"
    value = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if value == 0:
        return "$0"
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value < 1:
        exponent = Decimal(1).scaleb(value.adjusted() - SIGNIFICANT_FIGURES + 1)
        rounded = value.quantize(exponent, rounding=ROUND_HALF_UP)
        if rounded < 1:  # 0.9996 rounds up to a dollar and is written as one
            return f"{sign}${rounded:f}"
        value = rounded
    if value >= 1000:
        return f"{sign}${value.quantize(Decimal(1), rounding=ROUND_HALF_UP):,f}"
    return f"{sign}${value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,f}"


def per_thousand(value: Decimal | float | None, things: str = "requests") -> str | None:
    """A cost too small to read per request, written per 1,000 of them ("$5.40 per 1,000 chats"), or per million
    where even a thousand cost under a cent; None for a cost of a cent or more (or none)."""
    if value is None or value == "":
        return None
    value = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if value <= 0 or value >= Decimal("0.01"):
        return None
    if value * 1000 >= Decimal("0.01"):
        return f"{usd(value * 1000)} per 1,000 {things}"
    return f"{usd(value * 1_000_000)} per 1M {things}"


def tokens(value: int | None) -> str:
    """A token count, always with its unit: "448 tokens", "128K tokens", "1M tokens"; "—" for none."""
    if not value:
        return "—"
    for size, suffix in ((1_000_000, "M"), (1_000, "K")):
        if value >= size:
            scaled = value / size
            text = f"{scaled:.1f}".rstrip("0").rstrip(".") if scaled < 100 else f"{scaled:.0f}"
            return f"{text}{suffix} tokens"
    return f"{value:,} token{'s' if value != 1 else ''}"


def in_and_out(input_price: Decimal | None, output_price: Decimal | None) -> str:
    """A model's listed prices on one line, "$2.50 in · $10.00 out per 1M"; "" when it has neither."""
    if input_price is None and output_price is None:
        return ""
    return f"{usd(input_price)} in · {usd(output_price)} out per 1M"


def change(before: Decimal, after: Decimal) -> str:
    """ "▼ 50%", "▲ 20%", or "▲ from $0"."""
    if before == 0:
        return "▲ from $0"
    percent = (after - before) / before * 100
    return f"{'▲' if percent > 0 else '▼'} {abs(percent):.0f}%"


def price_change(period) -> str:
    """ "— no change since 2026-07-01 (first seen that day)", "▼ 80% on 2025-06-10 (the date genai-prices gives)",
    or "corrected on 2026-08-01 (was $1.10; now following OpenRouter)" against the period before
    (`previous_price`). A correction is a change of the source followed, never a price move: it gets no arrow.
    No period (an embedding model's output price): "—"."""
    if period is None or period == "":
        return "—"
    previous = getattr(period, "previous_price", None)
    since = f"{period.valid_from:%Y-%m-%d}"
    if getattr(period, "effective", "observed") == "stated":
        how = f" (the date {period.source.name} gives)"
    else:
        how = " (first seen that day)"
    if previous is None:
        return f"— no change since {since}{how}"
    if getattr(period, "opening", "change") == "correction":
        return f"corrected on {since} (was {usd(previous)}; now following {period.source.name})"
    return f"{change(previous, period.price)} on {since}{how}"


def display_name(user) -> str:
    """A person as pages name them: their full name, else their user name; "" for nobody."""
    return (user.get_full_name() or user.get_username()) if user else ""


def age(value: dt.timedelta | None) -> str:
    """How old something is, roughly: "45 minutes", "1 hour", "30 hours", "9 days"; nothing is "—"."""
    if value is None or value == "":
        return "—"
    if value >= dt.timedelta(days=2):
        return f"{value.days} days"
    hours, minutes = int(value.total_seconds() // 3600), max(int(value.total_seconds() // 60), 0)
    if hours >= 1:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
