"""How the site writes numbers: prices, changes. Plain functions, used by templates and charts alike."""

from __future__ import annotations

from decimal import Decimal


def usd(value: Decimal | float | None) -> str:
    """$2.50 and $1,234.00 from a dollar up; below it, up to four significant digits and no fewer than two
    decimals: $0.50, $0.125, $0.045, $0.0035, $0.003625 (prices are exact decimals; nothing is padded)."""
    if value is None or value == "":  # a missing price renders as "" in a template
        return "—"
    value = Decimal(value)
    if value == 0:
        return "$0"
    if abs(value) >= 1:
        return f"${value:,.2f}"
    rounded = round(value, 4 - value.adjusted() - 1).normalize()
    decimals = max(2, -rounded.as_tuple().exponent)
    return f"${rounded:.{decimals}f}"


def change(before: Decimal, after: Decimal) -> str:
    """ "▼ 50%", "▲ 20%", or "▲ from $0"."""
    if before == 0:
        return "▲ from $0"
    percent = (after - before) / before * 100
    return f"{'▲' if percent > 0 else '▼'} {abs(percent):.0f}%"


def price_change(period) -> str:
    """ "— no change since 2026-07-01 (first seen that day)", "▼ 80% on 2025-06-10 (the date genai-prices gives)",
    or "corrected on 2026-08-01 (was $1.10; now following OpenRouter)" against the period before
    (`previous_price`). A correction is a change of the source followed, never a price move: it gets no arrow."""
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
