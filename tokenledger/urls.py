from django.contrib import admin
from django.urls import include, path

from monitoring.api import router as monitoring_api
from pricing.api import api

api.add_router("", monitoring_api)

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("catalog.urls")),
    path("", include("pricing.urls")),
    path("", include("monitoring.urls")),
    path("api/v1/", api.urls),
]
