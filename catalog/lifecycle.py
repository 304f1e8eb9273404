"""A model's life: the retirement dates sources announce, per host and at the lab, and what replaces it.

The status pages show is computed for the day from these dates (`Model.lifecycle`), so a model turns from
deprecated to retired on its date with no sync and no job.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

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
    rows = Offering.objects.filter(pk__in=list(dates)).values_list(
        "pk", "retires_on", "host_id", "model_id", "model__lab_id", "model__retires_on"
    )
    changed: dict[dt.date, list[int]] = defaultdict(list)
    at_lab: dict[dt.date, list[int]] = defaultdict(list)
    for pk, retires_on, host_id, model_id, lab_id, model_retires_on in rows:
        date = dates[pk]
        if retires_on != date:
            changed[date].append(pk)
        if host_id == lab_id and model_retires_on != date:
            at_lab[date].append(model_id)
    # One UPDATE per date: a table announces hundreds of retirements, on a handful of dates.
    for date, pks in changed.items():
        Offering.objects.filter(pk__in=pks).update(retires_on=date)
    for date, pks in at_lab.items():
        Model.objects.filter(pk__in=pks).update(retires_on=date)
    models = [pk for pks in at_lab.values() for pk in pks]
    # A reviewed profile may now say the model is current when it is deprecated: flag it for its editor.
    mark_needs_update(models)
    if changed or models:
        freshness.bump(freshness.CATALOG)
    return sum(len(pks) for pks in changed.values())


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
