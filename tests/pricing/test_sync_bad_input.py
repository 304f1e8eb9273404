"""Bad data never reaches a reader: each bad input is refused with a clear reason and the ledger is unchanged."""

import datetime as dt
import json
from decimal import Decimal

import pytest

from catalog.models import Model, Offering
from pricing.models import PendingPriceChange, PricePeriod, SyncRun
from pricing.runs import run_sync
from pricing.sources.base import FeedError

pytestmark = pytest.mark.django_db

WEEK_1 = dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
WEEK_2 = dt.datetime(2026, 7, 8, tzinfo=dt.UTC)
GPT_4O = {
    "litellm_provider": "openai",
    "mode": "chat",
    "input_cost_per_token": 2.5e-06,
    "output_cost_per_token": 1e-05,
}


def ledger_state():
    return (
        list(
            PricePeriod.objects.order_by("pk").values_list(
                "offering_id", "component", "price", "valid_from", "valid_to"
            )
        ),
        Model.objects.count(),
        Offering.objects.count(),
    )


@pytest.fixture
def synced(tmp_path):
    """gpt-4o synced once at $2.50 / $10, and a way to sync a second feed a week later."""
    path = tmp_path / "week1.json"
    path.write_text(json.dumps({"gpt-4o": GPT_4O}))
    run_sync("litellm", file=path, observed_at=WEEK_1)

    def sync_again(entry=None, *, text=None):
        second = tmp_path / "week2.json"
        second.write_text(text if text is not None else json.dumps({"gpt-4o": entry}))
        return run_sync("litellm", file=second, observed_at=WEEK_2)

    return sync_again


@pytest.mark.parametrize(
    ("bad_value", "reason"),
    [
        ("two dollars", "is not a number"),
        (-2.5e-06, "is negative"),
        (float("nan"), "is not a finite number"),
        (float("inf"), "is not a finite number"),
        (0.05, "is absurd"),  # $50,000 per 1M tokens
        (2.5, "per-1M price written where a per-token one belongs"),  # a per-1M price in a per-token field
        (True, "is not a number"),
        (None, "is not a number"),
    ],
)
def test_a_bad_price_rejects_its_entry_with_a_clear_reason_and_changes_nothing(synced, bad_value, reason):
    before = ledger_state()

    run, report = synced({**GPT_4O, "input_cost_per_token": bad_value})

    assert ledger_state() == before
    assert [r.source_id for r in report.rejections] == ["gpt-4o"]
    assert reason in report.rejections[0].reason
    assert "input_cost_per_token" in report.rejections[0].reason
    assert run.rejections == [{"id": "gpt-4o", "reason": report.rejections[0].reason}]


def test_a_per_token_price_in_a_per_million_feed_is_rejected(tmp_path):
    path = tmp_path / "api.json"
    entry = {"id": "gpt-4o", "name": "GPT-4o", "cost": {"input": 2.5e-06, "output": 10}}
    path.write_text(json.dumps({"openai": {"id": "openai", "name": "OpenAI", "models": {"gpt-4o": entry}}}))

    _, report = run_sync("models_dev", file=path, observed_at=WEEK_1)

    assert not PricePeriod.objects.exists()
    assert "per-token price written where a per-1M one belongs" in report.rejections[0].reason


@pytest.mark.parametrize(
    ("new_input", "reason"),
    [(0, "drops to $0"), (3e-05, "moves 10× or more at once"), (2e-07, "moves 10× or more at once")],
)
def test_a_drop_to_zero_or_a_tenfold_move_is_held_for_an_editor_not_published(synced, new_input, reason):
    before = ledger_state()

    _, report = synced({**GPT_4O, "input_cost_per_token": new_input})

    assert ledger_state() == before
    assert report.held == 1
    held = PendingPriceChange.objects.get()
    assert (held.component, held.old_price, held.reason) == ("input", Decimal("2.5"), reason)
    assert held.evidence["id"] == "gpt-4o"
    assert Decimal(held.evidence["entry"]["input_cost_per_token"]) == Decimal(str(new_input))


def test_the_same_held_change_seen_again_is_held_once(synced):
    synced({**GPT_4O, "output_cost_per_token": 0})
    synced({**GPT_4O, "output_cost_per_token": 0})

    assert PendingPriceChange.objects.count() == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "is not valid JSON"),
        ('["a", "list"]', "is a JSON object"),
        ("", "is not valid JSON"),
    ],
)
def test_a_malformed_feed_is_refused_whole_and_recorded_as_a_failed_run(synced, text, message):
    before = ledger_state()

    with pytest.raises(FeedError, match=message):
        synced(text=text)

    assert ledger_state() == before
    run = SyncRun.objects.latest("started_at")
    assert run.status == "failed"
    assert message in run.error


def test_a_sync_that_fails_half_way_leaves_the_catalog_and_ledger_exactly_as_they_were(synced, monkeypatch):
    before = ledger_state()

    def crash(*args, **kwargs):
        raise RuntimeError("the worker died half way")

    monkeypatch.setattr("pricing.sync.record_observations", crash)
    feed = {
        "gpt-4o": {**GPT_4O, "input_cost_per_token": 1.25e-06},
        "brand-new-model": GPT_4O,  # creates a model and an offering before the crash
    }
    with pytest.raises(RuntimeError):
        synced(text=json.dumps(feed))

    assert ledger_state() == before
    assert not Model.objects.filter(slug="brand-new-model").exists()
