from io import StringIO

import pytest
from django.core.management import call_command

from catalog.models import Model

pytestmark = pytest.mark.django_db


def load(*args) -> str:
    out = StringIO()
    call_command("load_sample_data", *args, stdout=out)
    return out.getvalue()


def test_a_second_load_of_unchanged_sample_data_is_skipped_and_keeps_the_data(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    first = load()
    assert "Profiles: 6 new" in first
    models = Model.objects.count()

    assert "already loaded" in load()
    assert Model.objects.count() == models
    assert "Profiles: 0 new, 0 updated, 6 unchanged" in load("--force")
