"""Settings for the test suite: the project's settings, with a throwaway key and a fast password hasher."""

import os
import secrets
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "tests-" + secrets.token_urlsafe(32))
# Tasks the tests enqueue and files they upload stay out of the developer's var/ (and its worker's queue).
os.environ.setdefault("TOKENLEDGER_VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))

from tokenledger.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# The test client and live_server speak plain HTTP; the rest of production's security settings stay on.
SECURE_SSL_REDIRECT = False
# No collectstatic before the tests: WhiteNoise serves static files from where they are, as with DEBUG=1.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    # A test's commits need no durability (the test database is dropped at the end), and waiting for each to
    # reach the disk made the transactional tests several times slower than on SQLite.
    DATABASES["default"]["OPTIONS"]["options"] = "-c synchronous_commit=off"  # noqa: F405
