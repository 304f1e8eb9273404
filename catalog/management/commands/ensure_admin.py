import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

USERNAME = "admin"


def credentials_file() -> Path:
    return Path(settings.VAR_DIR) / "admin-credentials.txt"


def shown(path: Path) -> str:
    """The path relative to the project when it lies inside it (var/admin-credentials.txt), else in full."""
    try:
        return str(path.relative_to(settings.BASE_DIR))
    except ValueError:
        return str(path)


def write_private(path: Path, text: str) -> None:
    """Write a file that only its owner can read, from the first byte on."""
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


class Command(BaseCommand):
    help = (
        f"Create a superuser named '{USERNAME}' with a random password if there is no superuser yet, and print "
        "how to log in. The credentials are kept in var/admin-credentials.txt (readable by its owner only)."
    )

    def handle(self, *args, **options):
        User = get_user_model()
        admin_url = settings.SITE_URL.rstrip("/") + reverse("admin:index")
        path = credentials_file()

        if User.objects.filter(is_superuser=True).exists():
            if path.exists():
                self.stdout.write(
                    f"An admin account exists; credentials created earlier are in {shown(path)}:\n"
                    f"{path.read_text().strip()}"
                )
            else:
                names = ", ".join(User.objects.filter(is_superuser=True).values_list("username", flat=True))
                self.stdout.write(
                    f"An admin account exists ({names}): log in at {admin_url} with its password, "
                    f"or reset it with `manage.py changepassword NAME`."
                )
            return

        if User.objects.filter(username=USERNAME).exists():
            raise CommandError(
                f"There is no superuser, but a user named '{USERNAME}' exists: make it one in the shell, "
                "or create another with `manage.py createsuperuser`."
            )

        password = secrets.token_urlsafe(18)
        User.objects.create_superuser(username=USERNAME, email="", password=password)
        line = f"Admin: {admin_url} user {USERNAME} password {password}"
        write_private(path, line + "\n")
        self.stdout.write(self.style.SUCCESS(line))
        self.stdout.write(f"(also written to {shown(path)}, readable by you only)")
