"""Benchmark: how long a price sync holds SQLite's write lock, and how long it takes.

1. Prepare a database as `make run` has it just before the newest LiteLLM table (1.110.2, the largest real feed):
   the catalogue, then every other shipped price file replayed in date order. Kept in BENCH_PREPARED (a path) when
   that is set, so that runs before and after a change start from the same file.
2. From a copy of that file each time: a dry run of the newest LiteLLM table, the real catch-up sync of it (four
   months at once: thousands of new prices and offerings), the weekly sync a week later, and the catalogue
   imported again (`import_catalog`, which `load_sample_data` runs too).

For each: the sync's total time, and the write lock as another connection sees it: a probe thread tries
`BEGIN IMMEDIATE` every 5 ms with no busy timeout; the longest stretch it was refused is how long an admin login
would have waited (Django gives up after its 20 s busy timeout with "database is locked").

SQLite only (the point is SQLite's one writer).
"""

import datetime as dt
import logging
import os
import shutil
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("TOKENLEDGER_VAR_DIR", tempfile.mkdtemp(prefix="tokenledger-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from pricing.runs import run_sync  # noqa: E402
from tokenledger import sample_data  # noqa: E402

DATABASE = Path(connection.settings_dict["NAME"])


class LockProbe(threading.Thread):
    """Another writer: tries to take the write lock every 5 ms and notes how long it is refused at a stretch."""

    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self.path = path
        self.done = threading.Event()
        self.longest = 0.0
        self.total = 0.0
        self.attempts = 0

    def run(self) -> None:
        probe = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        refused_since = None
        while not self.done.is_set():
            now = time.perf_counter()
            self.attempts += 1
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
            except sqlite3.OperationalError:
                refused_since = refused_since if refused_since is not None else now
            else:
                if refused_since is not None:
                    self._refused(now - refused_since)
                    refused_since = None
            time.sleep(0.005)
        if refused_since is not None:
            self._refused(time.perf_counter() - refused_since)
        probe.close()

    def _refused(self, seconds: float) -> None:
        self.longest = max(self.longest, seconds)
        self.total += seconds


class WritePhase(logging.Handler):
    """The sync's own account of its write phase (pricing.sync logs it at DEBUG), where it gives one."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def checkpointed_copy(source: Path, target: Path) -> None:
    connection.close()
    with sqlite3.connect(source) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)


def locked(label: str, work: Callable[[], str]) -> None:
    """Run `work` while the probe tries to write; print its time, how long the probe was refused, and its result."""
    handler = WritePhase()
    logger = logging.getLogger("pricing.sync")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    probe = LockProbe(DATABASE)
    probe.start()
    time.sleep(0.05)
    started = time.perf_counter()
    try:
        result = work()
    finally:
        took = time.perf_counter() - started
        probe.done.set()
        probe.join()
        logger.removeHandler(handler)
    print(
        f"{label}: {took:.2f} s in all; another writer refused for {probe.longest:.2f} s at most "
        f"({probe.total:.2f} s in all, {probe.attempts} attempts)  [{result}]"
    )
    for message in handler.messages:
        print(f"    pricing.sync: {message}")


def sync(**options) -> Callable[[], str]:
    return lambda: str(run_sync("litellm", **options)[1].ledger)


def main() -> None:
    if connection.vendor != "sqlite":
        sys.exit("SQLite only")
    newest = max(
        (f for f in sample_data.price_history() if f.source == "litellm"), key=lambda f: f.observed_at
    )
    kept = Path(os.environ["BENCH_PREPARED"]) if os.environ.get("BENCH_PREPARED") else None
    prepared = kept or DATABASE.with_name("prepared.sqlite3")
    if kept is None or not kept.exists():
        call_command("migrate", verbosity=0)
        catalogue = sample_data.models_dev.load(sample_data.MODELS_DEV_API_JSON)
        locked(
            "catalogue import into an empty database", lambda: sample_data.load_catalogue(catalogue)[0][-1]
        )
        history = [f for f in sample_data.price_history() if f != newest]
        locked(
            f"replay of {len(history)} shipped price files",
            lambda: f"{len(sample_data.load_price_history(history))} syncs",
        )
        checkpointed_copy(DATABASE, prepared)
    print(f"feed: LiteLLM {newest.path.relative_to(ROOT)} ({newest.path.stat().st_size / 1e6:.1f} MB)")

    checkpointed_copy(prepared, DATABASE)
    locked(
        "dry run of the catch-up sync", sync(file=newest.path, observed_at=newest.observed_at, dry_run=True)
    )
    checkpointed_copy(prepared, DATABASE)
    locked("catch-up sync (4 months at once)", sync(file=newest.path, observed_at=newest.observed_at))
    week_later = newest.observed_at + dt.timedelta(days=7)
    locked("weekly sync a week later", sync(file=newest.path, observed_at=week_later))
    catalogue = sample_data.models_dev.load(sample_data.MODELS_DEV_API_JSON)
    locked("catalogue import again (import_catalog)", lambda: sample_data.load_catalogue(catalogue)[0][-1])


if __name__ == "__main__":
    main()
