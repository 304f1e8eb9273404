from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    path("methodology/", views.methodology, name="methodology"),
    path("benchmarks/", views.benchmarks, name="benchmarks"),
    path("compare/", views.compare, name="compare"),
    path("changes/", views.recent_changes, name="changes"),
    path("models/", views.model_list, name="model_list"),
    path("search/suggestions/", views.search_suggestions, name="search_suggestions"),
    path("models/<str:lab>/", views.provider, name="provider"),
    path("models/<str:lab>/<str:model>/", views.model_detail, name="model"),
]
