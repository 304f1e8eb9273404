"""Which environment variable a probe target may read its API key from.

A target names a variable, and whatever it holds is sent to the target's server as a bearer token: so only
names matching PROBE_KEY_ENV_PATTERNS (`*_API_KEY` unless the operator widens it), and never a variable or
setting of the site itself, whatever the patterns say (SECRET_KEY, DATABASE_URL, REDIS_URL, SENTRY_DSN, …).
"""

from __future__ import annotations

import os
import re
from fnmatch import fnmatchcase

from django.conf import settings

from tokenledger.env import NAMES_READ

_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
# Read by libraries rather than by our settings' env helpers, or commonly set beside the site.
_SITE_VARIABLES = frozenset(
    {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SENTRY_DSN", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"}
)


def site_variables() -> frozenset[str]:
    """The names of the site's own settings and of every environment variable its settings read."""
    return _SITE_VARIABLES | NAMES_READ | {name for name in dir(settings) if name.isupper()}


def key_variable_problem(name: str) -> str:
    """Why a probe target may not read its key from this variable; "" if it may (or names none)."""
    if not name:
        return ""
    if not _NAME.fullmatch(name):
        return f"{name!r} is not an environment variable name (capital letters, digits and _)"
    if name in site_variables():
        return f"{name} is one of this site's own settings; it is never sent to a provider"
    patterns = settings.PROBE_KEY_ENV_PATTERNS
    if not any(fnmatchcase(name, pattern) for pattern in patterns):
        return (
            f"{name} does not match the variables allowed for API keys ({', '.join(patterns) or 'none'}); "
            "PROBE_KEY_ENV_PATTERNS sets them"
        )
    return ""


def read_key(name: str) -> tuple[str, str]:
    """The key in the variable, and why none was read if the variable is not allowed (the key is then "")."""
    problem = key_variable_problem(name)
    if problem or not name:
        return "", problem
    return os.environ.get(name, ""), ""
