"""Serves plotly.js from the installed plotly package as `vendor/plotly.min.js`.

Pages load plotly from our own static files, never a CDN, and the copy always matches the installed plotly:
nothing is vendored into the repository, and collectstatic copies this one file (not plotly's whole
package_data folder, which is 30 MB).
"""

from __future__ import annotations

from pathlib import Path

import plotly
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_JS = "vendor/plotly.min.js"
_SOURCE = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


class _SingleFileStorage(FileSystemStorage):
    def __init__(self) -> None:
        super().__init__(location=str(_SOURCE.parent))

    def path(self, name: str) -> str:
        return str(_SOURCE) if name == PLOTLY_JS else super().path(name)


class PlotlyFinder(BaseFinder):
    def find(self, path: str, find_all: bool = False, **kwargs):
        if path == PLOTLY_JS:
            return [str(_SOURCE)] if find_all else str(_SOURCE)
        return [] if find_all else None

    def list(self, ignore_patterns):
        yield PLOTLY_JS, _SingleFileStorage()

    def check(self, **kwargs):
        from django.core.checks import Error

        if not _SOURCE.is_file():
            return [Error(f"plotly.js is missing from the plotly package ({_SOURCE})", id="tokenledger.E001")]
        return []
