"""Recording the changes of klanten: the Klanten API's resource on the shared
``klanten.notificaties`` (kanaal ``klanten``, resource ``klant``, audit ``bron`` ``kc``, kenmerk
``subjectType``), and the one place where a klant's representation before and after a write
is compared.

The services (``services.py``) call this for every write made on behalf of someone (a
:class:`Herkomst`): the API, the resident pages, the admin, the promotion, the confirmation
link and the retention run all record the same way. A write whose representation did not
change records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from notifications_api_common.kanalen import Kanaal
from vng_api_common.constants import CommonResourceAction

from klanten.notificaties import audit
from klanten.notificaties.wijziging import (
    Actor,
    Resource,
    Verwijdering,
    leg_verwijderingen_vast,
    notificeer,
)
from klanten.notificaties.wijziging import leg_vast as _leg_vast

from .models import Klant
from .representation import KLANT_LIST_RELATIONS, klant_data
from .transactions import is_vergrendeld, markeer_vergrendeld
from .vergrendeling import (
    KLANT_VERS,
    vergrendel_vers_op,
    vergrendel_vers_vorm,
    zet_een_op_een,
)

# C13: registered at the Notificaties API (``register_kanalen``, the admin's settings page)
KANAAL_KLANTEN = Kanaal("klanten", main_resource=Klant, kenmerken=("subject_type",))
KLANT = Resource(
    kanaal=KANAAL_KLANTEN.label, resource="klant", bron="kc", kenmerken=("subjectType",)
)
# what the record of a deletion keeps of the representation: no personal data
BEWAARD_NA_VERWIJDERING = ("url", "gevalideerd")

__all__ = ["KANAAL_KLANTEN", "KLANT", "Actor", "Herkomst", "is_vergrendeld"]


@dataclass(frozen=True)
class Herkomst:
    """On whose behalf a write is made (``actor``, as the audit trail shows it) and the URL of
    the klanten collection (ending in ``/``) that the klant's representation uses."""

    actor: Actor
    basis_url: str

    @classmethod
    def systeem(cls, applicatie_weergave: str, toelichting: str = "") -> Herkomst:
        """A write without a request (the background tasks): the URL from ``SITE_DOMAIN``."""
        return cls(
            Actor(applicatie_weergave=applicatie_weergave, toelichting=toelichting),
            basis_url_zonder_request(),
        )


def basis_url_zonder_request() -> str:
    """The klanten collection URL where no request is at hand, built from ``SITE_DOMAIN`` and
    ``IS_HTTPS``."""
    scheme = "https" if settings.IS_HTTPS else "http"
    return f"{scheme}://{settings.SITE_DOMAIN}{reverse('klant-list')}/"


def klant_url(klant: Klant, basis_url: str) -> str:
    return f"{basis_url}{klant.uuid}"


def representatie(klant: Klant, basis_url: str) -> dict:
    """The API representation of ``klant`` from the instance and its loaded relations."""
    return klant_data(klant, basis_url)


def lees(pk: int) -> Klant:
    """A klant with every row of its representation, in one query."""
    return Klant.objects.select_related(*KLANT_LIST_RELATIONS).get(pk=pk)


def vergrendel(pk: int) -> Klant:
    """Lock the klant row (the first lock of every write: the klant, then what hangs off it)
    and read its representation's rows in the same query. Raises ``Klant.DoesNotExist`` when
    it is gone."""
    return _vergrendeld(vergrendel_vers_op(Klant, KLANT_VERS, pk=pk))


def vergrendel_vorm(vorm: tuple, bouw, waarden: dict) -> Klant:
    """:func:`vergrendel` for the klant of the queryset ``bouw(marks)`` (e.g. the klanten a
    client may see, ``readsql.lock_klant``), compiled once per shape ``vorm``
    (``vergrendeling.vergrendel_vers_vorm``); the services do not lock it again in the same
    write transaction. Its one-to-one rows and partij rows (``klantpartij``, K10) are read in
    the same statement after the lock is held (a writer that held the lock first is seen)."""
    return _vergrendeld(vergrendel_vers_vorm(Klant, vorm, bouw, waarden, KLANT_VERS))


def _vergrendeld(gevonden) -> Klant:
    if gevonden is None:
        raise Klant.DoesNotExist("Klant matching query does not exist.")
    klant, data = gevonden
    zet_een_op_een(klant, data)
    klant.ki_partij = data
    markeer_vergrendeld(klant)
    return klant


def vergrendeld(klant: Klant) -> Klant:
    """``klant`` locked with its representation's rows: itself when it was locked in this
    write transaction already (:func:`vergrendel_vorm`), else read again under the lock."""
    return klant if is_vergrendeld(klant) else vergrendel(klant.pk)


def leg_vast(
    actie: str,
    klant: Klant,
    *,
    oud: dict | None,
    nieuw: dict | None,
    herkomst: Herkomst,
    actie_weergave: str | None = None,
    samen=(),
    bundel=None,
) -> bool:
    """One change of a klant: an audit record (``resourceWeergave`` "bronorganisatie -
    klantnummer") and a notification, or nothing when ``oud == nieuw``; ``samen``: unsaved rows
    of the change, inserted in the same statement (``notificaties.wijziging.leg_vast``)."""
    return _leg_vast(
        KLANT,
        actie,
        oud=oud,
        nieuw=nieuw,
        weergave=klant.unique_representation(),
        actor=herkomst.actor,
        actie_weergave=actie_weergave,
        samen=samen,
        bundel=bundel,
    )


def leg_vernietigingen_vast(
    klanten: list[Klant], herkomst: Herkomst, toelichtingen: dict | None = None, *, bundel=None
) -> None:
    """The deletion of ``klanten`` (locked by the caller): their audit trail goes, one record
    of each deletion stays (who, when, the URL and whether it was validated; no personal
    data), and a ``destroy`` notification each (URL and kenmerk, as for any delete).
    ``toelichtingen`` maps a klant's pk to the reason recorded (default: the actor's).
    ``bundel``: as for ``leg_verwijderingen_vast`` (the caller removes the trail and inserts)."""
    toelichtingen = toelichtingen or {}
    leg_verwijderingen_vast(
        KLANT,
        [
            Verwijdering(
                oud={
                    "url": klant_url(klant, herkomst.basis_url),
                    "subjectType": klant.subject_type,
                    "gevalideerd": klant.gevalideerd,
                },
                weergave=f"{klant.bronorganisatie} - verwijderde klant",
                toelichting=toelichtingen.get(klant.pk),
            )
            for klant in klanten
        ],
        actor=herkomst.actor,
        bewaard=BEWAARD_NA_VERWIJDERING,
        bundel=bundel,
    )


def leg_correctie_vast(
    klant: Klant,
    *,
    oud: dict,
    nieuw: dict,
    herkomst: Herkomst,
    reden: str,
    sleutel_type_oud: str | None,
    sleutel_type_nieuw: str | None,
    subject_gewijzigd: bool = False,
    resource: Resource = KLANT,
    weergave: str | None = None,
) -> bool:
    """V1: an administrator's correction of a validated klant's subject: an audit record of
    its own action (``correctie_subject``, the reason as ``toelichting``; ``oud``/``nieuw``
    name the kind of key and whether the subject URL changed, never the identifiers or the
    URL) and the ``partial_update`` notification. Nothing when the representation did not
    change. ``resource``/``weergave``: the same for another representation of the klant (its
    partij, ``partijwijzigingen``)."""
    if oud == nieuw:
        return False
    audit.schrijf(
        bron=resource.bron,
        resource=resource.resource,
        actie="correctie_subject",
        actie_weergave="Subjectidentificatie gecorrigeerd door een beheerder",
        resource_url=nieuw["url"],
        hoofd_object=nieuw["url"],
        weergave=weergave or klant.unique_representation(),
        oud={"sleutelType": sleutel_type_oud},
        nieuw={"sleutelType": sleutel_type_nieuw, "subjectGewijzigd": subject_gewijzigd},
        actor=herkomst.actor,
        toelichting=reden,
    )
    notificeer(resource, CommonResourceAction.partial_update, nieuw)
    return True
