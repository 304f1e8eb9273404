"""An editor's decision on a held price change."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from pricing.history import decide_held
from pricing.listing import refresh_listed_prices
from pricing.models import PendingPriceChange, PendingStatus, Review


class AlreadyDecided(ValueError):
    pass


def _pending(change: PendingPriceChange) -> PendingPriceChange:
    change = PendingPriceChange.objects.select_for_update().get(pk=change.pk)
    if change.status != PendingStatus.PENDING:
        raise AlreadyDecided(f"this change was already {change.get_status_display().lower()}")
    return change


SUPERSEDED = (
    "the source has since given other prices for these dates: nothing left to decide (marked superseded)"
)


def approve(change: PendingPriceChange, user) -> None:
    """Count the held price in the source's record from the date the source gave it, and publish accordingly."""
    _decide(change, PendingStatus.APPROVED, Review.ACCEPTED, user)


def reject(change: PendingPriceChange, user) -> None:
    """Keep the published price; the source's value stays in its record, marked rejected."""
    _decide(change, PendingStatus.REJECTED, Review.REJECTED, user)


def _decide(change: PendingPriceChange, status: str, review: str, user) -> None:
    with transaction.atomic():
        change = _pending(change)
        if decide_held(change, review):
            if status == PendingStatus.APPROVED:
                refresh_listed_prices([change.offering.model_id])
            change.status, change.decided_by, change.decided_at = status, user, timezone.now()
            change.save(update_fields=["status", "decided_by", "decided_at"])
            return
        change.status, change.decided_at = PendingStatus.SUPERSEDED, timezone.now()
        change.save(update_fields=["status", "decided_at"])
    raise AlreadyDecided(SUPERSEDED)  # after the commit: the change stays marked superseded
