"""The price ledger: for every price component of every offering, dated periods with their source."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from catalog.models import Offering

PRICE_DECIMAL_PLACES = 10  # pricing.records.normalised() rounds feed values to this


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


class PricePeriodQuerySet(models.QuerySet):
    def in_force(self, on: dt.datetime | None = None) -> PricePeriodQuerySet:
        """Periods in force at a moment (now by default)."""
        if on is None:
            return self.filter(valid_to__isnull=True)
        return self.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))

    def history_of(self, model) -> PricePeriodQuerySet:
        """Every period of every price of `model` at every host, by host, component, tier, mode and start."""
        return (
            self.filter(offering__model=model)
            .select_related("offering__host", "source")
            .order_by("offering__host__slug", "component", "tier", "mode", "valid_from")
        )

    def base(self) -> PricePeriodQuerySet:
        """Standard mode, no long-context tier: the price a reader compares first."""
        return self.filter(tier="", mode=Mode.STANDARD)


class PricePeriod(models.Model):
    """One price of one component of one offering, from valid_from until valid_to (open while in force).

    A change closes the open period at the change date and opens the next one.
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
    source = models.ForeignKey(PriceSource, on_delete=models.PROTECT, related_name="periods")
    observed_at = models.DateTimeField(help_text="When the source first showed this price.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = PricePeriodQuerySet.as_manager()

    class Meta:
        ordering = ["offering", "component", "mode", "tier", "valid_from"]
        indexes = [models.Index(fields=["offering", "valid_to"], name="price_offering_open_idx")]
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
    def label(self) -> str:
        """What is priced, in words: "Cached input", "Output (prompt > 200k)", "Input · Batch"."""
        text = self.get_component_display() + (f" ({self.tier})" if self.tier else "")
        return text + (f" · {self.get_mode_display()}" if self.mode != Mode.STANDARD else "")


class SourceQuote(models.Model):
    """A price a source gives that differs from the one we publish from a higher-priority source, so that
    pages can say when sources disagree. Removed when the source comes to agree.

    `observed_at` is when the source started giving this price; the source's sync runs say when it was last read.
    """

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="quotes")
    component = models.CharField(max_length=20, choices=Component.choices)
    tier = models.CharField(max_length=50, blank=True)
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.STANDARD)
    source = models.ForeignKey(PriceSource, on_delete=models.CASCADE, related_name="quotes")
    price = models.DecimalField(max_digits=20, decimal_places=PRICE_DECIMAL_PLACES)
    unit = models.CharField(max_length=20, choices=Unit.choices, default=Unit.PER_MILLION_TOKENS)
    observed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["offering", "component", "tier", "mode", "source"],
                name="quote_one_per_source_and_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.offering} {self.component} {self.price}"


class PendingStatus(models.TextChoices):
    PENDING = "pending", "Pending review"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class PendingPriceChange(models.Model):
    """A change too odd to publish unseen (a drop to 0, a move of 10× or more, cached input not below input),
    held for an editor."""

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="pending_changes")
    component = models.CharField(max_length=20, choices=Component.choices)
    tier = models.CharField(max_length=50, blank=True)
    mode = models.CharField(max_length=20, choices=Mode.choices, default=Mode.STANDARD)
    unit = models.CharField(max_length=20, choices=Unit.choices, default=Unit.PER_MILLION_TOKENS)
    source = models.ForeignKey(PriceSource, on_delete=models.PROTECT, related_name="pending_changes")
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
    """A lease that keeps two syncs from running at once; it expires, so a crashed worker cannot hold it."""

    name = models.CharField(max_length=100, unique=True)
    holder = models.CharField(max_length=200, blank=True)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} held by {self.holder or 'nobody'} until {self.expires_at:%Y-%m-%d %H:%M}"
