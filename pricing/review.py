"""An editor's decision on a held price change."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from pricing.history import decide_held
from pricing.listing import refresh_listed_prices
from pricing.models import PendingPriceChange, PendingStatus, Review, SourcePeriod


class AlreadyDecided(ValueError):
    pass


def _pending(change: PendingPriceChange) -> PendingPriceChange | None:
    """The change, locked, with the held span it decides; None (and the change marked superseded) when the
    source no longer holds that price anywhere in its record."""
    change = (
        PendingPriceChange.objects.select_for_update(of=("self",))
        .select_related("source_period")
        .get(pk=change.pk)
    )
    if change.status != PendingStatus.PENDING:
        raise AlreadyDecided(f"this change was already {change.get_status_display().lower()}")
    if change.source_period is None:
        change.source_period = (
            SourcePeriod.objects.filter(
                offering_id=change.offering_id,
                component=change.component,
                tier=change.tier,
                mode=change.mode,
                source_id=change.source_id,
                price=change.new_price,
                review=Review.HELD,
            )
            .order_by("-valid_from")
            .first()
        )
    if change.source_period is None:
        change.status, change.decided_at = PendingStatus.SUPERSEDED, timezone.now()
        change.save(update_fields=["status", "decided_at"])
        return None
    return change


SUPERSEDED = (
    "the source has since given other prices for these dates: nothing left to decide (marked superseded)"
)


def approve(change: PendingPriceChange, user) -> None:
    """Count the held price in the source's record from the date the source gave it, and publish accordingly."""
    with transaction.atomic():
        change = _pending(change)
        if change is not None:
            decide_held(change.source_period, Review.ACCEPTED)
            refresh_listed_prices([change.offering.model_id])
            _decide(change, PendingStatus.APPROVED, user)
            return
    raise AlreadyDecided(SUPERSEDED)  # after the commit: the change stays marked superseded


def reject(change: PendingPriceChange, user) -> None:
    """Keep the published price; the source's value stays in its record, marked rejected."""
    with transaction.atomic():
        change = _pending(change)
        if change is not None:
            decide_held(change.source_period, Review.REJECTED)
            _decide(change, PendingStatus.REJECTED, user)
            return
    raise AlreadyDecided(SUPERSEDED)


def _decide(change: PendingPriceChange, status: str, user) -> None:
    change.status, change.decided_by, change.decided_at = status, user, timezone.now()
    change.save(update_fields=["status", "decided_by", "decided_at"])
