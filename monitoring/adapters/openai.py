"""OpenAI-compatible chat completions (OpenAI, OpenRouter, DeepSeek, xAI, Mistral, Groq, …), streamed."""

from __future__ import annotations

import json

from monitoring.adapters.base import Event, Request


def request(base_url: str, model: str, key: str, prompt: str, max_tokens: int) -> Request:
    base = base_url.rstrip("/")
    return Request(
        url=f"{base}/chat/completions" if base.endswith("/v1") else f"{base}/v1/chat/completions",
        headers={"Authorization": f"Bearer {key}"} if key else {},
        json={
            "model": model,
            "messages": [{"role": "user", "content": prompt}],
            "max_tokens": max_tokens,
            "stream": True,
            "stream_options": {"include_usage": True},
        },
    )


def parse(data: str) -> Event:
    if data.strip() == "[DONE]":
        return Event(done=True)
    chunk = json.loads(data)
    text = "".join((choice.get("delta") or {}).get("content") or "" for choice in chunk.get("choices") or [])
    usage = chunk.get("usage") or {}
    return Event(text=text, output_tokens=usage.get("completion_tokens"))
