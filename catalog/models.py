"""Providers, the models they make, the offerings that serve them, and the editorial profiles about them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, ExpressionWrapper, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from catalog.countries import country_name
from catalog.slugs import (
    MODEL_SLUG_MAX,
    MODEL_SLUG_PATTERN,
    PROVIDER_SLUG_MAX,
    PROVIDER_SLUG_PATTERN,
    model_slug_validator,
    provider_slug_validator,
)


class Provider(models.Model):
    """A lab that makes models, a host that serves them over an API, or both."""

    slug = models.CharField(
        max_length=PROVIDER_SLUG_MAX,
        unique=True,
        validators=[provider_slug_validator],
        help_text="e.g. openai, wafer.ai",
    )
    name = models.CharField(max_length=200)
    is_lab = models.BooleanField(default=False, help_text="Makes models of its own.")
    is_host = models.BooleanField(default=False, help_text="Serves models over an API.")
    website = models.URLField(blank=True)
    docs_url = models.URLField("docs URL", blank=True)
    api_base_url = models.URLField("API base URL", blank=True)
    country_code = models.CharField(
        "country of origin", max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 code, e.g. US."
    )
    api_key_env = models.JSONField(
        "API key variables",
        default=list,
        blank=True,
        help_text="Names of the environment variables that hold this provider's API key (never the key).",
    )
    source = models.CharField(max_length=200, blank=True, help_text="Where these facts come from.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        # With the models' (lab, name) index, the catalogue in its order (labs by name, then their models by
        # name) is read from the indexes, not sorted whole for each page of it (the API's list).
        indexes = [models.Index(fields=["name"], name="provider_name_idx")]
        constraints = [
            # Bulk paths skip validators: the database refuses a slug no URL could route (catalog.slugs).
            models.CheckConstraint(
                condition=Q(slug__regex=rf"\A{PROVIDER_SLUG_PATTERN}\Z"), name="provider_slug_is_routable"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("catalog:provider", args=[self.slug])

    @property
    def country(self) -> str:
        return country_name(self.country_code)


class ModelStatus(models.TextChoices):
    PREVIEW = "preview", "Preview"
    GA = "ga", "Generally available"
    DEPRECATED = "deprecated", "Deprecated"
    RETIRED = "retired", "Retired"


def lifecycle_status(status: str, retires_on: dt.date | None, today: dt.date) -> str:
    """A status for `today` from what the catalogue says and the retirement date a source or an editor gives:
    retired once the date has passed, deprecated while one is announced."""
    if retires_on is not None:
        return ModelStatus.RETIRED if retires_on <= today else ModelStatus.DEPRECATED
    return status


class OfferingKind(models.TextChoices):
    PAYG = "payg", "Pay as you go"
    FREE = "free", "Free tier"
    PLAN = "plan", "Subscription or plan"
    ROUTER = "router", "Router (price varies)"
    BATCH = "batch", "Batch only"


def offering_kind_tags(kinds: Iterable[str]) -> str:
    """The kinds of a model's offerings as `Model.offering_kinds` keeps them (" free payg "): each once, sorted,
    a space at both ends, so that a substring match on " payg " finds one kind on every backend."""
    tags = sorted(set(kinds))
    return f" {' '.join(tags)} " if tags else ""


class ModelQuerySet(models.QuerySet):
    def with_lab(self) -> ModelQuerySet:
        return self.select_related("lab")

    def with_lifecycle(self, today: dt.date | None = None) -> ModelQuerySet:
        """Annotate `status_today`, the status for today (as `Model.lifecycle` computes it), to filter by."""
        today = today or timezone.localdate()
        return self.annotate(retires=Coalesce("editor_retires_on", "retires_on")).annotate(
            status_today=Case(
                When(retires__lte=today, then=Value(ModelStatus.RETIRED)),
                When(retires__isnull=False, then=Value(ModelStatus.DEPRECATED)),
                default=F("status"),
                output_field=models.CharField(),
            )
        )

    def current(self, today: dt.date | None = None) -> ModelQuerySet:
        """Models not yet retired."""
        return self.with_lifecycle(today).exclude(status_today=ModelStatus.RETIRED)

    def by_keys(self, keys: list[str]) -> ModelQuerySet:
        """Models by their "<lab>/<model>" keys."""
        condition = Q(pk__in=[])
        for key in keys:
            lab, _, slug = key.partition("/")
            condition |= Q(lab__slug=lab, slug=slug)
        return self.filter(condition)

    def with_listing(self) -> ModelQuerySet:
        """What a catalog table shows: the lab, the listed prices with their host, and `conversation_weight`,
        what a typical conversation costs at those prices times a million, to sort by (integer arithmetic on
        SQLite would round a division down to 0; the page shows `listed_conversation_cost`, exact)."""
        weight = ExpressionWrapper(
            F("listed_input_price") * settings.TYPICAL_CONVERSATION_INPUT_TOKENS
            + F("listed_output_price") * settings.TYPICAL_CONVERSATION_OUTPUT_TOKENS,
            output_field=models.DecimalField(max_digits=30, decimal_places=6),
        )
        return self.select_related("lab", "listed_price_host", "cheapest_price_host").annotate(
            conversation_weight=weight
        )

    def search(self, text: str) -> ModelQuerySet:
        """The models `text` finds (every word, in any order, case and punctuation aside), most relevant first;
        all of them, unordered, when `text` is blank (catalog.search)."""
        from catalog.search import search

        return search(self, text) if text.strip() else self

    def with_host_count(self) -> ModelQuerySet:
        """Annotate `host_count`: how many hosts serve each model (hosts, not ids: Bedrock lists one per region),
        as `Model.hosts_serving` keeps it. An annotation, not the field itself: pages that show it ask for it."""
        return self.annotate(host_count=F("hosts_serving"))


def modality_flags(input_modalities: list[str], output_modalities: list[str]) -> dict[str, bool | str]:
    """What follows from a model's modalities: the vision and audio flags, and the modality tags
    (" in:text in:image out:text ") that the catalog filters with a substring match on every backend."""
    tags = [f"in:{m}" for m in sorted(set(input_modalities))] + [
        f"out:{m}" for m in sorted(set(output_modalities))
    ]
    return {
        "supports_vision": "image" in input_modalities or "video" in input_modalities,
        "supports_audio": "audio" in input_modalities or "audio" in output_modalities,
        "modality_tags": f" {' '.join(tags)} " if tags else "",
    }


class Model(models.Model):
    """A model as its lab made it. Prices and probes belong to its offerings, one per host."""

    lab = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="models")
    slug = models.CharField(
        max_length=MODEL_SLUG_MAX,
        validators=[model_slug_validator],
        help_text="The model's part of the URL: /models/lab/slug/. Lowercase letters, digits and . _ : + -.",
    )
    name = models.CharField(max_length=200)
    family = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        "catalogue status",
        max_length=20,
        choices=ModelStatus.choices,
        default=ModelStatus.GA,
        help_text="As the catalogue states it. What pages show is computed for the day (see lifecycle).",
    )
    retires_on = models.DateField(
        null=True, blank=True, help_text="The retirement date a source announces for the lab's own API."
    )
    editor_retires_on = models.DateField(
        "retirement date (editor)",
        null=True,
        blank=True,
        help_text="An editor's retirement date, from the lab's own announcement; wins over the sources'.",
    )
    successor = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The model to move to once this one is deprecated (else the family's newest GA model).",
    )
    release_date = models.DateField(null=True, blank=True)
    last_updated = models.DateField(null=True, blank=True)
    knowledge_cutoff = models.CharField(
        max_length=10, blank=True, help_text="As the lab states it: YYYY-MM or YYYY-MM-DD."
    )
    context_window = models.PositiveIntegerField(null=True, blank=True, help_text="Tokens.")
    max_input_tokens = models.PositiveIntegerField(null=True, blank=True)
    max_output_tokens = models.PositiveIntegerField(null=True, blank=True)
    input_modalities = models.JSONField(default=list, blank=True)
    output_modalities = models.JSONField(default=list, blank=True)
    supports_tools = models.BooleanField(default=False)
    supports_reasoning = models.BooleanField(default=False)
    supports_structured_output = models.BooleanField(default=False)
    supports_attachments = models.BooleanField(default=False)
    # Derived from the modalities on save, so that filters run in the database on every backend.
    supports_vision = models.BooleanField(default=False, editable=False)
    supports_audio = models.BooleanField(default=False, editable=False)
    modality_tags = models.CharField(max_length=200, blank=True, editable=False)
    open_weights = models.BooleanField(default=False)
    needs_review = models.BooleanField(
        default=False, help_text="Created automatically (e.g. by a price sync); an editor has not checked it."
    )
    source = models.CharField(max_length=300, blank=True, help_text="Where these facts come from.")
    # What the catalog lists, sorts and filters by, kept up to date by the ledger and the probes
    # (pricing.listing, monitoring.rollups): the base price at the lab's own API, else at the cheapest host.
    listed_input_price = models.DecimalField(
        max_digits=14, decimal_places=6, null=True, blank=True, editable=False
    )
    listed_output_price = models.DecimalField(
        max_digits=14, decimal_places=6, null=True, blank=True, editable=False
    )
    listed_price_host = models.ForeignKey(
        "Provider", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    # The pay-as-you-go host with the cheapest typical conversation, which may be the listed one (same keeper).
    cheapest_input_price = models.DecimalField(
        max_digits=14, decimal_places=6, null=True, blank=True, editable=False
    )
    cheapest_output_price = models.DecimalField(
        max_digits=14, decimal_places=6, null=True, blank=True, editable=False
    )
    cheapest_price_host = models.ForeignKey(
        "Provider", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    listed_availability = models.FloatField(
        null=True, blank=True, editable=False, help_text="Measured over the last 7 days, all hosts."
    )
    # The kinds of offering that sell it (" free payg "), for the browse page's "Sold as" filter and counts
    # without a subquery into the offerings; kept current with the search documents (catalog.search).
    offering_kinds = models.CharField(max_length=60, blank=True, editable=False)
    # How many hosts serve it (a host's several ids count once), for the catalogue and the API without a subquery
    # into the offerings; kept current with the offering kinds.
    hosts_serving = models.PositiveIntegerField(default=0, editable=False)
    # What search matches, folded (catalog.search): the name and slug, and everything the model is found by.
    search_name = models.CharField(max_length=500, blank=True, editable=False)
    search_document = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ModelQuerySet.as_manager()

    class Meta:
        ordering = ["lab__name", "name"]
        indexes = [models.Index(fields=["lab", "name", "id"], name="model_lab_name_idx")]
        constraints = [
            models.UniqueConstraint(fields=["lab", "slug"], name="model_unique_slug_per_lab"),
            models.CheckConstraint(
                condition=Q(slug__regex=rf"\A{MODEL_SLUG_PATTERN}\Z"), name="model_slug_is_routable"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lab.slug}/{self.slug}"

    def save(self, *args, **kwargs) -> None:
        for field, value in modality_flags(self.input_modalities, self.output_modalities).items():
            setattr(self, field, value)
        update_fields = kwargs.get("update_fields")
        derived = {"supports_vision", "supports_audio", "modality_tags"}
        if update_fields is None or {"name", "slug", "family", "lab"} & set(update_fields):
            self.search_name, self.search_document = self._search_documents()
            derived |= {"search_name", "search_document"}
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *derived}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("catalog:model", args=[self.lab.slug, self.slug])

    def _search_documents(self) -> tuple[str, str]:
        from catalog.search import documents_for

        listings = old_addresses = ()
        if self.pk is not None:
            listings = self.offerings.values_list("host_model_id", "listed_name")
            old_addresses = self.redirects.values_list("lab", "slug")
        return documents_for(
            self.name, self.slug, self.family, self.lab.name, self.lab.slug, listings, old_addresses
        )

    @property
    def key(self) -> str:
        """The model's id across the site and the API: "<lab>/<model>"."""
        return f"{self.lab.slug}/{self.slug}"

    @property
    def retirement_date(self) -> dt.date | None:
        return self.editor_retires_on or self.retires_on

    def lifecycle_on(self, today: dt.date) -> str:
        return lifecycle_status(self.status, self.retirement_date, today)

    @property
    def lifecycle(self) -> str:
        """The model's status today at its lab: preview, GA, deprecated (retirement announced) or retired."""
        return self.lifecycle_on(timezone.localdate())

    @property
    def lifecycle_label(self) -> str:
        return ModelStatus(self.lifecycle).label

    @property
    def listed_conversation_cost(self) -> Decimal | None:
        """A typical conversation at the listed prices, in dollars."""
        return _typical_conversation(self.listed_input_price, self.listed_output_price)

    @property
    def cheaper_elsewhere(self) -> bool:
        """Another pay-as-you-go host sells a typical conversation for noticeably less than the listed price (the
        lab's own, which the catalog lists even when a host undercuts it); $9.99999 for $10 is no saving."""
        cheapest = _typical_conversation(self.cheapest_input_price, self.cheapest_output_price)
        listed = self.listed_conversation_cost
        return (
            cheapest is not None
            and listed is not None
            and self.cheapest_price_host_id != self.listed_price_host_id
            and cheapest < listed * NOTICEABLY_CHEAPER
        )

    @property
    def capabilities(self) -> list[str]:
        flags = [
            ("tools", self.supports_tools),
            ("reasoning", self.supports_reasoning),
            ("vision", self.supports_vision),
            ("audio", self.supports_audio),
            ("structured output", self.supports_structured_output),
            ("open weights", self.open_weights),
        ]
        return [name for name, on in flags if on]


NOTICEABLY_CHEAPER = Decimal("0.99")  # a host's price below 99% of the listed one is worth pointing out


def _typical_conversation(input_price: Decimal | None, output_price: Decimal | None) -> Decimal | None:
    """A typical conversation at these prices per 1M tokens, in dollars."""
    if input_price is None or output_price is None:
        return None
    tokens_in = settings.TYPICAL_CONVERSATION_INPUT_TOKENS
    tokens_out = settings.TYPICAL_CONVERSATION_OUTPUT_TOKENS
    return (input_price * tokens_in + output_price * tokens_out) / 1_000_000


def one_per_name(models: Iterable[Model], wanted: int, seen: set[str] | None = None) -> list[Model]:
    """Up to `wanted` of `models`, the first of each name: catalogues list a host's copy of a model as a model of
    that host. Names in `seen` are left out, and `seen` is extended with those picked."""
    seen = set() if seen is None else seen
    picked: list[Model] = []
    for model in models:
        if len(picked) >= wanted:
            break
        name = model.name.casefold()
        if name not in seen:
            seen.add(name)
            picked.append(model)
    return picked


class StatusChange(models.Model):
    """A model's lifecycle status as a catalogue source changed it (preview → GA → deprecated …), for the
    recent-changes page."""

    model = models.ForeignKey(Model, on_delete=models.CASCADE, related_name="status_changes")
    old_status = models.CharField(max_length=20, choices=ModelStatus.choices)
    new_status = models.CharField(max_length=20, choices=ModelStatus.choices)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["-changed_at"], name="status_change_time_idx")]

    def __str__(self) -> str:
        return f"{self.model}: {self.old_status} → {self.new_status}"


class OfferingQuerySet(models.QuerySet):
    def with_price_end(self) -> OfferingQuerySet:
        """Annotated for `withdrawn_on`: the end of the last published price period (`price_end`) and how many
        periods are still open (`open_prices`, an announced one included)."""
        return self.annotate(
            price_end=models.Max("price_periods__valid_to"),
            open_prices=models.Count("price_periods", filter=Q(price_periods__valid_to__isnull=True)),
        )


class Offering(models.Model):
    """A model as one host serves it: the lab's own API, Azure, Bedrock, OpenRouter, …"""

    model = models.ForeignKey(Model, on_delete=models.CASCADE, related_name="offerings")
    host = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="offerings")
    host_model_id = models.CharField(max_length=255, help_text="The id the host's API expects.")
    regions = models.JSONField(default=list, blank=True, help_text="Where the host runs it, e.g. ['US'].")
    listed_name = models.CharField(
        max_length=200, blank=True, help_text="The name the host gives the model, as the catalogue lists it."
    )
    kind = models.CharField(max_length=10, choices=OfferingKind.choices, default=OfferingKind.PAYG)
    retires_on = models.DateField(null=True, blank=True, help_text="When this host retires it, if announced.")
    match_rule = models.CharField(
        max_length=30, blank=True, help_text="The identity rule that filed this listing under its model."
    )
    source_hint = models.CharField(
        max_length=301,
        blank=True,
        help_text="The model its source names for it, as lab/model (models.dev base_model).",
    )
    source = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OfferingQuerySet.as_manager()

    class Meta:
        ordering = ["host__name", "host_model_id"]
        constraints = [
            models.UniqueConstraint(fields=["host", "host_model_id"], name="offering_unique_id_per_host"),
        ]

    def __str__(self) -> str:
        return f"{self.model} at {self.host.slug} ({self.host_model_id})"

    @classmethod
    def from_db(cls, db, field_names, values):
        offering = super().from_db(db, field_names, values)
        # The model it was filed under, whose search document a move to another model changes too.
        offering._search_model_id = offering.__dict__.get("model_id")
        return offering

    @property
    def withdrawn_on(self) -> dt.datetime | None:
        """When the host stopped selling it at a price: every period has ended, the last on this date (needs
        `with_price_end`); None while a price runs or is announced, or if none was ever recorded."""
        return withdrawal(getattr(self, "price_end", None), getattr(self, "open_prices", 0))

    @property
    def is_labs_own(self) -> bool:
        return self.host_id == self.model.lab_id

    @property
    def lifecycle(self) -> str:
        """This host's status for the model today: its own retirement date, else the model's at its lab."""
        if self.retires_on is not None:
            return lifecycle_status(self.model.status, self.retires_on, timezone.localdate())
        return self.model.lifecycle


def withdrawal(price_end: dt.datetime | None, open_prices: int) -> dt.datetime | None:
    """`Offering.withdrawn_on` from the two annotations of `with_price_end`."""
    if open_prices or price_end is None or price_end > timezone.now():
        return None
    return price_end


class ModelAlias(models.Model):
    """An editor's decision on a listing (a host's id for a model): the lab model it is, or that it is a model of
    its own. Resolution follows these before any rule, in every import and sync (catalog.identity)."""

    host = models.CharField(max_length=100, help_text="The host's slug, e.g. azure.")
    host_model_id = models.CharField(max_length=255)
    target = models.CharField(
        max_length=301,
        blank=True,
        help_text="The model it is, as lab/model; empty keeps the listing a model of its own.",
    )
    note = models.CharField(max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "model aliases"
        ordering = ["host", "host_model_id"]
        constraints = [
            models.UniqueConstraint(fields=["host", "host_model_id"], name="alias_one_per_listing")
        ]

    def __str__(self) -> str:
        return f"{self.host}/{self.host_model_id} → {self.target or 'kept separate'}"

    @property
    def decision(self) -> tuple[str, str] | None:
        lab, _, slug = self.target.partition("/")
        return (lab, slug) if slug else None


class MatchStatus(models.TextChoices):
    PENDING = "pending", "Waiting for an editor"
    DECIDED = "decided", "Decided"


class MatchReview(models.Model):
    """A listing the resolver could not place for sure: shown to an editor with its candidates and evidence."""

    host = models.CharField(max_length=100)
    host_model_id = models.CharField(max_length=255)
    name = models.CharField(max_length=200, blank=True, help_text="The name the host gives it.")
    source = models.CharField(
        max_length=100, blank=True, help_text="The catalogue or price source listing it."
    )
    filed_as = models.CharField(max_length=301, help_text="The model it is filed under until decided.")
    candidates = models.JSONField(default=list, help_text="The models it may be, as lab/model keys.")
    evidence = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=MatchStatus.choices, default=MatchStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "doubtful match"
        verbose_name_plural = "doubtful matches"
        ordering = ["status", "host", "host_model_id"]
        constraints = [
            models.UniqueConstraint(fields=["host", "host_model_id"], name="review_one_per_listing")
        ]

    def __str__(self) -> str:
        return f"{self.host}/{self.host_model_id}"


class ModelRedirectQuerySet(models.QuerySet):
    def target(self, lab: str, slug: str) -> Model | None:
        """The model an old address names now, or None."""
        moved = self.select_related("model__lab").filter(lab=lab, slug=slug).first()
        return moved.model if moved else None


class ModelRedirect(models.Model):
    """An old address of a model: one merged into another, or a host's listing filed under its lab's model.
    /models/<lab>/<slug>/ and the API answer 301 to the model it names."""

    lab = models.CharField(max_length=100)
    slug = models.CharField(max_length=200)
    model = models.ForeignKey(Model, on_delete=models.CASCADE, related_name="redirects")

    objects = ModelRedirectQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lab", "slug"], name="redirect_one_per_key")]

    def __str__(self) -> str:
        return f"{self.lab}/{self.slug} → {self.model_id}"


# --- Editorial content ------------------------------------------------------------------------------------


class ProfileStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"
    NEEDS_UPDATE = "needs_update", "Needs update"


PUBLIC_PROFILE_STATUSES = (ProfileStatus.PUBLISHED, ProfileStatus.NEEDS_UPDATE)


class ProfileQuerySet(models.QuerySet):
    def public(self) -> ProfileQuerySet:
        return self.filter(status__in=PUBLIC_PROFILE_STATUSES)


class Profile(models.Model):
    """The editorial profile of a model: what our editors wrote about it and who reviewed it."""

    model = models.OneToOneField(Model, on_delete=models.CASCADE, related_name="profile")
    status = models.CharField(max_length=20, choices=ProfileStatus.choices, default=ProfileStatus.DRAFT)
    tagline = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True)
    strengths = models.JSONField(default=list, blank=True)
    weaknesses = models.JSONField(default=list, blank=True)
    article = models.TextField(blank=True, help_text="Markdown.")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_profiles", null=True
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reviewed_profiles",
        null=True,
        blank=True,
    )
    reviewed_on = models.DateField(null=True, blank=True, help_text="Last technical review.")
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProfileQuerySet.as_manager()

    class Meta:
        ordering = ["model__lab__name", "model__name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=PUBLIC_PROFILE_STATUSES)
                | (Q(reviewer__isnull=False) & Q(reviewed_on__isnull=False)),
                name="public_profile_is_reviewed",
            ),
            models.CheckConstraint(
                condition=Q(reviewer__isnull=True) | ~Q(reviewer=models.F("author")),
                name="profile_reviewer_is_not_author",
            ),
        ]

    def __str__(self) -> str:
        return f"Profile of {self.model}"

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_PROFILE_STATUSES


class RevisionState(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    PUBLISHED = "published", "Published"


class ProfileRevision(models.Model):
    """One version of a profile's text, written by an author and, once another person has reviewed it, published.

    Every revision is kept, with who wrote and who reviewed it and when. Publishing copies a revision into its
    Profile, which is what the public page shows; a new draft changes nothing public until it is approved.
    """

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(editable=False)
    state = models.CharField(
        max_length=20, choices=RevisionState.choices, default=RevisionState.DRAFT, editable=False
    )
    tagline = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True)
    strengths = models.TextField(blank=True, help_text="One per line.")
    weaknesses = models.TextField(blank=True, help_text="One per line.")
    faq = models.TextField(
        "FAQ",
        blank=True,
        help_text='Each question on a line of its own starting with "Q: ", its answer on the lines below.',
    )
    article = models.TextField(
        blank=True, help_text="Markdown. Scripts, event handlers and javascript: links are removed."
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="profile_revisions", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="reviewed_revisions",
        null=True,
        blank=True,
        editable=False,
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    review_note = models.TextField(blank=True, editable=False, help_text="The reviewer's note to the author.")

    class Meta:
        ordering = ["profile", "-number"]
        permissions = [("review_profilerevision", "Can approve a revision, or send it back to its author")]
        constraints = [
            models.UniqueConstraint(fields=["profile", "number"], name="revision_number_unique"),
            models.CheckConstraint(
                condition=Q(reviewer__isnull=True) | ~Q(reviewer=F("author")),
                name="revision_reviewer_is_not_author",
            ),
            models.CheckConstraint(
                condition=~Q(state="published") | (Q(reviewer__isnull=False) & Q(reviewed_at__isnull=False)),
                name="published_revision_is_reviewed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile.model} revision {self.number} ({self.get_state_display().lower()})"

    def clean(self) -> None:
        if _IMAGE_WITHOUT_ALT.search(self.article):
            raise ValidationError(
                {"article": "Every image needs alt text: write it between the brackets, ![like this](…)."}
            )

    @property
    def strength_list(self) -> list[str]:
        return _lines(self.strengths)

    @property
    def weakness_list(self) -> list[str]:
        return _lines(self.weaknesses)

    @property
    def faq_entries(self) -> list[tuple[str, str]]:
        """(question, answer) pairs from the FAQ text."""
        entries: list[tuple[str, list[str]]] = []
        for line in self.faq.splitlines():
            if line.startswith("Q: "):
                entries.append((line[3:].strip(), []))
            elif entries:
                entries[-1][1].append(line)
        return [(question, "\n".join(answer).strip()) for question, answer in entries]


class RevisionInReview(ProfileRevision):
    """The review queue: revisions waiting for a reviewer (an admin view of ProfileRevision)."""

    class Meta:
        proxy = True
        verbose_name = "revision in review"
        verbose_name_plural = "review queue"


_IMAGE_WITHOUT_ALT = re.compile(r"!\[\s*\]\(")


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def faq_text(entries) -> str:
    """FAQ entries written as a revision's FAQ text (the inverse of ProfileRevision.faq_entries)."""
    return "\n\n".join(f"Q: {question}\n{answer}" for question, answer in entries)


class Illustration(models.Model):
    """An image for profile articles, uploaded in the admin: resized and stored as WebP, never without alt text."""

    image = models.ImageField(upload_to="illustrations/", width_field="width", height_field="height")
    alt_text = models.CharField(
        max_length=300, help_text="Required. What the image shows, for readers who cannot see it."
    )
    caption = models.CharField(max_length=300, blank=True, help_text="Shown under the image.")
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=~Q(alt_text=""), name="illustration_has_alt_text")]

    def __str__(self) -> str:
        return self.alt_text

    @property
    def markdown(self) -> str:
        """What an author pastes into an article to show it, as a figure when it has a caption."""
        caption = f' "{self.caption}"' if self.caption else ""
        return f"![{self.alt_text}]({self.image.url}{caption})"


class FaqEntry(models.Model):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="faq")
    question = models.CharField(max_length=300)
    answer = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "FAQ entry"
        verbose_name_plural = "FAQ entries"

    def __str__(self) -> str:
        return self.question


class Verdict(models.Model):
    """A dated editorial judgement of a model, citing its figures."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="verdicts")
    date = models.DateField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    highlights = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-date", "id"]

    def __str__(self) -> str:
        return f"{self.date}: {self.title}"


class Benchmark(models.Model):
    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    url = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BenchmarkScore(models.Model):
    """A published score of a model on a benchmark, with where and when it was published."""

    model = models.ForeignKey(Model, on_delete=models.CASCADE, related_name="benchmark_scores")
    benchmark = models.ForeignKey(Benchmark, on_delete=models.PROTECT, related_name="scores")
    score = models.DecimalField(max_digits=9, decimal_places=3)
    unit = models.CharField(max_length=20, default="%")
    source_name = models.CharField(max_length=200)
    source_url = models.URLField(blank=True)
    measured_on = models.DateField()

    class Meta:
        ordering = ["benchmark__name", "-measured_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["model", "benchmark", "source_name", "measured_on"], name="benchmark_score_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model} {self.benchmark}: {self.score}{self.unit}"


class DataVersion(models.Model):
    """A version stamp per kind of data (catalog, prices, monitoring), changed whenever that data changes, so that
    cached pages built from it are never served after it changed (catalog.freshness)."""

    scope = models.CharField(max_length=20, unique=True)
    version = models.CharField(max_length=32)
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.scope} {self.version} ({self.changed_at:%Y-%m-%d %H:%M:%S})"
