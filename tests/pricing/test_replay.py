"""Replaying real, dated feeds in order rebuilds the real price history."""

import datetime as dt
import json
from decimal import Decimal
from itertools import pairwise

import pytest

from pricing.models import PendingPriceChange, PendingStatus, PricePeriod
from pricing.review import approve
from pricing.runs import run_sync
from pricing.sources import models_dev

pytestmark = pytest.mark.django_db


def as_of(path) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(path.stem), dt.time(), tzinfo=dt.UTC)


def replay(source: str, files, *, editor=None) -> list[PendingPriceChange]:
    """Sync the files in date order; with an editor, approve every held change as it comes (and list them)."""
    approved = []
    for path in sorted(files):
        run, _ = run_sync(source, file=path, observed_at=as_of(path))
        assert run.status == "succeeded", run.error
        if editor is not None:
            for change in PendingPriceChange.objects.filter(status=PendingStatus.PENDING):
                approve(change, editor)
                approved.append(change)
    return approved


def in_force(host: str, model_id: str, on: dt.datetime, **filters) -> dict:
    periods = PricePeriod.objects.in_force(on=on).filter(
        offering__host__slug=host, offering__host_model_id=model_id, **filters
    )
    return {(p.component, p.tier, p.mode): p.price for p in periods}


def test_replaying_the_models_dev_snapshots_gives_the_price_history_of_every_model(shared_data, editor):
    snapshots = sorted((shared_data / "models-dev-snapshots").glob("*.json"))
    history = json.loads((shared_data / "models-dev-price-history.json").read_text(), parse_float=Decimal)

    # The history records every change; we hold the suspicious ones (a drop to $0, a move over 10×) until an
    # editor approves them, as this one does.
    approved = replay("models_dev", snapshots, editor=editor)

    checked, mismatches = 0, []
    for path in snapshots:
        date = as_of(path)
        listed = models_dev.load(path)
        for model in history["models"]:
            provider, model_id = model["provider_id"], model["model_id"]
            if model_id not in listed.get(provider, {}).get("models", {}):
                continue
            points = [p for p in model["points"] if dt.datetime.fromisoformat(p["date"]) < date]
            cost = points[-1]["cost"] if points else None
            expected = {
                (r.component, r.tier, r.mode): r.price for r in models_dev.price_records({"cost": cost})
            }
            # The history follows the [cost] table; special modes ("fast") are priced elsewhere in the file.
            actual = in_force(provider, model_id, date, mode="standard")
            checked += 1
            if actual != expected:
                mismatches.append((path.stem, provider, model_id, expected, actual))
    print(f"\nchecked {checked} (model, date) pairs; {len(approved)} held changes approved:")
    assert checked > 500
    assert mismatches == [], "\n".join(map(str, mismatches))
    held = sorted(
        f"{c.offering.host.slug}/{c.offering.host_model_id} {c.component}: {c.reason}" for c in approved
    )
    print("\n".join(held))
    assert len(held) <= 12, held


def test_a_mere_change_of_format_opens_no_period(shared_data):
    replay("models_dev", (shared_data / "models-dev-snapshots").glob("*.json"))

    periods = PricePeriod.objects.order_by("offering", "component", "tier", "mode", "valid_from")
    keyed = [(p.offering_id, p.component, p.tier, p.mode, p) for p in periods]
    false_changes = [
        (a[4], b[4])
        for a, b in pairwise(keyed)
        if a[:4] == b[:4] and a[4].price == b[4].price and a[4].valid_to == b[4].valid_from
    ]
    assert false_changes == []


def test_replaying_litellm_shows_the_o3_price_cut_and_holds_a_drop_to_zero(shared_data):
    history = sorted((shared_data / "feeds" / "litellm" / "history").glob("*.json"))
    replay("litellm", history)
    newest = shared_data / "feeds" / "litellm" / "model_prices_and_context_window.json"
    run, _ = run_sync("litellm", file=newest, observed_at=dt.datetime(2026, 7, 24, tzinfo=dt.UTC))
    assert run.status == "succeeded"

    june, september = dt.datetime(2025, 6, 1, tzinfo=dt.UTC), dt.datetime(2025, 9, 1, tzinfo=dt.UTC)
    before, after = in_force("openai", "o3", june), in_force("openai", "o3", september)
    assert (before[("input", "", "standard")], before[("output", "", "standard")]) == (10, 40)
    assert (after[("input", "", "standard")], after[("output", "", "standard")]) == (2, 8)

    flash = in_force("google", "gemini-1.5-flash", dt.datetime(2026, 7, 24, tzinfo=dt.UTC))
    assert flash[("output", "", "standard")] == Decimal("0.3"), "the drop to $0 must not be published"
    held = PendingPriceChange.objects.get(
        offering__host__slug="google", offering__host_model_id="gemini-1.5-flash", component="output", tier=""
    )
    assert (held.status, held.old_price, held.new_price) == (PendingStatus.PENDING, Decimal("0.3"), 0)
    assert held.reason == "drops to $0"
    assert held.evidence["id"] == "gemini/gemini-1.5-flash"


def test_litellms_cached_input_slip_for_claude_3_5_haiku_is_held_not_published(shared_data):
    # LiteLLM's real history: cached input $0.10 (2024-12), $0.80 for $0.80 input (2025-03), $0.08 (2025-06).
    history = shared_data / "feeds" / "litellm" / "history"
    replay("litellm", [history / f"{day}.json" for day in ("2024-12-01", "2025-03-01", "2025-06-01")])

    def cached_on(day: str) -> Decimal:
        on = dt.datetime.fromisoformat(f"{day}T12:00:00+00:00")
        return in_force("anthropic", "claude-3-5-haiku-20241022", on)[("cache_read", "", "standard")]

    assert cached_on("2024-12-15") == Decimal("0.1")
    assert cached_on("2025-03-15") == Decimal("0.1")  # the slip is held for an editor
    assert cached_on("2025-06-15") == Decimal("0.08")
    held = PendingPriceChange.objects.get(offering__host_model_id="claude-3-5-haiku-20241022")
    assert (held.old_price, held.new_price, held.status) == (
        Decimal("0.1"),
        Decimal("0.8"),
        PendingStatus.PENDING,
    )
    assert "not below the input price" in held.reason
