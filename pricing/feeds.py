"""Atom feeds of price changes: the whole site's, and each lab's.

A provider's feed follows the *lab*: it lists the price changes of the models that provider makes, at every
host that serves them (Azure's price cut on GPT-4o is in OpenAI's feed), since readers follow a lab's models.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import OuterRef, Subquery
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from catalog.models import Provider
from pricing.models import Component, Mode, PricePeriod, PricePeriodQuerySet
from tokenledger import formatting

FEED_LENGTH = 50


def price_changes() -> PricePeriodQuerySet:
    """Price changes in force, newest first, each annotated with the price it replaced (`previous_price`). A
    correction (another source followed) is not a change and is left out; a scheduled change appears on its
    date. One query."""
    previous = PricePeriod.objects.filter(
        offering=OuterRef("offering"),
        component=OuterRef("component"),
        tier=OuterRef("tier"),
        mode=OuterRef("mode"),
        valid_to=OuterRef("valid_from"),
    )
    return (
        PricePeriod.objects.changes()
        .filter(valid_from__lte=timezone.now())
        .annotate(previous_price=Subquery(previous.values("price")[:1]))
        .filter(previous_price__isnull=False)
        .select_related("offering__model__lab", "offering__host", "source")
        .order_by("-valid_from", "-pk")
    )


def what_changed(period: PricePeriod) -> str:
    """ "input", "cached input (batch)", "output (prompt>200000)"."""
    label = "request fee" if period.component == Component.REQUEST else period.get_component_display().lower()
    qualifiers = [period.get_mode_display().lower()] if period.mode != Mode.STANDARD else []
    if period.tier:
        qualifiers.append(period.tier)
    return f"{label} ({', '.join(qualifiers)})" if qualifiers else label


class PriceChangesFeed(Feed):
    feed_type = Atom1Feed
    title = "Price changes · Tokenledger"
    subtitle = "Every change of a price of an AI model that Tokenledger records, at every host."
    link = reverse_lazy("catalog:home")
    item_guid_is_permalink = False

    def items(self, obj: Provider | None) -> list[PricePeriod]:
        return list(price_changes()[:FEED_LENGTH])

    def item_title(self, period: PricePeriod) -> str:
        """ "GPT-4o at Azure: input $2.50 → $1.25 per 1M tokens (▼ 50%)"."""
        offering = period.offering
        return (
            f"{offering.model.name} at {offering.host.name}: {what_changed(period)} "
            f"{formatting.usd(period.previous_price)} → {formatting.usd(period.price)} "
            f"{period.get_unit_display()} ({formatting.change(period.previous_price, period.price)})"
        )

    def item_description(self, period: PricePeriod) -> str:
        offering = period.offering
        direction = "down" if period.price < period.previous_price else "up"
        return (
            f"From {period.valid_from:%Y-%m-%d}, {offering.host.name} charges {formatting.usd(period.price)} "
            f"{period.get_unit_display()} for the {what_changed(period)} of {offering.model.name} "
            f"(model id {offering.host_model_id}), {direction} from {formatting.usd(period.previous_price)}. "
            f"Source: {period.source.name}."
        )

    def item_link(self, period: PricePeriod) -> str:
        return period.offering.model.get_absolute_url()

    def item_pubdate(self, period: PricePeriod) -> dt.datetime:
        return period.valid_from

    def item_updateddate(self, period: PricePeriod) -> dt.datetime:
        return period.valid_from

    def item_guid(self, period: PricePeriod) -> str:
        """A tag URI per price period: stable, and distinct for two changes of one model on one day."""
        return f"tag:{urlsplit(settings.SITE_URL).hostname},{period.valid_from:%Y-%m-%d}:price-period/{period.pk}"

    def item_categories(self, period: PricePeriod) -> list[str]:
        return [period.offering.model.lab.name, period.offering.host.name]


class ProviderPriceChangesFeed(PriceChangesFeed):
    """The price changes of one lab's models, at every host."""

    def get_object(self, request, slug: str) -> Provider:
        return Provider.objects.get(slug=slug)  # DoesNotExist is a 404

    def title(self, provider: Provider) -> str:
        return f"Price changes of {provider.name} models · Tokenledger"

    def subtitle(self, provider: Provider) -> str:
        return f"Every change of a price of a model made by {provider.name}, at every host that serves it."

    def link(self, provider: Provider) -> str:
        return provider.get_absolute_url()

    def feed_url(self, provider: Provider) -> str:
        return reverse("pricing:provider_feed", args=[provider.slug])

    def items(self, provider: Provider) -> list[PricePeriod]:
        return list(price_changes().filter(offering__model__lab=provider)[:FEED_LENGTH])
