"""Consistency with the Zaken API (Contactmomenten API 1.0.0, objectcontactmomenten).

Open Zaak records a ``zaakcontactmoment`` first and then registers the objectcontactmoment
here (and removes its own before deleting ours): an objectcontactmoment is created only when
the zaak lists the relation, and deleted only when it no longer does. The zaak's
``zaakcontactmomenten`` are read from the Zaken API under whose root the zaak URL falls: a
configured service (zgw-consumers, with its credentials), else the URL up to ``zaken/``.

The relation is matched on the contactmoment's uuid (the last segment of the URL the Zaken API
stored), so a Zaken API that knows this service under another host name still matches.
"""

import uuid

from zgw_consumers.models import Service

from . import remote


class ZakenAPIFout(Exception):
    """The Zaken API could not tell (unreachable, an error, an answer of another shape)."""


def zaakcontactmomenten_url(zaak_url: str) -> str | None:
    service = Service.get_service(zaak_url)
    if service is not None:
        root = service.api_root
    else:
        head, sep, _tail = zaak_url.rstrip("/").rpartition("/zaken/")
        if not sep:
            return None
        root = f"{head}/"
    return f"{root.rstrip('/')}/zaakcontactmomenten"


def _contactmoment_uuid(value) -> uuid.UUID | None:
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value.rstrip("/").rsplit("/", 1)[-1])
    except ValueError:
        return None


def zaak_kent_contactmoment(zaak_url: str, contactmoment: uuid.UUID) -> bool:
    """Whether the Zaken API lists a zaakcontactmoment of this zaak and contactmoment."""
    url = zaakcontactmomenten_url(zaak_url)
    if url is None:
        raise ZakenAPIFout("Het object is geen zaak-URL van een Zaken API.")
    try:
        antwoord = remote.haal_op(url, params={"zaak": zaak_url}, json=True)
    except remote.Onbereikbaar as exc:
        raise ZakenAPIFout("De Zaken API is niet bereikbaar.") from exc
    if antwoord.status != 200:
        raise ZakenAPIFout(f"De Zaken API antwoordde met HTTP {antwoord.status}.")
    data = antwoord.data
    if isinstance(data, dict):  # a paginated list
        data = data.get("results")
    if not isinstance(data, list):
        raise ZakenAPIFout("De Zaken API gaf geen lijst van zaakcontactmomenten.")
    return any(
        isinstance(item, dict) and _contactmoment_uuid(item.get("contactmoment")) == contactmoment
        for item in data
    )
