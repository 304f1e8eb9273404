"""Anthropic Messages, streamed."""

from __future__ import annotations

import json

from monitoring.adapters.base import Event, Request

API_VERSION = "2023-06-01"


def request(base_url: str, model: str, key: str, prompt: str, max_tokens: int) -> Request:
    base = base_url.rstrip("/")
    return Request(
        url=f"{base}/messages" if base.endswith("/v1") else f"{base}/v1/messages",
        headers={"x-api-key": key, "anthropic-version": API_VERSION}
        if key
        else {"anthropic-version": API_VERSION},
        json={
            "model": model,
            "messages": [{"role": "user", "content": prompt}],
            "max_tokens": max_tokens,
            "stream": True,
        },
    )


def parse(data: str) -> Event:
    event = json.loads(data)
    kind = event.get("type")
    if kind == "content_block_delta":
        return Event(text=(event.get("delta") or {}).get("text") or "")
    if kind == "message_delta":
        return Event(output_tokens=(event.get("usage") or {}).get("output_tokens"))
    if kind == "message_stop":
        return Event(done=True)
    if kind == "error":
        raise ValueError(f"error event: {(event.get('error') or {}).get('type', 'unknown')}")
    return Event()
