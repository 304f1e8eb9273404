"""Writes observed prices into the step-history ledger.

An observation equal to the open period writes nothing; a different price closes the open period at the
observation time and opens the next one. Everything is written in bulk, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db import transaction

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


@transaction.atomic
def record_prices(
    prices: Mapping[int, Sequence[PriceRecord]], *, source: PriceSource, observed_at: dt.datetime
) -> LedgerChanges:
    """Record `prices` (offering id → its records) as seen in `source` at `observed_at`."""
    changes = LedgerChanges()
    open_periods = {
        (p.offering_id, p.component, p.tier, p.mode): p
        for p in PricePeriod.objects.in_force().filter(offering_id__in=list(prices)).select_for_update()
    }
    to_create: list[PricePeriod] = []
    to_close: list[PricePeriod] = []
    for offering_id, records in prices.items():
        for record in records:
            current = open_periods.get((offering_id, *record.key))
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
                current.valid_to = observed_at
                to_close.append(current)
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
    PricePeriod.objects.bulk_update(to_close, ["valid_to"], batch_size=500)
    PricePeriod.objects.bulk_create(to_create, batch_size=500)
    return changes


def close_withdrawn(
    listed: Mapping[int, set[tuple[str, str, str]]], *, source: PriceSource, observed_at: dt.datetime
) -> int:
    """Close the open periods that `source` opened for these offerings but no longer lists.

    `listed` maps each offering the feed priced (or listed without prices) to the keys it still lists.
    Periods another source opened are left alone: this source cannot speak for them.
    """
    closing = [
        period
        for period in PricePeriod.objects.in_force().filter(offering_id__in=list(listed), source=source)
        if (period.component, period.tier, period.mode) not in listed[period.offering_id]
        and period.valid_from < observed_at
    ]
    for period in closing:
        period.valid_to = observed_at
    PricePeriod.objects.bulk_update(closing, ["valid_to"], batch_size=500)
    return len(closing)
