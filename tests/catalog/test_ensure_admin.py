import re
import stat
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db

LOGIN_LINE = re.compile(r"^Admin: http://127\.0\.0\.1:8000/admin/ user admin password (\S{20,})$", re.M)


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.SITE_URL = "http://127.0.0.1:8000"
    return tmp_path


def ensure_admin() -> str:
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    return out.getvalue()


def test_it_creates_a_superuser_with_a_random_password_and_says_how_to_log_in(var_dir):
    output = ensure_admin()

    password = LOGIN_LINE.search(output).group(1)
    user = authenticate(username="admin", password=password)
    assert user is not None and user.is_superuser and user.is_staff
    credentials = var_dir / "admin-credentials.txt"
    assert LOGIN_LINE.search(credentials.read_text()).group(1) == password
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600


def test_the_password_is_never_the_same_twice(var_dir):
    first = LOGIN_LINE.search(ensure_admin()).group(1)
    get_user_model().objects.all().delete()
    (var_dir / "admin-credentials.txt").unlink()

    second = LOGIN_LINE.search(ensure_admin()).group(1)

    assert first != second


def test_running_it_again_changes_nothing_and_points_to_the_credentials_made_earlier(var_dir):
    password = LOGIN_LINE.search(ensure_admin()).group(1)

    output = ensure_admin()

    assert "an admin account exists; credentials created earlier are in" in output.lower()
    assert LOGIN_LINE.search(output).group(1) == password
    assert get_user_model().objects.count() == 1
    assert authenticate(username="admin", password=password) is not None


def test_it_leaves_a_superuser_made_by_hand_alone(var_dir):
    get_user_model().objects.create_superuser("editor", "", "a long passphrase")

    output = ensure_admin()

    assert "An admin account exists (editor)" in output
    assert "changepassword" in output
    assert list(get_user_model().objects.values_list("username", flat=True)) == ["editor"]
    assert not (var_dir / "admin-credentials.txt").exists()


def test_it_refuses_to_take_over_an_ordinary_user_named_admin(var_dir):
    get_user_model().objects.create_user("admin", "", "a long passphrase")

    with pytest.raises(CommandError, match="a user named 'admin' exists"):
        ensure_admin()

    assert not get_user_model().objects.get(username="admin").is_superuser
