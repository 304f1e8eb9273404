import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from catalog.models import Model, Offering, Provider
from pricing.ledger import StaleObservation, record_prices
from pricing.models import PricePeriod
from pricing.records import PriceRecord
from pricing.sources import price_source

pytestmark = pytest.mark.django_db

JUNE = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
SEPTEMBER = dt.datetime(2025, 9, 1, tzinfo=dt.UTC)
DECEMBER = dt.datetime(2025, 12, 1, tzinfo=dt.UTC)


@pytest.fixture
def o3():
    openai = Provider.objects.create(slug="openai", name="OpenAI", is_lab=True, is_host=True)
    model = Model.objects.create(lab=openai, slug="o3", name="o3")
    return Offering.objects.create(model=model, host=openai, host_model_id="o3")


def record(offering, observed_at, **prices):
    return record_prices(
        {offering.pk: [PriceRecord(c, Decimal(p)) for c, p in prices.items()]},
        source=price_source("litellm"),
        observed_at=observed_at,
    )


def test_a_first_observation_opens_a_period_per_component(o3):
    changes = record(o3, JUNE, input="10", output="40")

    assert changes.opened == 2
    assert list(
        PricePeriod.objects.in_force().values_list("component", "price", "valid_from", "valid_to")
    ) == [
        ("input", Decimal("10"), JUNE, None),
        ("output", Decimal("40"), JUNE, None),
    ]


def test_a_price_change_closes_the_open_period_and_opens_the_next(o3):
    record(o3, JUNE, input="10", output="40")

    changes = record(o3, SEPTEMBER, input="2", output="8")

    assert changes.changed == 2
    history = list(o3.price_periods.filter(component="input").values_list("price", "valid_from", "valid_to"))
    assert history == [(Decimal("10"), JUNE, SEPTEMBER), (Decimal("2"), SEPTEMBER, None)]


def test_the_price_in_force_on_a_past_date_is_the_one_of_that_period(o3):
    record(o3, JUNE, input="10")
    record(o3, SEPTEMBER, input="2")

    on_july = PricePeriod.objects.in_force(on=dt.datetime(2025, 7, 15, tzinfo=dt.UTC)).get(component="input")

    assert on_july.price == Decimal("10")


def test_the_same_prices_again_write_nothing(o3):
    record(o3, JUNE, input="10", output="40")

    changes = record(o3, SEPTEMBER, input="10.000", output="40")

    assert (changes.opened, changes.changed, changes.unchanged) == (0, 0, 2)
    assert PricePeriod.objects.count() == 2
    assert set(PricePeriod.objects.values_list("observed_at", flat=True)) == {JUNE}


def test_an_observation_older_than_the_open_period_is_refused_and_changes_nothing(o3):
    record(o3, SEPTEMBER, input="2")

    with pytest.raises(StaleObservation, match="before its open period"):
        record(o3, JUNE, input="10")
    assert list(PricePeriod.objects.values_list("price", "valid_to")) == [(Decimal("2"), None)]


def test_the_database_forbids_two_open_periods_for_the_same_key(o3):
    record(o3, JUNE, input="10")

    with pytest.raises(IntegrityError), transaction.atomic():
        PricePeriod.objects.create(
            offering=o3,
            component="input",
            price=Decimal("3"),
            valid_from=DECEMBER,
            observed_at=DECEMBER,
            source=price_source("litellm"),
        )


def test_the_database_forbids_a_negative_price(o3):
    with pytest.raises(IntegrityError), transaction.atomic():
        PricePeriod.objects.create(
            offering=o3,
            component="input",
            price=Decimal("-1"),
            valid_from=JUNE,
            observed_at=JUNE,
            source=price_source("litellm"),
        )


def test_the_database_forbids_overlapping_periods_of_the_same_key(o3):
    record(o3, JUNE, input="10")
    record(o3, DECEMBER, input="2")  # June–December closed, December open

    with pytest.raises(IntegrityError), transaction.atomic():
        PricePeriod.objects.create(
            offering=o3,
            component="input",
            price=Decimal("5"),
            valid_from=SEPTEMBER,
            valid_to=DECEMBER,
            observed_at=SEPTEMBER,
            source=price_source("litellm"),
        )
    closed = PricePeriod.objects.get(component="input", valid_to=DECEMBER)
    closed.valid_to = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with pytest.raises(IntegrityError), transaction.atomic():
        closed.save()
