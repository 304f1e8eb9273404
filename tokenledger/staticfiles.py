"""Static files: whether collectstatic has run where production needs it, and our copy of plotly.js.

With DEBUG off, static files are WhiteNoise's CompressedManifestStaticFilesStorage: every {% static %} looks its
name up in the manifest collectstatic writes, and a missing manifest makes every page a 500. gunicorn.conf.py
refuses to start without it (`missing_manifest`).

Our copy of plotly.js: the official basic partial bundle (scatter, bar and pie traces, all our charts use),
committed in `static/vendor/` with its licence and refreshed from npm by `make plotly-js`.

The full plotly.min.js in the plotly wheel is 4.8 MB; the basic bundle of the same plotly.js release is 1.2 MB.
A system check keeps the bundle on the plotly.js major version the installed plotly package writes figures for.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.core import checks

PLOTLY_JS = "vendor/plotly-basic.min.js"
_HEADER = re.compile(rb"plotly\.js \(basic - minified\) v(\d+)\.(\d+)\.(\d+)")


def bundled_plotly_version(path: Path | None = None) -> tuple[int, int, int] | None:
    """The plotly.js version in the bundle's licence header; None without a readable bundle."""
    path = path or Path(settings.BASE_DIR) / "static" / PLOTLY_JS
    try:
        with path.open("rb") as bundle:
            match = _HEADER.search(bundle.read(400))
    except OSError:
        return None
    return tuple(int(part) for part in match.groups()) if match else None


def missing_manifest() -> str:
    """What is wrong when the static files storage needs collectstatic's manifest and it is not there; else ""."""
    from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage

    if not isinstance(staticfiles_storage, ManifestFilesMixin):  # DEBUG: files served from where they are
        return ""
    manifest = Path(staticfiles_storage.path(staticfiles_storage.manifest_name))
    if manifest.is_file():
        return ""
    return f"{manifest} is missing: run `manage.py collectstatic --noinput` first (make serve does)"


@checks.register
def check_plotly_bundle(**kwargs) -> list[checks.CheckMessage]:
    from plotly.offline import get_plotlyjs_version

    bundled = bundled_plotly_version()
    if bundled is None:
        return [
            checks.Error(f"static/{PLOTLY_JS} is missing or has no version header", id="tokenledger.E001")
        ]
    expected = get_plotlyjs_version()
    if bundled[0] != int(expected.split(".")[0]):
        return [
            checks.Error(
                f"static/{PLOTLY_JS} is plotly.js {'.'.join(map(str, bundled))}, but the installed plotly package "
                f"writes figures for plotly.js {expected}",
                hint="make plotly-js",
                id="tokenledger.E002",
            )
        ]
    return []
