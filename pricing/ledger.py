"""Writes observed prices into the step-history ledger.

An observation equal to the open period only moves its `observed_at`; a different price closes the open
period at the observation time and opens the next one. Everything is written in bulk, in one transaction.
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

    @property
    def wrote_anything(self) -> bool:
        return bool(self.opened or self.changed)

    def __str__(self) -> str:
        return f"{self.opened} new, {self.changed} changed, {self.unchanged} unchanged"


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
    confirmed: list[int] = []
    for offering_id, records in prices.items():
        for record in records:
            current = open_periods.get((offering_id, *record.key))
            if (
                current is not None
                and normalised(current.price) == record.price
                and current.unit == record.unit
            ):
                changes.unchanged += 1
                if observed_at > current.observed_at:
                    confirmed.append(current.pk)
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
    if confirmed:
        for start in range(0, len(confirmed), 500):
            PricePeriod.objects.filter(pk__in=confirmed[start : start + 500]).update(observed_at=observed_at)
    return changes
