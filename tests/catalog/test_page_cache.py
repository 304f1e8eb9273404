"""Cached pages that are never stale: a price change, a publication or a new probe batch retires them at once;
browsers revalidate with ETag and Last-Modified. (With REDIS_URL set, as in CI's second pass, the cache is Redis.)"""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache, caches

from catalog import freshness, workflow
from catalog.models import DataVersion, Model, Offering, Profile
from monitoring.models import Adapter, Outcome, ProbeRun, ProbeTarget
from pricing.ledger import record_prices
from pricing.models import PriceSource
from pricing.records import PriceRecord
from tests.fixtures import store_runs, text_of

pytestmark = pytest.mark.django_db

PAGE = "/models/openai/gpt-4o/"


def test_a_second_reader_gets_the_page_from_the_cache(sample_data, reader, django_assert_num_queries):
    first = reader.get(PAGE)

    with django_assert_num_queries(0):  # the data versions were read a moment ago, by the first
        second = reader.get(PAGE)
    assert second.content == first.content and second["ETag"] == first["ETag"]
    assert second["Cache-Control"] == "public, max-age=0, must-revalidate"


def test_a_change_made_by_another_process_is_served_within_a_second(sample_data, reader, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(freshness, "_clock", lambda: now[0])
    before = reader.get(PAGE)
    # What a Celery worker's commit looks like from here: the rows and their version change, and no signal fires
    # in this process.
    Model.objects.filter(lab__slug="openai", slug="gpt-4o").update(name="GPT-4o Renamed")
    DataVersion.objects.filter(scope=freshness.CATALOG).update(version="changed-elsewhere")

    now[0] += freshness.VERSIONS_TRUSTED_FOR / 2
    assert reader.get(PAGE)["ETag"] == before["ETag"]

    now[0] += freshness.VERSIONS_TRUSTED_FOR / 2
    after = reader.get(PAGE)
    assert after["ETag"] != before["ETag"]
    assert "GPT-4o Renamed" in text_of(after)


def test_beside_redis_a_process_serves_the_pages_it_served_last_from_its_own_memory(
    sample_data, reader, settings, django_assert_num_queries
):
    if not settings.REDIS_URL:
        pytest.skip("without REDIS_URL the page cache is already this process's own memory")
    first = reader.get(PAGE)
    cache.clear()  # Redis only

    with django_assert_num_queries(0):
        again = reader.get(PAGE)
    assert again.content == first.content and again["ETag"] == first["ETag"]
    near = caches["near"]
    assert 0 < near._max_entries * freshness.PAGE_MAX_BYTES <= 64 * 1024 * 1024  # bounded per process

    offering = Offering.objects.get(host__slug="openai", host_model_id="gpt-4o")
    record_prices(
        {offering.pk: [PriceRecord("input", Decimal("2.00"))]},
        source=PriceSource.objects.get(slug="models_dev"),
        observed_at=dt.datetime(2026, 8, 3, tzinfo=dt.UTC),
    )
    assert "▼ 20% on 2026-08-03" in text_of(reader.get(PAGE))


def test_beside_redis_a_page_the_cache_missed_is_built_from_the_sections_this_process_kept(
    sample_data, reader, settings, django_assert_max_num_queries
):
    if not settings.REDIS_URL:
        pytest.skip("without REDIS_URL the cache is already this process's own memory")
    reader.get(PAGE, {"input_tokens": "1000"})  # builds the page's sections, kept in Redis and near
    cache.clear()  # Redis only

    with django_assert_max_num_queries(3):  # as from Redis: only the conversation's cost is worked out
        missed = reader.get(PAGE, {"input_tokens": "2000"})

    caches["near"].clear()
    freshness.forget_versions()
    assert missed.content == reader.get(PAGE, {"input_tokens": "2000"}).content  # built from nothing


def test_browsers_revalidate_with_etag_and_last_modified(sample_data, reader):
    first = reader.get(PAGE)

    assert reader.get(PAGE, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert reader.get(PAGE, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    assert reader.get(PAGE, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_a_price_change_retires_the_cached_pages_that_showed_the_old_price(sample_data, reader):
    before = reader.get(PAGE)
    reader.get("/models/?lab=openai")
    offering = Offering.objects.get(host__slug="openai", host_model_id="gpt-4o")

    record_prices(
        {offering.pk: [PriceRecord("input", Decimal("2.00"))]},
        source=PriceSource.objects.get(slug="models_dev"),
        observed_at=dt.datetime(2026, 8, 3, tzinfo=dt.UTC),
    )

    after = reader.get(PAGE)
    assert after["ETag"] != before["ETag"]
    assert reader.get(PAGE, HTTP_IF_NONE_MATCH=before["ETag"]).status_code == 200
    assert "▼ 20% on 2026-08-03" in text_of(after)
    assert "$2.00" in text_of(reader.get("/models/?lab=openai"))


def test_a_publication_retires_the_cached_profile(sample_data, reader, django_user_model):
    reader.get(PAGE)
    author = django_user_model.objects.create_user("ada", is_staff=True)
    reviewer = django_user_model.objects.create_user("grace", is_staff=True)
    reviewer.groups.add(Group.objects.get(name="Reviewers"))
    profile = Profile.objects.get(model__slug="gpt-4o", model__lab__slug="openai")
    draft = workflow.save_draft(workflow.new_revision(profile, author), author)
    draft.tagline = "Freshly published"
    draft.save()
    workflow.submit(draft, author)
    assert "Freshly published" not in text_of(reader.get(PAGE))

    workflow.approve(draft, reviewer)

    assert "Freshly published" in text_of(reader.get(PAGE))


def test_a_new_probe_batch_retires_the_cached_status_and_profile(sample_data, reader):
    target = ProbeTarget.objects.create(
        offering=Offering.objects.get(host__slug="openai", host_model_id="gpt-4o"),
        adapter=Adapter.OPENAI,
        base_url="http://127.0.0.1:9/v1",
    )
    assert "not run yet" in text_of(reader.get("/status/")).lower()
    assert "No measurements yet" in text_of(reader.get(PAGE))

    store_runs(
        [ProbeRun(target=target, started_at=dt.datetime.now(dt.UTC), outcome=Outcome.OK, latency_ms=321)]
    )

    assert "321 ms" in text_of(reader.get("/status/"))
    assert "No measurements yet" not in text_of(reader.get(PAGE))


def test_editors_always_see_fresh_pages(sample_data, admin_client, django_assert_max_num_queries):
    admin_client.get(PAGE)

    with django_assert_max_num_queries(40) as queries:
        response = admin_client.get(PAGE)
    assert len(queries) > 5 and "ETag" not in response
