"""A fake model provider for tests and keyless demos: it speaks OpenAI chat completions, Anthropic Messages and
Gemini streamGenerateContent, streaming, and does what it is told — add latency, delay the first token, answer
429/5xx, hang, send garbage, or echo the API key in an error body.

What it is told comes from the model name, so that one server can play many targets at once:
`fake:latency=200:ttft=50` streams its first token after 50 ms and its last at 200 ms;
`fake:status=429`, `fake:hang`, `fake:garbage`, `fake:echo_key:status=401` (`echo_encoded` echoes it upper-cased,
base64-encoded, JSON-escaped and URL-encoded too), `fake:tokens=20`; for a lively
demo, `jitter=80` adds up to 80 ms at random and `fail=0.02` answers 503 to 2% of requests.
Run it alone with `python -m monitoring.fake_provider --port 8001`.
Nothing it serves is a real measurement: targets that probe it are labelled as demos.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import random
import threading
import urllib.parse
from dataclasses import dataclass, fields, replace

from aiohttp import web

WORDS = ["pong", " is", " the", " answer", " from", " a", " simulated", " provider", " with", " no", " model"]


@dataclass(frozen=True)
class Behaviour:
    latency: float = 0.0  # ms from the request to the last byte
    ttft: float = 0.0  # ms from the request to the first token
    tokens: int = 5
    status: int = 200
    hang: bool = False
    garbage: bool = False
    echo_key: bool = False
    echo_encoded: bool = False  # echo the key in every spelling a careless provider might: tests of redaction
    plain: bool = False  # with echo_encoded: the error body as plain text rather than JSON
    jitter: float = 0.0  # up to this many ms more, at random, on the first token and on the whole answer
    fail: float = 0.0  # the share of requests answered with a 503

    @classmethod
    def from_model(cls, model: str) -> Behaviour:
        """Read `fake:latency=200:ttft=50:…`; unknown parts are ignored, so any model name works."""
        types = {f.name: f.type for f in fields(cls)}
        values = {}
        for part in model.split(":")[1:]:
            name, _, value = part.partition("=")
            if name not in types:
                continue
            if types[name] == "bool":
                values[name] = value.lower() not in ("0", "false", "no") if value else True
            elif types[name] == "int":
                values[name] = int(value)
            else:
                values[name] = float(value)
        return cls(**values)


def _key_of(request: web.Request) -> str:
    auth = request.headers.get("Authorization", "")
    return (
        auth.removeprefix("Bearer ") or request.headers.get("x-api-key", "") or request.query.get("key", "")
    )


async def _answer(request: web.Request, model: str, events) -> web.StreamResponse:
    behaviour = Behaviour.from_model(model)
    if behaviour.jitter:
        extra = random.uniform(0, behaviour.jitter)
        behaviour = replace(behaviour, ttft=behaviour.ttft + extra / 2, latency=behaviour.latency + extra)
    if behaviour.fail and random.random() < behaviour.fail:
        behaviour = replace(behaviour, status=503)
    started = asyncio.get_running_loop().time()
    if behaviour.hang:
        await asyncio.sleep(3600)
    if behaviour.status != 200:
        await asyncio.sleep(behaviour.latency / 1000)
        body = {"error": {"message": f"simulated error {behaviour.status}", "type": "fake"}}
        if behaviour.echo_key:
            body["error"]["message"] = f"Incorrect API key provided: {_key_of(request)}"
        if behaviour.echo_encoded:
            return _echo_encoded(_key_of(request), behaviour)
        return web.json_response(body, status=behaviour.status)

    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)

    async def at(ms: float) -> None:
        delay = started + ms / 1000 - asyncio.get_running_loop().time()
        if delay > 0:
            await asyncio.sleep(delay)

    if behaviour.garbage:
        await at(behaviour.ttft)
        await response.write(b"data: {this is not json\n\n<html>oops</html>\n\n")
        await response.write_eof()
        return response

    words = [WORDS[i % len(WORDS)] for i in range(max(1, behaviour.tokens))]
    gap = (behaviour.latency - behaviour.ttft) / max(1, len(words) - 1) if len(words) > 1 else 0
    await at(behaviour.ttft)
    for index, word in enumerate(words):
        if index:
            await at(behaviour.ttft + gap * index)
        for chunk in events.token(word, index):
            await response.write(chunk)
    await at(behaviour.latency)
    for chunk in events.finish(len(words)):
        await response.write(chunk)
    await response.write_eof()
    return response


def _echo_encoded(key: str, behaviour: Behaviour) -> web.Response:
    """An error that quotes the key as carelessly as real providers have: every common spelling of it."""
    spellings = [
        key.upper(),
        key.lower(),
        base64.b64encode(key.encode()).decode(),
        base64.urlsafe_b64encode(key.encode()).decode(),
        base64.b64encode(f"Bearer {key}".encode()).decode(),
        base64.b64encode(f"user:{key}".encode()).decode(),
        urllib.parse.quote(key, safe=""),
        urllib.parse.quote_plus(key),
        key.encode().hex(),
    ]
    escaped = "".join(f"\\u{ord(char):04x}" for char in key)  # JSON-escaped, every character
    message = json.dumps("Incorrect API key provided: " + " ".join(spellings))[1:-1] + " " + escaped
    if behaviour.plain:
        return web.Response(text=message, status=behaviour.status, content_type="text/plain")
    body = f'{{"error": {{"message": "{message}", "type": "fake", "param": "{escaped}"}}}}'
    return web.Response(text=body, status=behaviour.status, content_type="application/json")


def _sse(data: dict, event: str | None = None) -> bytes:
    prefix = f"event: {event}\n" if event else ""
    return f"{prefix}data: {json.dumps(data)}\n\n".encode()


class _OpenAI:
    @staticmethod
    def token(word, index):
        yield _sse({"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": word}}]})

    @staticmethod
    def finish(count):
        yield _sse(
            {
                "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            }
        )
        yield _sse({"object": "chat.completion.chunk", "choices": [], "usage": {"completion_tokens": count}})
        yield b"data: [DONE]\n\n"


class _Anthropic:
    @staticmethod
    def token(word, index):
        if index == 0:
            yield _sse({"type": "message_start", "message": {"usage": {"output_tokens": 1}}}, "message_start")
            yield _sse({"type": "content_block_start", "index": 0}, "content_block_start")
        yield _sse(
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": word}},
            "content_block_delta",
        )

    @staticmethod
    def finish(count):
        yield _sse({"type": "content_block_stop", "index": 0}, "content_block_stop")
        yield _sse({"type": "message_delta", "usage": {"output_tokens": count}}, "message_delta")
        yield _sse({"type": "message_stop"}, "message_stop")


class _Gemini:
    @staticmethod
    def token(word, index):
        yield _sse(
            {
                "candidates": [{"content": {"parts": [{"text": word}], "role": "model"}}],
                "usageMetadata": {"candidatesTokenCount": index + 1},
            }
        )

    @staticmethod
    def finish(count):
        yield _sse(
            {
                "candidates": [{"content": {"parts": [{"text": ""}]}, "finishReason": "STOP"}],
                "usageMetadata": {"candidatesTokenCount": count},
            }
        )


async def _openai(request: web.Request) -> web.StreamResponse:
    payload = await request.json()
    return await _answer(request, payload.get("model", ""), _OpenAI)


async def _anthropic(request: web.Request) -> web.StreamResponse:
    payload = await request.json()
    return await _answer(request, payload.get("model", ""), _Anthropic)


async def _gemini(request: web.Request) -> web.StreamResponse:
    return await _answer(request, request.match_info["model"], _Gemini)


def application() -> web.Application:
    app = web.Application()
    app.router.add_post("/v1/chat/completions", _openai)
    app.router.add_post("/v1/messages", _anthropic)
    app.router.add_post(r"/v1beta/models/{model}:streamGenerateContent", _gemini)
    return app


class FakeProvider:
    """Runs the fake provider on 127.0.0.1 in a thread of its own: `with FakeProvider() as fake: fake.url`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host, self.port = host, port
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> FakeProvider:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _stop(self) -> None:
        await self._runner.cleanup()
        # Handlers told to hang are still asleep: end them, so that nothing is left pending.
        current = asyncio.current_task()
        pending = [task for task in asyncio.all_tasks() if task is not current]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _start(self) -> None:
        self._runner = web.AppRunner(application(), access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, backlog=2048)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A simulated model provider for tests and keyless demos.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args(argv)
    print(f"Fake provider (simulated, not a real model) on http://{args.host}:{args.port}", flush=True)
    web.run_app(application(), host=args.host, port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
