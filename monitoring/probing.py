"""A probe: one small streamed request to a model's API, timed, classified, and stripped of any key.

Probes run concurrently on one event loop (httpx.AsyncClient) with a bound on how many are in flight.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import re
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace

import httpx
from django.conf import settings
from django.utils import timezone

from monitoring import rollups
from monitoring.adapters import ADAPTERS
from monitoring.keys import read_key
from monitoring.models import Outcome, ProbeRun
from tokenledger import redaction

MAX_ERROR_LENGTH = 300
MAX_ERROR_BODY = 4096
# Shapes of API keys, redacted from any text we keep even when the key itself is not known to us.
_KEY_PATTERN = re.compile(
    r"(sk-[A-Za-z0-9_\-]{8,}|sk-ant-[A-Za-z0-9_\-]{8,}|AIza[0-9A-Za-z_\-]{20,}|gsk_[A-Za-z0-9]{10,}|xai-[A-Za-z0-9]{10,})"
)
REDACTED = redaction.REDACTED


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
    latency_ms: float | None = None
    ttft_ms: float | None = None
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


async def probe(client: httpx.AsyncClient, spec: ProbeSpec) -> ProbeResult:
    result = await _probe(client, spec)
    if spec.key_problem:  # probed without the key: say why first, since the provider will likely refuse
        said = f"API key not sent: {spec.key_problem}" + (f"; {result.error}" if result.error else "")
        result = replace(result, error=said[:MAX_ERROR_LENGTH])
    return result


async def _probe(client: httpx.AsyncClient, spec: ProbeSpec) -> ProbeResult:
    adapter = ADAPTERS[spec.adapter]
    request = adapter.request(spec.base_url, spec.model, spec.key, spec.prompt, spec.max_tokens)
    headers = {"User-Agent": settings.HTTP_USER_AGENT, "Accept": "text/event-stream", **request.headers}
    started = time.perf_counter()
    elapsed = lambda: (time.perf_counter() - started) * 1000  # noqa: E731
    ttft = None
    tokens = None
    chunks = 0
    try:
        async with asyncio.timeout(spec.timeout):
            async with client.stream("POST", request.url, headers=headers, json=request.json) as response:
                if response.status_code != 200:
                    body = await _error_body(response)
                    return ProbeResult(
                        Outcome.HTTP_ERROR,
                        http_status=response.status_code,
                        latency_ms=elapsed(),
                        error=redact(f"HTTP {response.status_code}: {provider_message(body)}", *spec.secrets),
                    )
                async for line in response.aiter_lines():
                    if not line.startswith("data:"):
                        continue
                    event = adapter.parse(line[5:].strip())
                    if event.text:
                        chunks += 1
                        if ttft is None:
                            ttft = elapsed()
                    if event.output_tokens is not None:
                        tokens = event.output_tokens
                    if event.done:
                        break
                latency = elapsed()
    except TimeoutError:
        return ProbeResult(
            Outcome.TIMEOUT, latency_ms=elapsed(), error=f"no complete answer within {spec.timeout:g} s"
        )
    except httpx.TimeoutException as error:
        return ProbeResult(Outcome.TIMEOUT, latency_ms=elapsed(), error=f"timed out ({type(error).__name__})")
    except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError) as error:
        return ProbeResult(
            Outcome.CONNECTION_ERROR, error=redact(f"{type(error).__name__}: {error}", *spec.secrets)
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        return ProbeResult(
            Outcome.MALFORMED,
            http_status=200,
            latency_ms=elapsed(),
            error=redact(f"unreadable answer: {error}", *spec.secrets),
        )
    if ttft is None:
        return ProbeResult(
            Outcome.MALFORMED, http_status=200, latency_ms=latency, error="the answer had no text"
        )
    tokens = tokens or chunks
    return ProbeResult(
        Outcome.OK,
        http_status=200,
        latency_ms=latency,
        ttft_ms=ttft,
        output_tokens=tokens,
        tokens_per_second=output_speed(tokens, latency, ttft),
    )


async def _error_body(response: httpx.Response) -> str:
    """The start of an error body, read no further than that."""
    kept = bytearray()
    async for chunk in response.aiter_bytes():
        kept += chunk
        if len(kept) >= MAX_ERROR_BODY:
            break
    return bytes(kept[:MAX_ERROR_BODY]).decode("utf-8", "replace")


async def probe_all(specs: Iterable[ProbeSpec], *, concurrency: int = 200) -> list[ProbeResult]:
    """Probe every spec on one event loop, at most `concurrency` at a time; results in the same order."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    semaphore = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(None), trust_env=False) as client:

        async def bounded(spec: ProbeSpec) -> ProbeResult:
            async with semaphore:
                return await probe(client, spec)

        return await asyncio.gather(*(bounded(spec) for spec in specs))


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
    """probe_all from synchronous code (a command, a Celery task, a test), even where an event loop is already
    running in this thread (as under Playwright): then the probes run on a loop in a thread of their own."""
    specs = list(specs)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(probe_all(specs, concurrency=concurrency))
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, probe_all(specs, concurrency=concurrency)).result()
