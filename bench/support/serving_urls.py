"""The site's URLs and error handlers, and /bench/bare/: a view that reads no database, renders no template and
sets no cookie, so its rate is what Django, the middleware and gunicorn cost (the ceiling of every page)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from tokenledger.urls import handler400, handler404, handler500
from tokenledger.urls import urlpatterns as site_urlpatterns

__all__ = ["handler400", "handler404", "handler500", "urlpatterns"]


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok\n", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), *site_urlpatterns]
