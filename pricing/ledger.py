"""Writes observed prices into the step-history ledger.

An observation equal to the open period writes nothing; a different price closes the open period at the
observation time and opens the next one. Everything is written in bulk, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db import transaction

from catalog import freshness
from pricing.models import PricePeriod, PriceSource
from pricing.records import PriceRecord, normalised


@dataclass
class LedgerChanges:
    opened: int = 0  # a component seen for the first time
    changed: int = 0  # an open period closed and the next opened
    unchanged: int = 0
    withdrawn: int = 0  # a component the source no longer lists: its open period closed

    @property
    def wrote_anything(self) -> bool:
        return bool(self.opened or self.changed or self.withdrawn)

    def __str__(self) -> str:
        text = f"{self.opened} new, {self.changed} changed, {self.unchanged} unchanged"
        return text + (f", {self.withdrawn} withdrawn" if self.withdrawn else "")


class StaleObservation(ValueError):
    """An observation older than the period it would close: replay snapshots in date order."""


class OpenPeriod(NamedTuple):
    """What the ledger needs to know of a period in force, read without building model instances."""

    pk: int
    price: Decimal
    unit: str
    valid_from: dt.datetime
    source_id: int


Key = tuple[int, str, str, str]  # offering id, component, tier, mode


def open_periods(offering_ids: Iterable[int], *, lock: bool = False) -> dict[Key, OpenPeriod]:
    """The periods in force for these offerings, by key. One query (in chunks for very long lists)."""
    ids = list(offering_ids)
    found: dict[Key, OpenPeriod] = {}
    for start in range(0, len(ids), 5000):
        rows = PricePeriod.objects.in_force().filter(offering_id__in=ids[start : start + 5000])
        if lock:
            rows = rows.select_for_update()
        for pk, offering, component, tier, mode, price, unit, valid_from, source_id in rows.values_list(
            "pk", "offering_id", "component", "tier", "mode", "price", "unit", "valid_from", "source_id"
        ):
            found[(offering, component, tier, mode)] = OpenPeriod(pk, price, unit, valid_from, source_id)
    return found


def _close(pks: list[int], at: dt.datetime) -> None:
    for start in range(0, len(pks), 500):
        PricePeriod.objects.filter(pk__in=pks[start : start + 500]).update(valid_to=at)


@transaction.atomic
def record_prices(
    prices: Mapping[int, Sequence[PriceRecord]], *, source: PriceSource, observed_at: dt.datetime
) -> LedgerChanges:
    """Record `prices` (offering id → its records) as seen in `source` at `observed_at`."""
    changes = LedgerChanges()
    current_periods = open_periods(prices, lock=True)
    to_create: list[PricePeriod] = []
    to_close: list[int] = []
    for offering_id, records in prices.items():
        for record in records:
            current = current_periods.get((offering_id, *record.key))
            if (
                current is not None
                and normalised(current.price) == record.price
                and current.unit == record.unit
            ):
                # Nothing is written: the sync run itself records that the source was read again.
                changes.unchanged += 1
                continue
            if current is not None:
                if observed_at <= current.valid_from:
                    raise StaleObservation(
                        f"{record.component} of offering {offering_id} was observed at {observed_at:%Y-%m-%d}, "
                        f"before its open period began ({current.valid_from:%Y-%m-%d})"
                    )
                to_close.append(current.pk)
                changes.changed += 1
            else:
                changes.opened += 1
            to_create.append(
                PricePeriod(
                    offering_id=offering_id,
                    component=record.component,
                    tier=record.tier,
                    mode=record.mode,
                    price=record.price,
                    unit=record.unit,
                    valid_from=observed_at,
                    source=source,
                    observed_at=observed_at,
                )
            )
    # Close before opening: the database allows one open period per key.
    _close(to_close, observed_at)
    PricePeriod.objects.bulk_create(to_create, batch_size=500)
    if changes.wrote_anything:
        freshness.bump(freshness.PRICES)  # pages that showed the old prices are retired
    return changes


def close_withdrawn(
    listed: Mapping[int, set[tuple[str, str, str]]], *, source: PriceSource, observed_at: dt.datetime
) -> int:
    """Close the open periods that `source` opened for these offerings but no longer lists.

    `listed` maps each offering the feed priced (or listed without prices) to the keys it still lists.
    Periods another source opened are left alone: this source cannot speak for them.
    """
    closing = [
        period.pk
        for (offering_id, *key), period in open_periods(listed).items()
        if period.source_id == source.pk
        and tuple(key) not in listed[offering_id]
        and period.valid_from < observed_at
    ]
    _close(closing, observed_at)
    if closing:
        freshness.bump(freshness.PRICES)
    return len(closing)
