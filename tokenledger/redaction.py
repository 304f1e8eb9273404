"""Taking secrets out of text we keep or log: a provider's error that echoes our API key, an exception that
quotes a feed URL with its password or query string.

A secret is matched however it was spelled back to us: in any letter case, percent-encoded (URL), \\u-escaped
(JSON), base64 (standard or URL-safe, at any alignment, so inside "Bearer …" or "user:…" too) and hex.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

REDACTED = "[redacted]"
# Shorter secrets are redacted only as themselves: their base64 core would be two or three letters.
MIN_ENCODED_LENGTH = 6
MIN_QUERY_VALUE_LENGTH = 4
# The environment variables a probe target may read its API key from, unless PROBE_KEY_ENV_PATTERNS says others.
DEFAULT_KEY_ENV_PATTERNS = ("*_API_KEY",)
# Whose password (and, for Sentry, key) is a secret; their user names ("postgres") and hosts are not.
SECRET_URL_VARIABLES = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")
# A shorter value would be redacted wherever its letters occur, garbling every line; no real key is that short.
MIN_SECRET_LENGTH = 4


def redact(text: str, secrets: Iterable[str]) -> str:
    """The text with every secret, in any of the spellings above, replaced by [redacted]."""
    pattern = _pattern(tuple(sorted({s for s in secrets if s}, key=len, reverse=True)))
    return pattern.sub(REDACTED, text) if pattern else text


def redact_values(value: Any, secrets: Iterable[str]) -> Any:
    """A copy of `value` with the secrets redacted from every string in it, however deep in dicts and lists."""
    secrets = list(secrets)
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {key: redact_values(item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_values(item, secrets) for item in value]
    return value


def display_url(url: str) -> str:
    """The URL without its query or credentials, safe to print and store (a query may carry a key)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:  # unreadable (a bad port, a stray bracket): keep nothing that could be a secret
        return ""
    if ":" in host:
        host = f"[{host}]"
    if port:
        host = f"{host}:{port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def url_secrets(url: str) -> list[str]:
    """What a URL carries that must not be kept: itself, its user, password, query string and query values."""
    try:
        parts = urlsplit(url)
        found = [parts.username or "", parts.password or "", parts.query]
    except ValueError:  # not even a URL: the whole text is the secret
        return [url]
    # A short query value ("?v=1") is no key, and redacting it everywhere would garble the message.
    found += [value for _, value in parse_qsl(parts.query) if len(value) >= MIN_QUERY_VALUE_LENGTH]
    found += [unquote(value) for value in found]
    return [value for value in found if value]


def without_url_secrets(text: str, url: str) -> str:
    """The text with the URL in its display form and anything secret the URL carries redacted."""
    if not url:
        return text
    return redact(text.replace(url, display_url(url)), url_secrets(url))


def environment_secrets(environ: Mapping[str, str]) -> list[str]:
    """The secrets the site's environment holds: SECRET_KEY, the passwords of its database, Redis and broker
    URLs, the key of SENTRY_DSN, and every API key (a variable matching PROBE_KEY_ENV_PATTERNS)."""
    found = [environ.get("SECRET_KEY", "")]
    for name in SECRET_URL_VARIABLES:
        found.append(_url_part(environ.get(name, ""), "password"))
    found.append(_url_part(environ.get("SENTRY_DSN", ""), "username"))
    raw_patterns = environ.get("PROBE_KEY_ENV_PATTERNS")
    patterns = (
        [p.strip() for p in raw_patterns.split(",") if p.strip()]
        if raw_patterns is not None
        else DEFAULT_KEY_ENV_PATTERNS
    )
    found += [value for name, value in environ.items() if any(fnmatchcase(name, p) for p in patterns)]
    found += [unquote(value) for value in found]
    return sorted({value for value in found if len(value) >= MIN_SECRET_LENGTH})


def _url_part(url: str, part: str) -> str:
    try:
        return getattr(urlsplit(url), part) or ""
    except ValueError:
        return ""


@lru_cache(maxsize=256)
def _pattern(secrets: tuple[str, ...]) -> re.Pattern | None:
    spellings: set[str] = set()
    for secret in secrets:
        spellings.add(secret)
        if len(secret) >= MIN_ENCODED_LENGTH:
            raw = secret.encode()
            spellings.add(raw.hex())
            spellings.update(_base64_cores(raw))
            spellings.update(_base64_cores(secret.upper().encode()))
            spellings.update(_base64_cores(secret.lower().encode()))
    if not spellings:
        return None
    ordered = sorted(spellings, key=len, reverse=True)
    return re.compile("|".join(_spelled(s) for s in ordered), re.IGNORECASE)


def _base64_cores(raw: bytes) -> set[str]:
    """The part of the base64 of `raw` that is the same whatever comes before and after it, for each of the
    three alignments `raw` can have in the encoded text; standard and URL-safe alphabets."""
    cores = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode().rstrip("=")
        # Characters touched by the padding before or by whatever follows differ from text to text.
        start = (offset * 8 + 5) // 6
        end = (len(raw) + offset) * 8 // 6
        core = encoded[start:end]
        if len(core) >= 4:
            cores.add(core)
            cores.add(core.replace("+", "-").replace("/", "_"))
    return cores


def _spelled(secret: str) -> str:
    """A regex for the secret with each character as itself, %XX or \\uXXXX (and "/" as JSON's "\\/")."""
    parts = []
    for char in secret:
        forms = [re.escape(char)]
        if char == " ":
            forms.append(r"\+")
        if char == "/":
            forms.append(r"\\/")
        forms.append("".join(f"%{b:02x}" for b in char.encode()))
        if ord(char) < 0x10000:
            forms.append(re.escape(f"\\u{ord(char):04x}"))
        parts.append(f"(?:{'|'.join(forms)})")
    return "".join(parts)
