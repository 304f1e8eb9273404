"""Benchmark: probes against the fake provider on 127.0.0.1.

1. Accuracy: 20 sequential probes at 200 ms injected latency and 50 ms to the first token; prints the median
   and worst error of measured latency and TTFT against what was injected.
2. Throughput: 1,000 targets at 200 ms injected latency probed by one process on one event loop; prints the wall
   time and its ratio to the 200 ms a single probe takes.
"""

import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()

from monitoring.fake_provider import FakeProvider  # noqa: E402
from monitoring.probing import ProbeSpec, probe_all  # noqa: E402


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


if __name__ == "__main__":
    main()
