"""Demo probe targets: every profiled model probed against the fake provider, so that `make run` shows monitoring
working without any API key. Every demo target is flagged, and every page that shows its figures says "Demo"."""

from __future__ import annotations

from django.db import transaction

from catalog.models import Model, Offering, Profile
from monitoring.models import Adapter, ProbeTarget

# One behaviour for every demo target: the figures are the simulator's, and must not suggest that one model is
# faster than another.
DEMO_BEHAVIOUR = "fake:latency=600:ttft=250:jitter=300:fail=0.02:tokens=12"
DEMO_INTERVAL_MINUTES = 5
ADAPTER_OF_HOST = {"anthropic": Adapter.ANTHROPIC, "google": Adapter.GEMINI}
BASE_PATH = {Adapter.OPENAI: "/v1", Adapter.ANTHROPIC: "/v1", Adapter.GEMINI: "/v1beta"}


def demo_offerings() -> list[Offering]:
    """The lab's own offering of every model with a public profile (the models a visitor of the demo reads)."""
    models = Model.objects.filter(profile__in=Profile.objects.public())
    offerings = Offering.objects.filter(model__in=models).select_related("host", "model")
    by_model: dict[int, Offering] = {}
    for offering in offerings.order_by("pk"):
        if offering.host_id == offering.model.lab_id or offering.model_id not in by_model:
            by_model[offering.model_id] = offering
    return list(by_model.values())


@transaction.atomic
def install(base_url: str) -> list[ProbeTarget]:
    """Create or update the demo targets against the fake provider at `base_url`; returns them."""
    targets = []
    for offering in demo_offerings():
        adapter = ADAPTER_OF_HOST.get(offering.host.slug, Adapter.OPENAI)
        target, _ = ProbeTarget.objects.update_or_create(
            offering=offering,
            is_demo=True,
            defaults={
                "adapter": adapter,
                "base_url": base_url.rstrip("/") + BASE_PATH[adapter],
                "api_model": DEMO_BEHAVIOUR,
                "interval_minutes": DEMO_INTERVAL_MINUTES,
                "timeout_seconds": 10,
                "enabled": True,
            },
        )
        targets.append(target)
    return targets


def remove() -> int:
    return ProbeTarget.objects.filter(is_demo=True).delete()[1].get("monitoring.ProbeTarget", 0)
