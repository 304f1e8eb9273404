from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import transaction

from monitoring import rollups
from monitoring.models import ProbeTarget
from monitoring.probing import probe_targets
from monitoring.scheduling import claim_due

# A slot's targets go out in tasks of at most this many, so that several workers share a large slot.
PROBE_BATCH_SIZE = 100


@shared_task
def enqueue_due_probes() -> int:
    """Beat runs this every minute: claim the due slots, then hand each slot's targets to workers in batches."""
    claimed = claim_due()
    for slot, target_ids in claimed.items():
        for start in range(0, len(target_ids), PROBE_BATCH_SIZE):
            batch = target_ids[start : start + PROBE_BATCH_SIZE]
            transaction.on_commit(lambda s=slot, ids=batch: probe_slot.delay(ids, s.isoformat()))
    return sum(len(ids) for ids in claimed.values())


@shared_task
def probe_slot(target_ids: list[int], slot: str) -> int:
    """Probe the claimed targets concurrently on one event loop; one run each, dated at the slot.

    A task handed out again (its worker died before acknowledging it) probes only the targets that have no run
    at this slot yet; the unique run per target and slot settles a race between two deliveries."""
    started_at = dt.datetime.fromisoformat(slot)
    targets = (
        ProbeTarget.objects.filter(pk__in=target_ids, enabled=True)
        .exclude(runs__started_at=started_at)
        .select_related("offering")
    )
    if not targets:
        return 0
    return len(probe_targets(targets, started_at=started_at))


@shared_task(soft_time_limit=30 * 60, time_limit=31 * 60)  # a first prune of a large table is long
def prune_probe_runs() -> dict[str, int]:
    """Daily: roll up and delete raw runs past the retention setting, and rollups past theirs."""
    return rollups.prune()
