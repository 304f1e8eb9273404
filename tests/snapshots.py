"""Load the sample data once per test session, and write its rows back for every later test that asks for it.

Loading the sample catalogue runs the whole import (identity resolution, the price ledger, the profiles): about a
second on SQLite and three on PostgreSQL, paid by some 170 tests, and half a minute for the shipped history. A
snapshot is taken the first time a load is asked for: the load runs inside a savepoint, the rows it added are
read, and the savepoint is rolled back. Every test then gets the rows written back in one INSERT per table, so
the first test and the last see the same thing, as if the load had just run:

- Times the load stamped from the clock (a sync's start, a row's `created_at`) are moved by how much later the
  rows are written back; dates read from the data (a price's `valid_from`) are not, since they lie outside the
  seconds the load took. Data versions get fresh random values, as a new load would give them.
- Rows are written back only onto a database in the state the snapshot was taken from (each table's row count
  and least and greatest key): rows a fixture added could collide with them. Each state gets its own snapshot
  (a few in practice: just migrated, flushed by a transactional test, with a fixture's user); past four, the load
  itself runs.
- Content types and permissions are left out of that state: every flush makes them again under new keys. A row
  pointing to one (a group's permission) names it by its natural key, looked up again when written back.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from catalog.models import DataVersion


@dataclass
class _Table:
    model: type[models.Model]
    columns: list[str]
    rows: list[list[Any]]  # values ready for the database, except the clock's, kept as Python values
    clock_columns: list[int]  # the date and time columns, stamped at restore
    named_columns: dict[int, type[models.Model]]  # keys of content types and permissions, as natural keys


@dataclass
class Snapshot:
    result: Any
    tables: list[_Table]
    started: dt.datetime
    finished: dt.datetime


_snapshots: dict[tuple[str, str, tuple], Snapshot] = {}
STATES_PER_LOAD = 4
NAMED = (ContentType, Permission)  # made again after every flush, under new keys


class _RollBack(Exception):
    pass


def _natural_keys(model: type[models.Model]) -> dict[Any, tuple]:
    """Key → natural key of every content type or permission."""
    if model is ContentType:
        return {
            pk: (app, name) for pk, app, name in ContentType.objects.values_list("pk", "app_label", "model")
        }
    return {
        pk: (code, app, name)
        for pk, code, app, name in Permission.objects.values_list(
            "pk", "codename", "content_type__app_label", "content_type__model"
        )
    }


def _tables() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]


def _stateful_tables() -> list[type[models.Model]]:
    return [model for model in _tables() if model not in NAMED]


def _state() -> tuple:
    """Each table's row count, least and greatest key. One query."""
    quote = connection.ops.quote_name
    sql = " UNION ALL ".join(
        f"SELECT {i}, COUNT(*), CAST(MIN({quote(m._meta.pk.column)}) AS TEXT), "
        f"CAST(MAX({quote(m._meta.pk.column)}) AS TEXT) "
        f"FROM {quote(m._meta.db_table)}"
        for i, m in enumerate(_stateful_tables())
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(sorted(cursor.fetchall()))


def _take(load: Callable[[], Any]) -> Snapshot:
    tables = _tables()
    existing = {model: _rows(model) for model in tables}
    captured: list[_Table] = []
    try:
        with transaction.atomic():
            started = timezone.now()
            result = load()
            finished = timezone.now()
            for model in tables:
                rows = _rows(model)
                if any(rows.get(pk) != row for pk, row in existing[model].items()):
                    raise RuntimeError(f"the load changed or deleted rows of {model._meta.db_table}")
                added = [row for pk, row in rows.items() if pk not in existing[model]]
                if added and model in NAMED:
                    raise RuntimeError(f"the load added {model._meta.verbose_name_plural}")
                if added:
                    captured.append(_table(model, added))
            raise _RollBack
    except _RollBack:
        pass
    return Snapshot(result, captured, started, finished)


def _rows(model: type[models.Model]) -> dict[Any, tuple]:
    fields = model._meta.local_concrete_fields
    key = [f.primary_key for f in fields].index(True)
    return {
        row[key]: row for row in model._base_manager.order_by("pk").values_list(*(f.attname for f in fields))
    }


def _table(model: type[models.Model], rows: list[tuple]) -> _Table:
    fields = model._meta.local_concrete_fields
    clock = [i for i, f in enumerate(fields) if isinstance(f, models.DateField)]  # DateTimeField is one too
    named = {i: f.related_model for i, f in enumerate(fields) if f.is_relation and f.related_model in NAMED}
    names = {related: _natural_keys(related) for related in set(named.values())}
    prepared = [
        [
            value
            if i in clock
            else names[named[i]][value]
            if i in named
            else f.get_db_prep_save(value, connection)
            for i, (f, value) in enumerate(zip(fields, row, strict=True))
        ]
        for row in rows
    ]
    return _Table(model, [f.column for f in fields], prepared, clock, named)


def _restore(snapshot: Snapshot) -> None:
    now = timezone.now()
    shift = now - snapshot.finished
    days = now.date() - snapshot.finished.date()
    quote = connection.ops.quote_name
    keys = {}
    for model in {m for table in snapshot.tables for m in table.named_columns.values()}:
        keys[model] = {name: pk for pk, name in _natural_keys(model).items()}
    with transaction.atomic(), connection.cursor() as cursor:
        for table in snapshot.tables:
            fields = table.model._meta.local_concrete_fields
            rows = table.rows
            if table.clock_columns or table.named_columns:
                rows = [list(row) for row in rows]
                for row in rows:
                    for i in table.clock_columns:
                        row[i] = fields[i].get_db_prep_save(
                            _stamped(row[i], snapshot, shift, days), connection
                        )
                    for i, model in table.named_columns.items():
                        row[i] = keys[model][row[i]]
            if table.model is DataVersion:
                version = [f.attname for f in fields].index("version")
                rows = [[*row[:version], uuid.uuid4().hex, *row[version + 1 :]] for row in rows]
            columns = ", ".join(quote(c) for c in table.columns)
            placeholders = ", ".join(["%s"] * len(table.columns))
            cursor.executemany(
                f"INSERT INTO {quote(table.model._meta.db_table)} ({columns}) VALUES ({placeholders})", rows
            )
        for sql in connection.ops.sequence_reset_sql(no_style(), [t.model for t in snapshot.tables]):
            cursor.execute(sql)


def _stamped(value, snapshot: Snapshot, shift: dt.timedelta, days: dt.timedelta):
    """A clock reading of the load, moved to now; a date or time from the data, unchanged."""
    if isinstance(value, dt.datetime):
        return value + shift if snapshot.started <= value <= snapshot.finished else value
    if isinstance(value, dt.date) and snapshot.started.date() <= value <= snapshot.finished.date():
        return value + days
    return value


def load_once(name: str, load: Callable[[], Any]) -> Any:
    """What `load()` returns, with its rows in the database: loaded the first time `name` is asked for on a
    database in this state, written back from then on."""
    key = (connection.vendor, name, _state())
    if key not in _snapshots:
        if sum(known[:2] == key[:2] for known in _snapshots) >= STATES_PER_LOAD:
            return load()
        _snapshots[key] = _take(load)
    _restore(_snapshots[key])
    return _snapshots[key].result
