import json

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html

from pricing.health import OVERDUE_AFTER
from pricing.ledger import StaleObservation
from pricing.models import PendingPriceChange, PendingStatus, PricePeriod, PriceSource, SourcePeriod, SyncRun
from pricing.review import AlreadyDecided, approve, reject
from tokenledger import formatting
from tokenledger.admin import HTTPS_URLS
from tokenledger.redaction import display_url


@admin.register(PriceSource)
class PriceSourceAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["name", "slug", "enabled", "priority", "last_success", "last_success_age", "last_failure_reason",
                    "feed_url"]  # fmt: skip
    list_editable = ["enabled", "priority"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_sync_health()

    @admin.display(description="Last successful sync", ordering="last_success_at")
    def last_success(self, source):
        return source.last_success_at or "never"

    @admin.display(description="Age")
    def last_success_age(self, source):
        age = None if source.last_success_at is None else timezone.now() - source.last_success_at
        text = formatting.age(age) if age is not None else "never synced"
        if age is None or age > OVERDUE_AFTER:
            return format_html('<strong class="errornote">{} (overdue)</strong>', text)
        return text

    @admin.display(description="Last failure")
    def last_failure_reason(self, source):
        if source.last_failure_at is None:
            return "—"
        return f"{source.last_failure_at:%Y-%m-%d %H:%M} UTC: {source.last_failure}"

    @admin.display(description="URL", ordering="url")
    def feed_url(self, source: PriceSource) -> str:
        return display_url(source.url)  # a key in the query string stays on the edit form only


@admin.register(PricePeriod)
class PricePeriodAdmin(admin.ModelAdmin):
    list_display = [
        "offering",
        "component",
        "tier",
        "mode",
        "price",
        "unit",
        "valid_from",
        "valid_to",
        "source",
        "effective",
        "opening",
    ]
    list_filter = ["component", "mode", "unit", "source", "effective", "opening"]
    list_select_related = ["offering__host", "offering__model__lab", "source"]
    search_fields = ["offering__host_model_id", "offering__model__slug"]
    date_hierarchy = "valid_from"
    autocomplete_fields = ["offering"]


@admin.register(SourcePeriod)
class SourcePeriodAdmin(admin.ModelAdmin):
    """Each source's own record: what it said, from when to when."""

    list_display = ["offering", "component", "tier", "mode", "source", "price", "valid_from", "valid_to",
                    "effective", "end", "review"]  # fmt: skip
    list_filter = ["source", "component", "effective", "end", "review"]
    date_hierarchy = "valid_from"
    list_select_related = ["offering__host", "offering__model__lab", "source"]
    search_fields = ["offering__host_model_id"]


@admin.register(SyncRun)
class SyncRunAdmin(admin.ModelAdmin):
    list_display = ["source", "started_at", "status", "observed_at", "seen", "matched", "new_models", "opened",
                    "changed", "unchanged", "held", "rejected", "dry_run"]  # fmt: skip
    list_filter = ["status", "source", "dry_run"]
    date_hierarchy = "started_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(PendingPriceChange)
class PendingPriceChangeAdmin(admin.ModelAdmin):
    list_display = ["offering", "component", "tier", "mode", "old_price", "new_price", "reason", "source",
                    "observed_at", "status"]  # fmt: skip
    list_filter = ["status", "source", "reason"]
    list_select_related = ["offering__host", "offering__model__lab", "source"]
    readonly_fields = ["offering", "component", "tier", "mode", "unit", "source", "old_price", "new_price",
                       "observed_at", "reason", "source_evidence", "status", "decided_by", "decided_at"]  # fmt: skip
    exclude = ["evidence"]
    actions = ["approve_changes", "reject_changes"]

    def has_add_permission(self, request):
        return False

    @admin.display(description="What the source said")
    def source_evidence(self, change):
        return format_html("<pre>{}</pre>", json.dumps(change.evidence, indent=2, sort_keys=True))

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("status", "-created_at")

    @admin.action(description="Approve: publish the new price")
    def approve_changes(self, request, queryset):
        self._decide(request, queryset.filter(status=PendingStatus.PENDING), approve, "published")

    @admin.action(description="Reject: keep the published price")
    def reject_changes(self, request, queryset):
        self._decide(request, queryset.filter(status=PendingStatus.PENDING), reject, "rejected")

    def _decide(self, request, queryset, decide, verb):
        done = 0
        for change in queryset:
            try:
                decide(change, request.user)
                done += 1
            except (AlreadyDecided, StaleObservation) as error:
                self.message_user(request, f"{change}: {error}", messages.ERROR)
        if done:
            self.message_user(request, f"{done} change{'s' if done != 1 else ''} {verb}.", messages.SUCCESS)
