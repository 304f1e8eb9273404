"""Benchmark: the memory of one server process after 1,000 requests that differ only in their parameters (junk
parameters, a price with a huge exponent, tracking tags), as an attacker or a crawler sends them: the process's
RSS before and after, and what the page cache holds (pages and bytes).

Loads the shipped sample data into a throwaway folder, serves it with a WSGI server in a subprocess on a free port
of 127.0.0.1 (bench/support/stats_server.py), and leaves the developer's var/ alone. With REDIS_URL set the cache
is that Redis (its pages are counted there; flush the db first for a clean figure).

    python bench/distinct_requests_memory.py [--checkout DIR] [--requests N]

--checkout serves another checkout of the project (e.g. main's, for the figure before a change) with this
virtualenv.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.support.processes import free_port  # noqa: E402

SERVER = ROOT / "bench" / "support" / "stats_server.py"

# Each kind of request, {n} made distinct: the page is the same for a reader every time.
KINDS = [
    "/models/?lab=openai&junk={n}",
    "/models/?max_input=1e-{exponent}",
    "/search/suggestions/?q=gpt&session={n}",
    "/models/openai/gpt-4o/?utm_source=feed{n}",
    "/compare/?models=openai/gpt-4o,anthropic/claude-sonnet-4-5&ref={n}",
]


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def _cache_stats(server: subprocess.Popen, stats_file: Path) -> dict:
    stats_file.unlink(missing_ok=True)
    server.send_signal(signal.SIGUSR1)
    for _ in range(100):
        if stats_file.exists():
            return json.loads(stats_file.read_text())
        time.sleep(0.1)
    raise SystemExit("the server wrote no cache statistics")


def _get(url: str) -> tuple[int, int]:
    try:
        with urllib.request.urlopen(url, timeout=120) as response:
            return response.status, len(response.read())
    except urllib.error.HTTPError as error:
        return error.code, len(error.read())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--checkout", type=Path, default=ROOT, help="the checkout to serve (default: this one)"
    )
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument(
        "--exponent", type=int, default=10_000, help="of the smallest price asked for (max_input=1e-N)"
    )
    args = parser.parse_args()
    checkout = args.checkout.resolve()
    var_dir = Path(tempfile.mkdtemp(prefix="tokenledger-bench-"))
    stats_file = var_dir / "cache-stats.json"
    env = {
        **os.environ,
        "DEBUG": "1",
        "DEMO_PROBES": "0",
        "TOKENLEDGER_VAR_DIR": str(var_dir),
        "BENCH_STATS_FILE": str(stats_file),
        "PYTHONPATH": str(checkout),
    }
    env.pop("DATABASE_URL", None)  # a throwaway SQLite database, whatever the shell says
    subprocess.run(
        [sys.executable, "manage.py", "prepare_site"],
        cwd=checkout,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, str(SERVER), str(port)], cwd=checkout, env=env)
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/robots.txt", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("the server did not answer within 30 s")
        for kind in KINDS:  # warm up: code, templates, the first page of each kind
            _get(base + kind.format(n="warm", exponent=args.exponent))
        before, cache_before = _rss_mib(server.pid), _cache_stats(server, stats_file)
        statuses: dict[int, int] = {}
        largest = 0
        started = time.monotonic()
        for n in range(args.requests):
            url = KINDS[n % len(KINDS)].format(n=n, exponent=args.exponent + n)
            status, size = _get(base + url)
            statuses[status] = statuses.get(status, 0) + 1
            largest = max(largest, size)
        elapsed = time.monotonic() - started
        after, cache_after = _rss_mib(server.pid), _cache_stats(server, stats_file)
    finally:
        server.terminate()
        server.wait(timeout=15)

    cache_kind = "Redis" if os.environ.get("REDIS_URL") else "local memory"
    print(f"checkout: {checkout}  cache: {cache_kind}  max_input=1e-{args.exponent}+n")
    print(f"{args.requests:,} requests with distinct parameters in {elapsed:.0f} s; statuses {statuses}")
    print(f"largest response: {largest / 1024:,.0f} KiB")
    print(f"server RSS: {before:,.0f} MiB before, {after:,.0f} MiB after ({after - before:+,.0f} MiB)")
    print(
        f"page cache: {cache_before['entries']} pages ({cache_before['bytes'] / 2**20:,.1f} MiB) before, "
        f"{cache_after['entries']} pages ({cache_after['bytes'] / 2**20:,.1f} MiB) after"
    )


if __name__ == "__main__":
    main()
