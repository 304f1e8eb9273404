from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Request:
    url: str
    headers: dict[str, str]
    json: dict


@dataclass(frozen=True)
class Event:
    """What one server-sent event says: text it adds, the output token count so far, whether it ends."""

    text: str = ""
    output_tokens: int | None = None
    done: bool = False
