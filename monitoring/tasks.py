from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import transaction

from monitoring import rollups
from monitoring.models import ProbeTarget
from monitoring.probing import probe_targets
from monitoring.scheduling import claim_due


@shared_task
def enqueue_due_probes() -> int:
    """Beat runs this every minute: claim the due slots, then hand each slot's targets to a worker."""
    claimed = claim_due()
    for slot, target_ids in claimed.items():
        transaction.on_commit(lambda s=slot, ids=target_ids: probe_slot.delay(ids, s.isoformat()))
    return sum(len(ids) for ids in claimed.values())


@shared_task
def probe_slot(target_ids: list[int], slot: str) -> int:
    """Probe the claimed targets concurrently on one event loop; one run each, dated at the slot."""
    targets = ProbeTarget.objects.filter(pk__in=target_ids, enabled=True).select_related("offering")
    return len(probe_targets(targets, started_at=dt.datetime.fromisoformat(slot)))


@shared_task(soft_time_limit=30 * 60, time_limit=31 * 60)  # a first prune of a large table is long
def prune_probe_runs() -> dict[str, int]:
    """Daily: roll up and delete raw runs past the retention setting, and rollups past theirs."""
    return rollups.prune()
