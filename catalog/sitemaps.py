"""sitemap.xml: the site's own pages, the labs' pages and every model an editor has checked, each at its address
on the public site (settings.SITE_URL), as the pages' canonical links give it."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Case, Max, Q, When
from django.urls import reverse

from catalog.models import PUBLIC_PROFILE_STATUSES, Model, ModelStatus, Provider


class PublicSiteSitemap(Sitemap):
    """Addresses on settings.SITE_URL rather than on whatever host the request came in by."""

    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site=None) -> str:
        return urlsplit(settings.SITE_URL).netloc


class StaticPagesSitemap(PublicSiteSitemap):
    changefreq = "daily"

    def items(self) -> list[str]:
        return [
            "catalog:home",
            "catalog:model_list",
            "catalog:benchmarks",
            "monitoring:status",
            "catalog:methodology",
        ]

    def location(self, item: str) -> str:
        return reverse(item)


class ProviderSitemap(PublicSiteSitemap):
    """Labs with at least one model an editor has checked; last modified when the lab or such a model was."""

    changefreq = "weekly"

    def items(self):
        return (
            Provider.objects.filter(is_lab=True)
            .annotate(latest_model_update=Max("models__updated_at", filter=Q(models__needs_review=False)))
            .filter(latest_model_update__isnull=False)
            .order_by("slug")
        )

    def lastmod(self, provider: Provider):
        return max(provider.updated_at, provider.latest_model_update)


class ModelSitemap(PublicSiteSitemap):
    """Models published in the catalog: not those a price sync created that no editor has checked
    (`needs_review`). Last modified when the model's facts or its public profile were; a retired model's page
    stays listed, at a low priority and rarely revisited (its status computed for the day, as on the page)."""

    def items(self):
        return (
            Model.objects.filter(needs_review=False)
            .with_lifecycle()
            .select_related("lab")
            .only("slug", "updated_at", "lab__slug")
            .annotate(
                profile_published_at=Case(
                    When(profile__status__in=PUBLIC_PROFILE_STATUSES, then="profile__published_at")
                )
            )
            .order_by("lab__slug", "slug")
        )

    def lastmod(self, model: Model):
        return max(model.updated_at, model.profile_published_at or model.updated_at)

    def priority(self, model: Model) -> float:
        return {ModelStatus.RETIRED: 0.2, ModelStatus.DEPRECATED: 0.4}.get(model.status_today, 0.6)

    def changefreq(self, model: Model) -> str:
        return "yearly" if model.status_today == ModelStatus.RETIRED else "weekly"


SITEMAPS = {"pages": StaticPagesSitemap, "providers": ProviderSitemap, "models": ModelSitemap}
