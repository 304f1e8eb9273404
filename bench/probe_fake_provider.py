"""Benchmark: probes against the fake provider on 127.0.0.1.

1. Accuracy: 50 probes each against two servers in processes of their own, the fake provider (200 ms injected
   latency, 50 ms to the first token) and an independent streaming server (bench/support/sse_server.py, raw
   asyncio: 280 ms and 80 ms), on cold connections (a new client per probe) and warm ones (one client, its
   connection reused); prints the median and worst error of measured latency and TTFT against what was
   injected, and the median connection set-up (kept apart from the latency). Goal: within ±10 ms.
   `--hogs N` runs N busy-loop processes meanwhile, as a busy machine would.
2. Throughput: 1,000 targets at 200 ms injected latency probed by one process on one event loop; prints the wall
   time and its ratio to the 200 ms a single probe takes.
3. The worker's path: the Celery task `probe_slot` given 1,000 probe targets from the database (the real
   catalogue loaded into a throwaway SQLite database), with the fake provider in a process of its own as a
   remote provider would be; the wall time includes storing the runs and rolling them up.

    python bench/probe_fake_provider.py [--runs 50] [--hogs 2] [--accuracy-only]
"""

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.support.processes import free_port

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("TOKENLEDGER_VAR_DIR", tempfile.mkdtemp(prefix="tokenledger-bench-"))

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from catalog.models import Offering  # noqa: E402
from monitoring.fake_provider import FakeProvider  # noqa: E402
from monitoring.models import Adapter, ProbeRollup, ProbeRun, ProbeTarget  # noqa: E402
from monitoring.probing import ProbeSpec, probe, probe_all  # noqa: E402
from monitoring.tasks import probe_slot  # noqa: E402
from tokenledger.sample_data import load_all  # noqa: E402

BENCH = Path(__file__).resolve().parent


def wait_for_port(port: int) -> None:
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


@contextlib.contextmanager
def server(*command: str):
    """A server in a process of its own on a free port (passed as the command's {port}): yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [part.format(port=port) for part in command], stdout=subprocess.DEVNULL, cwd=BENCH.parent
    )
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait()


@contextlib.contextmanager
def cpu_hogs(count: int):
    """`count` processes that spin, as other work on a busy machine would."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while 1: pass"]) for _ in range(count)]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


async def probes(spec: ProbeSpec, runs: int, *, warm: bool) -> list:
    """`runs` probes one after the other: on one client whose connection is reused (after one probe to open
    it), or on a new client, so a new connection, each."""
    if warm:
        async with httpx.AsyncClient(trust_env=False) as client:
            await probe(client, spec)
            return [await probe(client, spec) for _ in range(runs)]
    results = []
    for _ in range(runs):
        async with httpx.AsyncClient(trust_env=False) as client:
            results.append(await probe(client, spec))
    return results


def error_figures(measured: list[float], injected: float) -> str:
    errors = [value - injected for value in measured]
    return f"median {statistics.median(errors):+5.1f}, worst {max(errors, key=abs):+5.1f}"


def server_lateness(log: Path, answers: int) -> list[tuple[float, float]]:
    """What the independent server wrote of its own lateness, once it has written it for every answer."""
    for _ in range(100):
        lines = log.read_text().splitlines() if log.exists() else []
        if len(lines) >= answers or not lines:
            break
        time.sleep(0.05)  # the server writes its line just after the end of its answer
    return [tuple(map(float, line.split())) for line in lines]


def accuracy(runs: int) -> None:
    python = sys.executable
    lateness = Path(tempfile.mkdtemp(prefix="tokenledger-bench-")) / "lateness.txt"
    sse = (python, str(BENCH / "support" / "sse_server.py"), "{port}", "80", "280", str(lateness))
    servers = [
        ("fake provider", (python, "-m", "monitoring.fake_provider", "--port", "{port}"), 200, 50),
        ("independent SSE server", sse, 280, 80),
    ]
    print(f"accuracy, {runs} probes each, errors in ms against the injected values (goal: within ±10 ms)")
    for name, command, latency, ttft in servers:
        with server(*command) as url:
            spec = ProbeSpec("openai", url, f"fake:latency={latency}:ttft={ttft}:tokens=5")
            for warm in (False, True):
                lateness.write_text("")
                results = asyncio.run(probes(spec, runs, warm=warm))
                assert all(r.outcome == "ok" for r in results), {r.outcome for r in results}
                connects = [r.connect_ms for r in results if r.connect_ms is not None]
                connect = f"median {statistics.median(connects):.1f} ms" if connects else "none (reused)"
                print(
                    f"  {name}, {'warm' if warm else 'cold'}: {latency} ms / TTFT {ttft} ms injected\n"
                    f"    latency {error_figures([r.latency_ms for r in results], latency)}; "
                    f"TTFT {error_figures([r.ttft_ms for r in results], ttft)}; "
                    f"connection set-up {connect} in {len(connects)} of {len(results)}"
                )
                if late := server_lateness(lateness, runs + warm):
                    first, last = zip(*late[-runs:], strict=True)  # a warm run's first probe is not counted
                    net_latency = [r.latency_ms - x for r, x in zip(results, last, strict=True)]
                    net_ttft = [r.ttft_ms - x for r, x in zip(results, first, strict=True)]
                    print(
                        f"    the server itself was late by a median {statistics.median(first):.1f} ms (first "
                        f"token) and {statistics.median(last):.1f} ms (end); net of that, latency "
                        f"{error_figures(net_latency, latency)}; TTFT {error_figures(net_ttft, ttft)}"
                    )


def worker_path() -> None:
    if connection.vendor != "sqlite":
        connection.creation.create_test_db(verbosity=0)
    else:
        call_command("migrate", verbosity=0)
    load_all()
    port = free_port()
    provider = subprocess.Popen(
        [sys.executable, "-m", "monitoring.fake_provider", "--port", str(port)], stdout=subprocess.DEVNULL
    )
    try:
        wait_for_port(port)
        targets = ProbeTarget.objects.bulk_create(
            ProbeTarget(
                offering=offering,
                adapter=Adapter.OPENAI,
                base_url=f"http://127.0.0.1:{port}/v1",
                api_model="fake:latency=200:ttft=50",
                is_demo=True,
            )
            for offering in Offering.objects.order_by("pk")[:1000]
        )
        slot = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC).isoformat()
        started = time.perf_counter()
        probe_slot([target.pk for target in targets], slot)
        wall = time.perf_counter() - started
    finally:
        provider.terminate()
        provider.wait()
    ok = ProbeRun.objects.filter(outcome="ok").count()
    print(
        f"worker task, 1,000 targets from the database at 200 ms: {wall:.2f} s wall (probe, store "
        f"{ProbeRun.objects.count():,} runs, {ProbeRollup.objects.count():,} rollups), {ok} ok; target < 5 s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="probes per server and connection kind")
    parser.add_argument(
        "--hogs", type=int, default=0, help="busy-loop processes to run during the accuracy runs"
    )
    parser.add_argument("--accuracy-only", action="store_true")
    args = parser.parse_args()
    with cpu_hogs(args.hogs):
        if args.hogs:
            print(f"with {args.hogs} CPU hog process(es) running")
        accuracy(args.runs)
    if args.accuracy_only:
        return

    with FakeProvider() as fake:
        targets = [ProbeSpec("openai", fake.url, "fake:latency=200:ttft=50") for _ in range(1000)]
        started = time.perf_counter()
        outcomes = asyncio.run(probe_all(targets, concurrency=1000))
        wall = time.perf_counter() - started
        ok = sum(r.outcome == "ok" for r in outcomes)
        print(
            f"1,000 targets at 200 ms: {wall:.2f} s wall, {ok} ok (ratio to one probe: {wall / 0.2:.1f}; target < 5 s)"
        )

    worker_path()


if __name__ == "__main__":
    main()
