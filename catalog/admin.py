from django.contrib import admin

from catalog.models import Benchmark, BenchmarkScore, FaqEntry, Model, Offering, Profile, Provider, Verdict
from tokenledger.admin import HTTPS_URLS


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["name", "slug", "is_lab", "is_host", "country_code", "updated_at"]
    list_filter = ["is_lab", "is_host", "country_code"]
    search_fields = ["name", "slug"]


class OfferingInline(admin.TabularInline):
    model = Offering
    fk_name = "model"
    extra = 0
    fields = ["host", "host_model_id", "regions", "source"]
    autocomplete_fields = ["host"]


@admin.register(Model)
class ModelAdmin(admin.ModelAdmin):
    list_display = ["name", "lab", "slug", "status", "context_window", "release_date", "needs_review"]
    list_filter = [
        "status",
        "needs_review",
        "open_weights",
        "supports_reasoning",
        "supports_tools",
        "lab__is_lab",
    ]
    list_select_related = ["lab"]
    search_fields = ["name", "slug", "family", "lab__name", "lab__slug"]
    autocomplete_fields = ["lab"]
    readonly_fields = ["supports_vision", "supports_audio", "created_at", "updated_at"]
    inlines = [OfferingInline]


@admin.register(Offering)
class OfferingAdmin(admin.ModelAdmin):
    list_display = ["host_model_id", "host", "model"]
    list_select_related = ["host", "model__lab"]
    search_fields = ["host_model_id", "host__slug", "model__slug", "model__name"]
    autocomplete_fields = ["model", "host"]


class FaqInline(admin.StackedInline):
    model = FaqEntry
    extra = 0


class VerdictInline(admin.StackedInline):
    model = Verdict
    extra = 0


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["model", "status", "author", "reviewer", "reviewed_on", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["model__lab", "author", "reviewer"]
    search_fields = ["model__name", "model__slug", "tagline"]
    autocomplete_fields = ["model"]
    inlines = [FaqInline, VerdictInline]


@admin.register(Benchmark)
class BenchmarkAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["name", "slug", "url"]
    search_fields = ["name", "slug"]


@admin.register(BenchmarkScore)
class BenchmarkScoreAdmin(admin.ModelAdmin):
    formfield_overrides = HTTPS_URLS
    list_display = ["model", "benchmark", "score", "unit", "source_name", "measured_on"]
    list_select_related = ["model__lab", "benchmark"]
    list_filter = ["benchmark"]
    autocomplete_fields = ["model"]
