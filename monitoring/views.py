import csv

from django.db.models import Count, Max, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render

from catalog.models import Model
from monitoring.models import Outcome, ProbeRun, ProbeTarget
from monitoring.queries import daily_series


def status(request):
    """Every monitored model with the state of its probes; an honest empty page until there are some."""
    targets = (
        ProbeTarget.objects.filter(enabled=True)
        .select_related("offering__model__lab", "offering__host")
        .annotate(
            run_count=Count("runs"),
            errors=Count("runs", filter=~Q(runs__outcome=Outcome.OK)),
            last_run=Max("runs__started_at"),
        )
        .order_by("offering__model__lab__name", "offering__model__name")
    )
    return render(request, "monitoring/status.html", {"targets": targets})


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
    writer.writerow(["model", "host", "host_model_id", "demo", "day", "runs", "ok", "errors", "rate_limited"])
    for target in ProbeTarget.objects.filter(offering__model=found).select_related("offering__host"):
        for day in daily_series(ProbeRun.objects.filter(target=target)):
            writer.writerow(
                [
                    found.key,
                    target.offering.host.slug,
                    target.offering.host_model_id,
                    target.is_demo,
                    day["day"].isoformat(),
                    day["runs"],
                    day["ok"],
                    day["errors"],
                    day["rate_limited"],
                ]
            )
    return response
