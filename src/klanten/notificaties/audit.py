"""The audit trail (ZGW ``AuditTrail`` records of vng-api-common), written for any resource.

A record's ``hoofd_object`` is the absolute URL of the main object, whose host depends on the
request that wrote it (or ``SITE_DOMAIN`` for the background tasks): the records of one object
are found by the end of that URL's path (``/klanten/<uuid>``), whatever the host.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db.models import Q, QuerySet
from vng_api_common.audittrails.models import AuditTrail
from vng_api_common.constants import CommonResourceAction

ACTIE_WEERGAVE = dict(zip(CommonResourceAction.names, CommonResourceAction.labels, strict=True))
# the HTTP status of a successful action, as the API answers it
RESULTAAT = {CommonResourceAction.create: 201, CommonResourceAction.destroy: 204}


@dataclass(frozen=True)
class Actor:
    """Who made a change, as the audit trail shows it."""

    applicatie_id: str = ""
    applicatie_weergave: str = ""
    gebruikers_id: str = ""
    gebruikers_weergave: str = ""
    toelichting: str = ""
    logrecord_id: str = ""


def record(
    *,
    bron: str,
    resource: str,
    actie: str,
    resource_url: str,
    hoofd_object: str,
    weergave: str,
    oud: dict | None,
    nieuw: dict | None,
    actor: Actor,
    resultaat: int | None = None,
    actie_weergave: str | None = None,
    toelichting: str | None = None,
) -> AuditTrail:
    """An unsaved audit trail record (``bron`` is the component: ``kc``, ``cmc``, ...). What
    the actor's request sent (headers, token claims) is cut to the columns' lengths: an
    over-long value never fails the write it records."""
    return AuditTrail(
        bron=bron,
        logrecord_id=actor.logrecord_id[:255],
        applicatie_id=actor.applicatie_id[:100],
        applicatie_weergave=actor.applicatie_weergave[:200],
        actie=actie,
        actie_weergave=ACTIE_WEERGAVE.get(actie, "") if actie_weergave is None else actie_weergave,
        gebruikers_id=actor.gebruikers_id[:255],
        gebruikers_weergave=actor.gebruikers_weergave[:255],
        resultaat=RESULTAAT.get(actie, 200) if resultaat is None else resultaat,
        hoofd_object=hoofd_object,
        resource=resource,
        resource_url=resource_url,
        toelichting=actor.toelichting if toelichting is None else toelichting,
        resource_weergave=weergave[:200],
        oud=oud,
        nieuw=nieuw,
    )


def schrijf(**kwargs) -> AuditTrail:
    """Write one audit trail record (the arguments of :func:`record`)."""
    trail = record(**kwargs)
    trail.save()
    return trail


def _pad_einde(url: str) -> str:
    """``/<collection>/<uuid>`` of an object's URL."""
    segments = urlsplit(url).path.rstrip("/").split("/")
    return "/" + "/".join(segments[-2:])


def van_object(url: str) -> QuerySet:
    """The audit trail of a main object, oldest first (any host)."""
    return AuditTrail.objects.filter(hoofd_object__endswith=_pad_einde(url)).order_by(
        "aanmaakdatum", "pk"
    )


def verwijder_van_objecten(urls: Iterable[str]) -> int:
    """Remove the audit trail of main objects (any host). Returns how many records."""
    return _verwijder("hoofd_object", urls)


def verwijder_van_resources(urls: Iterable[str]) -> int:
    """Remove the audit records of resources themselves (any host; by ``resource_url``, for
    sub-resources whose records sit in another object's trail). Returns how many."""
    return _verwijder("resource_url", urls)


def _verwijder(veld: str, urls: Iterable[str]) -> int:
    condition = Q()
    for url in urls:
        condition |= Q(**{f"{veld}__endswith": _pad_einde(url)})
    if not condition:
        return 0
    deleted, _ = AuditTrail.objects.filter(condition).delete()
    return deleted
