"""Recording prices: the one entry point for syncs, editors and tests.

A source's prices go into that source's own record first; the published ledger follows from every source's
record by one reconciliation (pricing.history, where the rules are written down).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.db import transaction

from pricing.history import LedgerChanges, StaleObservation, record_observations
from pricing.models import PriceSource
from pricing.records import PriceRecord

__all__ = ["LedgerChanges", "StaleObservation", "record_prices"]


@transaction.atomic
def record_prices(
    prices: Mapping[int, Sequence[PriceRecord]],
    *,
    source: PriceSource,
    observed_at: dt.datetime,
    hold: bool = False,
) -> LedgerChanges:
    """Record `prices` (offering id → its records) as `source` gives them at `observed_at`, and publish.

    Only the keys given are touched (a whole feed goes through pricing.sync, which also notices what a source
    stopped listing). Nothing is held unless `hold`: an editor's own entry is published as entered.
    """
    return record_observations(prices, source=source, observed_at=observed_at, hold=hold)
