"""gunicorn's settings for the web process (Procfile's `web:`; README: Deploying). Read from the environment:

- BIND, else 0.0.0.0:PORT (PORT 8000 unless set, as platforms that read a Procfile set it);
- WEB_CONCURRENCY worker processes, else 2 per core + 1, at most MAX_WORKERS (each is a whole Django process);
- LOG_LEVEL and LOG_FORMAT (plain or json) for gunicorn's own log and the access log, one line per request with
  its duration, through the same handler, format and redaction as the site's (tokenledger.logs).
"""

import os
import sys
from pathlib import Path

from tokenledger.logs import logging_config

MAX_WORKERS = 12  # about 100 MB each: 2 cores make 5, and a large machine does not start dozens


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may run on (a container's cpuset)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


bind = os.environ.get("BIND") or f"0.0.0.0:{os.environ.get('PORT') or '8000'}"
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * _cores() + 1, MAX_WORKERS))

# A request that takes longer than this is killed (its worker restarted): pages answer in well under a second.
timeout = 30
graceful_timeout = 30  # on SIGTERM, requests in flight get this long to finish
keepalive = 5  # behind a proxy that keeps connections open to us
# Each worker is replaced after ten to fifteen thousand requests, bounding any slow leak; the jitter is wide
# because an even load brings every worker to its limit together (with 1000 + up to 100, all four were replaced
# within the same second, and a worker starts with an empty local-memory cache).
max_requests = 10_000
max_requests_jitter = 5_000
# The site is imported once, in the master (its views, templates and chart writer too: when_ready), and each
# worker is a fork of it, so a replacement worker serves at once. Each used to import Django and the site itself,
# ~2 s of CPU (4 s where no bytecode is cached), and its first pages imported the rest: when the workers were
# replaced together, the site answered nothing for seconds (measured: 6.4 s without an answer, 20 clients).
preload_app = True

accesslog = "-"
# Behind a proxy the peer is the proxy: the client's address is in X-Forwarded-For. %(M)s: milliseconds taken.
access_log_format = '%(h)s %({x-forwarded-for}i)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict = logging_config(os.environ.get("LOG_FORMAT", "plain"), os.environ.get("LOG_LEVEL", "INFO"))

# Whether a request came over HTTPS is decided by Django alone (TRUSTED_PROXY_HEADER in settings), not also by
# gunicorn's default trust in X-Forwarded-Proto from 127.0.0.1.
secure_scheme_headers: dict[str, str] = {}

# The workers' heartbeat files in memory: a container's /tmp may be a slow overlay filesystem.
if Path("/dev/shm").is_dir():
    worker_tmp_dir = "/dev/shm"


def when_ready(server) -> None:
    """In the master, before the first fork: import what the first requests of every worker would import (the
    views through the URLconf, the template engines and their tag libraries, plotly's JSON writer), compile the
    log lines' redaction pattern (every spelling of every secret: 0.9 s, at each worker's first access line),
    and hold no database connection that the forks would share."""
    import plotly.io as pio
    from django.db import connections
    from django.template import engines
    from django.urls import get_resolver

    from tokenledger.logs import log_secrets
    from tokenledger.redaction import redact

    get_resolver()._populate()
    engines.all()
    pio.to_json({"data": [], "layout": {}}, validate=False)
    redact("", log_secrets())
    connections.close_all()


def on_starting(server) -> None:
    """Refuse to start without collectstatic's manifest: with DEBUG off every page would answer 500
    ("Missing staticfiles manifest entry")."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tokenledger.settings")
    from tokenledger.staticfiles import missing_manifest

    if problem := missing_manifest():
        print(f"gunicorn: {problem}", file=sys.stderr)
        sys.exit(1)
