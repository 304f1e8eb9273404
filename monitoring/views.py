from django.db.models import Count, Max, Q
from django.shortcuts import render

from monitoring.models import Outcome, ProbeTarget


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
