"""Each source's own record and the published history derived from it, replayed from the real files shipped in
data/: stated dates, corrections, withdrawals, holds, free tiers and announced changes."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from catalog.models import Model, Offering, OfferingKind, Provider
from pricing.history import MISSING_GRACE, record_observations
from pricing.models import EndKind, Opening, PendingPriceChange, PricePeriod, SourcePeriod, StartKind
from pricing.records import PriceRecord
from pricing.runs import run_sync
from pricing.sources import price_source
from pricing.tasks import apply_scheduled_prices
from tests.fixtures import text_of
from tokenledger.sample_data import DATA_DIR, price_history

pytestmark = pytest.mark.django_db

SHIPPED = {(f.source, f.path.relative_to(DATA_DIR).as_posix()): f for f in price_history()}


def replay(*files: tuple[str, str]) -> None:
    """Sync these shipped files, each on its own date (data/history.yaml)."""
    for source, path in files:
        item = SHIPPED[(source, path)]
        run_sync(item.source, file=item.path, observed_at=item.observed_at)


def published(host: str, host_model_id: str, component: str = "input") -> list[PricePeriod]:
    return list(
        PricePeriod.objects.filter(
            offering__host__slug=host,
            offering__host_model_id=host_model_id,
            component=component,
            tier="",
            mode="standard",
        )
        .select_related("source")
        .order_by("valid_from")
    )


def day(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def test_o3s_cut_is_dated_when_it_took_effect_as_genai_prices_states_not_when_a_snapshot_first_showed_it():
    replay(
        ("litellm", "litellm/history/2025-06-01.json"),
        ("litellm", "litellm/history/2025-09-01.json"),
        ("genai_prices", "genai-prices/data.json"),
    )

    before, after = published("openai", "o3")
    assert (before.price, before.source.slug) == (10, "litellm")
    assert (after.price, after.valid_from, after.effective, after.opening) == (
        2,
        day("2025-06-10"),
        StartKind.STATED,
        Opening.CHANGE,
    )
    assert before.valid_to == day("2025-06-10")
    # LiteLLM's own record keeps what it said, and when: the cut first showed in its 2025-08-30 file.
    litellm = SourcePeriod.objects.filter(
        offering=after.offering, component="input", source__slug="litellm"
    ).order_by("valid_from")
    assert [(p.price, p.valid_from.date()) for p in litellm] == [
        (10, dt.date(2025, 5, 31)),
        (2, dt.date(2025, 8, 30)),
    ]


def test_following_another_source_is_a_correction_not_a_change_in_changes_or_the_feed(client):
    replay(
        ("litellm", "litellm/model_prices_and_context_window.json"),
        ("openrouter", "openrouter/models.json"),
    )

    first, corrected = published("openrouter", "deepseek/deepseek-chat", "output")
    assert (first.price, first.source.slug) == (Decimal("0.28"), "litellm")
    assert (corrected.price, corrected.source.slug, corrected.opening) == (
        Decimal("1.0287"),
        "openrouter",
        Opening.CORRECTION,
    )
    changes = text_of(client.get("/changes/?kind=prices"))
    feed = client.get("/feeds/price-changes.atom").content.decode()
    assert "DeepSeek" not in changes and "deepseek" not in feed.lower()
    page = text_of(client.get(corrected.offering.model.get_absolute_url()))
    assert "▲ 267%" not in page


def test_a_model_every_source_dropped_closes_on_the_first_sync_without_it_once_a_second_confirms(client):
    replay(("litellm", "litellm/history/2024-08-01.json"), ("litellm", "litellm/history/2024-12-01.json"))
    [period] = published("fireworks-ai", "yi-large")
    assert period.valid_to is None, "one snapshot without it is not enough: it may come back"

    replay(("litellm", "litellm/history/2025-03-01.json"))

    [period] = published("fireworks-ai", "yi-large")
    assert period.valid_to == SHIPPED[("litellm", "litellm/history/2024-12-01.json")].observed_at
    assert not PricePeriod.objects.in_force().filter(offering=period.offering).exists()
    record = SourcePeriod.objects.get(offering=period.offering, component="input")
    assert record.end == EndKind.WITHDRAWN
    model = period.offering.model
    assert "Withdrawn 28 Nov 2024" in text_of(client.get(model.get_absolute_url()))
    offerings = client.get(f"/api/v1/models/{model.key}/").json()["offerings"]
    fireworks = next(o for o in offerings if (o["host"], o["host_model_id"]) == ("fireworks-ai", "yi-large"))
    assert fireworks["withdrawn_on"] == "2024-11-28T05:36:00Z"


def test_one_missing_snapshot_does_not_flap_a_price():
    source = price_source("litellm")
    offering = Offering.objects.create(
        model=Model.objects.create(lab=_provider("openai"), slug="m", name="M"),
        host=_provider("openai"),
        host_model_id="m",
    )
    hosts = {offering.host_id}
    june = day("2026-06-01")

    record_observations({offering.pk: [PriceRecord("input", Decimal(2))]}, source=source, observed_at=june)
    missed = record_observations({}, source=source, observed_at=june + MISSING_GRACE, feed_hosts=hosts)
    back = record_observations(
        {offering.pk: [PriceRecord("input", Decimal(2))]},
        source=source,
        observed_at=june + 2 * MISSING_GRACE,
        feed_hosts=hosts,
    )

    assert (missed.missing, missed.withdrawn, back.withdrawn) == (1, 0, 0)
    [period] = PricePeriod.objects.filter(offering=offering)
    assert (period.valid_from, period.valid_to) == (june, None)
    assert SourcePeriod.objects.get(offering=offering).missing_since is None


def test_litellms_slips_are_held_with_the_evidence_and_the_published_price_stays():
    replay(
        ("litellm", "litellm/history/2026-03-01.json"),
        ("litellm", "litellm/history/2026-06-01.json"),
    )

    held = PendingPriceChange.objects.get(offering__host_model_id="gemini-1.5-flash", component="output")
    assert (held.old_price, held.new_price, held.reason) == (Decimal("0.3"), 0, "drops to $0")
    assert held.evidence["id"] == "gemini/gemini-1.5-flash"
    assert published("google", "gemini-1.5-flash", "output")[-1].price == Decimal("0.3")


def test_an_openrouter_free_id_is_a_free_tier_of_the_model_never_its_price():
    replay(("openrouter", "openrouter/models.json"))

    free = Offering.objects.get(host__slug="openrouter", host_model_id="openai/gpt-oss-20b:free")
    paid = Offering.objects.get(host__slug="openrouter", host_model_id="openai/gpt-oss-20b")
    assert free.pk != paid.pk and free.model_id == paid.model_id
    assert (free.kind, paid.kind) == (OfferingKind.FREE, OfferingKind.PAYG)
    assert published("openrouter", "openai/gpt-oss-20b:free")[0].price == 0
    model = Model.objects.get(pk=paid.model_id)
    assert model.listed_input_price == published("openrouter", "openai/gpt-oss-20b")[0].price > 0


def test_openrouter_aliases_are_not_offerings_and_routers_have_no_price():
    replay(("openrouter", "openrouter/models.json"))

    assert not Offering.objects.filter(host_model_id__startswith="~").exists()
    router = Offering.objects.get(host__slug="openrouter", host_model_id="openrouter/auto")
    assert router.kind == OfferingKind.ROUTER and not router.price_periods.exists()


def test_an_announced_change_comes_into_force_on_its_date_without_a_sync(client):
    with time_machine.travel(dt.datetime(2026, 12, 31, 12, tzinfo=dt.UTC)):
        replay(("genai_prices", "genai-prices/data.json"))
        offering = Offering.objects.get(host__slug="google", host_model_id="gemini-3.6-flash")
        model = offering.model
        page = text_of(client.get(model.get_absolute_url()))
        assert "$0.750" in page.split("Pricing over time")[0]
        assert (
            "At Google, from 1 Jan 2027: cached input $0.150, input $1.50, output $7.50 per 1M tokens" in page
        )
        api = client.get(f"/api/v1/models/{model.key}/prices/?host=google&as_of=2027-01-02").json()
        assert {p["component"]: p["usd_per_million"] for p in api["prices"] if p["mode"] == "standard"}[
            "input"
        ] == "1.5", "as_of honours the stated date of an announced price"
        listed_before = Model.objects.get(pk=model.pk).listed_input_price

    with time_machine.travel(dt.datetime(2027, 1, 1, 0, 10, tzinfo=dt.UTC)):
        apply_scheduled_prices()  # the daily beat job; the page needs not even that
        page = text_of(client.get(model.get_absolute_url()))
        assert "from 1 Jan 2027" not in page
        assert "$1.50" in page.split("Pricing over time")[0]
        assert (listed_before, Model.objects.get(pk=model.pk).listed_input_price) == (
            Decimal("0.75"),
            Decimal("1.5"),
        )


def test_the_api_gives_every_sources_figure_where_they_disagree(client):
    replay(
        ("litellm", "litellm/history/2025-09-01.json"),
        ("llm_prices", "llm-prices/historical-v1.json"),
        ("genai_prices", "genai-prices/data.json"),
    )

    rows = client.get("/api/v1/models/openai/o3/prices/?host=openai&as_of=2026-08-22").json()["prices"]
    [base] = [r for r in rows if (r["component"], r["mode"], r["tier"]) == ("input", "standard", None)]
    assert base["usd_per_million"] == "2"
    assert {q["source"]: q["usd_per_million"] for q in base["quotes"]} == {
        "genai_prices": "2",
        "litellm": "2",
        "llm_prices": "10",  # llm-prices never recorded the June 2025 cut
    }
    page = text_of(client.get("/models/openai/o3/"))
    assert "Sources disagree on input: genai-prices $2.00 (shown), since 2025-06-10" in page
    assert "llm-prices $10.00, since 2026-08-06, last seen 2026-08-06" in page


def _provider(slug: str) -> Provider:
    return Provider.objects.get_or_create(
        slug=slug, defaults={"name": slug, "is_lab": True, "is_host": True}
    )[0]
