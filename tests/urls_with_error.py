"""The site's URLs plus one view that fails, for the 500 page's tests."""

from django.urls import path

from tokenledger.urls import handler400, handler404, handler500  # noqa: F401  the site's error pages
from tokenledger.urls import urlpatterns as site_urlpatterns


def broken_view(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [path("broken/", broken_view), *site_urlpatterns]
