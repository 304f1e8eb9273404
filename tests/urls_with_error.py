"""The site's URLs plus views that fail (a page's and the API's) and one that logs, for the error pages' and the
request ids' tests."""

import logging
import os

from django.http import HttpResponse
from django.urls import path

from tokenledger.urls import handler400, handler404, handler500  # noqa: F401  the site's error pages
from tokenledger.urls import urlpatterns as site_urlpatterns


def broken_view(request):
    raise RuntimeError("a bug in a view")


def leaky_view(request):
    api_key = os.environ["OPENAI_API_KEY"]  # a local variable, as Sentry's frames report them
    raise RuntimeError(f"the provider refused the key {api_key}")


def logging_view(request):
    logging.getLogger("tests.views").info("serving %s", request.path)
    return HttpResponse("logged")


urlpatterns = [
    path("broken/", broken_view),
    path("api/broken/", broken_view),
    path("logging/", logging_view),
    path("leaky/", leaky_view),
    *site_urlpatterns,
]
