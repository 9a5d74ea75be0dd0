"""The references of the Contactmomenten API: URLs of this service resolved locally (no HTTP
call), URLs elsewhere fetched through :mod:`remote`.

A URL is of this service when its host is the host of the request (or ``SITE_DOMAIN``) and
its path resolves to the resource; the scheme is not compared (a proxy may terminate TLS).
"""

import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve

from . import remote


def _eigen_pad(url: str, request) -> str | None:
    """The path of ``url`` when it is a URL of this service, else None."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    hosts = {settings.SITE_DOMAIN}
    if request is not None:
        hosts.add(request.get_host())
    if parts.netloc not in hosts:
        return None
    return parts.path


def _uuid_voor(url: str, request, url_name: str) -> uuid.UUID | None:
    path = _eigen_pad(url, request)
    if path is None:
        return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.url_name != url_name:
        return None
    try:
        return uuid.UUID(str(match.kwargs.get("uuid")))
    except ValueError:
        return None


def contactmoment_uuid(url: str, request) -> uuid.UUID | None:
    """The uuid of a contactmoment URL of this service (whether or not it exists)."""
    return _uuid_voor(url, request, "contactmoment-detail")


def klant_uuid(url: str, request) -> uuid.UUID | None:
    """The uuid of a klant URL of this service (whether or not it exists or is visible)."""
    return _uuid_voor(url, request, "klant-detail")


def is_eigen_url(url: str, request) -> bool:
    return _eigen_pad(url, request) is not None


def bestaat_elders(url: str) -> bool:
    """A resource of another service (a klant of another Klanten API, a medewerker): its URL
    answers 200 (the reference implementation's ``bad-url`` check), fetched with the
    configured service's credentials."""
    try:
        return remote.haal_op(url).status == 200
    except remote.Onbereikbaar:
        return False
