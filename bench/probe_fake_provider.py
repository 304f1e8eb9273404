"""Benchmark: probes against the fake provider on 127.0.0.1.

1. Accuracy: 20 sequential probes at 200 ms injected latency and 50 ms to the first token; prints the median
   and worst error of measured latency and TTFT against what was injected.
2. Throughput: 1,000 targets at 200 ms injected latency probed by one process on one event loop; prints the wall
   time and its ratio to the 200 ms a single probe takes.
3. The worker's path: the Celery task `probe_slot` given 1,000 probe targets from the database (the real
   catalogue loaded into a throwaway SQLite database), with the fake provider in a process of its own as a
   remote provider would be; the wall time includes storing the runs and rolling them up.
"""

import asyncio
import datetime as dt
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("TOKENLEDGER_VAR_DIR", tempfile.mkdtemp(prefix="tokenledger-bench-"))

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from catalog.models import Offering  # noqa: E402
from monitoring.fake_provider import FakeProvider  # noqa: E402
from monitoring.models import Adapter, ProbeRollup, ProbeRun, ProbeTarget  # noqa: E402
from monitoring.probing import ProbeSpec, probe_all  # noqa: E402
from monitoring.tasks import probe_slot  # noqa: E402
from tokenledger.sample_data import load_all  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
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
    with FakeProvider() as fake:
        spec = ProbeSpec("openai", fake.url, "fake:latency=200:ttft=50:tokens=8")
        asyncio.run(probe_all([spec]))
        results = [asyncio.run(probe_all([spec]))[0] for _ in range(20)]
        latency_errors = [r.latency_ms - 200 for r in results]
        ttft_errors = [r.ttft_ms - 50 for r in results]
        print(
            f"latency error (ms): median {statistics.median(latency_errors):+.1f}, worst {max(latency_errors, key=abs):+.1f}"
        )
        print(
            f"TTFT error (ms):    median {statistics.median(ttft_errors):+.1f}, worst {max(ttft_errors, key=abs):+.1f}"
        )

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
