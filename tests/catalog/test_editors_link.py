"""The "Editors" link (the admin) shows to signed-in staff only, and never reaches a page cached for readers."""

import pytest

pytestmark = pytest.mark.django_db

PAGES = ["/", "/models/", "/models/openai/gpt-4o/", "/status/", "/changes/"]
EDITORS_LINK = 'href="/admin/">Editors</a>'


@pytest.mark.parametrize("url", PAGES)
def test_an_anonymous_reader_sees_no_editors_link(sample_data, reader, url):
    assert EDITORS_LINK not in reader.get(url).content.decode()


def test_a_signed_in_reader_who_is_not_staff_sees_none_either(sample_data, client, django_user_model):
    client.force_login(django_user_model.objects.create_user("rita-reader"))

    assert EDITORS_LINK not in client.get("/").content.decode()


@pytest.mark.parametrize("url", PAGES)
def test_staff_see_it_and_it_never_leaks_into_the_readers_cache(sample_data, client, editor, url):
    client.get(url)  # an anonymous visit first: the page is cached
    client.force_login(editor)
    assert EDITORS_LINK in client.get(url).content.decode()  # staff are served fresh, not the cached page

    client.logout()
    assert EDITORS_LINK not in client.get(url).content.decode()  # the staff page was not cached either
    client.force_login(editor)
    client.get(url)
    client.logout()
    response = client.get(url)
    assert response.status_code == 200 and EDITORS_LINK not in response.content.decode()
