"""Bench-only settings: the production settings plus a URLconf with the framework floor.

Loaded with ``PYTHONPATH=bench:src DJANGO_SETTINGS_MODULE=benchsettings`` by ``bench/run``;
the product never ships it (``bench/`` is not in the image).
"""

from klanten.conf.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
