"""The price ledger: for every price component of every offering, dated periods with their source."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from catalog.models import Offering

PRICE_DECIMAL_PLACES = 10  # pricing.records.normalised() rounds feed values to this


class PriceSourceQuerySet(models.QuerySet):
    def with_sync_health(self) -> PriceSourceQuerySet:
        """Each source with `last_success_at` (when the prices of its last successful sync were observed, dry runs
        aside: a replayed snapshot is as old as its date, not its replay), `last_failure_at` and `last_failure`
        (the error of its last failed one). One query."""
        runs = SyncRun.objects.filter(source=models.OuterRef("pk"), dry_run=False)
        observed = Coalesce("observed_at", "finished_at")
        succeeded = runs.filter(status=SyncStatus.SUCCEEDED).annotate(observed=observed).order_by("-observed")
        failed = runs.filter(status=SyncStatus.FAILED).order_by("-started_at")
        return self.annotate(
            last_success_at=models.Subquery(succeeded.values("observed")[:1]),
            last_failure_at=models.Subquery(failed.values("started_at")[:1]),
            last_failure=models.Subquery(failed.values("error")[:1]),
        )


class PriceSource(models.Model):
    """A public feed we take prices from, or an editor's manual entry."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    url = models.URLField(blank=True, help_text="Where the feed is fetched from.")
    homepage = models.URLField(blank=True, help_text="What a reader can open to check a number.")
    licence = models.CharField(max_length=200, blank=True)
    enabled = models.BooleanField(default=True, help_text="Synced by the weekly job.")
    priority = models.PositiveSmallIntegerField(
        default=10,
        help_text="When sources disagree on a price, the ledger follows the one with the higher priority; "
        "the others' prices are kept as quotes and the page says that they disagree.",
    )

    objects = PriceSourceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Component(models.TextChoices):
    INPUT = "input", "Input"
    OUTPUT = "output", "Output"
    CACHE_READ = "cache_read", "Cached input"
    CACHE_WRITE = "cache_write", "Cache write"
    AUDIO_INPUT = "audio_input", "Audio input"
    AUDIO_OUTPUT = "audio_output", "Audio output"
    REASONING = "reasoning", "Reasoning"
    IMAGE_INPUT = "image_input", "Image input"
    REQUEST = "request", "Per request"


class Mode(models.TextChoices):
    STANDARD = "standard", "Standard"
    BATCH = "batch", "Batch"
    FLEX = "flex", "Flex"
    PRIORITY = "priority", "Priority"
    FAST = "fast", "Fast"
    OFF_PEAK = "off_peak", "Off-peak hours"


class Unit(models.TextChoices):
    PER_MILLION_TOKENS = "per_1m_tokens", "per 1M tokens"
    PER_REQUEST = "per_request", "per request"
    PER_IMAGE = "per_image", "per image"
    PER_AUDIO_SECOND = "per_audio_second", "per audio second"


class StartKind(models.TextChoices):
    """How the start of a period is known."""

    STATED = "stated", "Stated by the source"  # genai-prices' start_date, llm-prices' from_date
    OBSERVED = "observed", "First seen"  # the first sync that showed the price


class Opening(models.TextChoices):
    """Why a published period begins."""

    FIRST = "first", "First price"  # the first price of its key, or the first after a withdrawal
    CHANGE = "change", "Price change"  # the followed source's own price changed
    CORRECTION = "correction", "Correction"  # another source is followed now and gives another figure


# What PricePeriodQuerySet.history_of gives of each period: what a row of the history shows (the API's prices,
# the CSV), and the period's key for its sources' quotes (pricing.queries.quotes_for).
HISTORY_FIELDS = [
    "pk",
    "offering_id",
    "offering__host__slug",
    "offering__host_model_id",
    "component",
    "tier",
    "mode",
    "price",
    "unit",
    "valid_from",
    "valid_to",
    "source_id",
    "source__slug",
    "observed_at",
    "effective",
    "opening",
]


class PricePeriodQuerySet(models.QuerySet):
    def in_force(self, on: dt.datetime | None = None) -> PricePeriodQuerySet:
        """Periods in force at a moment (now by default): a scheduled period is not in force before its start."""
        on = on or timezone.now()
        return self.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))

    def scheduled(self, after: dt.datetime | None = None) -> PricePeriodQuerySet:
        """Periods that start in the future: a change a source has announced with its date."""
        return self.filter(valid_from__gt=after or timezone.now())

    def history_of(self, model) -> PricePeriodQuerySet:
        """Every period of every price of `model` at every host, by host, component, tier, mode and start, as
        named rows of HISTORY_FIELDS (`row.offering__host__slug`): model instances of four tables took half
        as long again to read."""
        return (
            self.filter(offering__model=model)
            .order_by("offering__host__slug", "component", "tier", "mode", "valid_from")
            .values_list(*HISTORY_FIELDS, named=True)
        )

    def base(self) -> PricePeriodQuerySet:
        """Standard mode, no long-context tier: the price a reader compares first."""
        return self.filter(tier="", mode=Mode.STANDARD)

    def changes(self) -> PricePeriodQuerySet:
        """Periods that began because the followed source's own price changed (not corrections)."""
        return self.filter(opening=Opening.CHANGE)


class PricePeriod(models.Model):
    """One published price of one component of one offering, from valid_from until valid_to (open while in force).

    Derived from the sources' own records (SourcePeriod) by pricing.reconcile: a change closes the open period at
    the change date and opens the next one.
    """

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="price_periods")
    component = models.CharField(max_length=20, choices=Component.choices)
    tier = models.CharField(
        max_length=50,
        blank=True,
        help_text='Empty for the base price; e.g. "prompt>200000" for long prompts.',
    )
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.STANDARD)
    price = models.DecimalField(max_digits=20, decimal_places=PRICE_DECIMAL_PLACES, help_text="USD per unit.")
    unit = models.CharField(max_length=20, choices=Unit.choices, default=Unit.PER_MILLION_TOKENS)
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True)
    source = models.ForeignKey(
        PriceSource, on_delete=models.PROTECT, related_name="periods", help_text="The source followed."
    )
    observed_at = models.DateTimeField(help_text="When the followed source first showed this price.")
    effective = models.CharField(
        max_length=10,
        choices=StartKind.choices,
        default=StartKind.OBSERVED,
        help_text="How the start is known.",
    )
    opening = models.CharField(max_length=12, choices=Opening.choices, default=Opening.FIRST)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = PricePeriodQuerySet.as_manager()

    class Meta:
        ordering = ["offering", "component", "mode", "tier", "valid_from"]
        indexes = [
            models.Index(fields=["offering", "valid_to"], name="price_offering_open_idx"),
            models.Index(fields=["opening", "valid_from"], name="price_opening_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["offering", "component", "tier", "mode"],
                condition=Q(valid_to__isnull=True),
                name="price_one_open_period_per_key",
            ),
            models.UniqueConstraint(
                fields=["offering", "component", "tier", "mode", "valid_from"],
                name="price_one_period_per_start",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="price_period_ends_after_it_starts",
            ),
            models.CheckConstraint(condition=Q(price__gte=Decimal(0)), name="price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.offering} {self.component} {self.price} {self.unit} from {self.valid_from:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.valid_to is None

    @property
    def is_stated(self) -> bool:
        return self.effective == StartKind.STATED

    @property
    def is_correction(self) -> bool:
        return self.opening == Opening.CORRECTION

    @property
    def label(self) -> str:
        """What is priced, in words: "Cached input", "Output (prompt > 200k)", "Input · Batch"."""
        text = self.get_component_display() + (f" ({self.tier})" if self.tier else "")
        return text + (f" · {self.get_mode_display()}" if self.mode != Mode.STANDARD else "")


class Review(models.TextChoices):
    ACCEPTED = "accepted", "Accepted"
    HELD = "held", "Held for an editor"
    REJECTED = "rejected", "Rejected by an editor"


class EndKind(models.TextChoices):
    NONE = "", "Replaced by the next price"
    STATED = "stated", "End stated by the source"
    WITHDRAWN = "withdrawn", "No longer listed by the source"


class SourcePeriod(models.Model):
    """What one source said one price was, from when to when: each source's own step history, kept whatever
    we publish. The published ledger (PricePeriod) is derived from these by pricing.reconcile."""

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="source_periods")
    component = models.CharField(max_length=20, choices=Component.choices)
    tier = models.CharField(max_length=50, blank=True)
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.STANDARD)
    source = models.ForeignKey(PriceSource, on_delete=models.CASCADE, related_name="source_periods")
    price = models.DecimalField(max_digits=20, decimal_places=PRICE_DECIMAL_PLACES)
    unit = models.CharField(max_length=20, choices=Unit.choices, default=Unit.PER_MILLION_TOKENS)
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True)
    effective = models.CharField(max_length=10, choices=StartKind.choices, default=StartKind.OBSERVED)
    end = models.CharField(max_length=10, choices=EndKind.choices, default=EndKind.NONE, blank=True)
    observed_at = models.DateTimeField(help_text="The first sync that showed this price.")
    missing_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The first sync that no longer listed it (one miss does not close it).",
    )
    review = models.CharField(max_length=10, choices=Review.choices, default=Review.ACCEPTED)

    class Meta:
        indexes = [
            models.Index(fields=["offering", "component", "tier", "mode"], name="source_period_key_idx")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["offering", "component", "tier", "mode", "source"],
                condition=Q(valid_to__isnull=True),
                name="source_period_one_open_per_key",
            ),
            models.UniqueConstraint(
                fields=["offering", "component", "tier", "mode", "source", "valid_from"],
                name="source_period_one_per_start",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="source_period_ends_after_it_starts",
            ),
            models.CheckConstraint(condition=Q(price__gte=Decimal(0)), name="source_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.offering} {self.component} {self.price} from {self.valid_from:%Y-%m-%d}"


class PendingStatus(models.TextChoices):
    PENDING = "pending", "Pending review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "Superseded (the source gave another price before a decision)"


class PendingPriceChange(models.Model):
    """A change too odd to publish unseen (a drop to 0, a move of 10× or more, cached input not below input, a
    move against every other source), held for an editor. The source's own record keeps the value (`held`)."""

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="pending_changes")
    component = models.CharField(max_length=20, choices=Component.choices)
    tier = models.CharField(max_length=50, blank=True)
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.STANDARD)
    unit = models.CharField(max_length=20, choices=Unit.choices, default=Unit.PER_MILLION_TOKENS)
    source = models.ForeignKey(PriceSource, on_delete=models.PROTECT, related_name="pending_changes")
    source_period = models.ForeignKey(
        SourcePeriod, on_delete=models.SET_NULL, null=True, blank=True, related_name="pending_changes"
    )
    old_price = models.DecimalField(max_digits=20, decimal_places=PRICE_DECIMAL_PLACES)
    new_price = models.DecimalField(max_digits=20, decimal_places=PRICE_DECIMAL_PLACES)
    observed_at = models.DateTimeField()
    reason = models.CharField(max_length=200)
    evidence = models.JSONField(default=dict, blank=True, help_text="The source's entry as it was fetched.")
    status = models.CharField(max_length=20, choices=PendingStatus.choices, default=PendingStatus.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["offering", "component", "tier", "mode", "source", "new_price"],
                condition=Q(status="pending"),
                name="pending_change_held_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.offering} {self.component}: {self.old_price} → {self.new_price} ({self.get_status_display()})"


class SyncStatus(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped (another sync was running)"


class SyncRun(models.Model):
    """One sync of one source, with what it found and did, or the error that stopped it."""

    source = models.ForeignKey(PriceSource, on_delete=models.PROTECT, related_name="runs")
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=SyncStatus.choices, default=SyncStatus.RUNNING)
    origin = models.CharField(max_length=500, blank=True, help_text="The URL or file synced.")
    observed_at = models.DateTimeField(null=True, blank=True, help_text="The date the prices were observed.")
    dry_run = models.BooleanField(default=False)
    seen = models.PositiveIntegerField(default=0)
    matched = models.PositiveIntegerField(default=0)
    new_models = models.PositiveIntegerField(default=0)
    opened = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    held = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    rejections = models.JSONField(default=list, blank=True)
    unmatched = models.JSONField(
        default=list, blank=True, help_text="Ids that created new, unreviewed models."
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.source} at {self.started_at:%Y-%m-%d %H:%M}: {self.get_status_display()}"


class SyncLease(models.Model):
    """A lease that keeps two syncs from running at once. It names its run and expires unless the running sync
    renews it, so a crashed worker holds it for minutes and the next sync marks the run it left as failed."""

    name = models.CharField(max_length=100, unique=True)
    holder = models.CharField(
        max_length=200, blank=True, help_text="host:pid:time of the process holding it."
    )
    run = models.ForeignKey(SyncRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        held = f"run {self.run_id} ({self.holder})" if self.run_id else self.holder or "nobody"
        return f"{self.name} held by {held} until {self.expires_at:%Y-%m-%d %H:%M:%S}"
