"""Each source's own record of a price, and the published ledger derived from all of them.

**The sources' records.** Every source keeps its own step history per (offering, component, tier, mode): what
LiteLLM said, from when to when; what OpenRouter said; and so on (`SourcePeriod`). A sync compares what the
source says now with what it said before:

- a price equal to the one it gave last continues that period (nothing is written);
- a different price closes the period and opens the next one, at the date the source states (genai-prices'
  `start_date`, llm-prices' `from_date`, "stated") or else at the observation ("first seen"); a stated date
  may lie in the future: the change is scheduled and comes into force on its date;
- an entry the source no longer lists is marked missing at that sync; if a sync at least `MISSING_GRACE` later
  still lacks it, its periods close, dated the first sync that lacked it ("withdrawn"). One missing snapshot
  does not flap a price: if the entry comes back before that, nothing is closed. A price an entry that is still
  listed no longer gives (a dropped tier or component) closes at once: the source says so itself.
- a change that looks like a slip is kept in the source's record but *held*: a move of 10× or more either way, a
  drop to 0, a cached-input price not below the input price, or an undated move away from a price every other
  source pricing the key still gives (at least two of them). Until an editor approves it, the source counts as
  still giving its previous price.

**Reconciliation** (one rule, `reconcile`): at every moment the published price of a key is that of the
highest-priority source that prices it then (held values aside). A published period opens when that price
changes; it is a *change* only when the followed source's own price changed at that moment or the source states
that its price took effect then, and a *correction* when another source is followed and gives another figure
(never shown as ▲/▼). When no source prices a key any
more, its published period closes: the host has withdrawn it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from catalog import freshness
from pricing.models import (
    Component,
    EndKind,
    Opening,
    PendingPriceChange,
    PendingStatus,
    PricePeriod,
    PriceSource,
    Review,
    SourcePeriod,
    StartKind,
)
from pricing.records import PriceRecord, normalised

Key = tuple[int, str, str, str]  # offering id, component, tier, mode
MISSING_GRACE = dt.timedelta(days=6)  # a weekly sync, give or take a day
SUSPICIOUS_FACTOR = Decimal(10)
_CHUNK = 2000
_END_OF_TIME = dt.datetime.max.replace(tzinfo=dt.UTC)


class StaleObservation(ValueError):
    """An observation older than the period it would close: replay snapshots in date order."""


@dataclass
class LedgerChanges:
    """What a recording did to the sources' records and to the published ledger."""

    opened: int = 0  # a source priced a key for the first time
    changed: int = 0  # a source's price changed (its period closed and the next opened)
    unchanged: int = 0
    withdrawn: int = 0  # a source stopped listing a key (two syncs apart)
    missing: int = 0  # a source lacked a key once: remembered, nothing closed yet
    held: int = 0  # changes kept in the source's record but held for an editor
    published: int = 0  # published periods written (opened, closed or corrected)
    corrections: int = 0  # of which corrections: another source followed, with another figure
    republished: set[int] = field(default_factory=set, repr=False)  # offerings whose published prices changed
    pending: LedgerWrites | None = field(default=None, repr=False, compare=False)  # computed, not yet written

    def write(self, ids: Mapping[int, int] = {}) -> None:
        """Write what was computed (`record_observations(write=False)`); `ids` maps the stand-in ids of offerings
        planned alongside (a sync's stand-ins, `pricing.sync.planned_id`) to the ids they were created with."""
        if self.pending is not None:
            self.republished = self.pending.write(ids)
            self.pending = None

    @property
    def wrote_anything(self) -> bool:
        return bool(
            self.opened or self.changed or self.withdrawn or self.missing or self.held or self.published
        )

    def __str__(self) -> str:
        text = f"{self.opened} new, {self.changed} changed, {self.unchanged} unchanged"
        extra = [
            f"{n} {label}"
            for n, label in (
                (self.withdrawn, "withdrawn"),
                (self.held, "held"),
                (self.corrections, "corrections"),
            )
            if n
        ]
        return ", ".join([text, *extra])


@dataclass
class Span:
    """A source period in memory; `pk` is None until it is written."""

    source_id: int
    price: Decimal
    unit: str
    valid_from: dt.datetime
    valid_to: dt.datetime | None
    effective: str = StartKind.OBSERVED
    end: str = EndKind.NONE
    observed_at: dt.datetime | None = None
    missing_since: dt.datetime | None = None
    review: str = Review.ACCEPTED
    pk: int | None = None
    hold_reason: str = field(default="", compare=False)

    def covers(self, moment: dt.datetime) -> bool:
        return self.valid_from <= moment and (self.valid_to is None or moment < self.valid_to)

    def same_price(self, other: Span | Published) -> bool:
        return (self.price, self.unit) == (other.price, other.unit)  # Decimals compare by value: 3 == 3.000


_SPAN_FIELDS = [
    "pk",
    "offering_id",
    "component",
    "tier",
    "mode",
    "source_id",
    "price",
    "unit",
    "valid_from",
    "valid_to",
    "effective",
    "end",
    "observed_at",
    "missing_since",
    "review",
]


def load_spans(offering_ids: Iterable[int]) -> dict[Key, dict[int, list[Span]]]:
    """Every source's record for these offerings: key → source id → spans, oldest first."""
    ids = sorted(set(offering_ids))
    found: dict[Key, dict[int, list[Span]]] = defaultdict(lambda: defaultdict(list))
    for chunk in chunks(ids, _CHUNK):
        rows = SourcePeriod.objects.filter(offering_id__in=chunk).order_by("valid_from")
        for row in rows.values_list(*_SPAN_FIELDS):
            pk, offering, component, tier, mode, source_id, *rest = row
            price, unit, valid_from, valid_to, effective, end, observed_at, missing_since, review = rest
            found[(offering, component, tier, mode)][source_id].append(
                Span(
                    source_id,
                    price,
                    unit,
                    valid_from,
                    valid_to,
                    effective,
                    end,
                    observed_at,
                    missing_since,
                    review,
                    pk,
                )
            )
    return found


def chunks(items: Sequence, size: int = 500) -> Iterator[Sequence]:
    """`items` in slices of `size`: lists of ids short enough for one statement on every backend."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def statement(records: Sequence[PriceRecord], source_id: int, observed_at: dt.datetime) -> list[Span]:
    """What a source says now about one key, as spans: a stated start where the source gives one, else the
    observation. A past price whose start the source does not give (the first of genai-prices' dated variants,
    an llm-prices row with only a `to_date`) says nothing we can date, and is left out."""
    spans = []
    for record in records:
        ends = _at(record.ends) if record.ends else None
        if record.starts is None:
            if ends is not None and ends <= observed_at:
                continue
            start, effective = observed_at, StartKind.OBSERVED
        else:
            start, effective = _at(record.starts), StartKind.STATED
        spans.append(
            Span(
                source_id,
                record.price,
                record.unit,
                start,
                ends,
                effective,
                EndKind.STATED if ends else EndKind.NONE,
                observed_at,
            )
        )
    spans.sort(key=lambda s: s.valid_from)
    # Each span ends where the next begins; an undated price gives way to a dated one that starts later.
    fitted: list[Span] = []
    for span, following in zip(spans, [*spans[1:], None][: len(spans)], strict=True):
        if following is not None and (span.valid_to is None or span.valid_to > following.valid_from):
            span.valid_to, span.end = following.valid_from, EndKind.NONE
        if span.valid_to is None or span.valid_to > span.valid_from:
            fitted.append(span)
    return fitted


def merged(existing: list[Span], said: list[Span]) -> list[Span]:
    """The source's record once what it says now is added: what it said before the first date it speaks for is
    kept (cut at that date), the rest is replaced; adjacent spans at one price are one span (the earlier start,
    its kind and its first observation kept)."""
    if not said:
        return existing
    cut = said[0].valid_from
    spans: list[Span] = []
    for span in existing:
        if span.valid_from >= cut:
            continue
        if span.valid_to is None or span.valid_to > cut:
            span = dataclasses.replace(span, valid_to=cut, end=EndKind.NONE)
        spans.append(span)
    replaced = {s.valid_from: s for s in existing if s.valid_from >= cut}
    for span in said:
        previous = spans[-1] if spans else None
        if previous is not None and previous.valid_to == span.valid_from and previous.same_price(span):
            spans[-1] = dataclasses.replace(
                previous, valid_to=span.valid_to, end=span.end, missing_since=None
            )
            continue
        old = replaced.get(span.valid_from)
        if old is not None and old.same_price(span):
            # Said again as before (a scheduled price, a re-sync of one observation): the same row.
            span = dataclasses.replace(
                span, pk=old.pk, review=old.review, observed_at=old.observed_at, missing_since=None
            )
        spans.append(span)
    return spans


def suspicious_move(old: Decimal, new: Decimal) -> str | None:
    """Why a move from `old` to `new` should be held for an editor, or None."""
    if old > 0 and new == 0:
        return "drops to $0"
    if old > 0 and new > 0 and (new / old >= SUSPICIOUS_FACTOR or old / new >= SUSPICIOUS_FACTOR):
        return f"moves {SUSPICIOUS_FACTOR}× or more at once"
    return None


def _last_accepted(spans: list[Span], before: Span) -> Span | None:
    found = None
    for span in spans:
        if span is before:
            break
        if span.review == Review.ACCEPTED:
            found = span
    return found


def hold_reason(
    key: Key, span: Span, previous: Span | None, others: Mapping[int, list[Span]], inputs: list[Span]
) -> str:
    """Why a new span of a source should be held, or "" to accept it. `previous` is the source's last accepted
    span before it; `others` every source's record for the key; `inputs` the same source's input price beside it
    (for the cached-input check)."""
    if previous is None or previous.same_price(span):
        return ""
    if reason := suspicious_move(previous.price, span.price):
        return reason
    if key[1] == Component.CACHE_READ:
        for candidate in inputs:
            if (
                candidate.covers(span.valid_from)
                and span.unit == candidate.unit
                and span.price >= candidate.price
            ):
                return (
                    f"cached input ${normalised(span.price)} is not below the input price "
                    f"${normalised(candidate.price)}"
                )
    quoted = [
        s
        for source_id, spans in others.items()
        if source_id != span.source_id
        for s in spans
        if s.review == Review.ACCEPTED and s.covers(span.valid_from)
    ]
    # Against every other source: only for a move the source does not date itself (a stated date is evidence of
    # a real change), and only where at least two other sources agree (one stale source is common).
    if (
        span.effective == StartKind.OBSERVED
        and len(quoted) >= 2
        and all(s.same_price(previous) for s in quoted)
    ):
        return (
            f"moves away from ${normalised(previous.price)}, which every other source pricing it still gives "
            f"({len(quoted)} source{'s' if len(quoted) != 1 else ''})"
        )
    return ""


# -- the published ledger --------------------------------------------------------------------------------------


@dataclass
class Published:
    valid_from: dt.datetime
    valid_to: dt.datetime | None
    price: Decimal
    unit: str
    source_id: int
    observed_at: dt.datetime
    effective: str
    opening: str

    def fields(self) -> dict:
        """What a PricePeriod row holds besides its key and start."""
        return {name: getattr(self, name) for name in _PUBLISHED_COLUMNS}


_PUBLISHED_COLUMNS = ["valid_to", "price", "unit", "source_id", "observed_at", "effective", "opening"]


def counted(spans: list[Span]) -> list[Span]:
    """A source's spans as reconciliation counts them: a held or rejected span stands for the source's last
    accepted price while it runs on from it, and counts for nothing otherwise."""
    result: list[Span] = []
    for span in spans:
        if span.review == Review.ACCEPTED:
            result.append(span)
        elif result and result[-1].valid_to == span.valid_from:
            result.append(dataclasses.replace(result[-1], valid_from=span.valid_from, valid_to=span.valid_to))
    return result


def reconcile(records: Mapping[int, list[Span]], priority: Mapping[int, int]) -> list[Published]:
    """The published periods of one key from every source's record (see the module's docstring)."""
    by_source = {source_id: counted(spans) for source_id, spans in records.items()}
    moments = sorted(
        {s.valid_from for spans in by_source.values() for s in spans}
        | {s.valid_to for spans in by_source.values() for s in spans if s.valid_to is not None}
    )
    rank = {source_id: (priority.get(source_id, 0), -source_id) for source_id in by_source}
    published: list[Published] = []
    for start, end in zip(moments, [*moments[1:], None][: len(moments)], strict=True):
        covering = [
            (source_id, span)
            for source_id, spans in by_source.items()
            for span in spans
            if span.covers(start)
        ]
        if not covering:
            continue
        source_id, span = max(covering, key=lambda item: rank[item[0]])
        last = published[-1] if published else None
        contiguous = last is not None and last.valid_to == start
        if contiguous and span.same_price(last):
            last.valid_to = end
            continue
        if not contiguous:
            opening = Opening.FIRST
        else:
            own_previous = next((s for s in by_source[source_id] if s.valid_to == start), None)
            changed_itself = own_previous is not None and not own_previous.same_price(span)
            # A price the source states took effect on this date is a change it reports, even where it gives no
            # earlier price of its own (genai-prices: o3 at $2 from 2025-06-10).
            stated_here = span.valid_from == start and span.effective == StartKind.STATED
            opening = Opening.CHANGE if changed_itself or stated_here else Opening.CORRECTION
        published.append(
            Published(
                valid_from=start,
                valid_to=end,
                price=span.price,
                unit=span.unit,
                source_id=source_id,
                observed_at=span.observed_at or start,
                effective=span.effective if span.valid_from == start else StartKind.OBSERVED,
                opening=opening,
            )
        )
    return published


@dataclass
class Publication:
    """The published periods to write for some keys, computed from reads alone (`plan_publication`) and written
    by `write`: a sync computes outside its transaction and writes in a short one."""

    to_delete: list[int] = field(default_factory=list)
    to_close: list[tuple[int, dict]] = field(default_factory=list)
    to_update: list[tuple[int, dict]] = field(default_factory=list)
    to_create: list[dict] = field(default_factory=list)
    republished: set[int] = field(default_factory=set)  # offerings whose published prices change
    inserts: Insert = field(default_factory=lambda: Insert())  # to_create, ready for the database

    @property
    def changes(self) -> LedgerChanges:
        return LedgerChanges(
            published=len(self.to_delete) + len(self.to_close) + len(self.to_update) + len(self.to_create),
            corrections=sum(p["opening"] == Opening.CORRECTION for p in self.to_create),
            republished=set(self.republished),
        )

    def write(self, ids: Mapping[int, int] = {}) -> None:
        """Write the periods; `ids` maps the stand-in ids of offerings planned alongside to their own."""
        # Delete, shorten, lengthen, then create: the database forbids overlapping periods and two open periods
        # of a key at every row it writes, so nothing may grow into room another row still holds.
        for chunk in chunks(self.to_delete):
            PricePeriod.objects.filter(pk__in=chunk).delete()
        grouped_update(PricePeriod, self.to_close)
        for pk, changed in self.to_update:  # rare: a period runs on where a later one was withdrawn
            PricePeriod.objects.filter(pk=pk).update(**changed)
        self.inserts.execute(ids)
        self.republished = {ids.get(pk, pk) for pk in self.republished}
        if self.changes.published:
            freshness.bump(freshness.PRICES)


def plan_publication(
    keys: Iterable[Key], spans: Mapping[Key, Mapping[int, list[Span]]] | None = None
) -> Publication:
    """What brings the published periods of these keys in line with the sources' records, without writing it. A
    period whose start is unchanged keeps its row (and so its id in feeds); only what differs is written."""
    keys = set(keys)
    publication = Publication()
    if not keys:
        return publication
    offering_ids = {key[0] for key in keys}
    if spans is None:
        spans = load_spans(offering_ids)
    priority = dict(PriceSource.objects.values_list("pk", "priority"))
    existing: dict[Key, dict[dt.datetime, PricePeriod]] = defaultdict(dict)
    ids = sorted(offering_ids)
    for chunk in chunks(ids, _CHUNK):
        for period in PricePeriod.objects.filter(offering_id__in=chunk):
            key = (period.offering_id, period.component, period.tier, period.mode)
            if key in keys:
                existing[key][period.valid_from] = period
    written: set[Key] = set()
    now = timezone.now()
    for key in sorted(keys):  # the same order every time: ids, and so feeds' order on one date, are stable
        wanted = reconcile(spans.get(key, {}), priority)
        have = existing.get(key, {})
        wanted_starts = {p.valid_from for p in wanted}
        gone = [period.pk for start, period in have.items() if start not in wanted_starts]
        publication.to_delete += gone
        if gone:
            written.add(key)
        for p in wanted:
            period = have.get(p.valid_from)
            if period is not None:
                changed = {f: v for f, v in p.fields().items() if getattr(period, f) != v}
                if not changed:
                    continue
                grows = (p.valid_to or _END_OF_TIME) > (period.valid_to or _END_OF_TIME)
                written.add(key)
                (publication.to_update if grows else publication.to_close).append((period.pk, changed))
            else:
                written.add(key)
                publication.to_create.append(
                    {**_key_fields(key), "valid_from": p.valid_from, **p.fields(), "created_at": now}
                )
    publication.republished = {key[0] for key in keys if key in written}
    publication.inserts = prepare_insert(PricePeriod, publication.to_create)
    return publication


def publish(
    keys: Iterable[Key], spans: Mapping[Key, Mapping[int, list[Span]]] | None = None
) -> LedgerChanges:
    """Bring the published periods of these keys in line with the sources' records (`plan_publication`)."""
    publication = plan_publication(keys, spans)
    publication.write()
    return publication.changes


# -- recording a source's observation --------------------------------------------------------------------------


def grouped_update(model, changes: list[tuple[int, dict]]) -> None:
    """Apply (pk, {field: value}) changes with one UPDATE per distinct set of values (a sync closes thousands of
    periods at the same date: a statement for all of them, not a CASE per row). Closing updates go first."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for pk, changed in changes:
        if changed:
            groups[tuple(sorted(changed.items()))].append(pk)
    for values, pks in sorted(groups.items(), key=lambda item: dict(item[0]).get("valid_to", 0) is None):
        for chunk in chunks(pks):
            model.objects.filter(pk__in=chunk).update(**dict(values))


_SPAN_COLUMNS = ["price", "unit", "valid_to", "effective", "end", "observed_at", "missing_since", "review"]


def span_changes(old: Span, new: Span) -> dict:
    return {f: getattr(new, f) for f in _SPAN_COLUMNS if getattr(old, f) != getattr(new, f)}


def _write_spans(
    inserts: Insert, updates: list[tuple[int, dict]], deletes: list[int], ids: Mapping[int, int]
) -> None:
    """Write a source's spans: deletions, then changes to existing rows, then new rows."""
    for chunk in chunks(deletes):
        SourcePeriod.objects.filter(pk__in=chunk).delete()
    grouped_update(SourcePeriod, updates)
    inserts.execute(ids)


def _key_fields(key: Key) -> dict:
    return dict(zip(("offering_id", "component", "tier", "mode"), key, strict=True))


def _fields(key: Key, span: Span) -> dict:
    columns = {f: getattr(span, f) for f in _SPAN_COLUMNS}
    return {**_key_fields(key), "source_id": span.source_id, "valid_from": span.valid_from, **columns}


@dataclass
class Insert:
    """An INSERT of many rows with their values ready for the backend (`prepare_insert`): prepared while a sync
    computes, executed in its short write transaction."""

    sql: str = ""
    names: list[str] = field(default_factory=list)
    values: list[list] = field(default_factory=list)

    def execute(self, ids: Mapping[int, int] = {}) -> None:
        """Run it, with one executemany per 1,000 rows; `ids` replaces stand-in offering ids (`LedgerChanges.write`)."""
        if not self.values:
            return
        if ids and "offering_id" in self.names:
            at = self.names.index("offering_id")
            for row in self.values:
                row[at] = ids.get(row[at], row[at])
        with connection.cursor() as cursor:
            for chunk in chunks(self.values, 1000):
                cursor.executemany(self.sql, chunk)


def prepare_insert(model, rows: list[dict]) -> Insert:
    """The INSERT of rows of `model` (field name → value): a sync writes tens of thousands of periods, and the ORM's
    per-value preparation costs more than the database does. Only plain fields: datetimes are adapted for the
    backend, every other value goes as it is."""
    if not rows:
        return Insert()
    names = list(rows[0])
    fields = [model._meta.get_field(name.removesuffix("_id")) for name in names]
    adapt = [
        connection.ops.adapt_datetimefield_value if f.get_internal_type() == "DateTimeField" else None
        for f in fields
    ]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    values = [
        [
            a(row[n]) if a is not None and row[n] is not None else row[n]
            for n, a in zip(names, adapt, strict=True)
        ]
        for row in rows
    ]
    return Insert(sql, names, values)


def update_rows(model, changes: Sequence[tuple[int, Sequence]], names: Sequence[str]) -> None:
    """UPDATE rows of `model` by id, each (id, its values of the fields `names`), with one executemany per 1,000:
    Django's bulk_update builds a CASE per row and field, which at a sync's size costs more than the database."""
    if not changes:
        return
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(model._meta.db_table)} SET {', '.join(f'{quote(f.column)} = %s' for f in fields)} "
        f"WHERE {quote(model._meta.pk.column)} = %s"
    )
    values = [
        [*(f.get_db_prep_save(v, connection) for f, v in zip(fields, row, strict=True)), pk]
        for pk, row in changes
    ]
    with connection.cursor() as cursor:
        for chunk in chunks(values, 1000):
            cursor.executemany(sql, chunk)


def record_observations(
    prices: Mapping[int, Sequence[PriceRecord]],
    *,
    source: PriceSource,
    observed_at: dt.datetime,
    feed_hosts: set[int] | None = None,
    hold: bool = True,
    evidence: Mapping[int, dict] | None = None,
    still_listed: Set[int] = frozenset(),
    write: bool = True,
) -> LedgerChanges:
    """Record what `source` says at `observed_at` about these offerings (offering id → its records), then
    publish the keys whose record changed.

    With `write=False` this only reads: the changes it returns are to be written later (`LedgerChanges.write`),
    as a sync does in its short write transaction, or never (a dry run).

    `feed_hosts` (the ids of the hosts the feed lists) makes this a whole feed: keys the source priced before and
    no longer gives are then missing (see the module's docstring), at every host the source priced, unless the
    feed shrank under half of the offerings the source prices (more likely cut short than a catalogue the source
    really changed: then only at the hosts it lists). Without it, only the keys given are touched.
    With `hold`, changes that look like slips are held for an editor (an editor's own entry is not held).
    `still_listed` offerings are in the feed but unreadable (a price failed a check): none of theirs is missing.
    """
    changes = LedgerChanges()
    by_key: dict[Key, list[PriceRecord]] = defaultdict(list)
    for offering_id, records in prices.items():
        for record in records:
            by_key[(offering_id, *record.key)].append(record)
    candidates = set(prices)
    if feed_hosts is not None:
        priced = dict(
            SourcePeriod.objects.filter(source=source, valid_to__isnull=True)
            .values_list("offering_id", "offering__host_id")
            .distinct()
        )
        whole = len(prices) * 2 >= len(priced)
        candidates |= {offering for offering, host in priced.items() if whole or host in feed_hosts}
    spans = load_spans(candidates)
    writes: list[tuple[Key, Span]] = []
    updates: list[tuple[int, dict]] = []
    deletes: list[int] = []
    touched: set[Key] = set()
    held: list[tuple[Key, Span, Span]] = []

    for key, records in by_key.items():
        sources = spans[key]
        existing = sources.get(source.pk, [])
        said = statement(records, source.pk, observed_at)
        if not said:
            # Only prices the source says have ended (a stated end, no start): its open price at that figure ends
            # then (an llm-prices row that gained a to_date).
            last = existing[-1] if existing else None
            ends = [_at(r.ends) for r in records if r.ends and last is not None and r.price == last.price]
            if last is not None and last.valid_to is None and ends and last.valid_from < max(ends):
                last.valid_to, last.end = max(ends), EndKind.STATED
                updates.append((last.pk, {"valid_to": last.valid_to, "end": last.end}))
                touched.add(key)
                changes.withdrawn += 1
            continue
        last = existing[-1] if existing else None
        if (
            last is not None
            and said[0].effective == last.effective == StartKind.OBSERVED
            and said[0].valid_from < last.valid_from
        ):
            raise StaleObservation(
                f"{key[1]} of offering {key[0]} was observed at {observed_at:%Y-%m-%d}, before its open "
                f"period began ({existing[-1].valid_from:%Y-%m-%d})"
            )
        new = merged([dataclasses.replace(s) for s in existing], said)
        before = {s.pk: s for s in existing}
        kept = {s.pk for s in new if s.pk is not None}
        new_spans = [s for s in new if s.pk is None]
        edits = [(s.pk, diff) for s in new if s.pk is not None if (diff := span_changes(before[s.pk], s))]
        if not new_spans and not edits and kept == set(before):
            changes.unchanged += 1
            continue
        if hold:
            input_key = (key[0], Component.INPUT, key[2], key[3])
            inputs = statement(by_key.get(input_key, []), source.pk, observed_at) or spans.get(
                input_key, {}
            ).get(source.pk, [])
            said_before = next((s for s in reversed(existing) if s.review == Review.ACCEPTED), None)
            for span in new_spans:
                # What the source said last, even where its new statement starts before that (a restated date).
                previous = _last_accepted(new, span) or said_before
                reason = hold_reason(key, span, previous, sources, inputs)
                if reason:
                    span.review, span.hold_reason = Review.HELD, reason
                    held.append((key, span, previous))
        if not existing:
            changes.opened += 1
        else:
            changes.changed += 1
        deletes += [pk for pk in before if pk not in kept]
        updates += edits
        writes += [(key, s) for s in new_spans]
        sources[source.pk] = new
        touched.add(key)

    if feed_hosts is not None:
        for key, sources in list(spans.items()):
            if key in by_key or key[0] in still_listed:
                continue
            own = sources.get(source.pk)
            if not own:
                continue
            current = next((span for span in own if span.covers(observed_at)), None)
            later = [span for span in own if span.valid_from > observed_at]  # announced, not yet in force
            anchor = current or (later[0] if later else None)
            if anchor is None:
                continue
            if key[0] in prices:
                # The entry is there without this price: the source says so, no grace needed.
                withdraw_from = observed_at
            elif anchor.missing_since is None:
                anchor.missing_since = observed_at
                updates.append((anchor.pk, {"missing_since": observed_at}))
                changes.missing += 1
                continue
            elif observed_at - anchor.missing_since >= MISSING_GRACE:
                withdraw_from = anchor.missing_since
            else:
                continue
            if current is not None:
                current.valid_to = max(withdraw_from, current.valid_from + dt.timedelta(seconds=1))
                current.end = EndKind.WITHDRAWN
                updates.append((current.pk, {"valid_to": current.valid_to, "end": current.end}))
            # A price announced for later goes with the entry: the source no longer announces it.
            deletes += [span.pk for span in later]
            sources[source.pk] = [span for span in own if span not in later]
            touched.add(key)
            changes.withdrawn += 1

    publication = plan_publication(touched, spans)
    changes.held = len(held)
    changes.published, changes.corrections = publication.changes.published, publication.changes.corrections
    changes.republished = publication.republished
    inserts = prepare_insert(SourcePeriod, [_fields(key, span) for key, span in writes])
    changes.pending = LedgerWrites(source, inserts, updates, deletes, held, evidence or {}, publication)
    if write:
        changes.write()
    return changes


@dataclass
class LedgerWrites:
    """What recording an observation writes: the source's spans, the changes held for an editor, the published
    periods. Computed from reads alone; `write` writes them in that order."""

    source: PriceSource
    spans: Insert  # the new spans
    span_updates: list[tuple[int, dict]]
    span_deletes: list[int]
    held: list[tuple[Key, Span, Span]]
    evidence: Mapping[int, dict]
    publication: Publication

    def write(self, ids: Mapping[int, int]) -> set[int]:
        """Write it all, offerings' stand-in ids replaced by `ids`; the offerings whose published prices changed."""

        def own(key: Key) -> Key:
            return (ids.get(key[0], key[0]), *key[1:])

        _write_spans(self.spans, self.span_updates, self.span_deletes, ids)
        if self.held:
            evidence = {ids.get(pk, pk): item for pk, item in self.evidence.items()}
            _hold([(own(key), span, previous) for key, span, previous in self.held], self.source, evidence)
        self.publication.write(ids)
        return self.publication.republished


def _hold(held: list[tuple[Key, Span, Span]], source: PriceSource, evidence: Mapping[int, dict]) -> None:
    """One pending change per (key, held price): a price held again (a slip that recurs, a held span restated or
    listed again) points the pending change at its newest span instead of leaving that span with nothing to
    approve; deciding it decides every held span of that key at that price (`decide_held`)."""
    # The held spans were inserted without the ORM: read their ids back.
    ids = {
        (offering, component, tier, mode, valid_from): pk
        for pk, offering, component, tier, mode, valid_from in SourcePeriod.objects.filter(
            source=source, offering_id__in={key[0] for key, _, _ in held}, review=Review.HELD
        ).values_list("pk", "offering_id", "component", "tier", "mode", "valid_from")
    }
    pending = {
        (offering, component, tier, mode, price): pk
        for pk, offering, component, tier, mode, price in PendingPriceChange.objects.filter(
            status=PendingStatus.PENDING, source=source
        ).values_list("pk", "offering_id", "component", "tier", "mode", "new_price")
    }
    new: dict[tuple, PendingPriceChange] = {}
    for key, span, previous in held:
        values = {
            "unit": span.unit,
            "source_period_id": ids.get((*key, span.valid_from)),
            "old_price": previous.price,
            "observed_at": span.valid_from,
            "reason": span.hold_reason,
            "evidence": evidence.get(key[0], {}),
        }
        held_key = (*key, span.price)  # Decimals hash by value
        if held_key in pending:
            PendingPriceChange.objects.filter(pk=pending[held_key]).update(**values)
        else:  # the latest span of a key held twice in one sync (X → Y → X) is the one shown
            new[held_key] = PendingPriceChange(
                offering_id=key[0],
                component=key[1],
                tier=key[2],
                mode=key[3],
                source=source,
                new_price=span.price,
                **values,
            )
    PendingPriceChange.objects.bulk_create(new.values())


def decide_held(change: PendingPriceChange, review: str) -> int:
    """An editor's decision on a held price: every held span of that source, key and price is decided alike
    (a slip that recurs is one decision), and the key is published again. Returns the spans decided: 0 when
    the source no longer holds that price anywhere in its record."""
    decided = SourcePeriod.objects.filter(
        offering_id=change.offering_id,
        component=change.component,
        tier=change.tier,
        mode=change.mode,
        source_id=change.source_id,
        price=change.new_price,
        review=Review.HELD,
    ).update(review=review)
    if decided:
        publish([(change.offering_id, change.component, change.tier, change.mode)])
    return decided
