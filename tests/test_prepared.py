"""Querysets compiled once (tokenledger.prepared): the rows of the queryset itself for every value, through the
database's own conversions, and nothing that could answer wrongly."""

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db.models import Count, Subquery

from catalog.models import Model, Offering
from pricing.models import PricePeriod
from tokenledger.prepared import PreparedQuery

pytestmark = pytest.mark.django_db

EVERY_KIND = [  # JSON lists, dates, booleans, decimals, integers, text and a join
    "pk",
    "lab__slug",
    "slug",
    "input_modalities",
    "retires_on",
    "supports_tools",
    "open_weights",
    "listed_input_price",
    "context_window",
]


def of_lab(lab):
    return Model.objects.filter(lab__slug=lab).order_by("name", "pk")


def test_its_rows_are_the_querysets_for_every_value(sample_data):
    models = PreparedQuery(lambda lab: of_lab(lab).values(*EVERY_KIND), lab=str)

    for lab in ["openai", "anthropic", "google", "no-such-lab"]:
        assert models.rows(lab=lab) == list(of_lab(lab).values(*EVERY_KIND))
    rows = models.rows(lab="openai")
    assert rows and any(row["listed_input_price"] is not None for row in rows)
    assert all(isinstance(row["input_modalities"], list) for row in rows)
    assert {type(row["supports_tools"]) for row in rows} == {bool}
    assert {type(row["listed_input_price"]) for row in rows} <= {Decimal, type(None)}


def test_it_gives_tuples_named_tuples_and_single_values_as_the_queryset_does(sample_data):
    for shape in [
        lambda lab: of_lab(lab).values_list("slug", "retires_on"),
        lambda lab: of_lab(lab).values_list("slug", "retires_on", named=True),
        lambda lab: of_lab(lab).values_list("slug", flat=True),
        lambda lab: of_lab(lab).annotate(hosts=Count("offerings")).values_list("hosts", "slug"),
    ]:
        rows, expected = PreparedQuery(shape, lab=str).rows(lab="openai"), list(shape("openai"))
        assert rows == expected and rows
        assert type(rows[0]) is type(expected[0])


def test_aware_datetimes_go_in_and_come_out_as_the_orm_gives_them(sample_data):
    def periods(on):
        return PricePeriod.objects.filter(valid_from__lte=on).order_by("pk").values_list("pk", "valid_from")

    prepared = PreparedQuery(periods, on=dt.datetime)
    ends = sorted(set(PricePeriod.objects.values_list("valid_from", flat=True)))

    for on in [ends[0] - dt.timedelta(seconds=1), ends[0], ends[-1], dt.datetime(2999, 1, 1, tzinfo=dt.UTC)]:
        assert prepared.rows(on=on) == list(periods(on))
    assert prepared.rows(on=ends[-1])[0][1].tzinfo is not None


def test_dates_go_in_as_the_orm_writes_them(sample_data):
    def retiring(day):
        return Model.objects.filter(retires_on__lte=day).order_by("pk").values_list("slug", "retires_on")

    prepared = PreparedQuery(retiring, day=dt.date)
    days = sorted(set(Model.objects.filter(retires_on__isnull=False).values_list("retires_on", flat=True)))

    for day in [days[0] - dt.timedelta(days=1), days[0], days[-1]]:
        assert prepared.rows(day=day) == list(retiring(day))
    assert prepared.rows(day=days[-1])


def test_slices_become_parameters_of_limit_and_offset(sample_data):
    def page(lab, offset, limit):
        models = of_lab(lab)
        return models.filter(pk__in=Subquery(models.values("pk")[offset : offset + limit])).values_list(
            "slug"
        )

    prepared = PreparedQuery(page, lab=str, offset=int, limit=int)

    for offset, limit in [(0, 1), (0, 5), (3, 2), (10_000, 5)]:
        assert prepared.rows(lab="openai", offset=offset, limit=limit) == list(page("openai", offset, limit))
    assert len(prepared.rows(lab="openai", offset=0, limit=5)) == 5


def test_a_run_is_one_query(sample_data, django_assert_num_queries):
    prepared = PreparedQuery(lambda lab: of_lab(lab).values("slug"), lab=str)
    prepared.rows(lab="openai")  # compiled

    with django_assert_num_queries(1):
        prepared.rows(lab="anthropic")


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({}, TypeError),  # lab missing
        ({"lab": "openai", "limit": 5}, TypeError),  # one it does not take
        ({"lab": 5}, TypeError),
        ({"lab": None}, TypeError),  # None would have to be IS NULL
    ],
)
def test_wrong_parameters_are_refused(sample_data, values, error):
    with pytest.raises(error):
        PreparedQuery(lambda lab: of_lab(lab).values("slug"), lab=str).rows(**values)


def test_wrong_kinds_of_numbers_and_times_are_refused(sample_data):
    page = PreparedQuery(lambda n: Model.objects.order_by("pk").values_list("pk")[n : n + 1], n=int)
    since = PreparedQuery(
        lambda on: PricePeriod.objects.filter(valid_from__gt=on).values_list("pk"), on=dt.datetime
    )

    with pytest.raises(TypeError):
        page.rows(n=True)
    with pytest.raises(ValueError, match="negative"):
        page.rows(n=-1)  # SQLite would read LIMIT -1 as no limit
    with pytest.raises(TypeError):
        since.rows(on=dt.date(2026, 1, 1))
    with pytest.raises(ValueError, match="aware"):
        since.rows(on=dt.datetime(2026, 1, 1))


@pytest.mark.parametrize(
    "build",
    [
        lambda word: Model.objects.filter(name__contains=word).values("pk"),  # wrapped in %…%
        lambda word: Model.objects.filter(name__startswith=word).values("pk"),  # escaped, then …%
        lambda word: Model.objects.filter(name__in=word.split(":")).values("pk"),  # not the value given
        lambda word: Model.objects.values("pk"),  # unused
    ],
)
def test_a_parameter_that_does_not_reach_the_sql_as_given_is_refused(db, build):
    with pytest.raises(ValueError, match="cannot be prepared"):
        PreparedQuery(build, word=str).rows(word="gpt")


def test_a_query_that_changes_with_what_is_not_a_parameter_is_refused(db):
    calls = itertools.count()

    with pytest.raises(ValueError, match="changes"):
        PreparedQuery(lambda: Model.objects.filter(pk=next(calls)).values("pk")).rows()


def test_only_values_querysets_can_be_prepared(db):
    with pytest.raises(TypeError, match="values"):
        PreparedQuery(lambda: Offering.objects.all()).rows()
