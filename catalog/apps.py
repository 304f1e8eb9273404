from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from catalog import freshness, search
        from tokenledger import checks, staticfiles  # noqa: F401  register the Redis and plotly checks

        freshness.connect_signals()
        search.connect_signals()
