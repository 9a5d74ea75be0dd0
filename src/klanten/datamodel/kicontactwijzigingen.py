"""Recording the changes of klantcontacten as Klantinteracties shows them (design K10): kanaal
``klantcontacten`` (resource ``klantcontact`` and the betrokkenen, onderwerpobjecten and
actorklantcontacten of one) and ``internetaken``, audit ``bron`` ``kic``, kenmerken without
personal data (never ``inhoud``, ``toelichting`` or ``gevraagdeHandeling``).

``contacten`` calls :func:`leg_klantcontact_vast` and :func:`leg_klantcontact_verwijderd` for
every klantcontact it creates, changes or deletes on behalf of someone, whichever API made the
write (a contactmoment is a klantcontact); ``kicontacten`` records the other resources. A
betrokkene or onderwerpobject written another way (a klantcontactmoment or objectcontactmoment
of the Contactmomenten API, an E2 interaction, a klant that is deleted or destroyed) is recorded
by ``contacten`` with :func:`leg_onderdelen_vast`. This module imports neither.
"""

from __future__ import annotations

from notifications_api_common.kanalen import Kanaal

from klanten.notificaties import audit
from klanten.notificaties.wijziging import (
    Bundel,
    Resource,
    Verwijdering,
    leg_vast,
    leg_verwijderingen_vast,
    notificeer,
)

from .kicontactrepresentatie import (
    KiBasis,
    betrokkene_data,
    betrokkenen,
    klantcontact_data,
    klantcontacten,
    onderwerpobject_data,
    onderwerpobjecten,
)
from .kicontactrepresentatie import klantcontact_uit as klantcontact_uit
from .klantcontacten import Betrokkene, InterneTaak, Klantcontact
from .wijzigingen import Herkomst

BRON = "kic"
KLANTCONTACT_KENMERKEN = ("hoofdOnderwerpType", "indicatieContactGelukt", "verdereActieOndernomen")
INTERNETAAK_KENMERKEN = ("nummer", "status")

# registered at the Notificaties API (``register_kanalen``)
KANAAL_KLANTCONTACTEN = Kanaal(
    "klantcontacten",
    main_resource=Klantcontact,
    kenmerken=("hoofd_onderwerp_type", "indicatie_contact_gelukt", "verdere_actie_ondernomen"),
)
KANAAL_INTERNETAKEN = Kanaal(
    "internetaken", main_resource=InterneTaak, kenmerken=("nummer", "status")
)

KLANTCONTACT = Resource(
    kanaal="klantcontacten", resource="klantcontact", bron=BRON, kenmerken=KLANTCONTACT_KENMERKEN
)


def _onder_klantcontact(resource: str, hoofd: str) -> Resource:
    """A sub-resource of a klantcontact: ``hoofd`` is the key of its klantcontact reference."""
    return Resource(
        kanaal="klantcontacten",
        resource=resource,
        bron=BRON,
        kenmerken=KLANTCONTACT_KENMERKEN,
        hoofd_object=hoofd,
    )


BETROKKENE = _onder_klantcontact("betrokkene", "hadKlantcontact")
ONDERWERPOBJECT = _onder_klantcontact("onderwerpobject", "klantcontact")
ACTORKLANTCONTACT = _onder_klantcontact("actorklantcontact", "klantcontact")
INTERNETAAK = Resource(
    kanaal="internetaken", resource="internetaak", bron=BRON, kenmerken=INTERNETAAK_KENMERKEN
)
ACTOR = Resource(kanaal="", resource="actor", bron=BRON)


def weergave(data: dict, resource: str) -> str:
    return f"{resource} {data.get('nummer') or data['uuid']}"[:200]


def klantcontact_repr(klantcontact_id: int, basis: KiBasis) -> dict:
    return klantcontact_data(
        klantcontacten(Klantcontact.objects.filter(pk=klantcontact_id)).get(), basis
    )


def leg_klantcontact_vast(
    actie: str,
    klantcontact_id: int,
    *,
    oud,
    herkomst: Herkomst,
    nieuw: dict | None = None,
    bundel: Bundel | None = None,
) -> dict:
    """A klantcontact created or changed (by any API): one audit record and one notification
    on ``klantcontacten``, nothing when its representation did not change. Returns the
    representation now (``nieuw``: built by the caller from data in hand, else read).
    ``bundel``: the record goes into it (the caller inserts it with others)."""
    if nieuw is None:
        nieuw = klantcontact_repr(klantcontact_id, KiBasis.van_herkomst(herkomst))
    leg_vast(
        KLANTCONTACT,
        actie,
        oud=oud,
        nieuw=nieuw,
        weergave=weergave(nieuw, "klantcontact"),
        actor=herkomst.actor,
        bundel=bundel,
    )
    return nieuw


def leg_klantcontact_verwijderd(klantcontact_id: int, herkomst: Herkomst) -> None:
    """A klantcontact deleted (through the Contactmomenten API): its Klantinteracties audit
    trail goes, one record of the deletion stays (URL and kenmerken), and the ``destroy``
    notification."""
    oud = klantcontact_repr(klantcontact_id, KiBasis.van_herkomst(herkomst))
    leg_verwijderingen_vast(
        KLANTCONTACT,
        [Verwijdering(oud=oud, weergave=f"klantcontact {oud['uuid']}")],
        actor=herkomst.actor,
        bewaard=("url", *KLANTCONTACT_KENMERKEN),
    )


# --- betrokkenen and onderwerpobjecten written without the Klantinteracties API ---------------


def onderdelen(queryset, basis: KiBasis) -> list[tuple[dict, int]]:
    """(Klantinteracties representation, klantcontact id) of the betrokkenen or
    onderwerpobjecten of ``queryset`` (one query)."""
    if queryset.model is Betrokkene:
        return [(betrokkene_data(row, basis), row[15]) for row in betrokkenen(queryset)]
    return [(onderwerpobject_data(row, basis), row[7]) for row in onderwerpobjecten(queryset)]


def klantcontact_kenmerken(klantcontact_ids) -> dict[int, dict]:
    """The notification kenmerken of klantcontacten by id (one query)."""
    return {
        pk: dict(zip(KLANTCONTACT_KENMERKEN, waarden, strict=True))
        for pk, *waarden in Klantcontact.objects.filter(pk__in=set(klantcontact_ids)).values_list(
            "pk", "hoofd_onderwerp_type", "indicatie_contact_gelukt", "verdere_actie_ondernomen"
        )
    }


def kenmerken_uit(klantcontact: Klantcontact) -> dict:
    """The kenmerken of a klantcontact in hand (read under the write's lock)."""
    return {
        "hoofdOnderwerpType": klantcontact.hoofd_onderwerp_type,
        "indicatieContactGelukt": klantcontact.indicatie_contact_gelukt,
        "verdereActieOndernomen": klantcontact.verdere_actie_ondernomen,
    }


def leg_onderdelen_vast(
    actie: str,
    wijzigingen: list[tuple[dict | None, dict | None, dict]],
    *,
    herkomst: Herkomst,
    bundel: Bundel,
) -> None:
    """Betrokkenen or onderwerpobjecten of klantcontacten created (``oud`` None), changed or
    deleted (``nieuw`` None) without the Klantinteracties API: per ``(oud, nieuw,
    kenmerken)`` one audit record under its klantcontact and one notification on
    ``klantcontacten`` with the klantcontact's ``kenmerken`` (as ``kicontacten`` records
    those it creates), nothing when it did not change; into ``bundel``."""
    for oud, nieuw, kenmerken in wijzigingen:
        if oud is not None and nieuw is not None and oud == nieuw:
            continue
        data = nieuw if nieuw is not None else oud
        resource = BETROKKENE if "/betrokkenen/" in data["url"] else ONDERWERPOBJECT
        record, notificatie, inhoud = onderdeel_vastlegging(resource, actie, oud, nieuw, herkomst)
        bundel.rijen.append(record)
        notificeer(notificatie, actie, inhoud, kenmerken, bundel=bundel)


def onderdeel_vastlegging(
    resource: Resource, actie: str, oud: dict | None, nieuw: dict | None, herkomst: Herkomst
) -> tuple:
    """A betrokkene, onderwerpobject or actorklantcontact created, changed or deleted: its
    audit record (not saved) under its klantcontact, the notification's resource and its
    content (``url`` and ``hoofd``)."""
    data = nieuw if nieuw is not None else oud
    ref = data.get(resource.hoofd_object)
    hoofd = ref["url"] if ref else data["url"]
    record = audit.record(
        bron=BRON,
        resource=resource.resource,
        actie=actie,
        resource_url=data["url"],
        hoofd_object=hoofd,
        weergave=f"{resource.resource} {data['uuid']}",
        oud=oud,
        nieuw=nieuw,
        actor=herkomst.actor,
    )
    notificatie = Resource(
        kanaal=resource.kanaal, resource=resource.resource, bron=BRON, hoofd_object="hoofd"
    )
    return record, notificatie, {"url": data["url"], "hoofd": hoofd}
