"""Middleware for running in production: request ids and request logs, metrics, health
endpoints before the host check, static files, and the Content-Security-Policy header."""

from __future__ import annotations

import os
import re
import time
import uuid

import structlog
from django.conf import settings
from whitenoise.middleware import WhiteNoiseMiddleware

from klanten.conf.logging import redact_path, redact_query_string

from . import metrics
from .views import ENDPOINTS

REQUEST_ID_HEADER = "X-Request-ID"
# a request id sent by the reverse proxy is kept when it looks like one (no log injection)
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")

request_logger = structlog.get_logger("klanten.request")


class RequestIdMiddleware:
    """Gives every request an id (from ``X-Request-ID`` or a new UUID), binds it to every log
    line made while the request is handled, returns it in ``X-Request-ID``, and with
    ``LOG_REQUESTS`` logs one redacted line per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else str(uuid.uuid4())
        request.request_id = request_id
        # cleared after every request (below), so nothing needs clearing first: one walk
        # over the thread's context variables per request, not two
        structlog.contextvars.bind_contextvars(request_id=request_id)
        start = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            if settings.LOG_REQUESTS and request.path not in ENDPOINTS:
                request_logger.info(
                    "request",
                    method=request.method,
                    path=redact_path(request.path),
                    query=redact_query_string(request.META.get("QUERY_STRING", "")),
                    route=metrics.route_label(request),
                    status=response.status_code,
                    duration_ms=round((time.perf_counter() - start) * 1000, 1),
                )
            return response
        finally:
            # everything bound while handling it (vng-api-common binds an ``exception_id``)
            structlog.contextvars.clear_contextvars()


class MetricsMiddleware:
    """Counts requests and measures their duration per method, route name and status."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.METRICS_ENABLED:
            return self.get_response(request)
        start = time.perf_counter()
        response = self.get_response(request)
        endpoint = ENDPOINTS.get(request.path)
        route = endpoint[1] if endpoint else metrics.route_label(request)
        metrics.observe(request.method, route, response.status_code, time.perf_counter() - start)
        return response


class HealthCheckMiddleware:
    """Answers ``/health/live``, ``/health/ready`` and ``/metrics`` before the host check,
    sessions and authentication: kubelet and Prometheus call them with the pod's address as
    host, which ``ALLOWED_HOSTS`` rightly does not list."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        endpoint = ENDPOINTS.get(request.path_info)
        if endpoint is not None and request.method in ("GET", "HEAD"):
            return endpoint[0](request)
        return self.get_response(request)


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise (serves ``STATIC_ROOT`` at ``STATIC_URL`` with compression and caching
    headers), quiet when ``collectstatic`` has not run (development, tests)."""

    def add_files(self, root, prefix=None):
        if os.path.isdir(root):
            super().add_files(root, prefix)


class ContentSecurityPolicyMiddleware:
    """Sets ``Content-Security-Policy`` (setting ``CONTENT_SECURITY_POLICY``) on HTML pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = settings.CONTENT_SECURITY_POLICY
        if (
            policy
            and "Content-Security-Policy" not in response
            and response.get("Content-Type", "").startswith("text/html")
        ):
            response["Content-Security-Policy"] = policy
        return response
