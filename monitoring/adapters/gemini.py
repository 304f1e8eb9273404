"""Google Gemini streamGenerateContent (server-sent events)."""

from __future__ import annotations

import json

from monitoring.adapters.base import Event, Request


def request(base_url: str, model: str, key: str, prompt: str, max_tokens: int) -> Request:
    base = base_url.rstrip("/")
    root = base if base.endswith("/v1beta") else f"{base}/v1beta"
    return Request(
        url=f"{root}/models/{model}:streamGenerateContent?alt=sse",
        headers={"x-goog-api-key": key} if key else {},
        json={
            "contents": [{"role": "user", "parts": [{"text": prompt}]}],
            "generationConfig": {"maxOutputTokens": max_tokens},
        },
    )


def parse(data: str) -> Event:
    chunk = json.loads(data)
    text = "".join(
        part.get("text") or ""
        for candidate in chunk.get("candidates") or []
        for part in (candidate.get("content") or {}).get("parts") or []
    )
    tokens = (chunk.get("usageMetadata") or {}).get("candidatesTokenCount")
    finished = any(c.get("finishReason") for c in chunk.get("candidates") or [])
    return Event(text=text, output_tokens=tokens, done=finished)
