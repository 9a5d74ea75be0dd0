"""Every outbound call of the Contactmomenten API goes through :func:`haal_op` (a klant of
another Klanten API, the Zaken API's zaakcontactmomenten): the service-wide bounded fetch
(:func:`klanten.outbound.fetch`: a total deadline, a maximum size, redirects within the host
only, never an internal address unless it is a configured service's, with that service's
credentials)."""

from dataclasses import dataclass
from urllib.parse import urlencode

from klanten import outbound


class Onbereikbaar(Exception):
    """The URL could not be fetched within the rules (``reason``: the outbound error's, or
    ``geen-json``)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Antwoord:
    status: int
    data: object = None


def haal_op(url: str, *, params: dict | None = None, json: bool = False) -> Antwoord:
    """GET ``url`` (with ``params`` as its query); ``json``: decode the body (Onbereikbaar
    when it is not JSON)."""
    if params:
        url = f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
    try:
        response = outbound.fetch(url)
    except outbound.OutboundError as exc:
        raise Onbereikbaar(exc.reason) from exc
    if not json:
        return Antwoord(response.status)
    try:
        return Antwoord(response.status, response.json())
    except ValueError as exc:  # also a body that is not UTF-8
        raise Onbereikbaar("geen-json") from exc
