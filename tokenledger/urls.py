from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.generic import TemplateView

from catalog.sitemaps import SITEMAPS
from monitoring.api import router as monitoring_api
from pricing.api import api

api.add_router("", monitoring_api)

# JSON for the API, the site's pages elsewhere (tokenledger.errors).
handler400 = "tokenledger.errors.bad_request"
handler404 = "tokenledger.errors.page_not_found"
handler500 = "tokenledger.errors.server_error"

# The API first: its answers are then found without trying every page's pattern (a fifth of a cached answer's
# time went to resolving it), and no page's path starts with api/v1/.
urlpatterns = [
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("", include("catalog.urls")),
    path("", include("pricing.urls")),
    path("", include("monitoring.urls")),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path(
        "robots.txt",
        TemplateView.as_view(template_name="robots.txt", content_type="text/plain"),
        name="robots",
    ),
]

if settings.DEBUG:  # uploaded illustrations; in production the web server serves MEDIA_ROOT
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
