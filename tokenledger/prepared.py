"""Querysets compiled once and run again with other values: for the few reads a page or an answer makes on every
request, where Django building and compiling the queryset (filters resolved, joins set up, SQL written) costs
several times what the database takes to run it.

    page = PreparedQuery(
        lambda lab, offset, limit: Model.objects.filter(lab__slug=lab).values("slug")[offset : offset + limit],
        lab=str, offset=int, limit=int,
    )
    page.rows(lab="openai", offset=0, limit=50)  # [{"slug": …}, …], as the queryset would give them

`build` is called with stand-in values of the declared types, twice, and its SQL compiled (in each thread, for
its connection); each run then passes the given values in their place, and the rows go through the same converters
Django applies (JSON, dates and times, decimals, booleans). So a value must reach the SQL as it is given, or adapted
only as a column of its type adapts it (str and int as they are; aware datetimes and dates as the backend stores
them), and everything else the queryset depends on must be a parameter too. What cannot be prepared is refused when
it is compiled, not answered wrongly: a parameter that a lookup transforms (`contains` wraps it in %…%,
`startswith` escapes it and adds a %), one the query does not use, or SQL that changes with the values (`pk__in`
a list of varying length, `None`). An int sliced into LIMIT and OFFSET (Django writes those into the SQL) becomes a
placeholder as well, and must not be negative.

Only values querysets (`values()`, `values_list()`) can be prepared: they give dicts, tuples or named tuples as the
queryset would; model instances are left to the ORM.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import (
    FlatValuesListIterable,
    NamedValuesListIterable,
    ValuesIterable,
    ValuesListIterable,
    create_namedtuple_class,
)

TYPES = (str, int, dt.datetime, dt.date)
_PLACEHOLDER = re.compile(r"%%|%s")  # Django's SQL is in the "format" style: %s a value, %% a percent sign


@dataclass(frozen=True)
class _Compiled:
    """One compilation of a PreparedQuery, for one connection."""

    connection: Any
    compiler: Any
    sql: str
    params: tuple  # the constants, with the parameters' places to fill
    places: dict[str, tuple[int, ...]]  # parameter → its places in params
    inlined: frozenset[str]  # parameters Django wrote into the SQL (LIMIT, OFFSET)
    converters: dict  # column → the functions Django converts its values with
    make_row: Callable[[tuple], Any]


class PreparedQuery:
    """A values queryset built by `build(**parameters)`, compiled once per thread and run with new values of its
    parameters (`types`: name → str, int, datetime or date)."""

    def __init__(self, build: Callable[..., QuerySet], **types: type):
        unknown = {name: kind for name, kind in types.items() if kind not in TYPES}
        if unknown:
            raise TypeError(f"Parameters can be {', '.join(t.__name__ for t in TYPES)}, not {unknown}.")
        self.build, self.types = build, types
        self._local = threading.local()

    def rows(self, **values: Any) -> list:
        """The queryset's rows for these values of its parameters (all of them, of their types): one query."""
        compiled = self._compiled()
        params = self._params(compiled, values)
        with compiled.connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            fetched = cursor.fetchall()
        compiler = compiled.compiler
        if compiler.has_extra_select:  # columns Django adds only to order by
            fetched = [row[: compiler.col_count] for row in fetched]
        if compiled.converters:
            fetched = compiler.apply_converters(fetched, compiled.converters)
        return [compiled.make_row(row) for row in fetched]

    def _params(self, compiled: _Compiled, values: dict[str, Any]) -> list:
        if values.keys() != self.types.keys():
            raise TypeError(f"Expected the parameters {sorted(self.types)}, given {sorted(values)}.")
        params = list(compiled.params)
        ops = compiled.connection.ops
        for name, value in values.items():
            kind = self.types[name]
            # bool is an int and datetime a date to isinstance; neither is what the query was compiled for.
            if type(value) is not kind:
                raise TypeError(f"{name} must be a {kind.__name__}, not {type(value).__name__}.")
            if name in compiled.inlined and value < 0:
                raise ValueError(f"{name} is a LIMIT or OFFSET: it cannot be negative.")
            for place in compiled.places[name]:
                params[place] = _adapted(ops, value)
        return params

    def _compiled(self) -> _Compiled:
        compiled = getattr(self._local, "compiled", None)
        # Compiled again for another connection object (Django keeps one per thread, or per async context).
        if compiled is None or compiled.connection is not connections[compiled.connection.alias]:
            compiled = self._local.compiled = self._compile()
        return compiled

    def _compile(self) -> _Compiled:
        first, second = (self._compile_with(_stand_ins(self.types, round_)) for round_ in (1, 2))
        if (first.sql, first.params, first.places) != (second.sql, second.params, second.places):
            raise ValueError(
                "The query's SQL changes with its parameters' values (a parameter transformed by a lookup, a "
                "list of varying length, a value read elsewhere); it cannot be prepared."
            )
        return first

    def _compile_with(self, stand_ins: dict[str, Any]) -> _Compiled:
        queryset = self.build(**stand_ins)
        make_row = _row_maker(queryset)
        connection = connections[queryset.db]
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        params = list(params)
        places: dict[str, list[int]] = {name: [] for name in stand_ins}
        adapted = {name: _adapted(connection.ops, value) for name, value in stand_ins.items()}
        for index, param in enumerate(params):
            for name, value in adapted.items():
                if type(param) is type(value) and param == value:
                    places[name].append(index)
                    params[index] = None
        sql, inlined = _inline_ints(sql, params, places, stand_ins)
        columns = [column for column, _, _ in compiler.select[: compiler.col_count]]
        if compiler.has_composite_fields(columns):
            raise TypeError("A composite primary key cannot be prepared.")
        missing = [name for name, found in places.items() if not found]
        if missing:
            raise ValueError(
                f"{missing} do not reach the SQL as given (unused, or transformed by a lookup such as "
                "contains or startswith); they cannot be prepared."
            )
        return _Compiled(
            connection=connection,
            compiler=compiler,
            sql=sql,
            params=tuple(params),
            places={name: tuple(found) for name, found in places.items()},
            inlined=frozenset(inlined),
            converters=compiler.get_converters(columns),
            make_row=make_row,
        )


def _inline_ints(
    sql: str, params: list, places: dict[str, list[int]], stand_ins: dict[str, Any]
) -> tuple[str, set[str]]:
    """Turn the int stand-ins Django wrote into the SQL (LIMIT, OFFSET) into placeholders, inserting their places
    into `params` and `places` in SQL order. Returns the SQL and the names inlined."""
    ints = {str(value): name for name, value in stand_ins.items() if type(value) is int}
    if not ints:
        return sql, set()
    found = re.compile(r"\b(" + "|".join(ints) + r")\b")
    parts, inlined, position, index = [], set(), 0, 0
    for match in found.finditer(sql):
        before = sql[position : match.start()]
        index += sum(1 for token in _PLACEHOLDER.findall(before) if token == "%s")
        name = ints[match.group()]
        for found_places in places.values():
            found_places[:] = [place + (place >= index) for place in found_places]
        params.insert(index, None)
        places[name].append(index)
        places[name].sort()
        inlined.add(name)
        parts += [before, "%s"]
        position, index = match.end(), index + 1
    return "".join([*parts, sql[position:]]), inlined


def _stand_ins(types: dict[str, type], round_: int) -> dict[str, Any]:
    """Values for compiling: each unlike any constant of a query and unlike the others. A string holds what
    lookups escape or wrap (%, _, backslash), so that one which transforms it is caught; an int fits any integer
    column (a value beyond one compiles as a condition that is never true) and reads as itself in the SQL."""
    values = {}
    for number, (name, kind) in enumerate(types.items()):
        serial = round_ * 100 + number
        if kind is str:
            values[name] = f"%_\\prepared:{name}:{serial}\\_%"
        elif kind is int:
            values[name] = 2_100_000_000 + serial
        elif kind is dt.datetime:
            values[name] = dt.datetime(2998, 1, 1, 0, 0, 0, serial, tzinfo=dt.UTC)
        else:
            values[name] = dt.date(2998, 1, 1) + dt.timedelta(days=serial)
    return values


def _adapted(ops, value: Any) -> Any:
    """A value as Django passes it to the database for a column of its type."""
    if type(value) is dt.datetime:
        if value.tzinfo is None:
            raise ValueError("A datetime parameter must be aware: its column stores UTC.")
        return ops.adapt_datetimefield_value(value)
    if type(value) is dt.date:
        return ops.adapt_datefield_value(value)
    return value


def _row_maker(queryset: QuerySet) -> Callable[[tuple], Any]:
    """Turn a converted row into what iterating `queryset` gives: a dict, a tuple, a named tuple or one value."""
    query = queryset.query
    names = (
        list(query.selected)
        if query.selected
        else [*query.extra_select, *query.values_select, *query.annotation_select]
    )
    iterable = queryset._iterable_class
    if iterable is ValuesIterable:
        return lambda row: dict(zip(names, row, strict=True))
    if iterable is NamedValuesListIterable:
        row_class = create_namedtuple_class(*(queryset._fields or names))
        return lambda row: tuple.__new__(row_class, row)
    if iterable is FlatValuesListIterable:
        return lambda row: row[0]
    if iterable is ValuesListIterable:
        return tuple
    raise TypeError("Only values querysets (values(), values_list()) can be prepared.")
