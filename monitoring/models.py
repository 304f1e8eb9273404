"""Probe targets (an offering to ping, and how) and every probe run with its measurements."""

from __future__ import annotations

import math

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, F, Max, Q

from catalog.models import Offering
from monitoring.keys import key_variable_problem


class Adapter(models.TextChoices):
    OPENAI = "openai", "OpenAI-compatible chat completions"
    ANTHROPIC = "anthropic", "Anthropic Messages"
    GEMINI = "gemini", "Google Gemini"


class ProbeTarget(models.Model):
    """An offering we ping on a schedule. The API key is read from an environment variable, never stored."""

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="probe_targets")
    adapter = models.CharField(max_length=20, choices=Adapter.choices)
    base_url = models.URLField("base URL")
    api_model = models.CharField(
        "API model name",
        max_length=200,
        blank=True,
        help_text="The model name sent to the API; blank for the offering's id at its host.",
    )
    api_key_env = models.CharField(
        "API key variable", max_length=100, blank=True, help_text="Name of the environment variable."
    )
    interval_minutes = models.PositiveIntegerField(default=60)
    timeout_seconds = models.PositiveIntegerField(default=30)
    prompt = models.CharField(max_length=500, default="Reply with the single word: pong")
    max_tokens = models.PositiveIntegerField(default=16)
    enabled = models.BooleanField(default=True)
    is_demo = models.BooleanField(
        default=False, help_text="Probes a simulated provider; its figures are labelled as a demo everywhere."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["offering", "adapter", "base_url"], name="probe_target_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.offering} via {self.get_adapter_display()}"

    def clean(self) -> None:
        super().clean()
        if problem := key_variable_problem(self.api_key_env):
            raise ValidationError({"api_key_env": problem})


class Outcome(models.TextChoices):
    OK = "ok", "OK"
    HTTP_ERROR = "http_error", "HTTP error"
    TIMEOUT = "timeout", "Timeout"
    CONNECTION_ERROR = "connection_error", "Connection error"
    MALFORMED = "malformed", "Malformed answer"


def run_counts() -> dict:
    """How runs are counted, as aggregates: runs, ok, rate-limited (429) and errors (the rest of the failures)."""
    rate_limited = Q(outcome=Outcome.HTTP_ERROR, http_status=429)
    return {
        "runs": Count("id"),
        "ok": Count("id", filter=Q(outcome=Outcome.OK)),
        "rate_limited": Count("id", filter=rate_limited),
        "errors": Count("id", filter=~Q(outcome=Outcome.OK) & ~rate_limited),
    }


MEASURED = ("latency_ms", "ttft_ms", "tokens_per_second")


class ProbeRunQuerySet(models.QuerySet):
    def summary(self) -> dict:
        """Counts in one query: runs, ok, errors (rate-limited runs apart), the time of the last run, and how many
        ok runs measured each of latency, TTFT and speed (`latency_ms_samples`, …)."""
        ok = Q(outcome=Outcome.OK)
        samples = {f"{field}_samples": Count(field, filter=ok) for field in MEASURED}
        return self.aggregate(**run_counts(), **samples, last_run_at=Max("started_at"))

    def percentile(self, field: str, fraction: float, samples: int) -> float | None:
        """The nearest-rank percentile of `field` over these runs, of which `samples` have it (from summary()):
        the value at rank ceil(samples × fraction), read by the database through ORDER BY … OFFSET. One query."""
        if not samples:
            return None
        rank = math.ceil(samples * fraction)
        measured = self.filter(**{f"{field}__isnull": False}).order_by(field).values_list(field, flat=True)
        return measured[rank - 1 : rank].first()


class ProbeRun(models.Model):
    target = models.ForeignKey(ProbeTarget, on_delete=models.CASCADE, related_name="runs")
    started_at = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # Latency, TTFB and TTFT count from when the request starts being sent on an established connection: our own
    # connection set-up is connect_ms, apart (monitoring.probing.Phases). Runs stored before it was kept have
    # neither connect_ms nor ttfb_ms, and their latency included any set-up.
    latency_ms = models.FloatField(null=True, blank=True, help_text="Request sent to last byte received.")
    ttft_ms = models.FloatField(
        "time to first token (ms)", null=True, blank=True, help_text="Request sent to first token of text."
    )
    ttfb_ms = models.FloatField(
        "time to first byte (ms)",
        null=True,
        blank=True,
        help_text="Request sent to response headers received.",
    )
    connect_ms = models.FloatField(
        "connection set-up (ms)",
        null=True,
        blank=True,
        help_text="DNS, TCP and TLS of a new connection; empty when a pooled connection was reused.",
    )
    output_tokens = models.PositiveIntegerField(null=True, blank=True)
    tokens_per_second = models.FloatField(null=True, blank=True, help_text="After the first token.")
    error = models.CharField(max_length=500, blank=True, help_text="Short, with any key redacted.")

    objects = ProbeRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["target", "-started_at"], name="probe_run_target_time_idx"),
            # Rollups and retention select runs by time across all targets.
            models.Index(fields=["started_at"], name="probe_run_time_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["target", "started_at"], name="probe_run_one_per_slot"),
            models.CheckConstraint(
                condition=~Q(outcome="ok") | Q(latency_ms__isnull=False), name="probe_run_ok_has_latency"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target} at {self.started_at:%Y-%m-%d %H:%M}: {self.outcome}"


class ProbeClaim(models.Model):
    """A target's slot, claimed before it is probed: the unique key makes a second beat or a retry a no-op."""

    target = models.ForeignKey(ProbeTarget, on_delete=models.CASCADE, related_name="claims")
    slot = models.DateTimeField()
    claimed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["target", "slot"], name="probe_claim_one_per_slot")]

    def __str__(self) -> str:
        return f"{self.target} at {self.slot:%Y-%m-%d %H:%M}"


class Period(models.TextChoices):
    HOUR = "hour", "Hour"
    DAY = "day", "Day"


class ProbeRollup(models.Model):
    """A target's runs over one hour or one day (UTC), counted and with their percentiles, computed by the database
    from the raw runs. Pages read these, so they stay fast with millions of runs, and the daily bars outlive the
    raw runs, which are deleted once rolled up and older than the retention setting."""

    target = models.ForeignKey(ProbeTarget, on_delete=models.CASCADE, related_name="rollups")
    period = models.CharField(max_length=4, choices=Period.choices)
    starts_at = models.DateTimeField()
    runs = models.PositiveIntegerField()
    ok = models.PositiveIntegerField()
    errors = models.PositiveIntegerField(help_text="Failures other than rate limiting.")
    rate_limited = models.PositiveIntegerField(
        help_text="HTTP 429: shown, but not counted against availability."
    )
    latency_p50 = models.FloatField(null=True, blank=True)
    latency_p95 = models.FloatField(null=True, blank=True)
    latency_samples = models.PositiveIntegerField(default=0)
    ttft_p50 = models.FloatField(null=True, blank=True)
    ttft_p95 = models.FloatField(null=True, blank=True)
    ttft_samples = models.PositiveIntegerField(default=0)
    speed_p50 = models.FloatField(null=True, blank=True)
    speed_samples = models.PositiveIntegerField(default=0)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["target", "period", "starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "period", "starts_at"], name="probe_rollup_one_per_bucket"
            ),
            models.CheckConstraint(
                condition=Q(runs__gte=F("ok") + F("errors") + F("rate_limited")),
                name="probe_rollup_counts_add_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target} {self.period} {self.starts_at:%Y-%m-%d %H:%M}: {self.ok}/{self.runs} ok"

    @property
    def availability(self) -> float | None:
        counted = self.ok + self.errors
        return 100 * self.ok / counted if counted else None
