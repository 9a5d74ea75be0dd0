"""``/health/live``, ``/health/ready``, ``/health/background`` and ``/metrics``.

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


def background(request):
    """The background side for monitoring: the last successful destruction run (R2) and the
    notifications not yet delivered (C13). Always 200 while the database answers; ``status``
    is ``warning`` with the ``problems`` when something needs attention."""
    from klanten.background.status import achtergrond_status

    if not checks.check_database()[0]:
        return _json({"status": "unavailable", "problems": ["database"]}, 503)
    return _json(achtergrond_status())


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
    "/health/background": (background, "health-background"),
    "/metrics": (metrics_view, "metrics"),
}
