"""Record a change: one audit trail record and one notification, for any resource of any API.

What is recorded is described by a :class:`Resource` (kanaal, resource name, audit ``bron``,
kenmerken), so the Klanten API (kanaal ``klanten``, bron ``kc``), the Contactmomenten API
(``contactmomenten``, ``cmc``) and Klantinteracties (``partijen``, ``klantcontacten``,
``internetaken``) use the same functions with their own resources::

    KLANT = Resource(kanaal="klanten", resource="klant", bron="kc", kenmerken=("subjectType",))
    leg_vast(KLANT, "partial_update", oud=voor, nieuw=na, weergave="002220647 - 12", actor=actor)

``oud`` and ``nieuw`` are the API representations before and after the change (camelCase
keys, ``url`` included); a change whose representations are equal records nothing. Everything
is written in the caller's transaction: a rolled-back change leaves neither a record nor a
notification, and the notification is sent only after the commit (``outbox``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Model
from vng_api_common.audittrails.models import AuditTrail
from vng_api_common.constants import CommonResourceAction

from . import audit, berichten, invoegen, outbox
from .audit import Actor

__all__ = ["Actor", "Bundel", "Resource", "Verwijdering", "leg_vast", "leg_verwijderingen_vast"]


@dataclass(frozen=True)
class Resource:
    """A kind of resource whose changes are recorded.

    ``kenmerken`` are keys of the representation whose values the notification carries (never
    personal data); ``hoofd_object`` the key holding the URL of the main object for a
    sub-resource (``None``: the resource is its own main object).
    """

    kanaal: str
    resource: str
    bron: str
    kenmerken: tuple[str, ...] = ()
    hoofd_object: str | None = None

    def hoofd_object_url(self, data: dict) -> str:
        return data[self.hoofd_object] if self.hoofd_object else data["url"]

    def kenmerken_van(self, data: dict) -> dict:
        return {kenmerk: data.get(kenmerk) for kenmerk in self.kenmerken}


class Bundel:
    """The records of several changes of one write (their audit records and outbox rows, and
    other new rows of the write), inserted together in one statement by :meth:`voeg_in`:
    ``leg_vast(..., bundel=b)`` adds to it instead of writing."""

    def __init__(self, *rijen: Model):
        self.rijen: list[Model] = list(rijen)
        self.outbox: list = []
        # stored rows to update in the same statement: (row, its fields or None for all)
        self.bij: list[tuple[Model, set | None]] = []

    def werk_bij(self, rij: Model, velden=None) -> None:
        """Update the stored ``rij`` (its ``velden``, all when None) in the same statement."""
        for index, (ander, andere_velden) in enumerate(self.bij):
            if ander is rij:
                samen = None if None in (velden, andere_velden) else {*andere_velden, *velden}
                self.bij[index] = (rij, samen)
                return
        self.bij.append((rij, None if velden is None else set(velden)))

    def leg_vast(
        self, record: Model, resource: Resource, actie: str, data: dict, kenmerken: dict | None
    ) -> None:
        """An audit record built by the caller, and its notification when they are on."""
        self.rijen.append(record)
        if berichten.aan():
            self.outbox.append(outbox.rij(_bericht(resource, actie, data, kenmerken)))

    def voeg_in(self) -> None:
        if not self.rijen and not self.outbox and not self.bij:
            return
        vooraf = [invoegen.update_sql(rij, velden) for rij, velden in self.bij]
        invoegen.voeg_in(*self.rijen, *self.outbox, vooraf=vooraf)
        outbox.na_invoegen(self.outbox)
        self.rijen, self.outbox, self.bij = [], [], []


def notificeer(
    resource: Resource,
    actie: str,
    data: dict,
    kenmerken: dict | None = None,
    *samen,
    bundel: Bundel | None = None,
) -> bool:
    """Only the notification of a change (its audit record written otherwise, or given as
    ``samen``: unsaved rows inserted in the same statement): into the outbox, sent after the
    commit. False when notifications are off or not configured (``samen`` is then not
    written). ``bundel``: the outbox row and ``samen`` go into it (the caller inserts)."""
    if not berichten.aan():
        return False
    if bundel is not None:
        bundel.rijen.extend(samen)
        bundel.outbox.append(outbox.rij(_bericht(resource, actie, data, kenmerken)))
        return True
    outbox.plaats(_bericht(resource, actie, data, kenmerken), *samen)
    return True


def _bericht(resource: Resource, actie: str, data: dict, kenmerken: dict | None) -> dict:
    return berichten.bericht(
        kanaal=resource.kanaal,
        resource=resource.resource,
        actie=actie,
        resource_url=data["url"],
        hoofd_object=resource.hoofd_object_url(data),
        kenmerken=resource.kenmerken_van(data) if kenmerken is None else kenmerken,
    )


def leg_vast(
    resource: Resource,
    actie: str,
    *,
    oud: dict | None,
    nieuw: dict | None,
    weergave: str,
    actor: Actor,
    resultaat: int | None = None,
    actie_weergave: str | None = None,
    samen: Sequence[Model] = (),
    bundel: Bundel | None = None,
) -> bool:
    """Record one change (``create``: ``oud`` is None; ``update``/``partial_update``: both):
    one audit trail record with both representations and one notification. When ``oud`` and
    ``nieuw`` are equal nothing is recorded; returns whether something was. ``samen``: unsaved
    rows of the change itself (in an order their foreign keys allow), inserted in the same
    statement as the record, and on their own when nothing is recorded. ``bundel``: the
    record and the outbox row are added to it (and ``samen``), the caller inserts them."""
    if bundel is not None:
        bundel.rijen.extend(samen)
        samen = ()
    if oud is not None and nieuw is not None and oud == nieuw:
        if samen:
            invoegen.voeg_in(*samen)
        return False
    data = nieuw if nieuw is not None else oud
    record = audit.record(
        bron=resource.bron,
        resource=resource.resource,
        actie=actie,
        resource_url=data["url"],
        hoofd_object=resource.hoofd_object_url(data),
        weergave=weergave,
        oud=oud,
        nieuw=nieuw,
        actor=actor,
        resultaat=resultaat,
        actie_weergave=actie_weergave,
    )
    if bundel is not None:
        bundel.leg_vast(record, resource, actie, data, None)
        return True
    # the audit record and the outbox row in one statement; the record alone without one
    if not notificeer(resource, actie, data, None, *samen, record):
        invoegen.voeg_in(*samen, record)
    return True


@dataclass(frozen=True)
class Verwijdering:
    """One deleted object: ``oud`` holds at least its ``url`` and the resource's kenmerken;
    ``weergave`` names it without personal data."""

    oud: dict
    weergave: str
    toelichting: str | None = None


def leg_verwijderingen_vast(
    resource: Resource,
    verwijderingen: Sequence[Verwijdering],
    *,
    actor: Actor,
    bewaard: tuple[str, ...] = ("url",),
    bundel: Bundel | None = None,
) -> None:
    """Record the deletion of main objects: their earlier audit trail goes (it holds their
    data), one record of the deletion stays (``destroy``; who, when, the URL; ``oud`` keeps only
    the keys in ``bewaard``, which must hold no personal data; ``nieuw`` empty), and one
    ``destroy`` notification each. In the caller's transaction, a few statements for any
    number of objects. ``bundel``: the records and outbox rows go into it, and the caller
    removes the earlier audit trail (:func:`audit.verwijder_van_objecten`, before inserting)."""
    if not verwijderingen:
        return
    if resource.hoofd_object is None and bundel is None:
        audit.verwijder_van_objecten(v.oud["url"] for v in verwijderingen)
    actie = CommonResourceAction.destroy
    records = [
        audit.record(
            bron=resource.bron,
            resource=resource.resource,
            actie=actie,
            resource_url=v.oud["url"],
            hoofd_object=resource.hoofd_object_url(v.oud),
            weergave=v.weergave,
            oud={key: v.oud[key] for key in bewaard if key in v.oud},
            nieuw=None,
            actor=actor,
            toelichting=v.toelichting,
        )
        for v in verwijderingen
    ]
    meldingen = (
        [
            berichten.bericht(
                kanaal=resource.kanaal,
                resource=resource.resource,
                actie=actie,
                resource_url=v.oud["url"],
                hoofd_object=resource.hoofd_object_url(v.oud),
                kenmerken=resource.kenmerken_van(v.oud),
            )
            for v in verwijderingen
        ]
        if berichten.aan()
        else []
    )
    if bundel is not None:
        bundel.rijen.extend(records)
        bundel.outbox.extend(outbox.rij(bericht) for bericht in meldingen)
        return
    AuditTrail.objects.bulk_create(records)
    outbox.plaats_meerdere(meldingen)
