"""How the site writes numbers: prices, changes. Plain functions, used by templates and charts alike."""

from __future__ import annotations

from decimal import Decimal


def usd(value: Decimal | float | None) -> str:
    """$2.50 for prices of a cent and more; small amounts keep two significant digits: $0.0035."""
    if value is None:
        return "—"
    value = Decimal(value)
    if value == 0:
        return "$0"
    if abs(value) >= Decimal("0.01"):
        return f"${value:,.2f}"
    digits = -value.adjusted() + 1  # two significant digits
    return f"${value:.{digits}f}"


def change(before: Decimal, after: Decimal) -> str:
    """ "▼ 50%", "▲ 20%", or "▲ from $0"."""
    if before == 0:
        return "▲ from $0"
    percent = (after - before) / before * 100
    return f"{'▲' if percent > 0 else '▼'} {abs(percent):.0f}%"


def price_change(period) -> str:
    """ "— no change since 2026-07-01", or "▼ 50% on 2024-08-06" against the period before (`previous_price`)."""
    previous = getattr(period, "previous_price", None)
    since = f"{period.valid_from:%Y-%m-%d}"
    if previous is None:
        return f"— no change since {since}"
    return f"{change(previous, period.price)} on {since}"
