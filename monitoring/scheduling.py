"""Which probes are due, and claiming their slots so that each slot of each target is probed once."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from monitoring.models import ProbeClaim, ProbeTarget


def slot_of(target: ProbeTarget, now: dt.datetime) -> dt.datetime:
    """The start of the target's current slot: time cut to a multiple of its interval (since the epoch)."""
    interval = max(1, target.interval_minutes) * 60
    return dt.datetime.fromtimestamp(int(now.timestamp()) // interval * interval, tz=dt.UTC)


def claim_due(now: dt.datetime | None = None) -> dict[dt.datetime, list[int]]:
    """Claim the current slot of every enabled target not yet claimed; slot → target ids claimed now."""
    now = now or timezone.now()
    claimed: dict[dt.datetime, list[int]] = {}
    already = set(
        ProbeClaim.objects.filter(slot__gte=now - dt.timedelta(days=1)).values_list("target_id", "slot")
    )
    for target in ProbeTarget.objects.filter(enabled=True).only("id", "interval_minutes"):
        slot = slot_of(target, now)
        if (target.pk, slot) in already:
            continue
        try:
            with transaction.atomic():
                ProbeClaim.objects.create(target=target, slot=slot)
        except IntegrityError:
            continue  # another beat or worker claimed it first
        claimed.setdefault(slot, []).append(target.pk)
    return claimed
