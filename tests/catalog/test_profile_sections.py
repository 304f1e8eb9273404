"""A model's page read at another conversation is built from its cached sections and its kept skeleton
(catalog.sections): what a reader sees is the page built from scratch, a price change, a publication or a probe
batch shows on the next answer, and no editor's page reaches a reader."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from catalog import workflow
from catalog.models import Model, Offering, OfferingKind, Profile, Provider
from monitoring.models import Adapter, Outcome, ProbeRun, ProbeTarget
from pricing.ledger import record_prices
from pricing.models import PriceSource
from pricing.records import PriceRecord
from tests.fixtures import empty_caches, store_runs, text_of

pytestmark = pytest.mark.django_db

PAGE = "/models/openai/gpt-4o/"
MANY_HOSTS = "/models/anthropic/claude-sonnet-4-5/"


def built_from_scratch(client, url: str) -> bytes:
    empty_caches()
    return client.get(url).content


@pytest.fixture
def signed_in_reader(client, django_user_model):
    """A reader with an account but no editor's rights: sees the page anyone sees, built whole for them (no
    section, no skeleton: catalog.sections keeps only anonymous readers' parts)."""
    from django.test import Client

    signed_in = Client()
    signed_in.force_login(django_user_model.objects.create_user("rita-reader"))
    return signed_in


@pytest.mark.parametrize("url", [PAGE, MANY_HOSTS, "/models/openai/gpt-4o-audio-preview-2024-12-17/"])
def test_a_page_from_cached_sections_is_the_page_built_from_scratch(sample_data, reader, url, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 4, 15, 30, tzinfo=dt.UTC), tick=False)
    reader.get(f"{url}?input_tokens=1000")  # the sections are kept

    for query in ("?input_tokens=250000", "?output_tokens=90000", "?input_tokens=12&output_tokens=7", ""):
        from_sections = reader.get(url + query).content
        assert from_sections == built_from_scratch(reader, url + query)


@pytest.mark.parametrize(
    "url",
    [
        PAGE,
        MANY_HOSTS,
        "/models/openai/gpt-4o-audio-preview-2024-12-17/",
        "/models/google/gemini-2.5-pro/",
        "/models/openai/gpt-4o-mini/",  # not reviewed
    ],
)
def test_a_page_from_its_kept_skeleton_is_the_page_built_whole(
    sample_data, reader, signed_in_reader, url, time_machine
):
    time_machine.move_to(dt.datetime(2026, 12, 4, 15, 30, tzinfo=dt.UTC), tick=False)
    # The first answer keeps the skeleton, the others are built from it (each address once: the page cache
    # would answer it again).
    queries = (
        "?input_tokens=1000",
        "?input_tokens=250000",
        "?input_tokens=0&output_tokens=0",
        "?output_tokens=90000",
        "",
        "?input_tokens=lots",  # a notice about the address, outside the holes
    )
    for query in queries:
        assert reader.get(url + query).content == signed_in_reader.get(url + query).content, query


def test_the_skeleton_is_kept_for_each_first_host(sample_data, reader, signed_in_reader, time_machine):
    """Without the lab's own API the cheapest host comes first, and the conversation decides which it is."""
    time_machine.move_to(dt.datetime(2026, 12, 4, 15, 30, tzinfo=dt.UTC), tick=False)
    model = Model.objects.create(lab=Provider.objects.get(slug="mistral"), slug="open-test", name="Open Test")
    prices = {"azure": ("0.10", "9.00"), "openrouter": ("5.00", "0.20")}
    for host, (input_price, output_price) in prices.items():
        offering = Offering.objects.create(
            model=model,
            host=Provider.objects.get(slug=host),
            host_model_id="open-test",
            kind=OfferingKind.PAYG,
        )
        record_prices(
            {
                offering.pk: [
                    PriceRecord("input", Decimal(input_price)),
                    PriceRecord("output", Decimal(output_price)),
                ]
            },
            source=PriceSource.objects.get(slug="models_dev"),
            observed_at=dt.datetime(2026, 8, 3, tzinfo=dt.UTC),
        )
    url = model.get_absolute_url()

    input_heavy = reader.get(f"{url}?input_tokens=1000000&output_tokens=0")
    output_heavy = reader.get(f"{url}?input_tokens=0&output_tokens=1000000")

    assert "At Azure" in text_of(input_heavy)
    assert "At OpenRouter" in text_of(output_heavy)
    assert output_heavy.content == signed_in_reader.get(f"{url}?input_tokens=0&output_tokens=1000000").content
    assert reader.get(f"{url}?input_tokens=900000&output_tokens=1").content == (
        signed_in_reader.get(f"{url}?input_tokens=900000&output_tokens=1").content
    )


def test_each_model_gets_its_own_sections(sample_data, reader, time_machine):
    time_machine.move_to(dt.datetime(2026, 12, 4, 15, 30, tzinfo=dt.UTC), tick=False)
    fresh = {url: built_from_scratch(reader, f"{url}?input_tokens=7") for url in (PAGE, MANY_HOSTS)}
    empty_caches()

    reader.get(f"{PAGE}?input_tokens=1")
    reader.get(f"{MANY_HOSTS}?input_tokens=1")

    assert reader.get(f"{PAGE}?input_tokens=7").content == fresh[PAGE]
    assert reader.get(f"{MANY_HOSTS}?input_tokens=7").content == fresh[MANY_HOSTS]


def test_a_price_change_shows_on_the_next_answer(sample_data, reader):
    reader.get(f"{PAGE}?input_tokens=1000")
    offering = Offering.objects.get(host__slug="openai", host_model_id="gpt-4o")

    record_prices(
        {offering.pk: [PriceRecord("input", Decimal("2.00"))]},
        source=PriceSource.objects.get(slug="models_dev"),
        observed_at=dt.datetime(2026, 8, 3, tzinfo=dt.UTC),
    )

    page = text_of(reader.get(f"{PAGE}?input_tokens=2000"))
    assert "▼ 20% on 2026-08-03" in page  # the price notes
    assert "Input $2.00" in page  # the table of hosts
    assert "≈ $0.00600" in page  # 2,000 input tokens at $2.00 and 200 output at $10.00


def test_a_publication_shows_on_the_next_answer(sample_data, reader, django_user_model):
    reader.get(f"{PAGE}?input_tokens=1000")
    author = django_user_model.objects.create_user("ada", is_staff=True)
    reviewer = django_user_model.objects.create_user("grace", is_staff=True)
    reviewer.groups.add(Group.objects.get(name="Reviewers"))
    draft = workflow.save_draft(
        workflow.new_revision(Profile.objects.get(model__slug="gpt-4o", model__lab__slug="openai"), author),
        author,
    )
    draft.tagline = "Freshly published"
    draft.save()
    workflow.submit(draft, author)

    workflow.approve(draft, reviewer)

    assert "Freshly published" in text_of(reader.get(f"{PAGE}?input_tokens=2000"))


def test_a_new_probe_batch_shows_on_the_next_answer(sample_data, reader):
    target = ProbeTarget.objects.create(
        offering=Offering.objects.get(host__slug="openai", host_model_id="gpt-4o"),
        adapter=Adapter.OPENAI,
        base_url="http://127.0.0.1:9/v1",
    )
    assert "Last automated test: none yet" in text_of(reader.get(f"{PAGE}?input_tokens=1000"))

    store_runs(
        [ProbeRun(target=target, started_at=dt.datetime.now(dt.UTC), outcome=Outcome.OK, latency_ms=321)]
    )

    assert "P50 321 ms" in text_of(reader.get(f"{PAGE}?input_tokens=2000"))


def test_a_reader_never_gets_an_editors_page_nor_an_editor_a_readers(
    sample_data, reader, admin_client, time_machine
):
    time_machine.move_to(dt.datetime(2026, 12, 4, 15, 30, tzinfo=dt.UTC), tick=False)
    reader_page = built_from_scratch(reader, f"{PAGE}?input_tokens=1000")
    editor_page = admin_client.get(f"{PAGE}?input_tokens=1000").content  # first: would leave its sections
    assert b">Editors</a>" in editor_page

    assert reader.get(f"{PAGE}?input_tokens=1000").content == reader_page
    assert (
        admin_client.get(f"{PAGE}?input_tokens=2000").content
        == admin_client.get(f"{PAGE}?input_tokens=2000").content
    )
    assert b">Editors</a>" in admin_client.get(f"{PAGE}?input_tokens=1000").content


@pytest.mark.parametrize("url", [PAGE, MANY_HOSTS])
def test_a_page_from_warm_sections_takes_a_few_queries_whatever_the_conversation(
    sample_data, reader, url, django_assert_max_num_queries
):
    with django_assert_max_num_queries(40) as cold:
        reader.get(f"{url}?input_tokens=1000")

    with django_assert_max_num_queries(
        3
    ) as warm:  # the data versions: the page's, and two sets its sections read
        reader.get(f"{url}?input_tokens=2000")
    with django_assert_max_num_queries(len(warm)):
        reader.get(f"{url}?output_tokens=50000")
    assert len(warm) < len(cold) / 4


def test_a_model_priced_for_input_only_has_a_page(sample_data, reader):
    lab = Provider.objects.get(slug="openai")
    model = Model.objects.create(lab=lab, slug="text-embedding-test", name="Text Embedding Test")
    offering = Offering.objects.create(
        model=model, host=lab, host_model_id="text-embedding-test", kind=OfferingKind.PAYG
    )
    record_prices(
        {offering.pk: [PriceRecord("input", Decimal("0.02"))]},
        source=PriceSource.objects.get(slug="models_dev"),
        observed_at=dt.datetime(2026, 8, 3, tzinfo=dt.UTC),
    )

    response = reader.get(model.get_absolute_url())

    assert response.status_code == 200
    page = text_of(response)
    assert "Input $0.0200 per 1M tokens Output — per 1M tokens" in page
    assert "Output —: —" in page
