"""Every outbound call of the Contactmomenten API goes through :func:`haal_op` (a remote klant
URL, the Zaken API's zaakcontactmomenten).

It uses the credentials of the configured service (zgw-consumers) whose API root the URL falls
under, and a bounded timeout. This is the one place to switch to the service-wide bounded
outbound fetch (total deadline, maximum size, no internal addresses) when it lands.
"""

from dataclasses import dataclass

import requests
from django.conf import settings
from zgw_consumers.client import build_client
from zgw_consumers.models import Service

# the largest answer read (a zaak's zaakcontactmomenten, a klant): far more than either needs
MAX_BYTES = 1024 * 1024


class Onbereikbaar(Exception):
    """The URL could not be fetched (network, timeout, too large, not JSON when asked)."""


@dataclass(frozen=True)
class Antwoord:
    status: int
    data: object = None


def haal_op(url: str, *, params: dict | None = None, json: bool = False) -> Antwoord:
    """GET ``url``; ``json``: decode the body (Onbereikbaar when it is not JSON)."""
    timeout = settings.SUBJECT_URL_TIMEOUT
    try:
        service = Service.get_service(url)
        session = build_client(service) if service is not None else requests.Session()
        with session:
            response = session.get(
                url, params=params, timeout=timeout, stream=True, allow_redirects=False
            )
            with response:
                body = response.raw.read(MAX_BYTES + 1, decode_content=True)
    except (requests.RequestException, ValueError, OSError) as exc:
        raise Onbereikbaar(type(exc).__name__) from exc
    if len(body) > MAX_BYTES:
        raise Onbereikbaar("te groot")
    if not json:
        return Antwoord(response.status_code)
    try:
        import json as _json

        return Antwoord(response.status_code, _json.loads(body))
    except ValueError as exc:
        raise Onbereikbaar("geen JSON") from exc
