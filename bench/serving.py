"""Benchmark: the site as production serves it (gunicorn, DEBUG off), at 20 concurrent clients, cached and not.

One run prints requests per second, p50 and p99 for each endpoint, each as a ratio to a bare view, against the
goals of issue 13 (cached >= 0.7x the bare view; a cache-missed profile and API >= 0.25x).

Set-up, all of it thrown away at the end (every process stopped, even on failure):
- The shipped data (`load_sample_data`, as `make run` loads it) into a temporary TOKENLEDGER_VAR_DIR's SQLite
  database, or, with DATABASE_URL set, into a database of its own on that server (`<name>_serving_bench`,
  dropped afterwards). With REDIS_URL set the cache is Redis under a key prefix of this run's own (its keys are
  deleted afterwards), else each worker's local-memory cache. The developer's var/ is never read or written.
- Production settings (bench/support/serving_settings.py): DEBUG off, a random SECRET_KEY,
  ALLOWED_HOSTS=127.0.0.1, SECURE_SSL_REDIRECT=0 (plain HTTP on the loopback), `collectstatic` into a temporary
  STATIC_ROOT (pages name the manifest's hashed files), and one URL added: /bench/bare/.
- gunicorn with 2 workers per CPU (4 on this machine's 2 cores, as the issue's baseline); a gunicorn.conf.py
  in the repository, if there is one, is read as gunicorn reads it (the command line's bind and workers win).

The bare view (/bench/bare/, bench/support/serving_urls.py) reads no database, renders no template and sets no
cookie: it costs what gunicorn, Django and the middleware cost, the ceiling of every page. /robots.txt (a
template, the issue's ceiling) is measured beside it.

The load: 20 clients, as 2 processes of 10 threads, each with one http.client connection that reconnects when
the server closes it (gunicorn's sync worker closes every connection), for a fixed number of seconds per
endpoint after a warm-up. The client's own ceiling is measured first against a trivial asyncio server, so that
the figures can be read against it: the client runs on the same cores as the server, as in the issue.

Beside the rates, the CPU each answer cost: gunicorn's master and workers (from /proc, "server") and the client
processes, in ms per request, and the bare view's cost as a ratio to it. On a busy machine the rates say more
about the neighbours than about the site; the CPU per answer hardly moves, so its ratio is the one to read there
(what the rate's ratio would be on idle cores). It leaves out the database's and Redis's own processes.

"Cached" asks for the same URL again and again (after a warm-up that fills every worker's cache). "Missed" makes
every request a page not yet cached, each built from scratch, data-version query, cache look-up and store
included, without touching the cache or the data: each request has a canonical query string (or a model) no
earlier request had. The profile varies `input_tokens` (a parameter the page reads: same work, its own cache key)
over the profiled models; /models/ and the search vary `page` (beyond the last page the paginator shows the last,
the same work as any page); the API's list varies `offset`, and its model and prices endpoints take each model
once, in a fixed shuffled order. Where the distinct URLs run out before the time is up, the clients stop there.

A missed profile is built from the page's skeleton and sections (catalog.sections) once each worker has built
that model's page: only the cost of the conversation and the table of hosts are new. "Cold" is the profile built from
nothing, no section cached: each priced model's page once, in the fixed shuffled order of the API's rows, the
profiled models left out (the rows before warmed their sections). Mostly unreviewed pages, as most of the
catalogue is; a reviewed profile costs more (its similar models, its monitoring and its article).

    python bench/serving.py [--seconds 6] [--prepared FILE_OR_DATABASE] [--only profile --only "api/v1/models/ cached"]

`--prepared` starts from a database with the shipped data loaded earlier instead of loading it again (about a
minute on SQLite, three on a busy PostgreSQL; migrations still run): an SQLite file, which is copied, or with
DATABASE_URL the name of a database on that server, used as the template of the benchmark's own. A shortcut while
iterating; the figures do not depend on it, and the prepared database is only read.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import http.client
import json
import multiprocessing
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.support.processes import cpu_seconds  # noqa: E402

PORTS = range(8300, 8400)
CLIENTS = 20
CLIENT_PROCESSES = 2
WARM_SECONDS = 1.0
CACHED_GOAL, MISSED_GOAL = 0.7, 0.25

PREPARE = """
import json, random, sys
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
if sys.argv[2] == "load":
    call_command("load_sample_data", verbosity=0)
from catalog.models import Model
profiled = [m.key for m in Model.objects.with_lab().filter(profile__status__in=["published", "needs_update"])]
priced = [m.key for m in Model.objects.with_lab().filter(listed_input_price__isnull=False).order_by("pk")]
random.Random(13).shuffle(priced)
json.dump({"profiled": sorted(profiled), "priced": priced, "models": Model.objects.count()}, open(sys.argv[1], "w"))
"""


@dataclass
class Load:
    """What the clients ask for: `template` formatted with i (unique per request), n = i + 1 and a key of
    `keys` (the i-th, cycling); at most `limit` requests when the distinct URLs are finite."""

    template: str
    keys: list[str] = field(default_factory=lambda: [""])
    limit: int | None = None

    def url(self, i: int) -> str:
        return self.template.format(i=i, n=i + 1, key=self.keys[i % len(self.keys)])


@dataclass
class Result:
    latencies: list[float]
    statuses: collections.Counter
    seconds: float
    client_cpu: float = 0.0  # CPU seconds the client processes spent in the window
    server_cpu: float = 0.0  # and gunicorn's master and workers (measure_server sets it)

    @property
    def answered(self) -> int:
        return sum(self.statuses.values())

    def cpu_ms(self, seconds: float) -> float:
        return seconds / self.answered * 1000 if self.answered else float("nan")

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if len(self.latencies) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[q - 1] * 1000


# --- The load client ---------------------------------------------------------------------------------------


def _client_process(port: int, load: Load, number: int, starts_at: float, seconds: float, queue) -> None:
    """One of the client processes: threads that each keep a connection, until the window closes."""
    counter, lock = iter(range(sys.maxsize)), threading.Lock()
    latencies: list[float] = []
    statuses: collections.Counter = collections.Counter()
    ends_at = starts_at + seconds
    last_end = [starts_at]
    cpu_started = time.process_time()

    def next_url() -> str | None:
        with lock:
            i = next(counter) * CLIENT_PROCESSES + number
        return None if load.limit is not None and i >= load.limit else load.url(i)

    def run() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.time() < starts_at:
            time.sleep(0.001)
        while (now := time.time()) < ends_at and (url := next_url()) is not None:
            try:
                connection.request("GET", url, headers={"Host": "127.0.0.1"})
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                status = type(error).__name__
            done = time.time()
            with lock:
                statuses[status] += 1
                if done <= ends_at and status == 200:
                    latencies.append(done - now)
                last_end[0] = max(last_end[0], min(done, ends_at))
        connection.close()

    threads = [threading.Thread(target=run) for _ in range(CLIENTS // CLIENT_PROCESSES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put((latencies, dict(statuses), last_end[0] - starts_at, time.process_time() - cpu_started))


def measure(port: int, load: Load, seconds: float) -> Result:
    """20 clients for `seconds` (less if the load's distinct URLs run out first)."""
    queue = multiprocessing.Queue()
    starts_at = time.time() + 0.2
    processes = [
        multiprocessing.Process(target=_client_process, args=(port, load, n, starts_at, seconds, queue))
        for n in range(CLIENT_PROCESSES)
    ]
    for process in processes:
        process.start()
    parts = [queue.get(timeout=seconds + 60) for _ in processes]
    for process in processes:
        process.join()
    statuses = collections.Counter()
    for _, counts, _, _ in parts:
        statuses.update(counts)
    latencies = [latency for part in parts for latency in part[0]]
    return Result(latencies, statuses, max(part[2] for part in parts), sum(part[3] for part in parts))


def measure_server(port: int, load: Load, seconds: float, server_pid: int) -> Result:
    """`measure`, with the CPU that gunicorn spent on those requests."""

    def gunicorn(pid: int, ppid: int, pgrp: int, cmdline: str) -> bool:
        return server_pid in (pid, ppid)  # the master and its workers

    before = cpu_seconds(gunicorn)
    result = measure(port, load, seconds)
    result.server_cpu = cpu_seconds(gunicorn) - before
    return result


def _trivial_server(port: int) -> None:
    """The least an HTTP server can do, answering and closing as gunicorn's sync worker does."""

    async def handle(reader, writer) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nok\n")
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def serve() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=512)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


# --- The server and its data -------------------------------------------------------------------------------


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit(f"No free port in {PORTS.start}-{PORTS.stop - 1}.")


def wait_until_up(
    port: int, path: str, process: subprocess.Popen | multiprocessing.Process, log: Path | None
):
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        alive = process.poll() is None if isinstance(process, subprocess.Popen) else process.is_alive()
        if not alive:
            raise SystemExit("The server stopped:\n" + (log.read_text()[-3000:] if log else ""))
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", path, headers={"Host": "127.0.0.1"})
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"No answer on {path} after 90 s.")


class PostgresDatabase:
    """A database of the benchmark's own on DATABASE_URL's server, created empty and dropped at the end."""

    def __init__(self, url: str):
        parts = urllib.parse.urlsplit(url)
        self.name = parts.path.lstrip("/") + "_serving_bench"
        self.url = urllib.parse.urlunsplit(parts._replace(path="/" + self.name))
        self.admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))

    def _execute(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as connection:
            connection.execute(sql)

    def create(self, template: str | None = None) -> None:
        self.drop()
        self._execute(f'CREATE DATABASE "{self.name}"' + (f' TEMPLATE "{template}"' if template else ""))

    def drop(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def delete_cache_keys(redis_url: str, prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


def stop(process: subprocess.Popen | multiprocessing.Process | None) -> None:
    if process is None:
        return
    if isinstance(process, multiprocessing.Process):
        if process.is_alive():
            process.terminate()
        process.join(10)
        return
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- The run -----------------------------------------------------------------------------------------------


def endpoints(data: dict) -> list[tuple[str, str, Load, float | None]]:
    """(endpoint, cache, load, goal as a ratio to the bare view or None)."""
    profile, model = data["profiled"][0], "openai/gpt-4o"
    if model not in data["priced"]:
        model = data["priced"][0]
    cold = [key for key in data["priced"] if key not in data["profiled"]]
    return [
        ("bare view /bench/bare/", "-", Load("/bench/bare/"), None),
        ("/robots.txt (template)", "-", Load("/robots.txt"), None),
        ("profile", "cached", Load(f"/models/{profile}/"), CACHED_GOAL),
        ("profile", "missed", Load("/models/{key}/?input_tokens={n}", data["profiled"]), MISSED_GOAL),
        ("profile", "cold", Load("/models/{key}/", cold, len(cold)), MISSED_GOAL),
        ("/models/ browse", "cached", Load("/models/"), CACHED_GOAL),
        ("/models/ browse", "missed", Load("/models/?page={n}", limit=10_000), None),
        ("/models/?q=gpt search", "cached", Load("/models/?q=gpt"), CACHED_GOAL),
        ("/models/?q=gpt search", "missed", Load("/models/?q=gpt&page={n}", limit=10_000), None),
        ("/api/v1/models/", "cached", Load("/api/v1/models/"), CACHED_GOAL),
        ("/api/v1/models/", "missed", Load("/api/v1/models/?offset={i}", limit=data["models"]), MISSED_GOAL),
        (f"/api/v1/models/{model}/", "cached", Load(f"/api/v1/models/{model}/"), CACHED_GOAL),
        ("/api/v1/models/<each>/", "missed", Load("/api/v1/models/{key}/", data["priced"], len(data["priced"])), MISSED_GOAL),
        (f"…/{model}/prices/", "cached", Load(f"/api/v1/models/{model}/prices/"), CACHED_GOAL),
        ("…/<each>/prices/", "missed", Load("/api/v1/models/{key}/prices/", data["priced"], len(data["priced"])), MISSED_GOAL),
    ]  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seconds", type=float, default=6.0, help="measured seconds per endpoint (default 6)"
    )
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    parser.add_argument("--prepared", help="an SQLite file, or a PostgreSQL database, with the data loaded")
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="measure only endpoints whose name or cache (cached, missed, cold) contains this (repeatable); the bare view is always measured",
    )
    args = parser.parse_args()

    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="tokenledger-serving-"))
    database_url, redis_url = os.environ.get("DATABASE_URL"), os.environ.get("REDIS_URL")
    prefix = f"bench-serving-{secrets.token_hex(4)}"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DEBUG", "DJANGO_SETTINGS_MODULE", "SECRET_KEY", "ALLOWED_HOSTS", "DEMO_PROBES")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="bench.support.serving_settings",
        PYTHONPATH=str(ROOT),
        TOKENLEDGER_VAR_DIR=str(tmp / "var"),
        BENCH_STATIC_ROOT=str(tmp / "static"),
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        CACHE_KEY_PREFIX=prefix,
        LOG_LEVEL="WARNING",
    )
    postgres = PostgresDatabase(database_url) if database_url else None
    server = trivial = None
    try:
        if postgres:
            postgres.create(template=args.prepared)
            env["DATABASE_URL"] = postgres.url
        elif args.prepared:
            (tmp / "var").mkdir()
            shutil.copy(args.prepared, tmp / "var" / "tokenledger.sqlite3")
        data_file, prepare_log = tmp / "data.json", tmp / "prepare.log"
        how = "prepared" if args.prepared else "load"
        with prepare_log.open("w") as log:
            preparing = subprocess.Popen(
                [sys.executable, "-c", PREPARE, str(data_file), how],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
            )
            collecting = subprocess.Popen(
                [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=log,
            )
            # Meanwhile, the client's own ceiling (the data load is mostly one core's work).
            port = free_port()
            trivial = multiprocessing.Process(target=_trivial_server, args=(port,), daemon=True)
            trivial.start()
            wait_until_up(port, "/", trivial, None)
            ceiling = measure(port, Load("/"), 3)
            stop(trivial)
            if preparing.wait() or collecting.wait():
                raise SystemExit("Preparing the site failed:\n" + prepare_log.read_text()[-3000:])
        data = json.loads(data_file.read_text())
        prepared = time.monotonic() - started

        port, server_log = free_port(), tmp / "gunicorn.log"
        command = [sys.executable, "-m", "gunicorn", "tokenledger.wsgi:application"]
        command += [
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--error-logfile",
            str(server_log),
        ]
        server = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_until_up(port, "/bench/bare/", server, server_log)

        print(
            f"gunicorn: {args.workers} workers{' (with gunicorn.conf.py)' if (ROOT / 'gunicorn.conf.py').exists() else ''}"
            f" on {'PostgreSQL' if postgres else 'SQLite'}, cache {'Redis' if redis_url else 'local memory'}; "
            f"{data['models']:,} models, {len(data['profiled'])} profiled; {CLIENTS} clients "
            f"({CLIENT_PROCESSES} processes), {args.seconds:g} s per endpoint; set-up {prepared:.0f} s"
        )
        print(
            f"the client's own ceiling (a trivial server, same cores): {ceiling.rps:,.0f} req/s, "
            f"p50 {ceiling.percentile(50):.1f} ms"
        )
        header = (
            f"{'endpoint':34} {'cache':6} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'× bare':>7}  "
            f"{'CPU ms/req':>10} {'server':>6} {'× bare':>7}  goal"
        )
        print(header)
        print("-" * len(header))
        bare_rps = bare_cpu = None
        failed, errors = [], []
        chosen = [
            (name, cache, load, goal)
            for name, cache, load, goal in endpoints(data)
            if name.startswith("bare")
            or not args.only
            or any(word in f"{name} {cache}" for word in args.only)
        ]
        for name, cache, load, goal in chosen:
            if cache not in ("missed", "cold"):
                measure(port, load, WARM_SECONDS)
            result = measure_server(port, load, args.seconds, server.pid)
            bare_rps = bare_rps or result.rps
            ratio = result.rps / bare_rps if bare_rps else float("nan")
            cpu = result.cpu_ms(result.server_cpu + result.client_cpu)
            bare_cpu = bare_cpu or cpu
            verdict = ""
            if goal is not None:
                met = ratio >= goal
                verdict = f"≥ {goal:.2f}× {'pass' if met else 'FAIL'}"
                if not met:
                    failed.append(f"{name} ({cache})")
            if set(result.statuses) != {200}:
                errors.append(f"{name} ({cache}): {dict(result.statuses)}")
            print(
                f"{name[:34]:34} {cache:6} {result.rps:7.0f} {result.percentile(50):7.0f} "
                f"{result.percentile(99):7.0f} {ratio:6.2f}×  {cpu:10.2f} {result.cpu_ms(result.server_cpu):6.2f} {bare_cpu / cpu:6.2f}×  {verdict}",
                flush=True,
            )
        for line in errors:
            print(f"not all answers were 200: {line}")
        print(f"goals: {'all met' if not failed else 'not met: ' + ', '.join(failed)}")
        print(f"total {time.monotonic() - started:.0f} s")
        return 1 if errors else 0
    finally:
        stop(server)
        stop(trivial)
        if postgres:
            postgres.drop()
        if redis_url:
            delete_cache_keys(redis_url, prefix)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
