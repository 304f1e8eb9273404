"""The site's WSGI application on 127.0.0.1:<port> (wsgiref, one request at a time), for benchmarks that measure
the server process. On SIGUSR1 it writes what its page cache holds to the file named by BENCH_STATS_FILE, as
JSON: {"entries": pages cached, "bytes": their stored size}. Run from the checkout to serve (it is on sys.path).

    python bench/support/stats_server.py PORT
"""

from __future__ import annotations

import json
import os
import signal
import sys
from wsgiref.simple_server import WSGIRequestHandler, make_server

sys.path.insert(0, os.getcwd())  # the checkout served, which may be another than this script's
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tokenledger.settings")

from django.core.cache import cache
from django.core.wsgi import get_wsgi_application


def cache_stats() -> dict[str, int]:
    if isinstance(getattr(cache, "_cache", None), dict):  # LocMemCache: pickled values by key
        pages = [value for key, value in cache._cache.items() if ":page:" in key]
        return {"entries": len(pages), "bytes": sum(len(value) for value in pages)}
    client = cache._cache.get_client()
    keys = client.keys(cache.make_key("page:*"))
    return {"entries": len(keys), "bytes": sum(client.strlen(key) for key in keys)}


def write_stats(signum, frame) -> None:
    path = os.environ["BENCH_STATS_FILE"]
    with open(path + ".part", "w") as f:
        json.dump(cache_stats(), f)
    os.replace(path + ".part", path)


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args) -> None:
        pass


def main() -> None:
    application = get_wsgi_application()
    signal.signal(signal.SIGUSR1, write_stats)
    with make_server("127.0.0.1", int(sys.argv[1]), application, handler_class=QuietHandler) as server:
        server.serve_forever()


if __name__ == "__main__":
    main()
