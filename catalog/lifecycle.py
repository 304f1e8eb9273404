"""A model's life: the retirement dates sources announce, per host and at the lab, and what replaces it.

The status pages show is computed for the day from these dates (`Model.lifecycle`), so a model turns from
deprecated to retired on its date with no sync and no job.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F
from django.utils import timezone

from catalog import freshness
from catalog.models import Model, ModelStatus, Offering
from catalog.workflow import mark_needs_update


def record_retirements(dates: dict[int, dt.date]) -> int:
    """Set the retirement date a source announces for these offerings (offering id → date), and on each model
    the date its lab's own API gives. A source that says nothing leaves a date as it was. Returns offerings
    changed."""
    if not dates:
        return 0
    offerings = list(Offering.objects.filter(pk__in=list(dates)).select_related("model"))
    changed = [o for o in offerings if o.retires_on != dates[o.pk]]
    for offering in changed:
        offering.retires_on = dates[offering.pk]
    Offering.objects.bulk_update(changed, ["retires_on"], batch_size=500)
    at_lab = {o.model_id: o.retires_on for o in offerings if o.host_id == o.model.lab_id}
    models = [m for m in Model.objects.filter(pk__in=list(at_lab)) if m.retires_on != at_lab[m.pk]]
    for model in models:
        model.retires_on = at_lab[model.pk]
    Model.objects.bulk_update(models, ["retires_on"], batch_size=500)
    # A reviewed profile may now say the model is current when it is deprecated: flag it for its editor.
    mark_needs_update(model.pk for model in models)
    if changed or models:
        freshness.bump(freshness.CATALOG)
    return len(changed)


def successor_of(model: Model, today: dt.date | None = None) -> Model | None:
    """What to move to from a deprecated or retired model: the editor's choice, else the newest generally
    available model of the same lab and family released after it."""
    if model.successor_id:
        return Model.objects.with_lab().filter(pk=model.successor_id).first()
    if not model.family or model.lifecycle_on(today or timezone.localdate()) not in (
        ModelStatus.DEPRECATED,
        ModelStatus.RETIRED,
    ):
        return None
    newer = (
        Model.objects.with_lab()
        .with_lifecycle(today)
        .filter(
            lab_id=model.lab_id, family=model.family, status_today=ModelStatus.GA, release_date__isnull=False
        )
        .exclude(pk=model.pk)
    )
    if model.release_date:
        newer = newer.filter(release_date__gt=model.release_date)
    return newer.order_by(F("release_date").desc(), "name").first()
