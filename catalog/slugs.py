"""The parts of a model's and a provider's address (/models/<provider>/<model>/), made from any text and checked
in one place.

Every slug that reaches the database passes `model_slug` or `provider_slug` (feeds, the catalogue import,
resolution) and is checked by the same patterns: by the fields' validators (the admin) and by check constraints
(bulk paths that skip validators). Each pattern is a subset of what the URL converters accept (`str`: one path
segment, non-empty, no "/"), so reverse() works for every row. The converters stay wider on purpose: an old
address that no longer fits (a repaired slug) still reaches the view and its redirect.

Text in other scripts is transliterated ("模型-测试" → "moxing-ceshi", "🔥" → "fire"); text that leaves nothing
("!!!") gets a stable slug from a digest of the original, so two different ids never share one address.
"""

from __future__ import annotations

import hashlib
import re

from anyascii import anyascii
from django.core.validators import RegexValidator

MODEL_SLUG_MAX = 200  # catalog.Model.slug
PROVIDER_SLUG_MAX = 100  # catalog.Provider.slug

# A model slug: lowercase letters, digits and . _ : + -, not starting or ending with "-" or "." (never "." or
# "..", which a browser would read as a path step). The image of `model_slug`.
MODEL_SLUG_PATTERN = r"[a-z0-9_:+](?:[a-z0-9._:+-]*[a-z0-9_:+])?"
# A provider slug: lowercase letters, digits, dots, underscores and dashes, starting with a letter or digit.
PROVIDER_SLUG_PATTERN = r"[a-z0-9][a-z0-9._-]*"

_MODEL_UNSAFE = re.compile(r"[^a-z0-9._:+-]+")
_PROVIDER_UNSAFE = re.compile(r"[^a-z0-9._-]+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_DASHES = re.compile(r"-{2,}")
DIGEST_LENGTH = 12

model_slug_validator = RegexValidator(
    rf"\A{MODEL_SLUG_PATTERN}\Z",
    "Lowercase letters, digits and . _ : + - only, starting and ending with a letter or digit; no slashes.",
    code="unroutable_slug",
)
provider_slug_validator = RegexValidator(
    rf"\A{PROVIDER_SLUG_PATTERN}\Z",
    "Lowercase letters, digits, dots and dashes, starting with a letter or digit; no slashes.",
    code="unroutable_slug",
)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:DIGEST_LENGTH]


_MODEL_SLUG = re.compile(MODEL_SLUG_PATTERN)
_PROVIDER_SLUG = re.compile(PROVIDER_SLUG_PATTERN)


def is_model_slug(text: str) -> bool:
    return len(text) <= MODEL_SLUG_MAX and _MODEL_SLUG.fullmatch(text) is not None


def is_provider_slug(text: str) -> bool:
    return len(text) <= PROVIDER_SLUG_MAX and _PROVIDER_SLUG.fullmatch(text) is not None


def _transliterated(text: str) -> tuple[str, bool]:
    """The text in ASCII, and whether anything had to be transliterated. An emoji's name comes as ":fire:";
    its colons are separators here, not part of the name."""
    if text.isascii():
        return text, False
    return _NON_ASCII.sub(lambda m: anyascii(m[0]).replace(":", " "), text), True


def _bounded(slug: str, original: str, max_length: int) -> str:
    """Still one address per text when the slug is cut to the column: the cut part is replaced by a digest."""
    if len(slug) <= max_length:
        return slug
    return f"{slug[: max_length - DIGEST_LENGTH - 1]}-{digest(original)}"


def model_slug(text: str) -> str:
    """The URL part for a model id: lowercase, with "/" and other unsafe characters turned into "-"; other
    scripts transliterated; an id with nothing left gets "id-<digest>" of itself. A valid slug is returned as
    it is."""
    if is_model_slug(text):
        return text
    ascii_text, transliterated = _transliterated(text)
    slug = _MODEL_UNSAFE.sub("-", ascii_text.lower())
    if transliterated:
        slug = _DASHES.sub("-", slug)  # only where we added separators: an ASCII id keeps its own "--"
    slug = slug.strip("-.")
    if not slug:
        return f"id-{digest(text)}"
    return _bounded(slug, text, MODEL_SLUG_MAX)


def provider_slug(text: str) -> str:
    """The URL part for a provider named by a feed ("evil/host", "<b>x</b>", "Moonshot AI", "模型"): lowercase,
    unsafe characters turned into "-", other scripts transliterated; "provider-<digest>" when nothing is left.
    A valid slug is returned as it is."""
    if is_provider_slug(text):
        return text
    ascii_text, _ = _transliterated(text)
    slug = _DASHES.sub("-", _PROVIDER_UNSAFE.sub("-", ascii_text.lower())).strip("-._")
    if not slug:
        return f"provider-{digest(text)}"
    return _bounded(slug, text, PROVIDER_SLUG_MAX)
