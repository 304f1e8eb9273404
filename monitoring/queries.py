"""What the profile page shows about measured availability, computed by the database."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Max, Q

from catalog.models import Model
from monitoring.models import Outcome, ProbeRun, ProbeTarget


@dataclass
class MonitoringSummary:
    targets: int
    runs: int
    errors: int
    last_run_at: object
    has_demo: bool

    @property
    def measured(self) -> bool:
        return self.runs > 0

    @property
    def empty_reason(self) -> str:
        if self.targets == 0:
            return "No probe is configured for this model yet, so we have not called its API."
        return "A probe is configured, but it has not completed a run yet."


def summary_for_model(model: Model) -> MonitoringSummary:
    """Counts of probe targets and runs for every offering of `model`. Two queries."""
    targets = ProbeTarget.objects.filter(offering__model=model, enabled=True).aggregate(
        count=Count("id"), demo=Count("id", filter=Q(is_demo=True))
    )
    runs = ProbeRun.objects.filter(target__offering__model=model).aggregate(
        count=Count("id"), errors=Count("id", filter=~Q(outcome=Outcome.OK)), last=Max("started_at")
    )
    return MonitoringSummary(
        targets=targets["count"],
        runs=runs["count"],
        errors=runs["errors"],
        last_run_at=runs["last"],
        has_demo=bool(targets["demo"]),
    )
