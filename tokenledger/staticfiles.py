"""Our copy of plotly.js: the official basic partial bundle (scatter, bar and pie traces, all our charts use),
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
