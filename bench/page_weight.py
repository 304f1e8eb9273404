"""Benchmark: what a reader's browser downloads for the main pages (profile, browse, compare, home), by kind:
JavaScript and everything, as served and gzipped, counted from every request Debian's chromium makes (scripts a
page loads later included). The baseline is the whole plotly.js of the plotly wheel, as a ratio to the bundle
the site serves.

Loads the shipped sample data into a throwaway folder, serves it with the development server on a free port of
127.0.0.1, and leaves the developer's var/ alone.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.support.processes import free_port  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

PAGES = {
    "profile (GPT-4o, reviewed)": "/models/openai/gpt-4o/",
    "profile (no editorial profile)": "/models/openai/gpt-4.1-mini/",
    "browse": "/models/",
    "compare (3 models)": "/compare/?models=openai/gpt-4o,anthropic/claude-sonnet-4-5,google/gemini-2.5-flash",
    "home": "/",
}


def _serve(env: dict[str, str], port: int) -> subprocess.Popen:
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "prepare_site"], env=env, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/robots.txt", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the development server did not answer within 20 s")


def _kib(size: int) -> str:
    return f"{size / 1024:,.0f} KiB"


def main() -> None:
    port = free_port()
    env = {
        **os.environ,
        "DEBUG": "1",
        "DEMO_PROBES": "0",
        "TOKENLEDGER_VAR_DIR": tempfile.mkdtemp(prefix="tokenledger-bench-"),
    }
    env.pop("DATABASE_URL", None)  # a throwaway SQLite database, whatever the shell says
    server = _serve(env, port)
    base = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            print(f"{'page':32} {'requests':>8} {'JS':>10} {'JS gzipped':>11} {'total':>10} {'gzipped':>10}")
            plotly_sizes: set[tuple[str, int]] = set()
            for label, path in PAGES.items():
                context = browser.new_context(viewport={"width": 1366, "height": 900})
                page = context.new_page()
                finished = []
                page.on("requestfinished", lambda request, seen=finished: seen.append(request))
                page.goto(base + path, wait_until="networkidle")
                rows = []
                for request in finished:
                    body = urllib.request.urlopen(request.url).read()
                    rows.append((request.resource_type, len(body), len(gzip.compress(body))))
                    if "plotly" in request.url:
                        plotly_sizes.add((request.url.rsplit("/", 1)[-1], len(body)))
                scripts = [row for row in rows if row[0] == "script"]
                print(
                    f"{label:32} {len(rows):>8} {_kib(sum(r[1] for r in scripts)):>10}"
                    f" {_kib(sum(r[2] for r in scripts)):>11} {_kib(sum(r[1] for r in rows)):>10}"
                    f" {_kib(sum(r[2] for r in rows)):>10}"
                )
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=15)

    import plotly

    whole = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
    for name, size in sorted(plotly_sizes):
        print(
            f"plotly served: {name} {_kib(size)}; the wheel's whole plotly.min.js {_kib(whole.stat().st_size)}"
            f" ({whole.stat().st_size / size:.1f}x the bundle served)"
        )


if __name__ == "__main__":
    main()
