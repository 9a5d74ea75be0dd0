"""Record every action of a resident (who, what, when) without plain identifiers.

The person is a keyed pseudonym (HMAC of the identifier with the secret key): the same person
gets the same pseudonym, so the log can be searched for them, but it shows no BSN or KvK number.
Log lines carry the action, the reason and a short prefix of the pseudonym only.
"""

import logging

from .context import AuthenticatieContext
from .models import Gebeurtenis

logger = logging.getLogger("klanten.mijn")


def leg_vast(
    actie: str,
    context: AuthenticatieContext | None = None,
    *,
    klant=None,
    reden: str = "",
    rang: int | None = None,
    uitgever: str = "",
) -> Gebeurtenis:
    gebeurtenis = Gebeurtenis.objects.create(
        actie=actie,
        reden=reden[:60],
        pseudoniem=context.pseudoniem if context else "",
        sleutel_type=context.sleutel_type if context else "",
        middel=context.middel if context else "",
        rang=context.rang if context else rang,
        uitgever=(context.uitgever if context else uitgever)[:500],
        klant_uuid=klant.uuid if klant is not None else None,
    )
    logger.info(
        "mijn_gegevens actie=%s reden=%s persoon=%s klant=%s",
        actie,
        reden or "-",
        gebeurtenis.pseudoniem[:12] or "-",
        klant.uuid if klant is not None else "-",
    )
    return gebeurtenis
