"""The database itself forbids two periods of the same price key that overlap in time.

PostgreSQL: an exclusion constraint over the validity range. SQLite has none, so triggers do the same check.
"""

from django.db import migrations

from pricing.migrations._overlap import (
    POSTGRES_BACKWARD,
    POSTGRES_FORWARD,
    SQLITE_BACKWARD,
    SQLITE_FORWARD,
)
from pricing.migrations._overlap import run_for_vendor as _run


class Migration(migrations.Migration):
    dependencies = [("pricing", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
