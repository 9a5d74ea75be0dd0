"""Recording the changes of contactmomenten: the Contactmomenten API's resources on the shared
``klanten.notificaties`` (kanaal ``contactmomenten``, audit ``bron`` ``cmc``), as
``wijzigingen`` does for klanten.

- a contactmoment: one audit record and one notification (kenmerken ``bronorganisatie`` and
  ``kanaal``) per create, update, partial update; nothing when its representation did not
  change; its deletion removes its audit trail and leaves one record of the deletion (the
  URL and the kenmerken, no tekst) and a ``destroy`` notification;
- a klantcontactmoment or objectcontactmoment: an audit record under its contactmoment
  (``hoofdObject``) and a notification of its own resource, with the kenmerken of its
  contactmoment (a subscription on ``bronorganisatie`` or ``kanaal`` sees it too).

The services of ``contacten`` call this for every write made on behalf of someone (a
:class:`~.wijzigingen.Herkomst`): the Contactmomenten API, an E2 interaction of a klant, the
retention run; the same record whichever way.
"""

from __future__ import annotations

from notifications_api_common.kanalen import Kanaal

from klanten.notificaties import audit, berichten
from klanten.notificaties.wijziging import (
    Bundel,
    Resource,
    Verwijdering,
    leg_verwijderingen_vast,
    notificeer,
)
from klanten.notificaties.wijziging import leg_vast as _leg_vast

from .contactrepresentatie import (
    Basis,
    contactmoment_data,
    contactmomenten,
    klantcontactmoment_data,
    klantcontactmomenten,
    objectcontactmoment_data,
    objectcontactmomenten,
    unique_representation,
)
from .klantcontacten import Betrokkene, Contactmoment, Klantcontact, Onderwerpobject
from .wijzigingen import Herkomst

KENMERKEN = ("bronorganisatie", "kanaal")
# registered at the Notificaties API (``register_kanalen``)
KANAAL_CONTACTMOMENTEN = Kanaal(
    "contactmomenten",
    main_resource=Contactmoment,
    kenmerken=KENMERKEN,
    extra_kwargs={
        "bronorganisatie": {
            "help_text": "Het RSIN van de Niet-natuurlijk persoon zijnde de organisatie die de "
            "klantinteractie heeft gecreeerd. Dit moet een geldig RSIN zijn van 9 nummers en "
            "voldoen aan https://nl.wikipedia.org/wiki/Burgerservicenummer#11-proef"
        },
        "kanaal": {"help_text": "Het communicatiekanaal waarlangs het CONTACTMOMENT gevoerd wordt"},
    },
)
CONTACTMOMENT = Resource(
    kanaal=KANAAL_CONTACTMOMENTEN.label, resource="contactmoment", bron="cmc", kenmerken=KENMERKEN
)
KLANTCONTACTMOMENT = Resource(
    kanaal=KANAAL_CONTACTMOMENTEN.label,
    resource="klantcontactmoment",
    bron="cmc",
    kenmerken=KENMERKEN,
    hoofd_object="contactmoment",
)
OBJECTCONTACTMOMENT = Resource(
    kanaal=KANAAL_CONTACTMOMENTEN.label,
    resource="objectcontactmoment",
    bron="cmc",
    kenmerken=KENMERKEN,
    hoofd_object="contactmoment",
)
# what the record of a deleted contactmoment keeps: no tekst, no medewerker
BEWAARD_NA_VERWIJDERING = ("url", *KENMERKEN)

__all__ = ["KANAAL_CONTACTMOMENTEN", "Basis", "Herkomst"]


# --- contactmomenten --------------------------------------------------------------------------


def contactmoment(klantcontact: Klantcontact, basis: Basis) -> dict:
    """The representation of a contactmoment as stored now (one query)."""
    row = contactmomenten(Klantcontact.objects.filter(pk=klantcontact.pk)).get()
    return contactmoment_data(row, basis)


def medewerker_data(medewerker) -> dict | None:
    """The ``medewerkerIdentificatie`` of a :class:`~.contacten.MedewerkerIdentificatie` (its
    actor carries exactly these values), as the representation's query gives it."""
    if medewerker is None:
        return None
    return {
        "identificatie": medewerker.identificatie,
        "achternaam": medewerker.achternaam,
        "voorletters": medewerker.voorletters,
        "voorvoegselAchternaam": medewerker.voorvoegsel_achternaam,
    }


def contactmoment_uit(
    klantcontact: Klantcontact, basis: Basis, *, vorig_uuid, volgend_uuid, medewerker
) -> dict:
    """The representation of a contactmoment from data in hand: the instance's columns, the
    uuids of its previous and next contactmoment and its ``medewerkerIdentificatie`` (as
    :func:`medewerker_data` gives it); the same as :func:`contactmoment` reads."""
    row = (
        klantcontact.uuid,
        vorig_uuid,
        volgend_uuid,
        klantcontact.bronorganisatie,
        klantcontact.plaatsgevonden_op,
        klantcontact.kanaal,
        klantcontact.voorkeurskanaal,
        klantcontact.taal,
        klantcontact.inhoud,
        klantcontact.onderwerp_links,
        klantcontact.initiatiefnemer,
        klantcontact.medewerker_url,
        medewerker,
    )
    return contactmoment_data(row, basis)


def leg_contactmoment_vast(
    actie: str,
    *,
    oud: dict | None,
    nieuw: dict | None,
    herkomst: Herkomst,
    bundel: Bundel | None = None,
) -> bool:
    """One change of a contactmoment, or nothing when ``oud == nieuw``; ``bundel``: the record
    goes into it (the caller inserts it with others)."""
    return _leg_vast(
        CONTACTMOMENT,
        actie,
        oud=oud,
        nieuw=nieuw,
        weergave=unique_representation(nieuw or oud),
        actor=herkomst.actor,
        bundel=bundel,
    )


def leg_verwijdering_vast(oud: dict, herkomst: Herkomst) -> None:
    """The deletion of a contactmoment: its audit trail goes (its relations' records too, they
    are under it), one record of the deletion stays, and the ``destroy`` notification."""
    leg_verwijderingen_vast(
        CONTACTMOMENT,
        [Verwijdering(oud=oud, weergave=unique_representation(oud))],
        actor=herkomst.actor,
        bewaard=BEWAARD_NA_VERWIJDERING,
    )


# --- relations ----------------------------------------------------------------------------------


def klantcontactmoment(betrokkene: Betrokkene, basis: Basis) -> dict | None:
    """The representation of a betrokkene as a klantcontactmoment (None when it is none: an
    anonymous betrokkene)."""
    row = klantcontactmomenten(Betrokkene.objects.filter(pk=betrokkene.pk)).first()
    return None if row is None else klantcontactmoment_data(row, basis)


def objectcontactmoment(onderwerpobject: Onderwerpobject, basis: Basis) -> dict | None:
    row = objectcontactmomenten(Onderwerpobject.objects.filter(pk=onderwerpobject.pk)).first()
    return None if row is None else objectcontactmoment_data(row, basis)


def kenmerken_uit(klantcontact: Klantcontact) -> dict:
    """The kenmerken of a contactmoment from the instance (read under the write's lock)."""
    return {kenmerk: getattr(klantcontact, kenmerk) for kenmerk in KENMERKEN}


def _kenmerken(klantcontact_id: int) -> dict:
    values = Klantcontact.objects.filter(pk=klantcontact_id).values(*KENMERKEN).first()
    return values or dict.fromkeys(KENMERKEN, "")


def _weergave(resource: Resource, data: dict) -> str:
    return f"{resource.resource} {data['url'].rstrip('/').rsplit('/', 1)[-1]}"


def leg_relatie_vast(
    resource: Resource,
    actie: str,
    *,
    oud: dict | None,
    nieuw: dict | None,
    klantcontact_id: int,
    herkomst: Herkomst,
    kenmerken: dict | None = None,
    bundel: Bundel | None = None,
) -> None:
    """A klantcontactmoment or objectcontactmoment created (``oud`` None) or removed (``nieuw``
    None): an audit record under its contactmoment and a notification with the contactmoment's
    kenmerken (``kenmerken``: given by the caller from the locked instance, else read).
    ``bundel``: added to it (with ``kenmerken``), the caller inserts it."""
    data = nieuw if nieuw is not None else oud
    record = audit.record(
        bron=resource.bron,
        resource=resource.resource,
        actie=actie,
        resource_url=data["url"],
        hoofd_object=resource.hoofd_object_url(data),
        weergave=_weergave(resource, data),
        oud=oud,
        nieuw=nieuw,
        actor=herkomst.actor,
    )
    if bundel is not None:
        bundel.leg_vast(record, resource, actie, data, kenmerken)
        return
    # the audit record and the outbox row in one statement; the contactmoment's kenmerken are
    # read only for a notification
    if not (
        berichten.aan()
        and notificeer(
            resource,
            actie,
            data,
            kenmerken if kenmerken is not None else _kenmerken(klantcontact_id),
            record,
            bundel=bundel,
        )
    ):
        if bundel is not None:
            bundel.rijen.append(record)
        else:
            record.save()


def leg_klantcontactmomenten_verwijderd(oud: list[tuple[dict, int]], herkomst: Herkomst) -> None:
    """Klantcontactmomenten removed with their klant (``(representation, klantcontact id)``
    pairs): a ``destroy`` record under each contactmoment and a notification each."""
    from vng_api_common.constants import CommonResourceAction

    for data, klantcontact_id in oud:
        leg_relatie_vast(
            KLANTCONTACTMOMENT,
            CommonResourceAction.destroy,
            oud=data,
            nieuw=None,
            klantcontact_id=klantcontact_id,
            herkomst=herkomst,
        )
