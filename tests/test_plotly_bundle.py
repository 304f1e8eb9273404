"""Our plotly.js: the basic partial bundle, committed in static/vendor/, on the plotly.js the plotly package targets."""

from pathlib import Path

from django.conf import settings
from plotly.offline import get_plotlyjs_version

from tokenledger import staticfiles

BUNDLE = Path(settings.BASE_DIR) / "static" / staticfiles.PLOTLY_JS


def test_the_bundle_is_the_basic_one_of_the_plotly_js_release_the_plotly_package_writes_for():
    assert staticfiles.bundled_plotly_version() == tuple(map(int, get_plotlyjs_version().split(".")))
    assert BUNDLE.stat().st_size < 1_500_000  # the full plotly.min.js is 4.8 MB
    assert (BUNDLE.parent / "plotly-basic.LICENSE").read_text().startswith("MIT License")
    assert staticfiles.check_plotly_bundle() == []


def test_the_check_fails_on_another_major_version_or_a_missing_bundle(tmp_path, monkeypatch):
    old = tmp_path / "old.js"
    old.write_text("/**\n* plotly.js (basic - minified) v2.35.2\n*/")
    monkeypatch.setattr(staticfiles, "bundled_plotly_version", lambda: (2, 35, 2))
    assert [e.id for e in staticfiles.check_plotly_bundle()] == ["tokenledger.E002"]
    monkeypatch.undo()

    assert staticfiles.bundled_plotly_version(old) == (2, 35, 2)
    assert staticfiles.bundled_plotly_version(tmp_path / "missing.js") is None
