from django.contrib import admin

from monitoring.models import ProbeRollup, ProbeRun, ProbeTarget
from tokenledger.admin import HTTPS_URLS


@admin.register(ProbeTarget)
class ProbeTargetAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = [
        "offering",
        "adapter",
        "base_url",
        "api_model",
        "api_key_env",
        "interval_minutes",
        "enabled",
        "is_demo",
    ]
    list_filter = ["adapter", "enabled", "is_demo"]
    list_select_related = ["offering__host", "offering__model__lab"]
    autocomplete_fields = ["offering"]


@admin.register(ProbeRun)
class ProbeRunAdmin(admin.ModelAdmin):
    list_display = [
        "target",
        "started_at",
        "outcome",
        "http_status",
        "latency_ms",
        "ttft_ms",
        "ttfb_ms",
        "connect_ms",
        "tokens_per_second",
    ]
    list_filter = ["outcome"]
    list_select_related = ["target__offering__host", "target__offering__model__lab"]
    date_hierarchy = "started_at"


@admin.register(ProbeRollup)
class ProbeRollupAdmin(admin.ModelAdmin):
    """Computed from the runs after every batch: read-only here."""

    list_display = [
        "target",
        "period",
        "starts_at",
        "runs",
        "ok",
        "errors",
        "rate_limited",
        "latency_p50",
        "latency_p95",
        "ttft_p50",
        "latency_samples",
    ]
    list_filter = ["period"]
    list_select_related = ["target__offering__host", "target__offering__model__lab"]
    date_hierarchy = "starts_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
