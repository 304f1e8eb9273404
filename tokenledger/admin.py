"""What the project's admin classes share."""

from django.db import models

# URLs typed without a scheme are https:// (Django 6's default; saying so silences its deprecation warning).
HTTPS_URLS = {models.URLField: {"assume_scheme": "https"}}
