"""With DEBUG off (as in the tests), a missing page and a failing view answer with our own pages, not Django's."""

import pytest
from django.db import connection
from django.test import Client

from tests.fixtures import text_of


@pytest.mark.django_db
def test_a_missing_page_is_our_404_with_the_site_around_it_and_a_way_on(reader):
    response = reader.get("/no-such-page/")

    assert response.status_code == 404
    page = text_of(response)
    assert "Page not found" in page and "/no-such-page/" in page
    assert "Tokenledger" in page and "API documentation" in page  # the site's header and footer
    assert 'action="/models/"' in response.content.decode()  # a search to go on from


@pytest.mark.django_db
def test_a_missing_model_is_our_404_too(reader):
    response = reader.get("/models/openai/no-such-model/")

    assert response.status_code == 404 and "Page not found" in text_of(response)


@pytest.mark.urls("tests.urls_with_error")
@pytest.mark.django_db
def test_a_failing_view_is_our_500_which_needs_no_database(django_assert_num_queries):
    client = Client(raise_request_exception=False)

    with django_assert_num_queries(0):
        response = client.get("/broken/")

    assert response.status_code == 500
    page = text_of(response)
    assert "Something went wrong" in page and "Tokenledger" in page
    assert "RuntimeError" not in page and "Traceback" not in page


@pytest.mark.urls("tests.urls_with_error")
@pytest.mark.django_db(transaction=True)
def test_the_500_page_renders_even_when_the_database_is_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise RuntimeError("the database is down")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = Client(raise_request_exception=False).get("/broken/")

    assert response.status_code == 500 and "Something went wrong" in text_of(response)
