"""A worker killed in the middle of writing a sync (`kill -9`) leaves no half-written sync, and does not stop the
next weekly run: that run completes, and the run the dead worker left reads failed, with its reason.

The sync runs in a real process against a database of its own, migrated for the test: a SQLite file in a
temporary folder, or, when DATABASE_URL names PostgreSQL, a scratch database on that server, dropped afterwards.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from django.conf import settings

from tests.test_infrastructure import environment, run

BASE_DIR = Path(settings.BASE_DIR)
FEED = "llm-prices/historical-v1.json"  # a real feed from data/
LEASE_SECONDS = 3  # the killed worker's: its lease frees 3 s after its last heartbeat

# `manage.py sync_prices`, paused just after its first write to the ledger (inside the sync's transaction,
# after the catalog rows it creates): a hook around the database cursor, so the site's code is not changed.
SYNC_THAT_STOPS_MID_WRITE = """
import sys, time
from pathlib import Path
import django
django.setup()
from django.core.management import call_command
from django.db import connection

marker = Path(sys.argv[1])

def pause_mid_write(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    if sql.lstrip().upper().startswith('INSERT INTO "PRICING_SOURCEPERIOD"'):
        marker.write_text("writing")
        time.sleep(600)  # until the test kills this process
    return result

with connection.execute_wrapper(pause_mid_write):
    call_command("sync_prices", "--source", "llm_prices", "--file", sys.argv[2])
"""

WEEKLY_RUN = """
import json, sys
import django
django.setup()
from pricing.models import PriceSource
from pricing.tasks import sync_enabled_sources

PriceSource.objects.exclude(slug="llm_prices").update(enabled=False)
PriceSource.objects.filter(slug="llm_prices").update(url=sys.argv[1])
print(json.dumps(sync_enabled_sources()))
"""

STATE = """
import json
import django
django.setup()
from catalog.models import Model, Offering
from pricing.models import PricePeriod, SourcePeriod, SyncLease, SyncRun

runs = [
    {"status": r.status, "error": r.error, "finished": r.finished_at is not None, "dry_run": r.dry_run}
    for r in SyncRun.objects.order_by("started_at")
]
lease = SyncLease.objects.values("holder", "run_id").first()
ids = list(SyncRun.objects.order_by("started_at").values_list("pk", flat=True))
print(json.dumps({
    "runs": runs,
    "lease_run": ids.index(lease["run_id"]) if lease and lease["run_id"] else None,
    "rows": [Model.objects.count(), Offering.objects.count(), SourcePeriod.objects.count(),
             PricePeriod.objects.count()],
}))
"""


@pytest.fixture
def scratch_env(tmp_path):
    """The environment of processes that share a freshly migrated database of their own."""
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        env = environment(DATABASE_URL=None, TOKENLEDGER_VAR_DIR=str(tmp_path))
        yield migrated(env)
        return
    parts = urlsplit(database_url)
    name = f"{parts.path.lstrip('/')}_crash_{uuid.uuid4().hex[:8]}"
    server = urlunsplit(
        (parts.scheme.replace("postgres", "postgresql", 1), parts.netloc, "/postgres", "", "")
    )
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        scratch_url = urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
        yield migrated(environment(DATABASE_URL=scratch_url, TOKENLEDGER_VAR_DIR=str(tmp_path)))
    finally:
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrated(env: dict[str, str]) -> dict[str, str]:
    env = {**env, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = run([sys.executable, "manage.py", "migrate", "-v0"], env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    return env


def state(env: dict[str, str]) -> dict:
    result = run([sys.executable, "-c", STATE], env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_sync_killed_mid_write_leaves_nothing_and_the_next_weekly_run_completes(
    scratch_env, tmp_path, data_server
):
    marker = tmp_path / "writing"
    log = (tmp_path / "sync.log").open("w+")
    sync = subprocess.Popen(
        [sys.executable, "-c", SYNC_THAT_STOPS_MID_WRITE, str(marker), str(BASE_DIR / "data" / FEED)],
        cwd=BASE_DIR,
        env={**scratch_env, "PRICE_SYNC_LEASE_SECONDS": str(LEASE_SECONDS)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        waited = time.monotonic()
        while not marker.exists():
            assert sync.poll() is None, f"the sync ended before writing:\n{log.seek(0) or log.read()}"
            assert time.monotonic() - waited < 120, "the sync never reached its first write"
            time.sleep(0.2)
        os.killpg(sync.pid, signal.SIGKILL)
    finally:
        if sync.poll() is None:
            os.killpg(sync.pid, signal.SIGKILL)
        sync.wait(timeout=30)
    assert sync.returncode == -signal.SIGKILL

    crashed = state(scratch_env)
    assert [r["status"] for r in crashed["runs"]] == ["running"]  # as the dead worker left it
    assert crashed["lease_run"] == 0  # its lease names it...
    assert crashed["rows"] == [0, 0, 0, 0]  # ...and nothing it wrote is there: not a model, not a price
    time.sleep(LEASE_SECONDS + 0.5)  # the lease was last renewed before the kill: it has expired by now

    weekly = run([sys.executable, "-c", WEEKLY_RUN, f"{data_server}/{FEED}"], env=scratch_env, timeout=300)

    assert weekly.returncode == 0, weekly.stderr
    assert json.loads(weekly.stdout.splitlines()[-1]) == {"llm_prices": "succeeded"}
    after = state(scratch_env)
    abandoned, weekly_run = after["runs"]
    assert abandoned["status"] == "failed" and abandoned["finished"]
    assert abandoned["error"].startswith("abandoned: the worker stopped (lease expired at ")
    assert weekly_run == {"status": "succeeded", "error": "", "finished": True, "dry_run": False}
    assert after["lease_run"] is None  # released
    models, offerings, source_periods, price_periods = after["rows"]
    assert min(models, offerings, source_periods, price_periods) > 0

    # The ledger is whole: the same feed again finds nothing to change.
    again = run(
        [
            sys.executable,
            "manage.py",
            "sync_prices",
            "--source",
            "llm_prices",
            "--file",
            f"data/{FEED}",
            "--dry-run",
        ],
        env=scratch_env,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    assert "Dry run: nothing was written." in again.stdout
    assert "Prices: 0 new, 0 changed, " in again.stdout, again.stdout
