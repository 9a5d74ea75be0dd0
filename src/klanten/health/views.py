"""``/health/live``, ``/health/ready`` and ``/metrics``.

They are served by :class:`klanten.health.middleware.HealthCheckMiddleware` before the host
check, the authentication and the sessions (kubelet and Prometheus use the pod address as host
and send no credentials), and also routed in ``klanten.urls`` for completeness.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpResponse, JsonResponse

from . import checks, metrics

NO_STORE = "no-store"


def _json(data: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status)
    response["Cache-Control"] = NO_STORE
    return response


def live(request):
    """The process is up and answers requests; nothing else is checked."""
    return _json({"status": "ok"})


def ready(request):
    """The process can serve requests: 200, or 503 with the failing checks."""
    ok, results = checks.readiness()
    return _json({"status": "ok" if ok else "unavailable", "checks": results}, 200 if ok else 503)


def metrics_view(request):
    if not settings.METRICS_ENABLED:
        return HttpResponse(status=404)
    token = settings.METRICS_TOKEN
    if token:
        supplied = request.META.get("HTTP_AUTHORIZATION", "")
        if not hmac.compare_digest(supplied.encode(), f"Bearer {token}".encode()):
            response = HttpResponse("Unauthorized\n", status=401, content_type="text/plain")
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    body, content_type = metrics.render()
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = NO_STORE
    return response


# path -> (view, route label)
ENDPOINTS = {
    "/health/live": (live, "health-live"),
    "/health/ready": (ready, "health-ready"),
    "/metrics": (metrics_view, "metrics"),
}
