from django.urls import path

from pricing import views
from pricing.feeds import PriceChangesFeed, ProviderPriceChangesFeed

app_name = "pricing"

urlpatterns = [
    # Distinct from catalog:model (models/<lab>/<model>/) by its last part.
    path("models/<str:lab>/<str:model>/prices.csv", views.history_csv, name="history_csv"),
    path("feeds/price-changes.atom", PriceChangesFeed(), name="feed"),
    path("feeds/providers/<str:slug>/price-changes.atom", ProviderPriceChangesFeed(), name="provider_feed"),
]
