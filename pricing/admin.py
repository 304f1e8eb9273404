from django.contrib import admin

from pricing.models import PricePeriod, PriceSource


@admin.register(PriceSource)
class PriceSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "enabled", "url"]


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
    ]
    list_filter = ["component", "mode", "unit", "source"]
    list_select_related = ["offering__host", "offering__model__lab", "source"]
    search_fields = ["offering__host_model_id", "offering__model__slug"]
    date_hierarchy = "valid_from"
    autocomplete_fields = ["offering"]
