from django.contrib import admin

from monitoring.models import ProbeRun, ProbeTarget


@admin.register(ProbeTarget)
class ProbeTargetAdmin(admin.ModelAdmin):
    list_display = [
        "offering",
        "adapter",
        "base_url",
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
        "tokens_per_second",
    ]
    list_filter = ["outcome"]
    list_select_related = ["target__offering__host", "target__offering__model__lab"]
    date_hierarchy = "started_at"
