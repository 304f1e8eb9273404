"""An editor's decision on a held price change."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from pricing.ledger import record_prices
from pricing.listing import refresh_listed_prices
from pricing.models import PendingPriceChange, PendingStatus
from pricing.records import PriceRecord


class AlreadyDecided(ValueError):
    pass


@transaction.atomic
def approve(change: PendingPriceChange, user) -> None:
    """Publish the held price, dated when the source showed it."""
    change = PendingPriceChange.objects.select_for_update().get(pk=change.pk)
    if change.status != PendingStatus.PENDING:
        raise AlreadyDecided(f"this change was already {change.get_status_display().lower()}")
    record_prices(
        {
            change.offering_id: [
                PriceRecord(
                    change.component, change.new_price, tier=change.tier, mode=change.mode, unit=change.unit
                )
            ]
        },
        source=change.source,
        observed_at=change.observed_at,
    )
    refresh_listed_prices([change.offering.model_id])
    _decide(change, PendingStatus.APPROVED, user)


@transaction.atomic
def reject(change: PendingPriceChange, user) -> None:
    """Keep the published price; the source's value stays on record as rejected."""
    change = PendingPriceChange.objects.select_for_update().get(pk=change.pk)
    if change.status != PendingStatus.PENDING:
        raise AlreadyDecided(f"this change was already {change.get_status_display().lower()}")
    _decide(change, PendingStatus.REJECTED, user)


def _decide(change: PendingPriceChange, status: str, user) -> None:
    change.status, change.decided_by, change.decided_at = status, user, timezone.now()
    change.save(update_fields=["status", "decided_by", "decided_at"])
