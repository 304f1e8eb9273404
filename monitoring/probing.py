"""A probe: one small streamed request to a model's API, timed, classified, and stripped of any key.

Probes run concurrently on one event loop (httpx.AsyncClient) with a bound on how many are in flight.

What is timed, and from when: httpcore reports each step of a request through the "trace" request extension, and
`Phases` notes when each happened. Latency, time to first byte and time to first token are measured from the
moment the request starts being sent on an established connection, so they leave out our own connection set-up
(DNS, TCP, TLS) and any wait for a free connection, whether the connection was new or reused; the set-up of a
new connection is kept apart as `connect_ms` (None when a pooled connection was reused).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import re
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any, TypeVar

import httpx
from django.conf import settings
from django.utils import timezone

from monitoring import rollups
from monitoring.adapters import ADAPTERS
from monitoring.keys import read_key
from monitoring.models import Outcome, ProbeRun
from tokenledger import redaction

T = TypeVar("T")

MAX_ERROR_LENGTH = 300
MAX_ERROR_BODY = 4096
# After the last event, at most this much is read so that the connection can be reused; then it is closed.
DRAIN_SECONDS = 1.0
DRAIN_LINES = 100
# Shapes of API keys, redacted from any text we keep even when the key itself is not known to us.
_KEY_PATTERN = re.compile(
    r"(sk-[A-Za-z0-9_\-]{8,}|sk-ant-[A-Za-z0-9_\-]{8,}|AIza[0-9A-Za-z_\-]{20,}|gsk_[A-Za-z0-9]{10,}|xai-[A-Za-z0-9]{10,})"
)
REDACTED = redaction.REDACTED

Clock = Callable[[], float]  # seconds on a monotonic clock; a parameter so that tests can give a fake one


@dataclass(frozen=True)
class ProbeSpec:
    adapter: str
    base_url: str
    model: str
    key: str = ""
    key_problem: str = ""  # why no key was sent although the target names a variable
    prompt: str = "Reply with the single word: pong"
    max_tokens: int = 16
    timeout: float = 30.0

    @property
    def secrets(self) -> list[str]:
        """What no error we keep may contain: the key, and any credentials or query in the base URL."""
        return [self.key, *redaction.url_secrets(self.base_url)]


@dataclass(frozen=True)
class ProbeResult:
    outcome: str
    http_status: int | None = None
    latency_ms: float | None = None  # request sent → last byte of the answer
    ttft_ms: float | None = None  # request sent → first token of text
    ttfb_ms: float | None = None  # request sent → response headers received
    connect_ms: float | None = None  # our connection set-up (DNS, TCP, TLS); None: a pooled connection reused
    output_tokens: int | None = None
    tokens_per_second: float | None = None
    error: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def redact(text: str, *secrets: str) -> str:
    """The text without the given secrets (in any case or common encoding, tokenledger.redaction) or anything
    shaped like an API key, cut to a short length only then (a cut key would escape its pattern)."""
    return _KEY_PATTERN.sub(REDACTED, redaction.redact(text, secrets))[:MAX_ERROR_LENGTH]


def provider_message(body: str) -> str:
    """The provider's own error message from a JSON error body (`{"error": {"message": …}}` and its cousins),
    else the body as it came."""
    try:
        data = json.loads(body)
    except ValueError:
        return body.strip()
    for found in (data, data.get("error") if isinstance(data, dict) else None):
        if isinstance(found, str):
            return found.strip()
        if isinstance(found, dict):
            for field in ("message", "detail", "error"):
                if isinstance(found.get(field), str):
                    return found[field].strip()
    return body.strip()


def output_speed(tokens: int | None, latency_ms: float | None, ttft_ms: float | None) -> float | None:
    """Tokens per second after the first token arrived (the first token's wait is time to first token)."""
    if not tokens or tokens < 2 or latency_ms is None or ttft_ms is None or latency_ms <= ttft_ms:
        return None
    return (tokens - 1) / ((latency_ms - ttft_ms) / 1000)


# httpcore's trace events that mark a phase, without the prefix that names the layer (connection., http11.,
# http2., http_proxy., socks5.): https://www.encode.io/httpcore/extensions/#trace
_CONNECT_STARTED = {"connect_tcp.started", "connect_unix_socket.started"}
_CONNECTED = {"connect_tcp.complete", "connect_unix_socket.complete", "start_tls.complete"}


class Phases:
    """When each phase of one request happened (clock seconds), from httpcore's trace events: give `trace` to the
    request's "trace" extension (httpx.AsyncClient awaits it)."""

    def __init__(self, clock: Clock = time.perf_counter) -> None:
        self.clock = clock
        self.started = clock()  # the probe began: before any wait for a connection
        self.connect_started: float | None = None
        self.connected: float | None = None
        self.sent: float | None = None  # the request's headers started going out on an established connection
        self.headers: float | None = None  # the response's headers were read

    async def trace(self, event: str, info: dict) -> None:
        now = self.clock()
        step = event.partition(".")[2]
        # A connection found closed when taken from the pool is replaced, and the request sent again: the last
        # connection and the last send are the ones that carried the answer.
        if step in _CONNECT_STARTED:
            self.connect_started, self.connected = now, None
        elif step in _CONNECTED and self.connect_started is not None:
            self.connected = now
        elif step == "send_request_headers.started":
            self.sent = now
        elif step == "receive_response_headers.complete" and self.headers is None:
            self.headers = now

    @property
    def origin(self) -> float:
        """What latency and TTFT are measured from: the send, or the probe's start if nothing was sent."""
        return self.started if self.sent is None else self.sent

    def elapsed_ms(self) -> float:
        """Milliseconds from the origin until now."""
        return (self.clock() - self.origin) * 1000

    @property
    def connect_ms(self) -> float | None:
        if self.connect_started is None or self.connected is None:
            return None
        return (self.connected - self.connect_started) * 1000

    @property
    def ttfb_ms(self) -> float | None:
        return None if self.headers is None or self.sent is None else (self.headers - self.sent) * 1000


async def probe(
    client: httpx.AsyncClient, spec: ProbeSpec, *, clock: Clock = time.perf_counter
) -> ProbeResult:
    result = await _probe(client, spec, clock)
    if spec.key_problem:  # probed without the key: say why first, since the provider will likely refuse
        said = f"API key not sent: {spec.key_problem}" + (f"; {result.error}" if result.error else "")
        result = replace(result, error=said[:MAX_ERROR_LENGTH])
    return result


async def _probe(client: httpx.AsyncClient, spec: ProbeSpec, clock: Clock) -> ProbeResult:
    adapter = ADAPTERS[spec.adapter]
    request = adapter.request(spec.base_url, spec.model, spec.key, spec.prompt, spec.max_tokens)
    headers = {"User-Agent": settings.HTTP_USER_AGENT, "Accept": "text/event-stream", **request.headers}
    phases = Phases(clock)
    timed = lambda **fields: ProbeResult(  # noqa: E731
        latency_ms=phases.elapsed_ms(), ttfb_ms=phases.ttfb_ms, connect_ms=phases.connect_ms, **fields
    )
    ttft = None
    tokens = None
    chunks = 0
    try:
        async with asyncio.timeout(spec.timeout) as deadline:
            async with client.stream(
                "POST", request.url, headers=headers, json=request.json, extensions={"trace": phases.trace}
            ) as response:
                if response.status_code != 200:
                    body = await _error_body(response)
                    return timed(
                        outcome=Outcome.HTTP_ERROR,
                        http_status=response.status_code,
                        error=redact(f"HTTP {response.status_code}: {provider_message(body)}", *spec.secrets),
                    )
                lines = response.aiter_lines()
                async for line in lines:
                    if not line.startswith("data:"):
                        continue
                    event = adapter.parse(line[5:].strip())
                    if event.text:
                        chunks += 1
                        if ttft is None:
                            ttft = phases.elapsed_ms()
                    if event.output_tokens is not None:
                        tokens = event.output_tokens
                    if event.done:
                        break
                latency = phases.elapsed_ms()
                deadline.reschedule(None)  # the answer is complete: what follows cannot make it a timeout
                await _drain(lines)
    except TimeoutError:
        return timed(outcome=Outcome.TIMEOUT, error=f"no complete answer within {spec.timeout:g} s")
    except httpx.TimeoutException as error:
        return timed(outcome=Outcome.TIMEOUT, error=f"timed out ({type(error).__name__})")
    except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as error:
        return ProbeResult(
            Outcome.CONNECTION_ERROR, error=redact(f"{type(error).__name__}: {error}", *spec.secrets)
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        return timed(
            outcome=Outcome.MALFORMED,
            http_status=200,
            error=redact(f"unreadable answer: {error}", *spec.secrets),
        )
    measured = {"latency_ms": latency, "ttfb_ms": phases.ttfb_ms, "connect_ms": phases.connect_ms}
    if ttft is None:
        return ProbeResult(Outcome.MALFORMED, http_status=200, error="the answer had no text", **measured)
    tokens = tokens or chunks
    return ProbeResult(
        Outcome.OK,
        http_status=200,
        ttft_ms=ttft,
        output_tokens=tokens,
        tokens_per_second=output_speed(tokens, latency, ttft),
        **measured,
    )


async def _drain(lines: AsyncIterator[str]) -> None:
    """Read the little that follows the end of an answer (the stream's last bytes), briefly, so that the
    connection goes back to the pool for the next probe of the same host rather than being closed."""
    try:
        async with asyncio.timeout(DRAIN_SECONDS):
            for _ in range(DRAIN_LINES):
                await anext(lines)
    except (StopAsyncIteration, TimeoutError, httpx.HTTPError):
        pass


async def _error_body(response: httpx.Response) -> str:
    """The start of an error body, read no further than that."""
    kept = bytearray()
    async for chunk in response.aiter_bytes():
        kept += chunk
        if len(kept) >= MAX_ERROR_BODY:
            break
    return bytes(kept[:MAX_ERROR_BODY]).decode("utf-8", "replace")


# Connections per client: httpcore's pool walks all its connections for every request it assigns (encode/httpcore
# #1035): 1,000 probes of 200 ms took 27 s through one pool of 1,000 connections, 3.7 s through 20 pools of 50
# (bench/probe_fake_provider.py, where the fake provider shares the process and its CPU).
CONNECTIONS_PER_CLIENT = 50


async def probe_all(specs: Iterable[ProbeSpec], *, concurrency: int = 200) -> list[ProbeResult]:
    """Probe every spec on one event loop, at most `concurrency` at a time; results in the same order. The specs
    are shared out over clients of at most CONNECTIONS_PER_CLIENT connections each, in turn."""
    specs = list(specs)
    pools = max(1, -(-min(concurrency, len(specs)) // CONNECTIONS_PER_CLIENT))
    per_pool = -(-concurrency // pools)
    limits = httpx.Limits(max_connections=per_pool, max_keepalive_connections=per_pool)
    semaphore = asyncio.Semaphore(concurrency)
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(
                httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(None), trust_env=False)
            )
            for _ in range(pools)
        ]

        async def bounded(client: httpx.AsyncClient, spec: ProbeSpec) -> ProbeResult:
            async with semaphore:
                return await probe(client, spec)

        return await asyncio.gather(
            *(bounded(clients[index % pools], spec) for index, spec in enumerate(specs))
        )


def spec_for(target) -> ProbeSpec:
    """The probe of a configured target, its key read from the environment variable the target names (if that
    variable is one a key may come from: monitoring.keys)."""
    key, key_problem = read_key(target.api_key_env)
    return ProbeSpec(
        adapter=target.adapter,
        base_url=target.base_url,
        model=target.api_model or target.offering.host_model_id,
        key=key,
        key_problem=key_problem,
        prompt=target.prompt,
        max_tokens=target.max_tokens,
        timeout=float(target.timeout_seconds),
    )


def probe_targets(targets, *, started_at=None, concurrency: int = 200) -> list:
    """Probe these targets now and store one ProbeRun each (keys are read from the environment, never stored)."""
    targets = list(targets)
    started_at = started_at or timezone.now()
    specs = [spec_for(target) for target in targets]
    results = run_probes(specs, concurrency=concurrency)
    runs = [
        ProbeRun(
            target=target,
            started_at=started_at,
            outcome=result.outcome,
            http_status=result.http_status,
            latency_ms=result.latency_ms,
            ttft_ms=result.ttft_ms,
            ttfb_ms=result.ttfb_ms,
            connect_ms=result.connect_ms,
            output_tokens=result.output_tokens,
            tokens_per_second=result.tokens_per_second,
            error=result.error,  # probe() has redacted the key from it
        )
        for target, result in zip(targets, results, strict=True)
    ]
    stored = ProbeRun.objects.bulk_create(runs, ignore_conflicts=True)
    # Pages read rollups: bring this batch's hour and day up to date now rather than at the next maintenance.
    rollups.refresh(started_at, started_at, target_ids=[target.pk for target in targets])
    return stored


def run_probes(specs: Iterable[ProbeSpec], *, concurrency: int = 200) -> list[ProbeResult]:
    """probe_all from synchronous code (a command, a Celery task, a test)."""
    return run_coroutine(probe_all(list(specs), concurrency=concurrency))


def run_coroutine(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end from synchronous code, even where an event loop is already running in this
    thread (as under Playwright): then it runs on a loop in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
