"""Display filters: every number on the site is formatted here, in one place."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import template
from django.utils.safestring import mark_safe

from catalog.markdown import render_markdown

register = template.Library()


@register.filter
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


@register.filter
def price_change(period) -> str:
    """ "— no change since 2026-07-01", or "▼ 50% on 2024-08-06" against the period before."""
    previous = getattr(period, "previous_price", None)
    since = f"{period.valid_from:%Y-%m-%d}"
    if previous is None:
        return f"— no change since {since}"
    if previous == 0:
        return f"▲ from $0 on {since}"
    change = (period.price - previous) / previous * 100
    arrow = "▲" if change > 0 else "▼"
    return f"{arrow} {abs(change):.0f}% on {since}"


@register.filter
def tokens(value: int | None) -> str:
    """128000 → "128K", 1048576 → "1M", 2000000 → "2M"."""
    if not value:
        return "—"
    for size, suffix in ((1_000_000, "M"), (1_000, "K")):
        if value >= size:
            scaled = value / size
            text = f"{scaled:.1f}".rstrip("0").rstrip(".") if scaled < 100 else f"{scaled:.0f}"
            return f"{text}{suffix}"
    return str(value)


@register.filter
def tokens_exact(value: int | None) -> str:
    return f"{value:,}" if value else "—"


@register.filter
def percent(value: Decimal | float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value):.{digits}f}%"


@register.filter
def score(value: Decimal, unit: str = "%") -> str:
    text = f"{Decimal(value).normalize():f}"
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}".strip()


@register.filter
def bar_width(value: Decimal | None, maximum: Decimal | None) -> str:
    """A CSS width in percent for a bar comparison; never zero-width for a non-zero value."""
    if not value or not maximum:
        return "0%"
    return f"{max(Decimal(2), Decimal(value) / Decimal(maximum) * 100):.1f}%"


@register.filter
def utc(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%b %-d, %Y · %H:%M UTC") if value else "—"


@register.filter
def markdown(text: str) -> str:
    return mark_safe(render_markdown(text))


@register.filter
def display_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""
