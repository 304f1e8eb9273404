"""What search engines and link previews read: absolute URLs on the public site, and a model described as
schema.org structured data (JSON-LD)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import SafeString, mark_safe

from tokenledger.formatting import display_name

# What would end a <script> element, open a comment or start an entity, written as JSON escapes instead
# (as Django's json_script does); the JSON means the same.
SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}

PER_MILLION_TOKENS = {"@type": "QuantitativeValue", "value": 1_000_000, "unitText": "tokens"}


def absolute_url(path: str) -> str:
    """`path` on the public site (settings.SITE_URL), the address canonical links and the sitemap give."""
    return settings.SITE_URL.rstrip("/") + path


def json_ld_script(data: dict[str, Any]) -> SafeString:
    """`data` in a <script type="application/ld+json"> element that no text inside it can close."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(SCRIPT_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{text}</script>')


def _price(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _person(user) -> dict[str, str]:
    return {"@type": "Person", "name": display_name(user)}


def _unit_price(name: str, price: Decimal) -> dict[str, Any]:
    return {
        "@type": "UnitPriceSpecification",
        "name": name,
        "price": _price(price),
        "priceCurrency": "USD",
        "referenceQuantity": PER_MILLION_TOKENS,
    }


def model_json_ld(model, profile, *, url: str, seller: str | None = None) -> dict[str, Any]:
    """`model` as a schema.org Product: its lab as the brand, its listed price per 1M input tokens as the offer
    (sold by `seller`, the host that price is listed at), and the public `profile`, if any, as a Review."""
    summary = getattr(profile, "summary", "") if profile else ""
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": model.name,
        "sku": model.key,
        "brand": {"@type": "Brand", "name": model.lab.name},
        "description": summary or _one_liner(model),
        "url": url,
    }
    if model.listed_input_price is not None:
        specifications = [_unit_price("Input tokens", model.listed_input_price)]
        if model.listed_output_price is not None:
            specifications.append(_unit_price("Output tokens", model.listed_output_price))
        offer: dict[str, Any] = {
            "@type": "Offer",
            "price": _price(model.listed_input_price),
            "priceCurrency": "USD",
            "description": "Price per 1M input tokens",
            "priceSpecification": specifications,
            "url": url,
        }
        if seller:
            offer["seller"] = {"@type": "Organization", "name": seller}
        data["offers"] = offer
    if profile:
        data["review"] = _review(profile)
    return data


def _review(profile) -> dict[str, Any]:
    review: dict[str, Any] = {
        "@type": "Review",
        "author": _person(profile.author)
        if profile.author
        else {"@type": "Organization", "name": "Tokenledger"},
        "publisher": {"@type": "Organization", "name": "Tokenledger"},
    }
    if profile.tagline:
        review["name"] = profile.tagline
    if profile.summary:
        review["reviewBody"] = profile.summary
    if profile.reviewer:  # the editor who checked the facts; schema.org has no "reviewer" of a review
        review["editor"] = _person(profile.reviewer)
    if profile.reviewed_on:
        review["datePublished"] = profile.reviewed_on.isoformat()
    return review


def _one_liner(model) -> str:
    text = f"{model.name} is an AI model made by {model.lab.name}"
    if model.context_window:
        text += f", with a context window of {model.context_window:,} tokens"
    return text + "."
