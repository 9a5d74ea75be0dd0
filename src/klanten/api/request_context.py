"""What the API reads from a request besides its body: the uuid in the path, the absolute URL
of the klanten collection, and on whose behalf a write is made (for the audit trail)."""

import uuid as _uuid

from django.urls import get_script_prefix, reverse
from rest_framework.exceptions import NotFound
from vng_api_common.compat import get_header

from klanten.datamodel.wijzigingen import Actor, Herkomst


def parse_uuid(value: str) -> _uuid.UUID:
    """C3: an unknown or malformed uuid in the path is a 404, never a 400 or 500."""
    try:
        return _uuid.UUID(str(value))
    except ValueError as exc:
        raise NotFound() from exc


# what Django's ``build_absolute_uri`` reads of a request (scheme, host, port; the proxy headers
# only count when the settings enable them, but keying on them always is harmless)
_ORIGIN_META = (
    "wsgi.url_scheme",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
)
_absolute_urls: dict[tuple, str] = {}
_MAX_ABSOLUTE_URLS = 256


def per_origin(request, key: tuple, compute):
    """``compute()``, remembered per origin: a URL built from the request's scheme, host and
    script prefix (and ``key``) only is the same for every request with the same inputs, and a
    host that Django refuses (``ALLOWED_HOSTS``) raises before anything is remembered."""
    meta = getattr(request, "_request", request).META
    full_key = (*key, get_script_prefix(), *(meta.get(header) for header in _ORIGIN_META))
    value = _absolute_urls.get(full_key)
    if value is None:
        value = compute()
        if len(_absolute_urls) >= _MAX_ABSOLUTE_URLS:
            _absolute_urls.clear()  # a bound, not a cache policy: hosts are few
        _absolute_urls[full_key] = value
    return value


def absolute_url(request, name: str) -> str:
    """``build_absolute_uri(reverse(name)) + "/"``, once per origin."""
    return per_origin(
        request, ("url", name), lambda: request.build_absolute_uri(reverse(name)) + "/"
    )


def collection_url(request) -> str:
    """The absolute URL of the klanten collection, ending in a slash."""
    return absolute_url(request, "klant-list")


def actor(request) -> Actor:
    """C12: the application (of the JWT, else the NLX header), the employee's claims and the
    ``X-Audit-Toelichting`` of the request, as vng-api-common records them."""
    jwt_auth = request.jwt_auth
    applicaties = jwt_auth.applicaties
    if applicaties:
        applicatie_id, weergave = str(applicaties[0].uuid), applicaties[0].label
    else:
        applicatie_id = weergave = get_header(request, "X-NLX-Request-Application-Id") or ""
    payload = jwt_auth.payload or {}
    return Actor(
        applicatie_id=applicatie_id,
        applicatie_weergave=weergave,
        gebruikers_id=payload.get("user_id") or "",
        gebruikers_weergave=payload.get("user_representation") or "",
        toelichting=get_header(request, "X-Audit-Toelichting") or "",
        logrecord_id=get_header(request, "X-NLX-Logrecord-ID") or "",
    )


def herkomst(request) -> Herkomst:
    """On whose behalf an API write is made, and the URLs its representation uses."""
    return Herkomst(actor(request), collection_url(request))
