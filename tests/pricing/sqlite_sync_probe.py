"""Run by tests/pricing/test_sqlite_concurrency.py in a process of its own, on a file SQLite database with the
site's settings (WAL, busy timeout): syncs a feed in one thread, holds it in the middle of computing what to
write, and meanwhile logs an editor in to the admin from another connection. Prints what happened as JSON.

    python -m tests.pricing.sqlite_sync_probe DATABASE_FILE FEEDS_DIR [--dry-run]
"""

import datetime as dt
import json
import os
import sys
import threading
from pathlib import Path

WAIT = 30  # seconds: only ever reached when something is broken


def main() -> None:
    database, feeds, dry_run = Path(sys.argv[1]), Path(sys.argv[2]), "--dry-run" in sys.argv
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()

    from unittest import mock

    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from pricing import history
    from pricing.models import PricePeriod, SourcePeriod
    from pricing.runs import run_sync

    def ledger() -> list:
        return [
            list(
                PricePeriod.objects.order_by("pk").values_list(
                    "offering__host_model_id", "component", "price"
                )
            ),
            SourcePeriod.objects.count(),
        ]

    setup_test_environment()  # the test client's host is allowed
    run_sync("litellm", file=feeds / "week1.json", observed_at=dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
    User.objects.create_superuser("editor", password="a long passphrase")
    before = ledger()
    connection.close()

    computing, carry_on = threading.Event(), threading.Event()
    reconcile = history.reconcile

    def held_reconcile(*args, **kwargs):
        if not computing.is_set():
            computing.set()  # the sync is comparing prices: what a long feed does for minutes
            carry_on.wait(WAIT)
        return reconcile(*args, **kwargs)

    outcome: dict = {}

    def sync() -> None:
        try:
            run, report = run_sync(
                "litellm",
                file=feeds / "week2.json",
                observed_at=dt.datetime(2026, 7, 8, tzinfo=dt.UTC),
                dry_run=dry_run,
            )
            outcome["sync"] = {"status": run.status, "error": run.error, "ledger": str(report.ledger)}
        except Exception as error:
            outcome["sync"] = {"status": "raised", "error": f"{type(error).__name__}: {error}"}
        finally:
            computing.set()
            connection.close()

    with mock.patch.object(history, "reconcile", held_reconcile):
        thread = threading.Thread(target=sync)
        thread.start()
        outcome["reached_computing"] = computing.wait(WAIT)
        try:
            with connection.cursor() as cursor:  # an editor gives up sooner than Django's 20 s
                cursor.execute("PRAGMA busy_timeout = 1000")
            response = Client().post(
                "/admin/login/?next=/admin/",
                {"username": "editor", "password": "a long passphrase", "next": "/admin/"},
            )
            outcome["login"] = {"status": response.status_code, "location": response.get("Location", "")}
        except Exception as error:
            outcome["login"] = {"status": "raised", "error": f"{type(error).__name__}: {error}"}
        finally:
            carry_on.set()
            thread.join(WAIT)
    outcome["ledger_before"], outcome["ledger_after"] = before, ledger()
    print(json.dumps(outcome, default=str))


if __name__ == "__main__":
    main()
