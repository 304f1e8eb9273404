"""What every feed schema is made of: the field types the adapters' pydantic models use, and the one-line reason a
rejected entry is given.

Each adapter declares the parts of its format it reads as a pydantic model and validates every entry on its own
(`problem`): a bad entry becomes a Rejection naming the field ("max_input_tokens: 'abc' is not a whole number")
and the rest of the feed proceeds. Prices are not typed here: `checked_price` reads and checks them, after the
schema. Bounds come from the columns the values end up in (catalog.models, pricing.models), so no value can make
a write fail.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainValidator, ValidationError
from pydantic_core import PydanticCustomError

from pricing.feedjson import MAX_DEPTH, RepeatedKeys
from pricing.sources.base import CONTROL_CHARACTERS, CONTROL_IN_TEXT, MAX_TOKENS, shown

ID_LENGTH = 200  # Model.slug, Offering.host_model_id (255) with room for a prefix
NAME_LENGTH = 200  # Model.name, Offering.listed_name, Provider.name


def shown_id(value: Any) -> str:
    """An id as a rejection names it: as written when it is plain text, else escaped and cut short."""
    if isinstance(value, str) and len(value) <= ID_LENGTH and not CONTROL_CHARACTERS.search(value):
        return value
    return shown(value, 80)


def _fail(reason: str) -> PydanticCustomError:
    return PydanticCustomError("feed", "{reason}", {"reason": reason})


def _text_of(value: Any, max_length: int, *, required: bool) -> str | None:
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise _fail(f"{shown(value)} is not text")
    if (CONTROL_CHARACTERS if required else CONTROL_IN_TEXT).search(value):
        raise _fail(f"{shown(value)} contains a control character")
    if len(value) > max_length:
        raise _fail(f"{shown(value)} is {len(value):,} characters long, over {max_length:,}")
    if required and not value.strip():
        raise _fail("is empty")
    return value


def Text(max_length: int) -> Any:
    """Optional plain text of at most `max_length` characters, without control characters."""
    return Annotated[str | None, PlainValidator(lambda v: _text_of(v, max_length, required=False))]


def Id(max_length: int = ID_LENGTH) -> Any:
    """A required, non-empty id: plain text of at most `max_length` characters."""
    return Annotated[str, PlainValidator(lambda v: _text_of(v, max_length, required=True))]


def id_problem(value: Any, max_length: int = ID_LENGTH) -> str | None:
    """Why `value` cannot be an entry's id ("id: … is 250 characters long, over 200"); None when it can."""
    try:
        _text_of(value, max_length, required=True)
    except PydanticCustomError as error:
        return f"id: {error.context['reason']}"
    return None


def repeated_ids(data: Any) -> set[str]:
    """The ids an object of entries gives twice (only the last entry of each is left to read)."""
    return set(data.repeated) if isinstance(data, RepeatedKeys) else set()


TWICE = "id: given twice in the feed, and which entry is meant is unclear"


def whole_number(value: Any, *, zero_is_unknown: bool = True) -> int | None:
    """A count of tokens: a whole number from 1 to MAX_TOKENS (`1e6` and `1000000.0` are whole numbers too).
    None when absent, and for 0, which feeds write for "unknown"."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise _fail(f"{shown(value)} is not a whole number")
    if isinstance(value, Decimal) and (not value.is_finite() or value != value.to_integral_value()):
        raise _fail(f"{shown(value)} is not a whole number")
    if value < 0:
        raise _fail(f"{shown(value)} is negative")
    if value > MAX_TOKENS:
        raise _fail(f"{shown(value)} is over {MAX_TOKENS:,} tokens")
    if value == 0:
        if zero_is_unknown:
            return None
        raise _fail("0 is not a number of tokens")
    return int(value)


TokenCount = Annotated[int | None, PlainValidator(whole_number)]
# A threshold (a tier's prompt length): 0 is no threshold at all.
Threshold = Annotated[int, PlainValidator(lambda v: whole_number(v, zero_is_unknown=False))]


def _flag(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise _fail(f"{shown(value)} is not true or false")


Flag = Annotated[bool | None, PlainValidator(_flag)]


class Schema(BaseModel):
    """A part of a feed we read. Keys we do not read are ignored; their values are checked only for what no
    column can store (see `_raw_problem`)."""

    model_config = ConfigDict(extra="ignore", frozen=True)


_PHRASES = {
    "model_type": "is not an object",
    "dict_type": "is not an object",
    "list_type": "is not a list",
    "missing": "is missing",
}


def reason_of(error: ValidationError) -> str:
    """The first problem of a failed validation, in one line: where, what was found, what is wrong."""
    errors = error.errors(include_url=False)
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"])
    if first["type"] == "feed":
        what = first["ctx"]["reason"]
    elif first["type"] in _PHRASES:
        what = _PHRASES[first["type"]]
        what = what if first["type"] == "missing" else f"{shown(first['input'])} {what}"
    else:
        what = first["msg"]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {what}{more}" if where else f"{what}{more}"


def _raw_problem(value: Any, depth: int = 0) -> tuple[list[Any], str] | None:
    """What no column can store, anywhere in an entry (also in keys we do not read, since an entry's prices are
    kept as evidence): a NUL character, or a key given twice in one object. (Where, what) or None."""
    if isinstance(value, str):
        return ([], "contains a NUL character") if "\x00" in value else None
    if depth > MAX_DEPTH:
        return [], f"nested over {MAX_DEPTH} levels deep"
    if isinstance(value, dict):
        if isinstance(value, RepeatedKeys):
            return [value.repeated[0]], "given twice, and which is meant is unclear"
        for key, item in value.items():
            if "\x00" in key:
                return [key], "a key that contains a NUL character"
            if isinstance(item, str | dict | list) and (found := _raw_problem(item, depth + 1)):
                return [key, *found[0]], found[1]
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, str | dict | list) and (found := _raw_problem(item, depth + 1)):
                return [i, *found[0]], found[1]
    return None


def _where(path: list[Any]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{shown_id(part)}" for part in path).lstrip(
        "."
    )


def problem(schema: type[Schema], entry: Any) -> str | None:
    """Why `entry` does not fit `schema`, in one line; None when it does."""
    if found := _raw_problem(entry):
        where, what = found
        return f"{_where(where) or 'the entry'}: {what}"
    try:
        schema.model_validate(entry)
    except ValidationError as error:
        return reason_of(error)
    return None
