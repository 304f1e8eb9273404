"""The phases of a probe (connection set-up, time to first byte, time to first token, total): what each is timed
from and to, on a clock the test controls, and new against reused connections on a local server.

No test here reads a magnitude off the wall clock (a busy machine would break it): exact figures come from a fake
clock, and against a real server only presence and order are checked. Accuracy is bench/probe_fake_provider.py's.
"""

import httpx
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from monitoring import probing
from monitoring.fake_provider import FakeProvider
from monitoring.models import Adapter, ProbeRun
from monitoring.probing import ProbeSpec, probe, probe_targets, run_coroutine

BEFORE = [("monitoring", "0007_probe_target_api_model")]
AFTER = [("monitoring", "0008_probe_run_phases")]


class FakeClock:
    """Milliseconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 1_000.0  # seconds, as time.perf_counter gives them

    def __call__(self) -> float:
        return self.now

    def advance(self, ms: float) -> None:
        self.now += ms / 1000


def sse(*texts: str) -> list[bytes]:
    chunks = [f'data: {{"choices": [{{"delta": {{"content": "{text}"}}}}]}}\n\n'.encode() for text in texts]
    return [*chunks, b'data: {"choices": [], "usage": {"completion_tokens": 3}}\n\n', b"data: [DONE]\n\n"]


class ScriptedStream(httpx.AsyncByteStream):
    """A response body whose chunks arrive after the given milliseconds each, on the fake clock."""

    def __init__(self, clock: FakeClock, chunks: list[tuple[float, bytes]]) -> None:
        self.clock, self.chunks = clock, chunks

    async def __aiter__(self):
        for wait, chunk in self.chunks:
            self.clock.advance(wait)
            yield chunk


class ScriptedTransport(httpx.AsyncBaseTransport):
    """What httpcore reports of a request (its trace events), at scripted times on the fake clock, without a
    network: `steps` is (milliseconds to let pass, then the event to report or None)."""

    def __init__(
        self, clock: FakeClock, steps: list[tuple[float, str | None]], body: list[tuple[float, bytes]]
    ):
        self.clock, self.steps, self.body = clock, steps, body

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        trace = request.extensions["trace"]
        for wait, event in self.steps:
            self.clock.advance(wait)
            if event:
                await trace(event, {})
        return httpx.Response(200, stream=ScriptedStream(self.clock, self.body))


COLD = [
    (5, None),  # waiting for a free connection: ours, not the provider's
    (0, "connection.connect_tcp.started"),
    (20, "connection.connect_tcp.complete"),
    (0, "connection.start_tls.started"),
    (30, "connection.start_tls.complete"),
    (0, "http11.send_request_headers.started"),
    (1, "http11.send_request_headers.complete"),
    (0, "http11.send_request_body.started"),
    (1, "http11.send_request_body.complete"),
    (0, "http11.receive_response_headers.started"),
    (38, "http11.receive_response_headers.complete"),
]
WARM = [
    (5, None),
    (0, "http11.send_request_headers.started"),
    (40, "http11.receive_response_headers.complete"),
]


def scripted_probe(steps) -> tuple:
    clock = FakeClock()
    # The headers 40 ms after the request started going out, the first token 40 ms later, the end at 240 ms.
    body = list(zip([40, 100, 60, 0], sse("po", "ng"), strict=True))

    async def go():
        transport = ScriptedTransport(clock, steps, body)
        async with httpx.AsyncClient(transport=transport) as client:
            return await probe(client, ProbeSpec("openai", "https://api.example", "m"), clock=clock)

    return run_coroutine(go()), clock


def test_a_new_connection_is_timed_apart_and_left_out_of_latency_and_ttft():
    result, _ = scripted_probe(COLD)

    assert result.outcome == "ok"
    assert result.connect_ms == pytest.approx(50)  # TCP 20 ms + TLS 30 ms
    assert result.ttfb_ms == pytest.approx(40)  # from the send, not from the connection's start 55 ms earlier
    assert result.ttft_ms == pytest.approx(80)
    assert result.latency_ms == pytest.approx(240)  # first token at 80 ms, then 100 + 60
    assert result.tokens_per_second == pytest.approx(2 / 0.160)  # 3 tokens: 2 after the first


def test_a_reused_connection_has_no_set_up_and_is_timed_the_same_way():
    result, _ = scripted_probe(WARM)

    assert result.connect_ms is None
    assert (result.ttfb_ms, result.ttft_ms, result.latency_ms) == pytest.approx((40, 80, 240))


def test_a_connection_replaced_after_a_failed_send_is_timed_from_the_send_that_was_answered():
    stale = [
        (0, "http11.send_request_headers.started"),
        (3, "http11.send_request_headers.failed"),
        (0, "connection.connect_tcp.started"),
        (10, "connection.connect_tcp.complete"),
        (0, "http11.send_request_headers.started"),
        (40, "http11.receive_response_headers.complete"),
    ]
    result, _ = scripted_probe(stale)

    assert result.connect_ms == pytest.approx(10)
    assert (result.ttfb_ms, result.ttft_ms, result.latency_ms) == pytest.approx((40, 80, 240))


def test_a_probe_that_never_sent_its_request_is_timed_from_its_start():
    class Refusing(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request):
            await request.extensions["trace"]("connection.connect_tcp.started", {})
            clock.advance(5_000)
            raise httpx.ConnectTimeout("no answer to SYN")

    clock = FakeClock()

    async def go():
        async with httpx.AsyncClient(transport=Refusing()) as client:
            return await probe(client, ProbeSpec("openai", "https://api.example", "m"), clock=clock)

    result = run_coroutine(go())

    assert result.outcome == "timeout"
    assert result.latency_ms == pytest.approx(5_000)
    assert result.connect_ms is None and result.ttfb_ms is None and result.ttft_ms is None


# --- Against a local server: new and reused connections ------------------------------------------------------


@pytest.fixture(scope="module")
def fake():
    with FakeProvider() as provider:
        yield provider


async def probe_on(client: httpx.AsyncClient | None, spec: ProbeSpec):
    if client is not None:
        return await probe(client, spec)
    async with httpx.AsyncClient(trust_env=False) as new:
        return await probe(new, spec)


def assert_phases_in_order(result) -> None:
    assert result.outcome == "ok", result
    assert 0 < result.ttfb_ms <= result.ttft_ms <= result.latency_ms


@pytest.mark.parametrize("adapter", ["openai", "anthropic", "gemini"])
def test_a_client_reuses_its_connection_and_only_a_new_one_has_a_set_up_time(fake, adapter, monkeypatch):
    # However late the end of the stream comes on a busy machine, it is read, and the connection kept.
    monkeypatch.setattr("monitoring.probing.DRAIN_SECONDS", 30)
    spec = ProbeSpec(adapter, fake.url, "fake:latency=30:ttft=10:tokens=3")

    async def go():
        async with httpx.AsyncClient(trust_env=False) as client:
            first, second, third = [await probe(client, spec) for _ in range(3)]
        return first, second, third, await probe_on(None, spec)

    first, second, third, on_a_new_client = run_coroutine(go())

    for result in (first, second, third, on_a_new_client):
        assert_phases_in_order(result)
    assert first.connect_ms > 0 and on_a_new_client.connect_ms > 0
    assert second.connect_ms is None and third.connect_ms is None  # the answer was read to its end: reused


def test_a_busy_machine_only_ever_adds_time_to_what_the_provider_injects(fake):
    """Lower bounds only: the provider sleeps at least this long after our request started going out."""
    result = run_coroutine(probe_on(None, ProbeSpec("openai", fake.url, "fake:latency=60:ttft=20:tokens=4")))

    assert_phases_in_order(result)
    assert result.ttft_ms >= 19 and result.latency_ms >= 59


@pytest.mark.django_db
def test_a_probe_batch_stores_every_phase_of_each_run(fake, sample_data):
    from catalog.models import Offering
    from monitoring.models import ProbeTarget

    offering = Offering.objects.get(host__slug="openai", host_model_id="gpt-4o")
    target = ProbeTarget.objects.create(
        offering=offering, adapter=Adapter.OPENAI, base_url=fake.url, api_model="fake:latency=20:ttft=5"
    )

    probe_targets([target])

    run = ProbeRun.objects.get(target=target)
    assert run.outcome == "ok"
    assert run.connect_ms > 0 and 0 < run.ttfb_ms <= run.ttft_ms <= run.latency_ms


# --- The migration -------------------------------------------------------------------------------------------


@pytest.fixture
def before_phases(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps

    def migrate():
        executor.loader.build_graph()
        executor.migrate(AFTER)

    yield apps, migrate
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_runs_stored_before_the_phases_were_kept_stay_with_their_latency_and_no_phases(before_phases):
    from catalog.models import Model, Offering, Provider  # the catalogue's tables are as they are now

    apps, migrate = before_phases
    Target, Run = apps.get_model("monitoring", "ProbeTarget"), apps.get_model("monitoring", "ProbeRun")
    lab = Provider.objects.create(slug="acme", name="Acme", is_lab=True, is_host=True)
    model = Model.objects.create(lab=lab, slug="m1", name="M1")
    offering = Offering.objects.create(model=model, host=lab, host_model_id="m1")
    target = Target.objects.create(
        offering_id=offering.pk, adapter="openai", base_url="https://api.acme.example"
    )
    Run.objects.create(
        target=target, started_at="2026-11-30T12:00:00Z", outcome="ok", latency_ms=321, ttft_ms=99
    )

    migrate()

    run = ProbeRun.objects.get()
    assert (run.latency_ms, run.ttft_ms, run.ttfb_ms, run.connect_ms) == (321, 99, None, None)


def test_a_batch_larger_than_one_client_pool_probes_every_target_with_its_own_result(monkeypatch):
    monkeypatch.setattr(probing, "CONNECTIONS_PER_CLIENT", 2)  # seven specs over four clients
    statuses = [200, 429, 200, 500, 503, 200, 401]
    with FakeProvider() as fake:
        specs = [
            ProbeSpec("openai", f"{fake.url}/v1", f"fake:status={status}:tokens={index + 1}", key="sk-test")
            for index, status in enumerate(statuses)
        ]
        results = run_coroutine(probing.probe_all(specs, concurrency=7))

    assert [result.http_status for result in results] == statuses
    assert [
        result.output_tokens for result, status in zip(results, statuses, strict=True) if status == 200
    ] == [1, 3, 6]
