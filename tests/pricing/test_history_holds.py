"""Held prices stay decidable whatever the source does next, and an unreadable entry is not a missing one."""

import datetime as dt
import json
from decimal import Decimal

import pytest

from catalog.models import Model, Offering, Provider
from pricing.history import MISSING_GRACE, record_observations
from pricing.models import PendingPriceChange, PendingStatus, PricePeriod, Review, SourcePeriod
from pricing.records import PriceRecord
from pricing.review import AlreadyDecided, approve
from pricing.runs import run_sync
from pricing.sources import price_source

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)


@pytest.fixture
def offering():
    host, _ = Provider.objects.get_or_create(slug="openai", defaults={"name": "OpenAI"})
    model = Model.objects.create(lab=host, slug="m", name="M")
    return Offering.objects.create(model=model, host=host, host_model_id="m")


def observe(offering, *records, source="litellm", at=T0, whole=True):
    return record_observations(
        {offering.pk: list(records)} if records else {},
        source=price_source(source),
        observed_at=at,
        feed_hosts={offering.host_id} if whole else None,
    )


def pending():
    return list(PendingPriceChange.objects.filter(status=PendingStatus.PENDING))


def test_a_slip_that_recurs_is_one_decision_and_approving_it_counts_every_held_span(offering):
    for week, price in enumerate(["0.3", "0", "0.3", "0"]):
        observe(offering, PriceRecord("output", Decimal(price)), at=T0 + week * MISSING_GRACE)
    [change] = pending()
    assert change.source_period.valid_to is None, "the pending change shows the source's newest held span"

    approve(change, None)

    assert not SourcePeriod.objects.filter(review=Review.HELD).exists()
    assert PricePeriod.objects.in_force(T0 + 4 * MISSING_GRACE).get(offering=offering).price == 0


def hold_a_cut_then_restate_it(offering, restated: Decimal) -> None:
    """genai-prices cuts $10 to $1 from 1 March (held: 10×), then says the new price, `restated`, began 20 Feb."""
    observe(offering, PriceRecord("input", Decimal(10)), source="genai_prices")
    for price, starts, seen in ((Decimal(1), dt.date(2026, 3, 1), 5), (restated, dt.date(2026, 2, 20), 12)):
        observe(
            offering,
            PriceRecord("input", price, starts=starts),
            source="genai_prices",
            at=dt.datetime(2026, 3, seen, tzinfo=dt.UTC),
        )


def test_a_held_cut_restated_with_another_date_stays_decidable(offering):
    hold_a_cut_then_restate_it(offering, Decimal(1))

    [change] = pending()
    assert change.source_period.valid_from.date() == dt.date(2026, 2, 20)


def test_a_held_price_nothing_holds_any_more_is_marked_superseded_and_stays_so(offering):
    hold_a_cut_then_restate_it(offering, Decimal(9))
    [change] = pending()

    with pytest.raises(AlreadyDecided, match="superseded"):
        approve(change, None)

    change.refresh_from_db()
    assert change.status == PendingStatus.SUPERSEDED


def test_one_price_held_twice_in_one_statement_does_not_abort_the_sync(offering):
    observe(offering, PriceRecord("input", Decimal(10), starts=dt.date(2026, 1, 1)), source="llm_prices")

    observe(
        offering,
        PriceRecord("input", Decimal(10), starts=dt.date(2026, 1, 1), ends=dt.date(2026, 2, 1)),
        PriceRecord("input", Decimal(1), starts=dt.date(2026, 2, 1), ends=dt.date(2026, 3, 1)),
        PriceRecord("input", Decimal(1), starts=dt.date(2026, 3, 10)),
        source="llm_prices",
        at=dt.datetime(2026, 3, 20, tzinfo=dt.UTC),
    )

    assert len(pending()) == 1


def test_a_10x_move_restated_from_before_the_first_observation_is_held(offering):
    observe(
        offering,
        PriceRecord("input", Decimal(10)),
        source="genai_prices",
        at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
    )

    changes = observe(
        offering,
        PriceRecord("input", Decimal("0.5"), starts=dt.date(2026, 2, 1)),
        source="genai_prices",
        at=dt.datetime(2026, 3, 8, tzinfo=dt.UTC),
    )

    assert changes.held == 1


def test_an_entry_whose_price_fails_a_check_is_not_missing(tmp_path):
    def feed(price, day):
        path = tmp_path / f"{day}.json"
        entry = {"litellm_provider": "openai", "input_cost_per_token": price, "output_cost_per_token": 1e-05}
        other = {"litellm_provider": "openai", "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06}
        path.write_text(json.dumps({"gpt-4o": entry, "gpt-4o-mini": other}))
        return path

    run_sync("litellm", file=feed(2.5e-06, 1), observed_at=T0)
    for week in (1, 2, 3):
        run = run_sync("litellm", file=feed(-1, week + 1), observed_at=T0 + week * MISSING_GRACE)[0]
        assert run.rejected == 1

    gpt_4o = Offering.objects.get(host_model_id="gpt-4o")
    assert PricePeriod.objects.in_force(T0 + 4 * MISSING_GRACE).get(
        offering=gpt_4o, component="input"
    ).price == Decimal("2.5")


def test_an_announced_price_goes_with_an_entry_its_source_drops(offering):
    scheduled = dt.date(2026, 4, 1)
    observe(
        offering,
        PriceRecord("input", Decimal(4), ends=scheduled),
        PriceRecord("input", Decimal(3), starts=scheduled),
        source="genai_prices",
    )
    first = observe(offering, source="genai_prices", at=T0 + MISSING_GRACE)
    second = observe(offering, source="genai_prices", at=T0 + 2 * MISSING_GRACE)

    assert (first.missing, second.withdrawn) == (1, 1)
    assert not PricePeriod.objects.in_force(dt.datetime(2026, 4, 2, tzinfo=dt.UTC)).filter(offering=offering)
    assert PricePeriod.objects.get(offering=offering).valid_to == T0 + MISSING_GRACE


def test_a_price_whose_end_the_source_now_states_closes_then(offering):
    observe(offering, PriceRecord("input", Decimal(5)), source="llm_prices")

    observe(
        offering,
        PriceRecord("input", Decimal(5), ends=dt.date(2026, 2, 1)),
        source="llm_prices",
        at=dt.datetime(2026, 2, 10, tzinfo=dt.UTC),
    )

    [period] = PricePeriod.objects.filter(offering=offering)
    assert period.valid_to == dt.datetime(2026, 2, 1, tzinfo=dt.UTC)


def test_a_host_a_whole_feed_drops_is_missing_then_withdrawn(tmp_path):
    def feed(name, *ids):
        entries = {
            model_id: {
                "litellm_provider": provider,
                "input_cost_per_token": 1e-06,
                "output_cost_per_token": 2e-06,
            }
            for model_id, provider in ids
        }
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(entries))
        return path

    openai = [("gpt-4o", "openai"), ("gpt-4o-mini", "openai"), ("o3", "openai")]
    run_sync(
        "litellm", file=feed("all", *openai, ("mistral/mistral-large-latest", "mistral")), observed_at=T0
    )
    for week in (1, 2):  # the table no longer has any Mistral entry
        run_sync("litellm", file=feed(f"w{week}", *openai), observed_at=T0 + week * MISSING_GRACE)

    mistral = Offering.objects.get(host__slug="mistral")
    assert not PricePeriod.objects.in_force(T0 + 3 * MISSING_GRACE).filter(offering=mistral).exists()
    assert PricePeriod.objects.filter(offering=mistral).get(component="input").valid_to == T0 + MISSING_GRACE
