from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from catalog import freshness, search
        from tokenledger import staticfiles  # noqa: F401  registers the plotly bundle's system check

        freshness.connect_signals()
        search.connect_signals()
