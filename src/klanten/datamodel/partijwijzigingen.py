"""Recording the changes of partijen (K10): the Klantinteracties API's resources on the shared
``klanten.notificaties`` (kanaal ``partijen`` as Open Klant names it, audit ``bron`` ``ki``),
as ``wijzigingen`` does for klanten.

- a partij: one audit record and one notification (kenmerk ``soortPartij``, never personal
  data) per create or change of its representation; nothing when it did not change;
- a partij-identificator: a change of its partij (the partij's representation lists them),
  recorded as the partij's ``partial_update``; one without a partij is recorded as its own
  resource (``partijidentificator``) on the same kanaal, without kenmerken;
- a digitaal adres: every change of its own representation is recorded as resource
  ``digitaaladres`` on the same kanaal, without kenmerken (:func:`leg_adressen_vast`), whether
  it belongs to a partij or not, whichever API or path made it (a standaard address is also
  the Klanten API's ``emailadres``/``telefoonnummer``, K8). Its ``hoofdObject`` is its partij
  (``verstrektDoorPartij``) when it has one, else the address itself: a partij's audit trail
  holds the changes of its addresses and goes with it when the partij is deleted. When the
  partij's list changes too (an address added or removed), the partij is recorded as well.

A change through Klantinteracties that also changes the Klanten API's representation (a
standaard address is the klant's ``emailadres``/``telefoonnummer``, K8) is recorded on both
kanalen by the services (``partijservices``); so is a change through the Klanten API (or the
admin, the resident pages, a validation) that changes the partij (``services``, the rows
compared by ``klantpartij``), and the deletion of a klant, which is the deletion of its partij.

- a betrokkene with ``wasPartij`` created or removed (through either API, or an E2
  interaction): a change of its partij (the partij's representation lists its betrokkenen),
  recorded as the partij's ``partial_update`` (:class:`Betrokkenheden`) next to the
  betrokkene's own record; a betrokkene without a partij changes none.
"""

from __future__ import annotations

from dataclasses import dataclass

from notifications_api_common.kanalen import Kanaal
from vng_api_common.constants import CommonResourceAction

from klanten.notificaties.wijziging import Bundel, Resource, Verwijdering, leg_verwijderingen_vast
from klanten.notificaties.wijziging import leg_vast as _leg_vast

from . import partijstand, wijzigingen
from .models import Klant
from .partijrepresentatie import PARTIJEN, KIContext, partij, partij_data, soort_partij
from .wijzigingen import Herkomst

KANAAL_PARTIJEN = Kanaal(
    "partijen",
    main_resource=Klant,
    kenmerken=("soort_partij",),
    extra_kwargs={
        "soort_partij": {"help_text": "De soort partij: persoon, organisatie of contactpersoon."}
    },
)
PARTIJ = Resource(
    kanaal=KANAAL_PARTIJEN.label, resource="partij", bron="ki", kenmerken=("soortPartij",)
)
PARTIJIDENTIFICATOR = Resource(
    kanaal=KANAAL_PARTIJEN.label, resource="partijidentificator", bron="ki"
)


@dataclass(frozen=True)
class _AdresResource(Resource):
    """A digitaal adres: its main object is its partij when it has one, else itself."""

    def hoofd_object_url(self, data: dict) -> str:
        partij = data.get("verstrektDoorPartij")
        return partij["url"] if partij else data["url"]


DIGITAALADRES = _AdresResource(kanaal=KANAAL_PARTIJEN.label, resource="digitaaladres", bron="ki")

__all__ = ["DIGITAALADRES", "KANAAL_PARTIJEN", "PARTIJ", "PARTIJIDENTIFICATOR", "Herkomst"]


def weergave(klant: Klant) -> str:
    return f"partij {klant.uuid}"


def leg_partij_vast(
    actie: str,
    klant: Klant,
    *,
    oud: dict | None,
    nieuw: dict | None,
    herkomst: Herkomst,
    bundel: Bundel | None = None,
) -> bool:
    """One change of a partij, or nothing when ``oud == nieuw`` (``bundel``: the record goes
    into it, the caller inserts it)."""
    return _leg_vast(
        PARTIJ,
        actie,
        oud=oud,
        nieuw=nieuw,
        weergave=weergave(klant),
        actor=herkomst.actor,
        bundel=bundel,
    )


class Betrokkenheden:
    """K10: a write that adds betrokkenen to a partij or removes them changes the partij's
    ``betrokkenen`` list: one ``partial_update`` record and notification on ``partijen`` for
    it, nothing when the list did not change (a betrokkene that was no longer the partij's).

    ``klant``: the partij, locked by the write. Locked with its partij rows in memory
    (``partijstand``, read after the lock in the lock's statement) it is represented from
    memory before and after the write (no statement), and the rows in memory follow the
    write; otherwise it is read before (make this before the write) and after."""

    def __init__(self, klant: Klant, herkomst: Herkomst):
        self.klant, self.herkomst = klant, herkomst
        self.ctx = KIContext.van_herkomst(herkomst)
        self.oud = self._nu()

    def _nu(self) -> dict:
        if partijstand.in_geheugen(self.klant):
            return partij_data(self.klant, self.ctx)
        return partij(self.klant, self.ctx)

    def voeg_toe(self, betrokkene) -> None:
        """``betrokkene`` (inserted) is the partij's now."""
        if partijstand.in_geheugen(self.klant):
            partijstand.voeg_toe(self.klant, "betrokkenheden", betrokkene)

    def haal_weg(self, betrokkene) -> None:
        """``betrokkene`` (deleted) is the partij's no more."""
        if partijstand.in_geheugen(self.klant):
            partijstand.haal_weg(self.klant, "betrokkenheden", betrokkene)

    def leg_vast(self, bundel: Bundel) -> bool:
        """The partij's record and notification into ``bundel`` (the caller inserts it),
        when its representation changed."""
        return leg_partij_vast(
            CommonResourceAction.partial_update,
            self.klant,
            oud=self.oud,
            nieuw=self._nu(),
            herkomst=self.herkomst,
            bundel=bundel,
        )


def leg_los_vast(
    resource: Resource, actie: str, *, oud: dict | None, nieuw: dict | None, herkomst: Herkomst
) -> bool:
    """A change of an identifier or address that belongs to no partij."""
    data = nieuw or oud
    return _leg_vast(
        resource,
        actie,
        oud=oud,
        nieuw=nieuw,
        weergave=f"{resource.resource} {data['uuid']}",
        actor=herkomst.actor,
    )


def leg_adressen_vast(
    actie: str,
    *,
    oud: dict[str, dict],
    nieuw: dict[str, dict],
    herkomst: Herkomst,
    bundel: Bundel | None = None,
) -> int:
    """The changes of digitale adressen in one write, from their representations by uuid
    before (``oud``) and after it (``nieuw``): one absent before is a ``create``, one absent
    after a ``destroy`` (its record keeps its URL and partij only, no address), one whose
    representation changed an ``actie`` (the write's ``update``/``partial_update``); an
    unchanged one records nothing. Returns how many were recorded."""
    aantal = 0
    for uuid in [*oud, *(u for u in nieuw if u not in oud)]:
        voor, na = oud.get(uuid), nieuw.get(uuid)
        if voor is None:
            soort = CommonResourceAction.create
        elif na is None:
            soort = CommonResourceAction.destroy
            voor = {"url": voor["url"], "verstrektDoorPartij": voor["verstrektDoorPartij"]}
        else:
            soort = actie
        aantal += _leg_vast(
            DIGITAALADRES,
            soort,
            oud=voor,
            nieuw=na,
            weergave=f"{DIGITAALADRES.resource} {uuid}",
            actor=herkomst.actor,
            bundel=bundel,
        )
    return aantal


def adressen_voor_en_na(
    rijen, herkomst: Herkomst | None, na, klanten: dict | None = None
) -> tuple[dict[str, dict], dict[str, dict]]:
    """The Klantinteracties representations, by uuid, before and after a statement that
    deleted or changed digitale adressen, from what it returned (no read of its own): per row
    its old columns (``to_jsonb``), the uuid of its betrokkene and that of its partij (each
    None when it has none; the partij also from ``klanten``, by pk). ``na(rij)`` makes the row
    what the statement left (True), or says it was deleted (False). None without a
    ``herkomst`` (nothing is recorded then)."""
    import json

    from .klantcontacten import Betrokkene
    from .partijen import DigitaalAdres
    from .partijrepresentatie import digitaal_adres_data
    from .vergrendeling import rij_uit

    if herkomst is None:
        return {}, {}
    ctx = KIContext.van_herkomst(herkomst)
    klanten = klanten or {}
    betrokkene_veld = DigitaalAdres._meta.get_field("betrokkene")
    oud: dict[str, dict] = {}
    nieuw: dict[str, dict] = {}
    for data, betrokkene_uuid, klant_uuid in rijen:
        rij = rij_uit(DigitaalAdres, json.loads(data) if isinstance(data, str) else data)
        betrokkene = None
        if betrokkene_uuid is not None:
            betrokkene = Betrokkene(pk=rij.betrokkene_id, uuid=betrokkene_uuid)
        betrokkene_veld.set_cached_value(rij, betrokkene)
        klant = klanten.get(rij.klant_id)
        if klant is None and klant_uuid is not None:
            klant = Klant(pk=rij.klant_id, uuid=klant_uuid)
        uuid = str(rij.uuid)
        oud[uuid] = digitaal_adres_data(rij, ctx, klant=klant)
        if na(rij):
            nieuw[uuid] = digitaal_adres_data(rij, ctx, klant=klant)
    return oud, nieuw


def leg_partij_correctie_vast(klant: Klant, *, oud: dict, nieuw: dict, **correctie) -> bool:
    """V1: an administrator's correction of a validated klant's subject as its partij shows it:
    a record of action ``correctie_subject`` that names the kind of key, never the identifiers
    (``wijzigingen.leg_correctie_vast``), and the ``partial_update`` notification on
    ``partijen``; nothing when the partij did not change."""
    return wijzigingen.leg_correctie_vast(
        klant, oud=oud, nieuw=nieuw, resource=PARTIJ, weergave=weergave(klant), **correctie
    )


def leg_partijen_verwijderd(
    klanten: list[Klant],
    herkomst: Herkomst,
    toelichtingen: dict | None = None,
    *,
    bundel: Bundel | None = None,
) -> None:
    """The deletion of klanten (locked by the caller) as the deletion of their partijen: their
    partij audit trail goes (it holds their data), one record of each deletion stays (its URL
    and ``soortPartij``) with a ``destroy`` notification on ``partijen``. ``bundel``: as for
    ``leg_verwijderingen_vast``."""
    ctx = KIContext.van_herkomst(herkomst)
    toelichtingen = toelichtingen or {}
    leg_verwijderingen_vast(
        PARTIJ,
        [
            Verwijdering(
                oud={"url": ctx.url(PARTIJEN, klant.uuid), "soortPartij": soort_partij(klant)},
                weergave="verwijderde partij",
                toelichting=toelichtingen.get(klant.pk),
            )
            for klant in klanten
        ],
        actor=herkomst.actor,
        bewaard=("url", "soortPartij"),
        bundel=bundel,
    )
