"""Decoding a feed's JSON the one way every path reads it (a fetch, `--file`, the adapters' `load`).

Floats are read as exact Decimals. What a plain `json.loads` lets through is refused or marked here: a document
nested deeper than any real feed (refused before the parser recurses), numbers too long to read cheaply, a file
over the size limit (refused before it is read), and an object that gives one key twice, which is marked
(`RepeatedKeys`) so that the entry holding it is rejected rather than silently keeping the last value.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from typing import Any

from pricing.sources.base import FeedError

# The real feeds nest at most 10 deep (genai-prices); this leaves room and stays far from the parser's recursion.
MAX_DEPTH = 32
# Digits of an integer read as an int; a longer one is read as a Decimal (Python refuses ints over 4,300 digits,
# and no count or price has more than a few), so the schema can say what is wrong with it.
MAX_INT_DIGITS = 30

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


class RepeatedKeys(dict):
    """A JSON object that gave one or more keys twice; the dict keeps the last value of each, as json does."""

    repeated: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    marked = RepeatedKeys(obj)
    seen: set[str] = set()
    marked.repeated = tuple(dict.fromkeys(key for key, _ in pairs if key in seen or seen.add(key)))
    return marked


def _int(text: str) -> int | Decimal:
    return int(text) if len(text) <= MAX_INT_DIGITS else Decimal(text)


def nests_deeper_than(text: str, limit: int) -> bool:
    """Whether the document's arrays and objects nest deeper than `limit`, told without parsing it (brackets in
    strings aside), and as soon as it does: a run of openers is found at C speed."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if re.search(rf"[\[{{]{{{limit + 1}}}", brackets):
        return True
    return any(depth > limit for depth in accumulate(1 if c in "[{" else -1 for c in brackets))


def decode(body: bytes | str, origin: str) -> Any:
    """The document in `body`, or FeedError with a one-line reason naming `origin` (a URL or a file)."""
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
    except UnicodeDecodeError as error:
        raise FeedError(f"{origin} is not UTF-8 text: {error.reason} at byte {error.start:,}") from None
    text = text.removeprefix("\ufeff")
    if nests_deeper_than(text, MAX_DEPTH):
        raise FeedError(f"{origin} nests deeper than the {MAX_DEPTH} levels a price feed needs")
    try:
        # NaN and Infinity are read (as Decimals) so that the price check rejects the entry holding them.
        return json.loads(
            text, parse_float=Decimal, parse_int=_int, parse_constant=Decimal, object_pairs_hook=_object
        )
    except json.JSONDecodeError as error:
        raise FeedError(f"{origin} is not valid JSON: {error}") from None
    except (ValueError, RecursionError) as error:  # a bracket count the scan missed, a number Decimal refuses
        raise FeedError(f"{origin} is not valid JSON: {str(error).splitlines()[0][:200]}") from None


def read_file(path: Path, *, max_bytes: int) -> Any:
    """A feed file, refused unread when it is over `max_bytes` (the limit a fetch has)."""
    try:
        with path.open("rb") as f:
            size = path.stat().st_size
            if size > max_bytes:
                raise FeedError(f"{path} is {size:,} bytes, over the {max_bytes:,}-byte limit")
            body = f.read(max_bytes + 1)  # a file that grows, or a device that reports no size
    except FileNotFoundError:
        raise FeedError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise FeedError(f"{path} is a directory, not a feed file") from None
    except OSError as error:
        raise FeedError(f"{path} could not be read: {error.strerror}") from None
    if len(body) > max_bytes:
        raise FeedError(f"{path} is over the {max_bytes:,}-byte limit")
    return decode(body, str(path))
