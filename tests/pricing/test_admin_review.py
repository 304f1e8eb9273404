"""An editor approves or rejects a held price change in the admin, with the source's evidence in view."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from pricing.models import PendingPriceChange, PricePeriod
from pricing.runs import run_sync

pytestmark = pytest.mark.django_db

GPT_4O = {"litellm_provider": "openai", "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05}


@pytest.fixture
def held_drop_to_zero(tmp_path):
    for day, output in ((1, 1e-05), (8, 0)):
        path = tmp_path / f"feed-{day}.json"
        path.write_text(json.dumps({"gpt-4o": {**GPT_4O, "output_cost_per_token": output}}))
        run_sync("litellm", file=path, observed_at=dt.datetime(2026, 7, day, tzinfo=dt.UTC))
    return PendingPriceChange.objects.get()


def published_output():
    return PricePeriod.objects.in_force().get(component="output").price


def test_the_held_change_shows_what_the_source_said(admin_client, held_drop_to_zero):
    page = admin_client.get(reverse("admin:pricing_pendingpricechange_change", args=[held_drop_to_zero.pk]))

    assert page.status_code == 200
    assert "drops to $0" in page.content.decode()
    assert "output_cost_per_token" in page.content.decode()


def test_approving_publishes_the_price_dated_when_the_source_showed_it(admin_client, held_drop_to_zero):
    assert published_output() == 10

    admin_client.post(
        reverse("admin:pricing_pendingpricechange_changelist"),
        {"action": "approve_changes", "_selected_action": [held_drop_to_zero.pk]},
    )

    assert published_output() == 0
    assert PricePeriod.objects.in_force().get(component="output").valid_from == dt.datetime(
        2026, 7, 8, tzinfo=dt.UTC
    )
    held_drop_to_zero.refresh_from_db()
    assert (held_drop_to_zero.status, held_drop_to_zero.decided_by.username) == ("approved", "admin")


def test_rejecting_keeps_the_published_price(admin_client, held_drop_to_zero):
    admin_client.post(
        reverse("admin:pricing_pendingpricechange_changelist"),
        {"action": "reject_changes", "_selected_action": [held_drop_to_zero.pk]},
    )

    assert published_output() == 10
    held_drop_to_zero.refresh_from_db()
    assert held_drop_to_zero.status == "rejected"
