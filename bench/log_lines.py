"""Benchmark: what a log line costs to write, plain and JSON, with the secrets of the environment redacted from it
(tokenledger.logs), next to the standard library's plain formatter without redaction. A request writes one or
two lines (gunicorn's access line, and Django's on an error).

Formats in memory (no I/O): the median of five rounds of 5,000 lines each, for a short line and for an error
with its traceback.
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ["TOKENLEDGER_VAR_DIR"] = tempfile.mkdtemp(prefix="tokenledger-bench-")
os.environ.setdefault("OPENAI_API_KEY", "sk-bench-" + "0" * 40)  # one API key to look for, as in production

import django

django.setup()

from tokenledger.logs import PLAIN_FORMAT, JsonFormatter, PlainFormatter  # noqa: E402

LINES, ROUNDS = 5_000, 5


def records() -> dict[str, logging.LogRecord]:
    short = logging.LogRecord(
        "pricing.sync", logging.INFO, __file__, 1, "synced %s: %d prices", ("x", 12), None
    )
    try:
        raise RuntimeError("the provider answered 500")
    except RuntimeError:
        error = logging.LogRecord(
            "django.request",
            logging.ERROR,
            __file__,
            1,
            "Internal Server Error: %s",
            ("/x/",),
            sys.exc_info(),
        )
    return {"short line": short, "error with traceback": error}


def microseconds_per_line(formatter: logging.Formatter, record: logging.LogRecord) -> float:
    rounds = []
    for _ in range(ROUNDS):
        record.exc_text = None  # formatted anew each time, as for a new record
        started = time.perf_counter()
        for _ in range(LINES):
            formatter.format(record)
            record.exc_text = None
        rounds.append((time.perf_counter() - started) / LINES * 1e6)
    return statistics.median(rounds)


def main() -> None:
    formatters = {
        "json (ours)": JsonFormatter(),
        "plain (ours)": PlainFormatter(PLAIN_FORMAT),
        "plain (stdlib, no redaction)": logging.Formatter(PLAIN_FORMAT),
    }
    for label, record in records().items():
        print(f"{label}:")
        for name, formatter in formatters.items():
            print(f"  {name:30} {microseconds_per_line(formatter, record):8.1f} µs per line")


if __name__ == "__main__":
    main()
