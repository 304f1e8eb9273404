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
    change = (
        PendingPriceChange.objects.select_for_update(of=("self",))
        .select_related("source_period")
        .get(pk=change.pk)
    )
    if change.status != PendingStatus.PENDING:
        raise AlreadyDecided(f"this change was already {change.get_status_display().lower()}")
    if change.source_period is None:
        change.status, change.decided_at = PendingStatus.SUPERSEDED, timezone.now()
        change.save(update_fields=["status", "decided_at"])
        raise AlreadyDecided(
            "the source has since given other prices for these dates: nothing left to decide"
        )
    return change


@transaction.atomic
def approve(change: PendingPriceChange, user) -> None:
    """Count the held price in the source's record from the date the source gave it, and publish accordingly."""
    change = _pending(change)
    decide_held(change.source_period, Review.ACCEPTED)
    refresh_listed_prices([change.offering.model_id])
    _decide(change, PendingStatus.APPROVED, user)


@transaction.atomic
def reject(change: PendingPriceChange, user) -> None:
    """Keep the published price; the source's value stays in its record, marked rejected."""
    change = _pending(change)
    decide_held(change.source_period, Review.REJECTED)
    _decide(change, PendingStatus.REJECTED, user)


def _decide(change: PendingPriceChange, status: str, user) -> None:
    change.status, change.decided_by, change.decided_at = status, user, timezone.now()
    change.save(update_fields=["status", "decided_by", "decided_at"])
