"""The health checks' views (tokenledger.health); HealthChecksMiddleware answers their paths before any Host check."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from tokenledger import health


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process answers: no database, no cache, nothing that could be down elsewhere."""
    return JsonResponse({"status": "ok"})


@require_safe
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the database, the cache and the broker answer, else 503 naming those that did not."""
    report = health.readiness()
    return JsonResponse(report.as_json(), status=200 if report.ready else 503)
