"""The site stays writable while a sync runs: a sync reads and compares outside any transaction and writes in one
short one; a dry run writes nothing at all; SQLite runs in WAL mode with a busy timeout."""

import datetime as dt
import json
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper

from catalog import freshness
from catalog.models import MatchReview, Model, Offering, Provider
from pricing import history
from pricing.models import PendingPriceChange, PricePeriod, SourcePeriod, SyncRun
from pricing.runs import run_sync
from pricing.sources import litellm, price_source
from pricing.sync import sync_feed

WEEK_1 = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
WEEK_2 = dt.datetime(2026, 7, 8, tzinfo=dt.UTC)
GPT_4O = {
    "litellm_provider": "openai",
    "mode": "chat",
    "input_cost_per_token": 2.5e-06,
    "output_cost_per_token": 1e-05,
}
# A week later: gpt-4o halves its input price, one model is new, another is ten times dearer (held for an editor).
WEEK_1_FEED = {"gpt-4o": GPT_4O, "gpt-4o-mini": {**GPT_4O, "input_cost_per_token": 1.5e-07}}
WEEK_2_FEED = {
    "gpt-4o": {**GPT_4O, "input_cost_per_token": 1.25e-06},
    "gpt-4o-mini": {**GPT_4O, "input_cost_per_token": 1.5e-06},
    "brand-new-model": GPT_4O,
}
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's single writer")


@pytest.fixture
def feeds(tmp_path) -> Path:
    (tmp_path / "week1.json").write_text(json.dumps(WEEK_1_FEED))
    (tmp_path / "week2.json").write_text(json.dumps(WEEK_2_FEED))
    return tmp_path


def everything() -> tuple:
    """The catalog and the ledger, row by row."""
    return (
        list(Provider.objects.order_by("pk").values_list("slug", "is_host", "is_lab")),
        list(Model.objects.order_by("pk").values_list("lab__slug", "slug", "listed_input_price")),
        list(Offering.objects.order_by("pk").values_list("host__slug", "host_model_id", "model__slug")),
        list(
            SourcePeriod.objects.order_by("pk").values_list("offering_id", "component", "price", "valid_to")
        ),
        list(PricePeriod.objects.order_by("pk").values_list("offering_id", "component", "price", "valid_to")),
        list(PendingPriceChange.objects.values_list("offering_id", "new_price")),
        list(MatchReview.objects.values_list("host", "host_model_id")),
    )


# -- on every database ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_dry_run_reports_the_changes_and_sends_no_write_to_the_database(feeds):
    run_sync("litellm", file=feeds / "week1.json", observed_at=WEEK_1)
    before = everything()
    feed = litellm.parse(json.loads((feeds / "week2.json").read_text(), parse_float=Decimal))
    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(sql.lstrip().split()[0].upper())
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        report = sync_feed(feed, source=price_source("litellm"), observed_at=WEEK_2, dry_run=True)

    assert (report.ledger.changed, report.ledger.held, report.new_models) == (2, 1, 1)
    assert everything() == before
    assert statements and set(statements) == {"SELECT"}  # no transaction, not even a savepoint


@pytest.mark.django_db
def test_a_dry_run_reports_what_the_sync_then_does(feeds):
    run_sync("litellm", file=feeds / "week1.json", observed_at=WEEK_1)

    _, dry = run_sync("litellm", file=feeds / "week2.json", observed_at=WEEK_2, dry_run=True)
    _, real = run_sync("litellm", file=feeds / "week2.json", observed_at=WEEK_2)

    assert dry.lines() == real.lines()
    assert str(real.ledger) == "2 new, 2 changed, 2 unchanged, 1 held"


@pytest.mark.django_db
def test_a_failure_in_the_middle_of_the_writes_leaves_catalog_and_ledger_exactly_as_they_were(
    feeds, monkeypatch
):
    run_sync("litellm", file=feeds / "week1.json", observed_at=WEEK_1)
    before = everything()

    def crash(model_ids):  # the last write: the new model, its offering and every period are written by now
        raise RuntimeError("the disk filled up half way")

    monkeypatch.setattr("pricing.sync.refresh_listed_prices", crash)

    with pytest.raises(RuntimeError, match="half way"):
        run_sync("litellm", file=feeds / "week2.json", observed_at=WEEK_2)

    assert everything() == before
    assert SyncRun.objects.latest("started_at").status == "failed"


@pytest.mark.django_db
def test_an_editors_change_while_the_sync_computes_is_kept_and_the_sync_computed_again(feeds, monkeypatch):
    """An editor files the new id under gpt-4o while the sync is comparing prices: the sync, which had planned a
    new model for it, sees the change before it writes and records the prices on the editor's offering."""
    run_sync("litellm", file=feeds / "week1.json", observed_at=WEEK_1)
    gpt_4o = Offering.objects.get(host_model_id="gpt-4o")
    reconcile, edited = history.reconcile, []

    def editor_meanwhile(*args, **kwargs):
        if not edited:
            edited.append(
                Offering.objects.create(model=gpt_4o.model, host=gpt_4o.host, host_model_id="brand-new-model")
            )
        return reconcile(*args, **kwargs)

    monkeypatch.setattr(history, "reconcile", editor_meanwhile)

    run, report = run_sync("litellm", file=feeds / "week2.json", observed_at=WEEK_2)

    assert run.status == "succeeded"
    assert report.new_models == 0
    assert not Model.objects.filter(slug="brand-new-model").exists()
    assert set(PricePeriod.objects.filter(offering=edited[0]).values_list("component", flat=True)) == {
        "input",
        "output",
    }


@pytest.mark.django_db
def test_a_sync_whose_data_keeps_changing_under_it_still_records_the_feed_whole(feeds, monkeypatch):
    run_sync("litellm", file=feeds / "week1.json", observed_at=WEEK_1)
    reconcile = history.reconcile

    def editors_never_stop(*args, **kwargs):
        freshness.bump(freshness.CATALOG)  # as every save in the admin does
        return reconcile(*args, **kwargs)

    monkeypatch.setattr(history, "reconcile", editors_never_stop)

    run, report = run_sync("litellm", file=feeds / "week2.json", observed_at=WEEK_2)

    assert run.status == "succeeded"
    assert str(report.ledger) == "2 new, 2 changed, 2 unchanged, 1 held"
    assert PricePeriod.objects.filter(offering__host_model_id="brand-new-model").count() == 2
    assert Model.objects.filter(slug="brand-new-model").count() == 1


# -- SQLite ----------------------------------------------------------------------------------------------------


@pytest.fixture
def file_database(django_db_blocker, tmp_path) -> Path:
    """A file copy of the (migrated, empty) test database, for a process of its own with the site's settings."""
    path = tmp_path / "site.sqlite3"
    with django_db_blocker.unblock():
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
    return path


def probe(database: Path, feeds: Path, *extra: str) -> dict:
    """Sync week 2 in another process, held mid-computation while an editor logs in there (sqlite_sync_probe)."""
    done = subprocess.run(
        [sys.executable, "-m", "tests.pricing.sqlite_sync_probe", str(database), str(feeds), *extra],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["reached_computing"], outcome
    return outcome


@on_sqlite
def test_an_editor_logs_in_to_the_admin_while_a_sync_compares_prices(file_database, feeds):
    outcome = probe(file_database, feeds)

    assert outcome["login"] == {"status": 302, "location": "/admin/"}, outcome["login"]
    assert outcome["sync"]["status"] == "succeeded", outcome["sync"]
    assert outcome["sync"]["ledger"] == "2 new, 2 changed, 2 unchanged, 1 held"
    assert outcome["ledger_after"] != outcome["ledger_before"]


@on_sqlite
def test_a_dry_run_leaves_the_database_writable_and_unchanged(file_database, feeds):
    outcome = probe(file_database, feeds, "--dry-run")

    assert outcome["login"] == {"status": 302, "location": "/admin/"}, outcome["login"]
    assert outcome["sync"]["status"] == "succeeded", outcome["sync"]
    assert outcome["ledger_after"] == outcome["ledger_before"]


@on_sqlite
def test_a_file_database_runs_in_wal_mode_with_a_busy_timeout(tmp_path, django_db_blocker):
    site = DatabaseWrapper({**connection.settings_dict, "NAME": str(tmp_path / "site.sqlite3")})
    try:
        with django_db_blocker.unblock(), site.cursor() as cursor:
            pragmas = {}
            for name in ("journal_mode", "busy_timeout", "synchronous"):
                cursor.execute(f"PRAGMA {name}")
                pragmas[name] = cursor.fetchone()[0]
    finally:
        site.close()

    assert pragmas == {"journal_mode": "wal", "busy_timeout": 20_000, "synchronous": 1}  # 1: NORMAL
    assert site.transaction_mode == "IMMEDIATE"  # a writer queues at BEGIN, not mid-transaction
