import csv

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from catalog import freshness
from catalog.freshness import cached_page
from catalog.models import Model
from monitoring.api import Day, day_row
from monitoring.models import ProbeTarget
from monitoring.queries import daily_series, status_of_targets
from pricing.health import OVERDUE_AFTER, source_health


@cached_page(freshness.MONITORING, freshness.PRICES)
def status(request):
    """Every monitored model with the state of its last run and its last 24 hours (an honest empty section until
    there are some), and each price source with the age of its last successful sync."""
    return render(
        request,
        "monitoring/status.html",
        {
            "targets": status_of_targets(),
            "price_sources": source_health(),
            "overdue_days": OVERDUE_AFTER.days,
        },
    )


def availability_csv(request, lab: str, model: str) -> HttpResponse:
    """Runs per day and host over 90 days, as CSV: the daily series of the availability API."""
    found = get_object_or_404(Model.objects.with_lab(), lab__slug=lab, slug=model)
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{found.lab.slug}-{found.slug}-availability.csv"'
        },
    )
    writer = csv.writer(response)
    writer.writerow(["model", "host", "host_model_id", "demo", *Day.model_fields])
    targets = list(ProbeTarget.objects.filter(offering__model=found).select_related("offering__host"))
    daily = daily_series([target.pk for target in targets])
    for target in targets:
        for rollup in daily[target.pk]:
            row = day_row(rollup)
            writer.writerow(
                [found.key, target.offering.host.slug, target.offering.host_model_id, target.is_demo]
                + ["" if row[name] is None else row[name] for name in Day.model_fields]
            )
    return response
