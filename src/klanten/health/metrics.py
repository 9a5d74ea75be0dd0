"""Prometheus metrics of the HTTP requests, labelled by route name (never by path).

Under gunicorn, with several worker processes, the metrics are kept in the directory named by
``PROMETHEUS_MULTIPROC_DIR`` (set by ``klanten.conf.gunicorn``) and added up at scrape time.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)

# the directory may be on a fresh tmpfs or emptyDir volume (it hides the one in the image)
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "<unmatched>"

REQUESTS = Counter(
    "klanten_http_requests_total",
    "HTTP requests, by method, route name and status code.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "klanten_http_request_duration_seconds",
    "Time from the request reaching Django until the response, by method and route name.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


def route_label(request) -> str:
    """The URL pattern's name (``klant-detail``, ``admin:index``), else the pattern itself;
    never the path, which may hold identifiers."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED
    if match.view_name:
        return match.view_name
    return match.route or UNMATCHED


def observe(method: str, route: str, status: int, seconds: float) -> None:
    method = method if method in METHODS else "OTHER"
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


def render() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry), CONTENT_TYPE_LATEST
