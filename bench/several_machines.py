"""Benchmark: the site as several machines would run it, on PostgreSQL and Redis.

Two gunicorn instances (the load client is the load balancer: round-robin), two Celery workers with hostnames of
their own (machine-a, machine-b) and one beat, on a fresh database loaded with the shipped sample data (DEBUG
off, collectstatic), probing 250 targets on the fake provider every minute. While 20 clients load the web side:

(a) every claimed slot of every target is probed exactly once (none twice, none lost); a second beat runs beside
    the first for the first minute, as a misconfigured deployment would;
(b) the same price sync sent to both workers at once (against a slow local feed server serving data/): one runs,
    the other is skipped by the lease, and no price period is written twice;
(c) a worker's pool process killed (kill -9) while it probes a slot: the task is requeued at once and the slot
    probed once; then a whole worker killed (kill -9 on its process group, as a lost machine): another worker
    hands the slot out again after the visibility timeout (CELERY_VISIBILITY_TIMEOUT, 30 s here), still once;
(d) requests served by each gunicorn instance, errors, requests per second, p50 and p99.

Needs DATABASE_URL (PostgreSQL: the bench creates and drops a database of its own beside the one named) and
REDIS_URL (its Redis database is the bench's own: it is flushed at the start). Without them it says so and exits
0. Every process it starts is stopped at the end, on failure too. About 7 minutes on a busy 2-core machine, half of
them loading the sample data; BENCH_LOAD_SECONDS (90) sets the load phase.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import http.server
import itertools
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
from bench.support.processes import cpu_seconds, free_port  # noqa: E402

LOAD_SECONDS = int(os.environ.get("BENCH_LOAD_SECONDS", "90"))
CLIENTS = 20
TARGETS = 250
VISIBILITY_TIMEOUT = 30
SLOW_MS = 20_000  # the slot batch holding the slow target takes this long: a task surely in flight
KILL_MARGIN_SECONDS = 8  # a task in flight is killed only with this much of it left to run
INSPECT_SECONDS = 3  # how long a broadcast to the workers waits for their answers
FEED_DELAY_SECONDS = (
    3.0  # the feed server answers this late, so the first sync holds the lease when the second comes
)
WORKERS = ("machine-a", "machine-b")
MISS = "/models/?min_context={n}"  # a new address each time: never in the cache


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Processes:
    """Every process the bench starts, each in a session (process group) of its own, so that stopping one stops
    its children too (gunicorn's and Celery's workers)."""

    def __init__(self, folder: Path, env: dict[str, str]) -> None:
        self.folder, self.env, self.started = folder, env, {}

    def start(self, name: str, args: list[str]) -> subprocess.Popen:
        out = open(self.folder / f"{name}.log", "w")  # noqa: SIM115 — closed with the process
        process = subprocess.Popen(
            args, cwd=BASE_DIR, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.started[name] = process
        return process

    def log_of(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def kill(self, name: str) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.started[name].pid, signal.SIGKILL)
        self.started[name].wait()

    def stop(self, *names: str, grace: float = 15) -> None:
        names = names or tuple(self.started)
        for name in names:
            if self.started[name].poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.started[name].pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for name in names:
            process = self.started[name]
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError):  # its children too, even if the leader has gone
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class SlowFeeds(http.server.SimpleHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(FEED_DELAY_SECONDS)
        super().do_GET()

    def log_message(self, *args) -> None:
        pass


def wait_for(condition, *, timeout: float, every: float = 0.5, what: str = "it"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"{what} did not happen within {timeout:g} s")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main() -> int:
    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")) or not redis_url.startswith("redis://"):
        print("several_machines: skipped (needs DATABASE_URL on PostgreSQL and REDIS_URL on Redis)")
        return 0
    import psycopg
    import redis

    parsed = urllib.parse.urlsplit(database_url)
    bench_db = parsed.path.lstrip("/") + "_several_machines"
    bench_url = urllib.parse.urlunsplit(parsed._replace(path="/" + bench_db))
    with psycopg.connect(database_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{bench_db}"')
    redis.Redis.from_url(redis_url).flushdb()

    folder = Path(tempfile.mkdtemp(prefix="tokenledger-machines-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tokenledger.settings",
        "DATABASE_URL": bench_url,
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "TOKENLEDGER_VAR_DIR": str(folder / "var"),
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "DEMO_PROBES": "0",
    }
    os.environ.update(env)
    processes = Processes(folder, env)
    feeds = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(SlowFeeds, directory=str(BASE_DIR / "data"))
    )
    threading.Thread(target=feeds.serve_forever, daemon=True).start()
    try:
        run(processes, f"http://127.0.0.1:{feeds.server_port}")
    finally:
        processes.stop()
        feeds.shutdown()
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        with psycopg.connect(database_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{bench_db}" WITH (FORCE)')
        redis.Redis.from_url(redis_url).flushdb()
        log(f"every process stopped; logs in {folder}")
    return 0


def run(processes: Processes, feed_url: str) -> None:
    python = sys.executable
    started = time.monotonic()
    for command in (["prepare_site", "--verbosity", "0"], ["collectstatic", "--noinput", "--verbosity", "0"]):
        # Its output names the admin's password: kept out of the bench's output, shown only if it fails.
        done = subprocess.run(
            [python, "manage.py", *command], cwd=BASE_DIR, env=processes.env, capture_output=True, text=True
        )
        if done.returncode:
            sys.exit(f"manage.py {command[0]} failed:\n{done.stderr[-3000:]}")
    log(
        f"fresh database loaded with the sample data and static files collected in {time.monotonic() - started:.0f} s"
    )

    import django

    django.setup()
    from django.db.models import Count, F
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    from catalog.models import Model, Offering, Profile
    from monitoring.models import Adapter, ProbeClaim, ProbeRun, ProbeTarget
    from pricing.models import PriceSource, SourcePeriod, SyncRun
    from tokenledger.celery import app

    fake_port = free_port()
    processes.start("fake-provider", [python, "-m", "monitoring.fake_provider", "--port", str(fake_port)])
    offerings = list(Offering.objects.order_by("pk")[:TARGETS])
    targets = ProbeTarget.objects.bulk_create(
        ProbeTarget(
            offering=offering,
            adapter=Adapter.OPENAI,
            base_url=f"http://127.0.0.1:{fake_port}/v1",
            api_model="fake:latency=300:ttft=100:jitter=200:tokens=12",
            interval_minutes=1,
            timeout_seconds=30,
            is_demo=True,
        )
        for offering in offerings
    )
    slow = targets[0]
    ProbeTarget.objects.filter(pk=slow.pk).update(api_model=f"fake:latency={SLOW_MS}:ttft=100")
    # Beat asks every 10 s (slots stay a minute long), and runs nothing else here: no sync leaves for the internet.
    every_10_s, _ = IntervalSchedule.objects.get_or_create(every=10, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.exclude(name="Enqueue due probes").update(enabled=False)
    PeriodicTask.objects.filter(name="Enqueue due probes").update(interval=every_10_s)
    PriceSource.objects.filter(slug="llm_prices").update(url=f"{feed_url}/llm-prices/historical-v1.json")

    web_ports = [free_port(), free_port()]
    for index, port in enumerate(web_ports):
        processes.start(
            f"web-{index + 1}",
            [
                python,
                "-m",
                "gunicorn",
                "tokenledger.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                "2",
                "--timeout",
                "60",
            ],
        )
    celery = [python, "-m", "celery", "-A", "tokenledger"]
    for name in WORKERS:
        processes.start(
            name,
            [
                *celery,
                "worker",
                "-n",
                f"{name}@%h",
                "-Q",
                f"celery,{name}",
                "--concurrency",
                "2",
                "-l",
                "INFO",
            ],
        )
    beat = [*celery, "beat", "-l", "INFO", "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler"]
    for name in ("beat", "beat-2"):
        processes.start(name, [*beat, "--schedule", str(processes.folder / f"{name}-schedule")])

    import httpx

    def up(port: int) -> bool:
        with contextlib.suppress(httpx.HTTPError):
            return httpx.get(f"http://127.0.0.1:{port}/robots.txt", timeout=2).status_code == 200
        return False

    for port in web_ports:
        wait_for(lambda p=port: up(p), timeout=60, what=f"gunicorn on {port}")

    def both_workers() -> list[str] | None:
        answered = app.control.inspect(timeout=1).ping() or {}  # once per poll: each ping waits a second
        return [h for h in answered if h.split("@")[0] in WORKERS] if len(answered) >= 2 else None

    hostnames = wait_for(both_workers, timeout=60, what="both workers answering")
    log(f"up: gunicorn on {web_ports}, workers {sorted(hostnames)}, beat (and a second beat for a minute)")

    profiles = Model.objects.filter(profile__in=Profile.objects.public()).order_by("pk")[:3]
    # Pages the cache holds after their first request, the API (not cached), and a browse page whose filter
    # changes every time, so that it is built from scratch: the reads a cache cannot spare the database.
    paths = ["/", "/models/", "/status/", "/api/v1/models/", *(m.get_absolute_url() for m in profiles)]
    paths.append(MISS)
    # Sessions live in the database: one made on any instance is good on every other.
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    admin = get_user_model().objects.get(username="admin")
    session.update(
        {
            "_auth_user_id": str(admin.pk),
            "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
            "_auth_user_hash": admin.get_session_auth_hash(),
        }
    )
    session.create()
    signed_in = [
        httpx.get(f"http://127.0.0.1:{port}/admin/", cookies={"sessionid": session.session_key}).status_code
        for port in web_ports
    ]
    anonymous = [httpx.get(f"http://127.0.0.1:{port}/admin/").status_code for port in web_ports]

    bench_db = processes.env["DATABASE_URL"].rsplit("/", 1)[1]
    groups = {name: processes.started[name].pid for name in (*WORKERS, "web-1", "web-2")}

    def cpu() -> dict[str, float]:
        used = {name: cpu_seconds(lambda pid, ppid, pgrp, cmd, g=g: pgrp == g) for name, g in groups.items()}
        used["postgres"] = cpu_seconds(
            lambda pid, ppid, pgrp, cmd: cmd.startswith("postgres:") and f" {bench_db} " in cmd
        )
        return used

    load = Load(web_ports, paths)
    cpu_before = cpu()
    loader = threading.Thread(target=load.run, args=(LOAD_SECONDS,))
    loader.start()
    load_started = time.monotonic()

    # (b) the same sync on both workers at once
    periods_before = SourcePeriod.objects.filter(source__slug="llm_prices").count()
    sync_from = dt.datetime.now(dt.UTC)
    from pricing.tasks import sync_source

    sent = [sync_source.apply_async(("llm_prices",), queue=name) for name in WORKERS]
    results = [result.get(timeout=120) for result in sent]
    runs = list(SyncRun.objects.filter(started_at__gte=sync_from).order_by("started_at"))
    periods_after = SourcePeriod.objects.filter(source__slug="llm_prices").count()
    open_twice = (
        SourcePeriod.objects.filter(source__slug="llm_prices", valid_to__isnull=True)
        .values("offering", "component", "tier", "mode")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )

    # (c) a pool process killed, then a whole worker
    def active() -> dict[str, list[dict]]:
        """Each worker's running tasks. A busy worker answers a broadcast late, and a late answer is dropped:
        INSPECT_SECONDS leaves it time (at 1 s a run at load 5 saw no slot in flight for 90 s)."""
        return app.control.inspect(timeout=INSPECT_SECONDS).active() or {}

    def in_flight():
        """The probe task holding the slow target, if it has KILL_MARGIN_SECONDS left to run (so that it is
        surely still running when the kill lands, however late inspect's answer came)."""
        for host, tasks in active().items():
            for task in tasks:
                if (
                    task["name"] == "monitoring.tasks.probe_slot"
                    and slow.pk in task["args"][0]
                    and time.time() - (task["time_start"] or 0) < SLOW_MS / 1000 - KILL_MARGIN_SECONDS
                ):
                    return host, task
        return None

    def kill_and_watch(whole_worker: bool) -> dict:
        # Beat makes a slot a minute: three of them to catch one in flight.
        host, task = wait_for(in_flight, timeout=180, every=0.5, what="a slot with the slow target in flight")
        slot = dt.datetime.fromisoformat(task["args"][1])
        assert not ProbeRun.objects.filter(target=slow, started_at=slot).exists(), "killed too late"
        killed_at = time.monotonic()
        name = host.split("@")[0]
        if whole_worker:
            processes.kill(name)
        else:
            os.kill(task["worker_pid"], signal.SIGKILL)
        victim = f"worker {name}" if whole_worker else f"pool process {task['worker_pid']} of {name}"
        log(f"kill -9 {victim} while it probes the slot of {slot:%H:%M}")
        again = wait_for(
            lambda: next(
                (h for h, tasks in active().items() for t in tasks if t["id"] == task["id"]),
                None,
            ),
            timeout=VISIBILITY_TIMEOUT + 60,
            what="the task handed out again",
        )
        handed_out = time.monotonic() - killed_at
        wait_for(
            lambda: ProbeRun.objects.filter(target=slow, started_at=slot).exists(),
            timeout=SLOW_MS / 1000 + 30,
            what="the slot probed",
        )
        return {
            "killed": name,
            "slot": slot,
            "again_on": again.split("@")[0],
            "handed_out_s": handed_out,
            "stored_s": time.monotonic() - killed_at,
            "runs": ProbeRun.objects.filter(target=slow, started_at=slot).count(),
            "batch_runs": ProbeRun.objects.filter(target_id__in=task["args"][0], started_at=slot).count(),
            "batch": len(task["args"][0]),
        }

    pool_kill = kill_and_watch(whole_worker=False)
    wait_for(lambda: time.monotonic() - load_started > 60, timeout=120, what="a minute of two beats")
    processes.stop("beat-2")
    cpu_used = {name: used - cpu_before[name] for name, used in cpu().items()}  # under load, all alive
    cpu_window = time.monotonic() - load_started
    served = len(load.samples)
    worker_kill = kill_and_watch(whole_worker=True)
    loader.join()

    # (a) once the last claims are probed
    processes.stop("beat")

    def slots_done():
        return not ProbeClaim.objects.exclude(
            pk__in=ProbeClaim.objects.filter(target__runs__started_at=F("slot")).values("pk")
        ).exists()

    wait_for(slots_done, timeout=90, every=1, what="every claimed slot probed")
    claims = set(ProbeClaim.objects.values_list("target_id", "slot"))
    per_slot = Counter(ProbeRun.objects.values_list("target_id", "started_at"))
    twice = sum(1 for n in per_slot.values() if n > 1)
    lost = len(claims - set(per_slot))
    unclaimed = len(set(per_slot) - claims)
    slots = sorted({slot for _, slot in claims})
    sends = {name: processes.log_of(name).count("Sending due task") for name in ("beat", "beat-2")}
    batch_times = [
        float(seconds)
        for name in WORKERS
        for seconds, count in re.findall(
            r"Task monitoring\.tasks\.probe_slot\[[^\]]+\] succeeded in ([\d.]+)s: (\d+)",
            processes.log_of(name),
        )
        if int(count) == 100
    ]
    by_worker = {
        name: len(
            re.findall(r"Task monitoring\.tasks\.probe_slot\[[^\]]+\] succeeded", processes.log_of(name))
        )
        for name in WORKERS
    }
    enqueued = {
        name: len(
            re.findall(
                r"Task monitoring\.tasks\.enqueue_due_probes\[[^\]]+\] succeeded in [\d.]+s: 0\b",
                processes.log_of(name),
            )
        )
        for name in WORKERS
    }

    print()
    print("several machines: 2 gunicorn × 2 processes, 2 Celery workers × 2 processes, PostgreSQL and Redis")
    print(
        f"(a) probes: {len(claims)} slot claims over {len(slots)} minutes ({len(targets)} targets, every minute)"
    )
    print(
        f"    runs stored {sum(per_slot.values())}; slots probed twice {twice}; claimed but lost {lost}; "
        f"probed unclaimed {unclaimed}"
    )
    print(f"    probe batches done by worker: {by_worker}")
    print(
        f"    beats sent 'enqueue due probes' {sends} (two beats for the first minute); "
        f"of those, found nothing left to claim: {sum(enqueued.values())}"
    )
    print(f"(b) the same llm_prices sync sent to both workers at once: task results {results}")
    for run in runs:
        print(
            f"    sync run {run.pk}: {run.status} {run.error or ''} "
            f"(opened {run.opened}, changed {run.changed}, unchanged {run.unchanged})"
        )
    print(
        f"    llm_prices periods before {periods_before}, after {periods_after}; "
        f"price keys with two open periods: {open_twice}"
    )
    for what, kill in (("pool process killed", pool_kill), ("whole worker killed", worker_kill)):
        print(
            f"(c) {what} on {kill['killed']} while probing the slot of {kill['slot']:%H:%M}: handed out again "
            f"on {kill['again_on']} after {kill['handed_out_s']:.1f} s, stored after {kill['stored_s']:.1f} s; "
            f"runs of the slow target at that slot {kill['runs']}, of its batch {kill['batch_runs']}/{kill['batch']}"
        )
    if batch_times:
        print(
            f"    a batch of 100 probes (300-500 ms each, stored and rolled up) took median "
            f"{statistics.median(batch_times):.1f} s, worst {max(batch_times):.1f} s ({len(batch_times)} batches)"
        )
    print(load.report())
    print(
        f"    sessions in the database: /admin/ with a session made elsewhere answers {signed_in} on the two "
        f"instances ({anonymous} without it)"
    )
    # Over the load's first minute or so, before a worker is killed (the same 2 cores run everything).
    print(
        "    CPU seconds per second of load: "
        + ", ".join(f"{name} {used / cpu_window:.2f}" for name, used in cpu_used.items())
    )
    web = cpu_used["web-1"] + cpu_used["web-2"]
    print(
        f"    CPU per request over those {served} requests: gunicorn {web / served * 1000:.1f} ms, "
        f"PostgreSQL {cpu_used['postgres'] / served * 1000:.1f} ms"
    )
    print(f"total {time.monotonic() - started:.0f} s")


class Load:
    """CLIENTS threads, each request to the next instance in turn (the load balancer) and the next path."""

    def __init__(self, ports: list[int], paths: list[str]) -> None:
        self.ports, self.paths = ports, paths
        self.counter = itertools.count()
        self.samples: list[tuple[int, int, float, str]] = []  # (port, status or 0 if none, seconds, path)
        self.lock = threading.Lock()
        self.elapsed = 0.0

    def run(self, seconds: float) -> None:
        import httpx

        deadline = time.monotonic() + seconds

        def client() -> None:
            with httpx.Client(timeout=30) as http:
                while time.monotonic() < deadline:
                    i = next(self.counter)
                    port = self.ports[i % len(self.ports)]
                    path = self.paths[(i // len(self.ports)) % len(self.paths)]
                    url = f"http://127.0.0.1:{port}{path.format(n=1000 + i)}"
                    began = time.perf_counter()
                    try:
                        status = http.get(url).status_code
                    except httpx.HTTPError:
                        status = 0
                    with self.lock:
                        self.samples.append((port, status, time.perf_counter() - began, path))

        started = time.monotonic()
        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.elapsed = time.monotonic() - started

    def report(self) -> str:
        times = [seconds * 1000 for _, _, seconds, _ in self.samples]
        per_port = Counter(port for port, _, _, _ in self.samples)
        errors = Counter(status for _, status, _, _ in self.samples if status != 200)
        lines = [
            f"(d) load: {CLIENTS} clients for {self.elapsed:.0f} s over {len(self.paths)} paths: "
            f"{len(self.samples)} requests, by instance {[per_port[p] for p in self.ports]}, "
            f"errors {sum(errors.values())} {dict(errors) if errors else ''}",
            f"    all: {len(self.samples) / self.elapsed:.0f} req/s, p50 {statistics.median(times):.0f} ms, "
            f"p99 {percentile(times, 0.99):.0f} ms",
        ]
        kinds = {
            "cached pages": lambda p: p not in (MISS, "/api/v1/models/"),
            "API": "/api/v1/models/".__eq__,
        }
        kinds["browse, cache miss"] = MISS.__eq__
        for kind, belongs in kinds.items():
            chosen = [seconds * 1000 for _, _, seconds, path in self.samples if belongs(path)]
            lines.append(
                f"    {kind}: {len(chosen)} requests, p50 {statistics.median(chosen):.0f} ms, "
                f"p99 {percentile(chosen, 0.99):.0f} ms"
            )
        return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
