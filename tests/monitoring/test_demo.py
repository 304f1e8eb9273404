"""The keyless demo: profiled models probed against the fake provider, and labelled as a demo wherever they show."""

import io
import re

import pytest
from django.core.management import call_command

from catalog.models import Profile
from monitoring.fake_provider import FakeProvider
from monitoring.models import ProbeRollup, ProbeRun, ProbeTarget
from tests.fixtures import text_of

pytestmark = pytest.mark.django_db


def test_the_demo_probes_every_profiled_model_and_labels_every_figure_as_a_demo(
    sample_data, reader, monkeypatch
):
    monkeypatch.setattr(
        "monitoring.demo.DEMO_BEHAVIOUR", "fake:latency=60:ttft=20:tokens=12"
    )  # no random 503
    with FakeProvider() as fake:
        call_command("demo_probes", "--base-url", fake.url, verbosity=0)
        call_command("demo_probes", "--base-url", fake.url, verbosity=0)  # a second make run changes nothing
        call_command("probe", "--all", stdout=io.StringIO())

    profiled = set(Profile.objects.public().values_list("model_id", flat=True))
    targets = ProbeTarget.objects.filter(is_demo=True)
    assert set(targets.values_list("offering__model_id", flat=True)) == profiled and targets.count() == len(
        profiled
    )
    assert {t.adapter for t in targets} == {"openai", "anthropic", "gemini"}
    assert ProbeRun.objects.filter(outcome="ok").count() == len(profiled)
    assert ProbeRollup.objects.filter(period="day").count() == len(profiled)

    for model in targets.values_list("offering__model__lab__slug", "offering__model__slug"):
        page = text_of(reader.get("/models/{}/{}/".format(*model)))
        assert "Demo: measured against a simulated provider, not the real API" in page
        assert "Latency p50 (demo)" in page
        assert re.search(
            r"Last automated test: [^·]+ · [^·]+ UTC · P50 \d+ ms · P95 \d+ ms · Errors 0 / 1 runs \(demo\)",
            page,
        )
    status = text_of(reader.get("/status/"))
    assert status.count("Demo: simulated provider") == len(profiled)


def test_the_demo_targets_can_be_removed_with_their_runs(sample_data):
    with FakeProvider() as fake:
        call_command("demo_probes", "--base-url", fake.url, verbosity=0)
        call_command("probe", "--all", stdout=io.StringIO())

    call_command("demo_probes", "--remove", stdout=io.StringIO())

    assert not ProbeTarget.objects.exists() and not ProbeRun.objects.exists()
