"""Settings for bench/serving.py's gunicorn: the site's production settings as they are (DEBUG off), with static
files collected into the benchmark's temporary folder and a bare view beside the site's URLs."""

import os

from tokenledger.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
ROOT_URLCONF = "bench.support.serving_urls"
