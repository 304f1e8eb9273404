"""Beat claims each due slot once, and a worker probes the claimed targets, one run per slot."""

import datetime as dt

import pytest
from django_celery_beat.models import PeriodicTask

from catalog.models import Offering
from monitoring.fake_provider import FakeProvider
from monitoring.models import Adapter, ProbeRollup, ProbeRun, ProbeTarget
from monitoring.scheduling import claim_due
from monitoring.tasks import enqueue_due_probes, probe_slot

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 25, 10, 7, 30, tzinfo=dt.UTC)


@pytest.fixture
def targets(sample_data):
    offering = Offering.objects.get(host__slug="openai", host_model_id="gpt-4o")
    hourly = ProbeTarget.objects.create(
        offering=offering, adapter=Adapter.OPENAI, base_url="http://127.0.0.1:9"
    )
    quarterly = ProbeTarget.objects.create(
        offering=offering, adapter=Adapter.ANTHROPIC, base_url="http://127.0.0.1:9", interval_minutes=15
    )
    return hourly, quarterly


def test_beat_asks_every_minute_which_probes_are_due():
    task = PeriodicTask.objects.get(name="Enqueue due probes")

    assert task.task == "monitoring.tasks.enqueue_due_probes"
    assert (task.interval.every, task.interval.period) == (1, "minutes")


def test_each_slot_is_claimed_once_even_by_a_second_beat(targets):
    hourly, quarterly = targets

    first = claim_due(NOW)
    second = claim_due(NOW + dt.timedelta(seconds=20))

    assert first == {
        dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC): [hourly.pk, quarterly.pk],
    }
    assert second == {}
    later = claim_due(NOW + dt.timedelta(minutes=10))
    assert later == {dt.datetime(2026, 11, 25, 10, 15, tzinfo=dt.UTC): [quarterly.pk]}


def test_a_worker_probes_the_claimed_targets_once_per_slot(
    targets, django_capture_on_commit_callbacks, monkeypatch
):
    hourly, _ = targets
    with FakeProvider() as fake:
        ProbeTarget.objects.update(base_url=fake.url)
        Offering.objects.filter(pk=hourly.offering_id).update(host_model_id="fake:latency=20:ttft=5")
        sent = []
        monkeypatch.setattr(probe_slot, "delay", lambda ids, slot: sent.append((ids, slot)))
        monkeypatch.setattr("monitoring.tasks.claim_due", lambda: claim_due(NOW))  # both targets due at 10:00
        with django_capture_on_commit_callbacks(execute=True):
            assert enqueue_due_probes() == 2

        ((ids, slot),) = sent
        probe_slot(ids, slot)
        probe_slot(ids, slot)  # a retry of the same slot stores nothing more

    runs = ProbeRun.objects.filter(started_at=dt.datetime.fromisoformat(slot))
    assert runs.count() == 2
    assert set(runs.values_list("target__adapter", flat=True)) == {"openai", "anthropic"}
    # The batch's hour and day are rolled up at once, so pages show it without waiting for maintenance.
    assert sorted(ProbeRollup.objects.values_list("period", "runs")) == [("day", 1)] * 2 + [("hour", 1)] * 2


def test_a_slot_handed_out_again_probes_only_the_targets_without_a_run(targets):
    """A worker died after storing part of its work, or a copy of the task was handed out while the first ran:
    the slot still holds one run per target, the first one stored, and nothing is probed twice."""
    hourly, quarterly = targets
    slot = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
    with FakeProvider() as fake:
        ProbeTarget.objects.update(base_url=fake.url, api_model="fake:latency=20:ttft=5")
        assert probe_slot([hourly.pk], slot.isoformat()) == 1
        first = ProbeRun.objects.get(target=hourly)

        assert probe_slot([hourly.pk, quarterly.pk], slot.isoformat()) == 1  # the quarterly one only
        assert probe_slot([hourly.pk, quarterly.pk], slot.isoformat()) == 0

    assert sorted(ProbeRun.objects.values_list("target_id", "started_at")) == [
        (hourly.pk, slot),
        (quarterly.pk, slot),
    ]
    assert ProbeRun.objects.get(target=hourly).latency_ms == first.latency_ms


def test_a_large_slot_is_shared_out_in_batches(targets, django_capture_on_commit_callbacks, monkeypatch):
    hourly, quarterly = targets
    monkeypatch.setattr("monitoring.tasks.PROBE_BATCH_SIZE", 1)
    sent = []
    monkeypatch.setattr(probe_slot, "delay", lambda ids, slot: sent.append((ids, slot)))
    monkeypatch.setattr("monitoring.tasks.claim_due", lambda: claim_due(NOW))

    with django_capture_on_commit_callbacks(execute=True):
        assert enqueue_due_probes() == 2

    assert sent == [([hourly.pk], "2026-11-25T10:00:00+00:00"), ([quarterly.pk], "2026-11-25T10:00:00+00:00")]
