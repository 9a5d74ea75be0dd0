"""Transactional writes of the partij side of the Klantinteracties API (K4-K6, K8): partijen,
partij-identificatoren and digitale adressen. Callers pass shape-checked data (snake_case).

Every write here is a write transaction (``schrijfactie``) that locks the klant row first (it
answers ``Klant.DoesNotExist``, a 404, when it is gone), keeps the Klanten API's view equal
(``partijsync``, K8: the standaard addresses are the klant's ``emailadres`` and
``telefoonnummer``), and records what changed: an audit record and a notification on kanaal
``partijen`` for the partij, one on the same kanaal for each digitaal adres whose own
representation changed (``partijwijzigingen.leg_adressen_vast``), and on kanaal ``klanten``
when the klant's Klanten API representation changed too (K10), nothing for a change of
nothing.

The principles:

- K4: a partij with a BSN or KvK number is validated only with evidence (``bewijs``: from a
  trusted asserter's configuration or its ``X-Authenticatie-Context``,
  ``evidence.bewijs_van_klantinteracties_client``); the same V1-V6 rules as klanten
  (``services._valideer``).
- K5: without evidence a persoon partij with a BSN is an unconfirmed anchor: at most one per
  BSN per organisation (a second create returns it; a validated klant for the BSN is returned
  instead of making one), holding no contact data of its own, promoted when a trusted asserter
  later creates the partij. One organisatie partij per HR key per organisation: a second is
  refused (``unique``; an identifier being replaced is no holder of its own key). A partij's
  subject key (the key it is validated with, an anchor's BSN) is not detached, moved or
  changed through the API (``gevalideerd-subject-ongewijzigd``); another identifier the
  Klanten API shows leaves the klant's identification when it leaves the partij (K3).
- K6: a persoon partij without identifier is a non-validated klant of the client that made it.
- K8: ``nummer`` is never taken from input; addresses are stored once per partij and kind.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import IntegrityError, connection
from django.db.models import Q
from vng_api_common.constants import CommonResourceAction

from klanten.notificaties.wijziging import Bundel

from . import partijstand, partijsync, rules, services, wijzigingen
from .constants import SleutelType, SubjectType
from .klantcontacten import Betrokkene
from .models import Klant, KlantAdres
from .partijen import (
    CodeSoortObjectId,
    DigitaalAdres,
    PartijIdentificator,
    SoortDigitaalAdres,
    SoortPartij,
    normaliseer_adres,
)
from .partijrepresentatie import (
    KIContext,
    adressen_data,
    adressen_elders,
    adressen_queryset,
    digitaal_adres_data,
    identificator_data,
    land_kolommen,
    partij_data,
    partij_met_adressen,
)
from .partijwijzigingen import (
    DIGITAALADRES,
    PARTIJIDENTIFICATOR,
    leg_adressen_vast,
    leg_los_vast,
    leg_partij_vast,
)
from .transactions import is_vergrendeld, race_constraint, schrijfactie
from .wijzigingen import Herkomst, representatie

C = CommonResourceAction


def fout(veld: str, message: str, code: str) -> rules.RuleViolation:
    exc = rules.RuleViolation(message, code=code)
    exc.field = veld
    return exc


HR_SLEUTEL_BEZET = "Er bestaat al een partij met deze identificator (K5)."


@contextmanager
def _hr_sleutel_uniek(veld: str):
    """K5: an HR key a concurrent write attached to another partij first (the unique index
    ``een_partij_per_hr_sleutel`` refused it) is the query check's answer: 400 ``unique``."""
    try:
        yield
    except IntegrityError as exc:
        if race_constraint(exc) is None:
            raise
        raise fout(veld, HR_SLEUTEL_BEZET, "unique") from exc


# --- input --------------------------------------------------------------------------------------


@dataclass
class Identificator:
    """One ``partijIdentificator`` of input (``uuid``: an existing identifier to attach)."""

    code_register: str
    code_objecttype: str
    code_soort_object_id: str
    object_id: str
    andere_partij_identificator: str = ""
    uuid: object = None
    sub_identificator_van: PartijIdentificator | None = None

    def velden(self) -> dict:
        """The identifier's columns (of a row made or replaced with it)."""
        return {
            "code_register": self.code_register,
            "code_objecttype": self.code_objecttype,
            "code_soort_object_id": self.code_soort_object_id,
            "object_id": self.object_id,
            "andere_partij_identificator": self.andere_partij_identificator,
            "sub_identificator_van": self.sub_identificator_van,
        }


@dataclass
class PartijGegevens:
    """A partij's input, already mapped onto klant columns."""

    soort_partij: str
    bronorganisatie: str
    geregistreerd_door: object = None
    velden: dict = field(default_factory=dict)  # klant columns
    voorletters: str = ""
    correspondentieadres: dict | None = None  # Klantinteracties shape
    identificatoren: list[Identificator] = field(default_factory=list)
    adressen: list[DigitaalAdres] = field(default_factory=list)  # existing, to link
    # ``voorkeursDigitaalAdres``: one of ``adressen``, made its kind's standaard address
    voorkeur: DigitaalAdres | None = None


def valideer_identificator(ident: Identificator) -> None:
    """The four codes fit together, and the number has its format (BSN, RSIN: 11-proef)."""
    verwacht = partijsync.SOORTEN.get(ident.code_soort_object_id)
    if verwacht is None or (ident.code_register, ident.code_objecttype) != tuple(verwacht):
        raise fout(
            "partijIdentificator",
            "De combinatie van codeRegister, codeObjecttype en codeSoortObjectId is ongeldig.",
            "invalid",
        )
    sleutel = partijsync.SLEUTEL_VOOR_SOORT[ident.code_soort_object_id]
    try:
        rules.validate_identiteit(rules.Identiteit(sleutel, ident.object_id))
    except rules.RuleViolation as exc:
        raise fout("partijIdentificator.objectId", exc.messages[0], "invalid") from exc
    if ident.sub_identificator_van is not None:
        try:
            rules.require_sub_identificator_van_kvk(
                ident.sub_identificator_van.code_soort_object_id
            )
        except rules.RuleViolation as exc:
            raise fout("subIdentificatorVan", exc.messages[0], exc.code) from exc


def _adres_kolommen(adres: dict | None) -> dict | None:
    """A Klantinteracties address group as the klant's ``KlantAdres`` columns."""
    if adres is None:
        return None
    return {
        "straatnaam": (adres.get("straatnaam") or "")[:100],
        "huisnummer": adres.get("huisnummer"),
        "huisletter": "",
        "huisnummertoevoeging": (adres.get("huisnummertoevoeging") or "")[:4],
        "postcode": (adres.get("postcode") or "").replace(" ", ""),
        "woonplaats_naam": (adres.get("stad") or "")[:80],
        **land_kolommen(adres.get("land") or ""),
        "nummeraanduiding_id": adres.get("nummeraanduiding_id") or "",
        "adresregel1": adres.get("adresregel_1") or "",
        "adresregel2": adres.get("adresregel_2") or "",
        "adresregel3": adres.get("adresregel_3") or "",
    }


# --- recording --------------------------------------------------------------------------------


class _Opname:
    """The Klanten API and partij representations of a klant before a write, recorded against
    those after it (each only when it changed). A klant locked with its partij rows
    (``partijstand``) is represented from memory, before and after; else it is read."""

    def __init__(self, klant: Klant | None, herkomst: Herkomst | None, ctx: KIContext):
        self.herkomst, self.ctx = herkomst, ctx
        self.klant_oud = self.partij_oud = None
        self.adressen_oud: dict[str, dict] = {}
        if klant is not None and herkomst is not None:
            # the klant as this write locked and read it, with its representation's rows
            if not is_vergrendeld(klant):
                klant = wijzigingen.lees(klant.pk)
            self.klant_oud = representatie(klant, herkomst.basis_url)
            self.partij_oud, self.adressen_oud = _partij(klant, ctx)

    def leg_vast(
        self,
        klant: Klant | int,
        *,
        nieuw: bool = False,
        bundel: Bundel | None = None,
        adressen: bool = True,
        adressen_oud: dict | None = None,
    ) -> dict[str, dict]:
        """``klant``: the klant (represented from memory when its partij rows are there) or
        its pk (read here as it is now). ``bundel``: the write's rows, inserted with the
        records (by the caller when given, else here). Its digitale adressen are recorded
        too, each whose own representation changed (``adressen_oud``: the representations
        before of other addresses the write changed; ``adressen=False``: the caller records
        them, from the representations after that this returns)."""
        eigen = bundel is None
        bundel = Bundel() if eigen else bundel
        adressen_nieuw: dict[str, dict] = {}
        if self.herkomst is not None:
            if not partijstand.in_geheugen(klant if isinstance(klant, Klant) else None):
                bundel.voeg_in()  # what is read next includes the write's rows
                klant = wijzigingen.lees(klant if isinstance(klant, int) else klant.pk)
            actie = C.create if nieuw else C.partial_update
            # the records of both APIs in one statement
            wijzigingen.leg_vast(
                actie,
                klant,
                oud=None if nieuw else self.klant_oud,
                nieuw=representatie(klant, self.herkomst.basis_url),
                herkomst=self.herkomst,
                bundel=bundel,
            )
            partij_nieuw, adressen_nieuw = _partij(klant, self.ctx)
            leg_partij_vast(
                actie,
                klant,
                oud=None if nieuw else self.partij_oud,
                nieuw=partij_nieuw,
                herkomst=self.herkomst,
                bundel=bundel,
            )
            if adressen:
                oud = {**(adressen_oud or {}), **self.adressen_oud}
                leg_adressen_vast(
                    C.partial_update,
                    oud=oud,
                    nieuw={**adressen_elders(oud, adressen_nieuw, self.ctx), **adressen_nieuw},
                    herkomst=self.herkomst,
                    bundel=bundel,
                )
        if eigen:
            bundel.voeg_in()
        return adressen_nieuw


def _adressen_oud(adressen: list[DigitaalAdres], herkomst: Herkomst | None, ctx) -> dict:
    """The representations of existing addresses a write links to a partij, before it."""
    if herkomst is None or not adressen:
        return {}
    return {
        str(a.uuid): digitaal_adres_data(a, ctx)
        for a in adressen_queryset().filter(pk__in=[a.pk for a in adressen])
    }


def _partij(klant: Klant, ctx: KIContext) -> tuple[dict, dict[str, dict]]:
    """The partij's representation and its addresses' (by uuid): from memory when its partij
    rows are there, else read (a few queries)."""
    if not partijstand.in_geheugen(klant):
        return partij_met_adressen(klant, ctx)
    return partij_data(klant, ctx), adressen_data(klant, ctx)


def _los_vastleggen(rij, actie: str, oud: dict | None, herkomst, ctx: KIContext) -> None:
    """A change of an identifier or address that belongs to no partij: its own records."""
    if herkomst is None:
        return
    if isinstance(rij, PartijIdentificator):
        resource, nieuw = PARTIJIDENTIFICATOR, identificator_data(rij, ctx)
    else:
        resource, nieuw = DIGITAALADRES, digitaal_adres_data(rij, ctx)
    leg_los_vast(resource, actie, oud=oud, nieuw=nieuw, herkomst=herkomst)


def _ctx(herkomst: Herkomst | None) -> KIContext:
    return KIContext.van_herkomst(herkomst) if herkomst else KIContext.zonder_request()


# --- partijen -----------------------------------------------------------------------------------


def _sleutel(identificatoren: list[Identificator]) -> Identificator | None:
    """The identifier that says who the partij is: a BSN, else an HR key."""
    for soort in (
        CodeSoortObjectId.bsn,
        CodeSoortObjectId.kvk_nummer,
        CodeSoortObjectId.rsin,
        CodeSoortObjectId.vestigingsnummer,
    ):
        for ident in identificatoren:
            if ident.code_soort_object_id == soort:
                return ident
    return None


def _klanten_data(gegevens: PartijGegevens, sleutel: Identificator | None) -> dict:
    velden = gegevens.velden
    data = {
        "bronorganisatie": gegevens.bronorganisatie,
        "geregistreerd_door": gegevens.geregistreerd_door,
        "voornaam": velden.get("voornaam", ""),
        "voorvoegsel_achternaam": velden.get("voorvoegsel_achternaam", ""),
        "achternaam": velden.get("achternaam", ""),
        "bedrijfsnaam": velden.get("bedrijfsnaam", ""),
        "aanmaakkanaal": "klantinteracties",
    }
    if gegevens.correspondentieadres is not None:
        data["adres"] = _adres_kolommen(gegevens.correspondentieadres)
    soort = sleutel.code_soort_object_id if sleutel else None
    if soort == CodeSoortObjectId.bsn:
        data["subject_type"] = SubjectType.natuurlijk_persoon
        data["subject_identificatie"] = {
            "inp_bsn": sleutel.object_id,
            "voorletters": gegevens.voorletters,
        }
    elif soort in (CodeSoortObjectId.kvk_nummer, CodeSoortObjectId.rsin):
        data["subject_type"] = SubjectType.niet_natuurlijk_persoon
        rsin = next(
            (
                i.object_id
                for i in gegevens.identificatoren
                if i.code_soort_object_id == CodeSoortObjectId.rsin
            ),
            "",
        )
        data["subject_identificatie"] = {
            "inn_nnp_id": rsin,
            "statutaire_naam": velden.get("bedrijfsnaam", ""),
        }
    elif soort == CodeSoortObjectId.vestigingsnummer:
        data["subject_type"] = SubjectType.vestiging
        data["subject_identificatie"] = {"vestigings_nummer": sleutel.object_id}
    elif gegevens.soort_partij == SoortPartij.persoon and gegevens.voorletters:
        data["subject_type"] = SubjectType.natuurlijk_persoon
        data["subject_identificatie"] = {"voorletters": gegevens.voorletters}
    return data


_KI_KOLOMMEN = (
    "indicatie_actief",
    "indicatie_geheimhouding",
    "voorkeurstaal",
    "interne_notitie",
    "bezoekadres",
    "werkte_voor_partij",
)


def _ki_kolommen(gegevens: PartijGegevens) -> dict:
    """The klant's Klantinteracties columns of the input (set before its insert)."""
    kolommen = {k: gegevens.velden[k] for k in _KI_KOLOMMEN if k in gegevens.velden}
    if gegevens.soort_partij == SoortPartij.contactpersoon:
        kolommen["soort_partij"] = SoortPartij.contactpersoon
    return kolommen


def _zet_ki_kolommen(klant: Klant, gegevens: PartijGegevens) -> None:
    for kolom, waarde in _ki_kolommen(gegevens).items():
        setattr(klant, kolom, waarde)
    if gegevens.correspondentieadres is not None:
        adres = getattr(klant, "adres", None)
        nieuw = adres is None  # an anchor made without one: the given address is its first
        if nieuw:
            adres = KlantAdres(klant=klant)
        for kolom, waarde in _adres_kolommen(gegevens.correspondentieadres).items():
            setattr(adres, kolom, waarde)
        adres.save(force_insert=nieuw)
        Klant._meta.get_field("adres").set_cached_value(klant, adres)
    klant.save()


def _koppel_identificatoren(klant: Klant, gegevens: PartijGegevens, bundel: Bundel) -> None:
    """Attach the given identifiers to a new klant: existing ones (by uuid) and the kinds the
    Klanten API identification does not hold (a KvK number, inserted with ``bundel``)."""
    rijen = partijstand.rijen(klant, "partij_identificatoren")
    # the rows named as subIdentificatorVan, checked under their locks (K5)
    _vergrendel_subs(gegevens.identificatoren, "partijIdentificatoren.subIdentificatorVan")
    for ident in gegevens.identificatoren:
        gemaakt = next(
            (r for r in rijen if r.code_soort_object_id == ident.code_soort_object_id), None
        )
        if ident.uuid is None:
            if gemaakt is None:
                rij = PartijIdentificator(
                    bronorganisatie=klant.bronorganisatie,
                    klant=klant,
                    geregistreerd_door=gegevens.geregistreerd_door,
                    **ident.velden(),
                )
                bundel.rijen.append(rij)
                partijstand.voeg_toe(klant, "partij_identificatoren", rij)
            else:
                # made from the identification by partijsync (not inserted yet): with what
                # was given for it (its subIdentificatorVan was dropped before)
                for veld, waarde in ident.velden().items():
                    setattr(gemaakt, veld, waarde)
            continue
        rij = PartijIdentificator.objects.select_for_update().filter(uuid=ident.uuid).first()
        if rij is None:
            raise fout(
                "partijIdentificatoren.uuid", "De identificator bestaat niet.", "does_not_exist"
            )
        if rij.klant_id not in (None, klant.pk):
            raise fout(
                "partijIdentificatoren.uuid",
                "De identificator hoort bij een andere partij.",
                "unique",
            )
        if gemaakt is not None:  # the one made from the identification: not inserted yet
            bundel.rijen[:] = [r for r in bundel.rijen if r is not gemaakt]
            partijstand.haal_weg(klant, "partij_identificatoren", gemaakt)
        _vervang(rij, klant, ident)
        bundel.werk_bij(rij)
        partijstand.voeg_toe(klant, "partij_identificatoren", rij)


def _vervang(rij: PartijIdentificator, klant: Klant | None, ident: Identificator) -> None:
    rij.klant = klant
    for veld, waarde in ident.velden().items():
        setattr(rij, veld, waarde)


def _sub_vergrendeld(
    ident: Identificator, sub: PartijIdentificator | None, veld: str = "subIdentificatorVan"
) -> None:
    """K5 with ``sub``, the row ``ident`` names as its ``subIdentificatorVan`` as locked by
    this write (None: gone meanwhile, 400 ``does_not_exist``): it is a KvK number, checked
    under its lock. The write that changes a row's kind locks that row before it looks for
    the rows naming it (:func:`_wijzig_identificator`), so of two such writes one sees the
    other's row (``sub-identificator-geen-kvk`` / ``sub-identificatoren-gekoppeld``)."""
    if sub is None:
        raise fout(veld, "De identificator bestaat niet.", "does_not_exist")
    try:
        rules.require_sub_identificator_van_kvk(sub.code_soort_object_id)
    except rules.RuleViolation as exc:
        raise fout(veld, exc.messages[0], exc.code) from exc
    ident.sub_identificator_van = sub


def _vergrendel_identificatoren(ids, *, no_key: bool = False) -> dict:
    """Lock identifier rows by id, in id order, in one statement: id → row (a row gone is
    missing). ``no_key``: ``FOR NO KEY UPDATE`` (a row named as ``subIdentificatorVan``: it
    conflicts with the ``FOR UPDATE`` of a write changing that row, not with the key share
    lock of a foreign key to it)."""
    rijen = (
        PartijIdentificator.objects.select_for_update(no_key=no_key)
        .filter(pk__in=sorted(ids))
        .order_by("pk")
    )
    return {rij.pk: rij for rij in rijen}


def _vergrendel_subs(identificatoren: list[Identificator], veld: str) -> None:
    """Lock the rows ``identificatoren`` name as their ``subIdentificatorVan`` (after the
    klant rows, in id order, one statement; none named: no statement) and check them as
    locked (:func:`_sub_vergrendeld`)."""
    genoemd = [i for i in identificatoren if i.sub_identificator_van is not None]
    if not genoemd:
        return
    rijen = _vergrendel_identificatoren({i.sub_identificator_van.pk for i in genoemd}, no_key=True)
    for ident in genoemd:
        _sub_vergrendeld(ident, rijen.get(ident.sub_identificator_van.pk), veld)


def _koppel_adressen(klant: Klant, adressen: list[DigitaalAdres]) -> None:
    for adres in adressen:
        rij = DigitaalAdres.objects.select_for_update().filter(pk=adres.pk).first()
        if rij is None or rij.klant_id == klant.pk:
            continue
        if rij.klant_id is not None:
            raise fout(
                "digitaleAdressen", "Het digitale adres hoort bij een andere partij.", "unique"
            )
        if DigitaalAdres.objects.filter(
            klant=klant,
            soort_digitaal_adres=rij.soort_digitaal_adres,
            adres_genormaliseerd=rij.adres_genormaliseerd,
        ).exists():
            continue  # K8: the same address once per partij
        rij.klant = klant
        rij.is_standaard_adres = False
        rij.save(update_fields=["klant", "is_standaard_adres"])


def _zet_voorkeur(klant: Klant, voorkeur: DigitaalAdres | None) -> None:
    """``voorkeursDigitaalAdres``: the standaard address of its kind (K8: the klant's
    ``emailadres``/``telefoonnummer``)."""
    if voorkeur is None:
        return
    rij = DigitaalAdres.objects.filter(pk=voorkeur.pk, klant=klant).first()
    if rij is None:
        raise fout(
            "voorkeursDigitaalAdres",
            "Het voorkeursadres moet een van de digitale adressen van de partij zijn.",
            "invalid",
        )
    _maak_standaard(klant, rij)
    rij.is_standaard_adres = True
    rij.save(update_fields=["is_standaard_adres"])
    _standaard_naar_klant(klant, rij)


def _voor_bsn(bronorganisatie: str, bsn: str) -> tuple[Klant | None, Klant | None]:
    """The validated klant and the anchor (K5) of a BSN, locked in one statement."""
    klanten = list(
        Klant.objects.select_for_update()
        .filter(
            Q(gevalideerd=True) | Q(anker=True),
            bronorganisatie=bronorganisatie,
            gevalideerde_sleutel_type=SleutelType.bsn,
            gevalideerde_sleutel=bsn,
        )
        .order_by("pk")
    )
    return (
        next((k for k in klanten if k.gevalideerd), None),
        next((k for k in klanten if k.anker), None),
    )


def _actor(herkomst: Herkomst | None) -> services.Actor:
    if herkomst is None:
        return services.Actor()
    actor = herkomst.actor
    return services.Actor(
        applicatie_id=actor.applicatie_id,
        applicatie_weergave=actor.applicatie_weergave,
        medewerker_id=actor.gebruikers_id,
        medewerker_weergave=actor.gebruikers_weergave,
    )


@schrijfactie
def maak_partij(
    gegevens: PartijGegevens,
    *,
    bewijs: rules.Bewijs | None = None,
    herkomst: Herkomst | None = None,
) -> tuple[Klant, bool]:
    """Create a partij, or return the one that already stands for its BSN (K5). Returns the
    klant and whether it was created."""
    ctx = _ctx(herkomst)
    for ident in gegevens.identificatoren:
        valideer_identificator(ident)
    soorten = [i.code_soort_object_id for i in gegevens.identificatoren]
    if len(soorten) != len(set(soorten)):
        raise fout(
            "partijIdentificatoren",
            "Een partij heeft hoogstens één identificator van elke soort.",
            "unique",
        )
    sleutel = _sleutel(gegevens.identificatoren)
    org = gegevens.bronorganisatie

    if sleutel is not None and sleutel.code_soort_object_id == CodeSoortObjectId.bsn:
        bestaand, anker = _voor_bsn(org, sleutel.object_id)
        if bestaand is not None:
            return bestaand, False
        if anker is not None:
            if bewijs is None:
                return anker, False
            return _promoveer(anker, gegevens, bewijs, herkomst, ctx), False
    elif sleutel is not None:
        for ident in gegevens.identificatoren:
            if (
                ident.code_soort_object_id in partijsync.HR_SOORTEN
                and ident.uuid is None
                and partijsync.houder(org, ident.code_soort_object_id, ident.object_id)
            ):
                raise fout(
                    "partijIdentificatoren",
                    "Er bestaat al een partij met deze identificator (K5: één organisatie "
                    "per KvK-nummer; andere klanten van de organisatie zijn "
                    "contactpersoon).",
                    "unique",
                )
    elif gegevens.soort_partij == SoortPartij.organisatie and bewijs is not None:
        bewijs = None

    kolommen = _ki_kolommen(gegevens)
    if bewijs is None and sleutel is not None and sleutel.code_soort_object_id == "bsn":
        # K5: an unconfirmed anchor; a concurrent create of the same anchor wins
        kolommen |= {
            "anker": True,
            "gevalideerde_sleutel_type": SleutelType.bsn,
            "gevalideerde_sleutel": sleutel.object_id,
        }
    # the klant row (with its final columns, but for a validation), then its other rows and
    # the records in one statement
    bundel = Bundel()
    try:
        klant = services._maak(_klanten_data(gegevens, sleutel), bundel.rijen, kolommen)
        partijstand.nieuw(
            klant, [r for r in bundel.rijen if isinstance(r, PartijIdentificator)], adressen=[]
        )
        _koppel_identificatoren(klant, gegevens, bundel)
        if sleutel is not None and bewijs is not None:
            identiteit = services.klant_identiteit(klant) or rules.Identiteit(
                partijsync.SLEUTEL_VOOR_SOORT[sleutel.code_soort_object_id], sleutel.object_id
            )
            bewijs = _bewijs_voor(bewijs, identiteit)
            services._valideer(klant, bewijs, _actor(herkomst), mode="reconfirm", bundel=bundel)
        gekoppeld = {}
        if not klant.anker and (gegevens.adressen or gegevens.voorkeur):
            # existing rows linked: written now, the partij read again afterwards
            gekoppeld = _adressen_oud(gegevens.adressen, herkomst, ctx)
            bundel.voeg_in()
            partijstand.vergeet(klant)
            _koppel_adressen(klant, gegevens.adressen)
            _zet_voorkeur(klant, gegevens.voorkeur)
        _synchroniseer(klant, bundel)
        _Opname(None, herkomst, ctx).leg_vast(
            klant, nieuw=True, bundel=bundel, adressen_oud=gekoppeld
        )
        bundel.voeg_in()
    except IntegrityError as exc:
        if race_constraint(exc) is not None:
            raise fout("partijIdentificatoren", HR_SLEUTEL_BEZET, "unique") from exc
        if "een_anker_per_bsn" not in str(exc) and "een_gevalideerde_klant_per_bsn" not in str(exc):
            raise
        _opnieuw()
    return klant, True


def _synchroniseer(klant: Klant, bundel: Bundel) -> None:
    """K3/K8: the partij rows follow the klant; nothing to read or write when those in memory
    already do, else the write's rows so far are inserted and ``partijsync`` looks."""
    if (
        partijstand.in_geheugen(klant)
        and _identificatoren_in_stap(klant)
        and all(
            _standaard(klant, soort) == (getattr(klant, kolom) or "")
            for soort, kolom in _STANDAARD_KOLOM.items()
        )
    ):
        return
    bundel.voeg_in()
    partijsync.synchroniseer(klant)
    partijstand.vergeet(klant)


def _standaard(klant: Klant, soort: str) -> str:
    """The standaard address of a kind in memory ("" when there is none)."""
    return next(
        (
            r.adres
            for r in partijstand.rijen(klant, "digitale_adressen")
            if r.soort_digitaal_adres == soort and r.is_standaard_adres
        ),
        "",
    )


def _opnieuw():
    """A concurrent create made the partij for the BSN first: the write transaction is
    cancelled as a serialization failure, so it is run again and finds it."""
    from django.db import OperationalError
    from psycopg.errors import SerializationFailure

    raise OperationalError("partij gelijktijdig aangemaakt") from SerializationFailure(
        "partij gelijktijdig aangemaakt"
    )


def _bewijs_voor(bewijs: rules.Bewijs, identiteit: rules.Identiteit) -> rules.Bewijs:
    """The evidence for the identity the klant carries (a KvK partij with an RSIN is
    validated for its RSIN, as the Klanten API validates organisations)."""
    if bewijs.geauthenticeerde == identiteit:
        return bewijs
    from dataclasses import replace

    return replace(bewijs, geauthenticeerde=identiteit)


def _promoveer(
    anker: Klant,
    gegevens: PartijGegevens,
    bewijs: rules.Bewijs,
    herkomst: Herkomst | None,
    ctx: KIContext,
) -> Klant:
    """K5/V5: a trusted asserter creates the partij of an anchor: the anchor is validated and
    takes the given data (the person confirmed it in the signed-in session)."""
    klant = wijzigingen.vergrendel(anker.pk)
    opname = _Opname(klant, herkomst, ctx)
    for veld in ("voornaam", "voorvoegsel_achternaam", "achternaam"):
        if gegevens.velden.get(veld):
            setattr(klant, veld, gegevens.velden[veld])
    _zet_ki_kolommen(klant, gegevens)
    services._valideer(klant, bewijs, _actor(herkomst), mode="reconfirm")
    gekoppeld = _adressen_oud(gegevens.adressen, herkomst, ctx)
    _koppel_adressen(klant, gegevens.adressen)
    partijsync.synchroniseer(klant)
    opname.leg_vast(klant, adressen_oud=gekoppeld)
    return klant


@schrijfactie
def verwijder_partij(klant: Klant, *, herkomst: Herkomst | None = None) -> None:
    """K9: as a Klanten API delete: its betrokkenen keep their snapshot without it. Its partij
    audit trail goes with it; one record of the deletion stays on each kanaal (recorded by
    ``services.verwijder_klanten``, for every path that deletes a klant)."""
    klant = Klant.objects.select_for_update().get(pk=klant.pk)
    services.verwijder_klanten([klant], herkomst)


# --- partij-identificatoren ---------------------------------------------------------------------


def _vergrendel_partij(klant: Klant | None) -> Klant | None:
    """The partij locked with its partij rows in memory (``partijstand``): ``klant`` itself
    when the view locked it so in this write."""
    if klant is None:
        return None
    if is_vergrendeld(klant) and partijstand.in_geheugen(klant):
        return klant
    return partijstand.vergrendel(klant.pk)


@schrijfactie
def maak_identificator(
    ident: Identificator,
    klant: Klant | None,
    *,
    bronorganisatie: str,
    geregistreerd_door=None,
    bewijs: rules.Bewijs | None = None,
    herkomst: Herkomst | None = None,
) -> PartijIdentificator:
    """An identifier, of a partij or on its own (KISS makes KvK identifiers first). A partij
    has one of each kind; an HR key identifies one partij per organisation (K5); a validated
    partij's key is never changed here (V1). A BSN or HR key attached to a partij is its
    subject (:func:`_subject_van_partij`: validated with evidence, else an anchor)."""
    valideer_identificator(ident)
    with _hr_sleutel_uniek("partijIdentificator"):
        return _maak_identificator(
            ident, klant, bronorganisatie, geregistreerd_door, bewijs, herkomst
        )


def _maak_identificator(
    ident: Identificator, klant, bronorganisatie, geregistreerd_door, bewijs, herkomst
) -> PartijIdentificator:
    klant = _vergrendel_partij(klant)
    # the row named as subIdentificatorVan after the klant's lock, checked under its own (K5)
    _vergrendel_subs([ident], "subIdentificatorVan")
    ctx = _ctx(herkomst)
    opname = _Opname(klant, herkomst, ctx)
    _controleer_identificator(ident, klant, bronorganisatie)
    rij = PartijIdentificator(
        bronorganisatie=klant.bronorganisatie if klant else bronorganisatie,
        klant=klant,
        geregistreerd_door=geregistreerd_door,
        **ident.velden(),
    )
    if klant is None:
        rij.save(force_insert=True)
        _los_vastleggen(rij, C.create, None, herkomst, ctx)
        return rij
    # the identifier, what it changes of the klant and the records in one statement
    bundel = Bundel(rij)
    partijstand.voeg_toe(klant, "partij_identificatoren", rij)
    _identificatie_van_klant(klant, rij, bundel)
    _subject_van_partij(klant, rij, bewijs, herkomst, bundel)
    opname.leg_vast(klant, bundel=bundel)
    _voeg_in(bundel)
    return rij


def _voeg_in(bundel: Bundel) -> None:
    """The write's last statement; a klant validated for a BSN meanwhile by another write is
    the rule's conflict (V6), as in ``services._valideer``."""
    try:
        bundel.voeg_in()
    except IntegrityError as exc:
        if "een_gevalideerde_klant_per_bsn" not in str(exc):
            raise
        raise services._duplicate(None) from exc


def _identificatoren_in_stap(klant: Klant) -> bool:
    """Whether the klant's identifiers in memory are those ``partijsync`` would make."""
    gewenst = partijsync._gewenst(klant)
    bestaand = {
        r.code_soort_object_id: r.object_id
        for r in partijstand.rijen(klant, "partij_identificatoren")
    }
    for soort in (*partijsync.BEHEERD, CodeSoortObjectId.kvk_nummer):
        waarde = gewenst.get(soort)
        if waarde is None:
            if soort in partijsync.BEHEERD and soort in bestaand:
                return False
        elif bestaand.get(soort) != waarde:
            return False
    return True


def _synchroniseer_identificatoren(klant: Klant, bundel: Bundel) -> None:
    """K3: the identifiers follow the klant; nothing to read or write when those in memory
    already do, else the write's rows so far are inserted and ``partijsync`` looks."""
    if partijstand.in_geheugen(klant) and _identificatoren_in_stap(klant):
        return
    bundel.voeg_in()
    partijsync.synchroniseer_identificatoren(klant)
    partijstand.vergeet(klant)


def _controleer_identificator(
    ident: Identificator, klant: Klant | None, bronorganisatie: str, zonder=None
) -> None:
    if klant is not None:
        if partijstand.in_geheugen(klant):
            heeft = any(
                r.code_soort_object_id == ident.code_soort_object_id
                and (zonder is None or r.pk != zonder.pk)
                for r in partijstand.rijen(klant, "partij_identificatoren")
            )
        else:
            andere = PartijIdentificator.objects.filter(
                klant=klant, code_soort_object_id=ident.code_soort_object_id
            )
            if zonder is not None:
                andere = andere.exclude(pk=zonder.pk)
            heeft = andere.exists()
        if heeft:
            raise fout(
                "identificeerdePartij",
                "De partij heeft al een identificator van deze soort.",
                "unique",
            )
        if _is_subject_sleutel(klant, ident.code_soort_object_id):
            _sleutel_blijft(
                "partijIdentificator.objectId", ident.object_id == klant.gevalideerde_sleutel
            )
    if ident.code_soort_object_id in partijsync.HR_SOORTEN:
        # K5: another partij holding the key; the row being replaced is no holder of it
        houder = PartijIdentificator.objects.filter(
            bronorganisatie=klant.bronorganisatie if klant else bronorganisatie,
            code_soort_object_id=ident.code_soort_object_id,
            object_id=ident.object_id,
            klant__isnull=False,
        )
        if klant is not None:
            houder = houder.exclude(klant=klant)
        if zonder is not None:
            houder = houder.exclude(pk=zonder.pk)
        if houder.exists():
            raise fout("partijIdentificator", HR_SLEUTEL_BEZET, "unique")


def _is_subject_sleutel(klant: Klant, soort: str) -> bool:
    """Whether an identifier of kind ``soort`` is the subject key of ``klant``: the key it is
    validated with (V1), or the BSN it is the unconfirmed anchor of (K5)."""
    return (klant.gevalideerd or klant.anker) and (
        partijsync.SLEUTEL_VOOR_SOORT[soort] == klant.gevalideerde_sleutel_type
    )


def _sleutel_blijft(veld: str, blijft: bool) -> None:
    try:
        rules.require_subject_sleutel_blijft(blijft)
    except rules.RuleViolation as exc:
        exc.field = veld
        raise


def _subject_van_partij(
    klant: Klant,
    rij: PartijIdentificator,
    bewijs: rules.Bewijs | None,
    herkomst,
    bundel: Bundel | None = None,
) -> None:
    """K4/K5 for an identifier attached to a partij (KISS and Open Inwoner attach them after
    creating the partij): with evidence the partij is validated for it (V4/V5); without, a BSN
    makes a non-validated persoon the unconfirmed anchor of that BSN, unless a validated partij
    or another anchor already stands for it (one partij per BSN per organisation: 400)."""
    if klant.gevalideerd:
        return
    sleutel = partijsync.SLEUTEL_VOOR_SOORT[rij.code_soort_object_id]
    if bewijs is not None:
        identiteit = services.klant_identiteit(klant) or rules.Identiteit(sleutel, rij.object_id)
        services._valideer(
            klant,
            _bewijs_voor(bewijs, identiteit),
            _actor(herkomst),
            mode="reconfirm",
            bundel=bundel,
        )
        if bundel is not None:
            _synchroniseer_identificatoren(klant, bundel)
        return
    if sleutel != SleutelType.bsn or klant.anker:
        return
    bestaand = (
        Klant.objects.filter(
            bronorganisatie=klant.bronorganisatie, gevalideerde_sleutel=rij.object_id
        )
        .filter(gevalideerde_sleutel_type=SleutelType.bsn)
        .exclude(pk=klant.pk)
        .filter(Q(gevalideerd=True) | Q(anker=True))
        .exists()
    )
    if bestaand:
        raise fout(
            "partijIdentificator",
            "Er bestaat al een partij voor dit BSN (K5: één partij per BSN); zoek die op.",
            "unique",
        )
    klant.anker = True
    klant.gevalideerde_sleutel_type = SleutelType.bsn
    klant.gevalideerde_sleutel = rij.object_id
    velden = ["anker", "gevalideerde_sleutel_type", "gevalideerde_sleutel"]
    if bundel is not None:
        bundel.werk_bij(klant, velden)
    else:
        klant.save(update_fields=velden)


def _identificatie_van_klant(
    klant: Klant, rij: PartijIdentificator, bundel: Bundel | None = None
) -> None:
    """An identifier the Klanten API shows (bsn, rsin, vestigingsnummer) is the klant's
    identification there too (K3), when the klant has no other subject type."""
    verwacht = {
        CodeSoortObjectId.bsn: SubjectType.natuurlijk_persoon,
        CodeSoortObjectId.rsin: SubjectType.niet_natuurlijk_persoon,
        CodeSoortObjectId.vestigingsnummer: SubjectType.vestiging,
    }.get(rij.code_soort_object_id)
    if verwacht is None or klant.subject_type not in (None, verwacht):
        return
    if klant.gevalideerd:
        return
    veld = partijsync.KLANTEN_SOORTEN[verwacht][1]
    klant.subject_type = verwacht
    services._opslaan(klant)  # before its identification (the trigger checks the type)
    services._write_identificatie(
        klant, {veld: rij.object_id}, replace=False, nieuwe=bundel.rijen if bundel else None
    )


def _identificatie_los(klant: Klant, soort: str, object_id: str) -> None:
    """K3: an identifier the Klanten API shows (bsn, rsin, vestigingsnummer) that leaves the
    klant (detached, moved to another partij, or now of another kind) leaves its
    identification too: that one field is emptied, the rest of the identification is kept
    (as a partij made with a KvK number only has it), so ``partijsync`` makes it no more."""
    subject_type = next((t for t, (s, _) in partijsync.KLANTEN_SOORTEN.items() if s == soort), None)
    if subject_type is None or klant.subject_type != subject_type:
        return
    veld = partijsync.KLANTEN_SOORTEN[subject_type][1]
    identificatie = klant.subject_identificatie
    if identificatie is None or getattr(identificatie, veld) != object_id:
        return
    setattr(identificatie, veld, "")
    identificatie.save(update_fields=[veld])


@schrijfactie
def wijzig_identificator(
    rij: PartijIdentificator,
    ident: Identificator,
    klant: Klant | None,
    *,
    bewijs: rules.Bewijs | None = None,
    herkomst: Herkomst | None = None,
) -> PartijIdentificator:
    """PUT: replace an identifier (and the partij it identifies)."""
    valideer_identificator(ident)
    with _hr_sleutel_uniek("partijIdentificator"):
        return _wijzig_identificator(rij, ident, klant, bewijs, herkomst)


def _wijzig_identificator(
    rij: PartijIdentificator, ident: Identificator, klant, bewijs, herkomst
) -> PartijIdentificator:
    oude_klant = Klant.objects.filter(pk=rij.klant_id).first() if rij.klant_id else None
    # the klant rows first, in one order
    vergrendeld = {
        k.pk: wijzigingen.vergrendel(k.pk)
        for k in sorted(
            {k.pk: k for k in (oude_klant, klant) if k is not None}.values(), key=lambda k: k.pk
        )
    }
    vorige_klant_id = rij.klant_id
    # the row, and the one it names as subIdentificatorVan, locked in one statement (id order)
    sub = ident.sub_identificator_van
    ids = {rij.pk} | ({sub.pk} if sub is not None else set())
    rijen = _vergrendel_identificatoren(ids)
    if rij.pk not in rijen:
        raise PartijIdentificator.DoesNotExist("PartijIdentificator matching query does not exist.")
    rij = rijen[rij.pk]
    if rij.klant_id != vorige_klant_id:
        # moved (to another partij or none) since the caller read it: again with the row as it
        # is now (its partij locked and recorded; the row's lock is held, it moves no more)
        return wijzig_identificator(rij, ident, klant, bewijs=bewijs, herkomst=herkomst)
    try:
        rules.require_sub_identificator_van_kvk(
            "kvk_nummer", zichzelf=sub is not None and sub.pk == rij.pk
        )
    except rules.RuleViolation as exc:
        raise fout("subIdentificatorVan", exc.messages[0], exc.code) from exc
    if sub is not None:
        # its kind as locked (the write changing it locks it before it looks for namers)
        _sub_vergrendeld(ident, rijen.get(sub.pk))
    try:
        # under the row's lock: a write naming it locks it before it checks its kind
        rules.require_soort_blijft_met_sub_identificatoren(
            rij.code_soort_object_id,
            ident.code_soort_object_id,
            ident.code_soort_object_id != rij.code_soort_object_id
            and PartijIdentificator.objects.filter(sub_identificator_van=rij).exists(),
        )
    except rules.RuleViolation as exc:
        raise fout("subIdentificatorVan", exc.messages[0], exc.code) from exc
    ctx = _ctx(herkomst)
    opnames = {k.pk: _Opname(k, herkomst, ctx) for k in (oude_klant, klant) if k is not None}
    los_oud = identificator_data(rij, ctx) if rij.klant_id is None and klant is None else None
    oud = (rij.code_soort_object_id, rij.object_id)
    blijft = (
        klant is not None
        and klant.pk == rij.klant_id
        and (ident.code_soort_object_id, ident.object_id) == oud
    )
    # the partij the row leaves, as locked
    vorige = vergrendeld[oude_klant.pk] if oude_klant is not None else None
    if vorige is not None and _is_subject_sleutel(vorige, rij.code_soort_object_id):
        # V1/K5: a partij's subject key (validated, or an anchor's BSN) is not detached,
        # moved or changed here; the same rule for a BSN and an HR key
        _sleutel_blijft("partijIdentificator", blijft)
    _controleer_identificator(ident, klant, rij.bronorganisatie, zonder=rij)
    _vervang(rij, klant, ident)
    rij.save()
    if vorige is not None and (
        klant is None or klant.pk != vorige.pk or ident.code_soort_object_id != oud[0]
    ):
        _identificatie_los(vorige, *oud)
    if klant is not None:
        klant = wijzigingen.vergrendel(klant.pk)
        _identificatie_van_klant(klant, rij)
        _subject_van_partij(klant, rij, bewijs, herkomst)
    for pk, opname in opnames.items():
        opname.leg_vast(pk)
    if los_oud is not None:
        _los_vastleggen(rij, C.update, los_oud, herkomst, ctx)
    return rij


# --- digitale adressen --------------------------------------------------------------------------


_STANDAARD_KOLOM = {
    SoortDigitaalAdres.email: "emailadres",
    SoortDigitaalAdres.telefoonnummer: "telefoonnummer",
}


def _zet_klant_kolom(klant: Klant, kolom: str, waarde: str, bundel: Bundel | None) -> None:
    if getattr(klant, kolom) != waarde:
        setattr(klant, kolom, waarde)
        if bundel is not None:
            bundel.werk_bij(klant, [kolom, "gewijzigd_op"])
        else:
            klant.save(update_fields=[kolom, "gewijzigd_op"])


def _standaard_naar_klant(klant: Klant, rij: DigitaalAdres, bundel: Bundel | None = None) -> None:
    """K8: the standaard address of a kind is the klant's Klanten API column."""
    kolom = _STANDAARD_KOLOM.get(rij.soort_digitaal_adres)
    if kolom is None:
        return
    if not rij.is_standaard_adres and getattr(klant, kolom) != rij.adres:
        return
    _zet_klant_kolom(klant, kolom, rij.adres if rij.is_standaard_adres else "", bundel)


def _maak_standaard(klant: Klant, rij: DigitaalAdres) -> None:
    """The other standaard address of the kind stops being one (no statement when the
    klant's addresses in memory show none)."""
    if partijstand.in_geheugen(klant):
        andere = [
            r
            for r in partijstand.rijen(klant, "digitale_adressen")
            if r.soort_digitaal_adres == rij.soort_digitaal_adres
            and r.is_standaard_adres
            and (r is not rij and (r.pk is None or r.pk != rij.pk))
        ]
        if not andere:
            return
        for ander in andere:
            ander.is_standaard_adres = False
    DigitaalAdres.objects.filter(
        klant=klant, soort_digitaal_adres=rij.soort_digitaal_adres, is_standaard_adres=True
    ).exclude(pk=rij.pk).update(is_standaard_adres=False)


def _adres_rij(klant: Klant | None, pk) -> DigitaalAdres | None:
    """An address, locked (after its klant), in place of the one in the klant's memory."""
    rij = (
        DigitaalAdres.objects.select_for_update(of=("self",))
        .select_related("klant", "betrokkene")
        .filter(pk=pk)
        .first()
    )
    if rij is not None and partijstand.in_geheugen(klant):
        partijstand.haal_weg(klant, "digitale_adressen", rij)
        if rij.klant_id == klant.pk:
            partijstand.voeg_toe(klant, "digitale_adressen", rij)
    return rij


def _vergrendel_betrokkene(betrokkene: Betrokkene) -> None:
    """The betrokkene an address names as ``verstrektDoorBetrokkene`` held until commit
    (``FOR KEY SHARE``: the lock its foreign key takes, now rather than at commit; it
    conflicts with a deletion's ``FOR UPDATE`` and ``DELETE``, not with a change of its
    columns). A deletion that locked it first is waited for; gone then (retention, a deletion
    of its klantcontact): 400 ``does_not_exist``. A deletion that comes later waits for this
    write (the retention of anonymous betrokkenen skips it: the next run takes it, with the
    address)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {Betrokkene._meta.db_table} WHERE id = %s FOR KEY SHARE",
            [betrokkene.pk],
        )
        if cursor.fetchone() is None:
            raise fout("verstrektDoorBetrokkene", "De betrokkene bestaat niet.", "does_not_exist")


@schrijfactie
def maak_digitaal_adres(
    data: dict,
    *,
    klant: Klant | None,
    betrokkene: Betrokkene | None,
    geregistreerd_door=None,
    herkomst: Herkomst | None = None,
) -> DigitaalAdres:
    """An address given by a partij (``klant``), by a betrokkene in one contact, or both. The
    same address once per partij and kind (K8: a second create returns the existing row,
    updated); a standaard address becomes the klant's ``emailadres``/``telefoonnummer``."""
    klant = _vergrendel_partij(klant)
    if betrokkene is not None:
        # after the klant row, as every write (the deletions of betrokkenen lock them after
        # their klant rows, before they read their addresses): the foreign key to it is only
        # checked at commit, so a betrokkene deleted meanwhile was a failed commit (a 500)
        _vergrendel_betrokkene(betrokkene)
    ctx = _ctx(herkomst)
    opname = _Opname(klant, herkomst, ctx)
    if klant is not None and klant.anker:
        raise fout(
            "verstrektDoorPartij",
            "Een onbevestigd anker heeft geen eigen contactgegevens (K5); geef het adres aan "
            "de betrokkene.",
            "anker-zonder-contactgegevens",
        )
    soort = data["soort_digitaal_adres"]
    norm = normaliseer_adres(soort, data["adres"])
    rij = None
    if klant is not None:
        bestaand = next(
            (
                r
                for r in partijstand.rijen(klant, "digitale_adressen")
                if r.soort_digitaal_adres == soort and r.adres_genormaliseerd == norm
            ),
            None,
        )
        if bestaand is not None:
            rij = _adres_rij(klant, bestaand.pk)
    nieuw = rij is None
    if nieuw:
        rij = DigitaalAdres(klant=klant, geregistreerd_door=geregistreerd_door)
    rij.betrokkene = betrokkene if betrokkene is not None else rij.betrokkene
    rij.soort_digitaal_adres = soort
    if rij.adres_genormaliseerd and rij.adres_genormaliseerd != norm:
        rij.verificatie_datum = None
    rij.adres = data["adres"]
    rij.adres_genormaliseerd = norm
    for veld in ("omschrijving", "referentie", "verificatie_datum"):
        if veld in data:
            setattr(
                rij,
                veld,
                data[veld]
                if data[veld] is not None
                else (None if veld == "verificatie_datum" else ""),
            )
    standaard = bool(data.get("is_standaard_adres")) and klant is not None
    if standaard:
        _maak_standaard(klant, rij)
    if "is_standaard_adres" in data or nieuw:
        rij.is_standaard_adres = standaard
    if klant is None:
        rij.save()
        _los_vastleggen(rij, C.create if nieuw else C.partial_update, None, herkomst, ctx)
        return rij
    # the address, the klant's column and the records in one statement
    bundel = Bundel()
    if nieuw:
        bundel.rijen.append(rij)
    else:
        bundel.werk_bij(rij)
    partijstand.voeg_toe(klant, "digitale_adressen", rij)
    _standaard_naar_klant(klant, rij, bundel)
    opname.leg_vast(klant, bundel=bundel)
    bundel.voeg_in()
    return rij


@schrijfactie
def wijzig_digitaal_adres(
    rij: DigitaalAdres,
    data: dict,
    *,
    partial: bool,
    klant=...,
    herkomst: Herkomst | None = None,
) -> DigitaalAdres:
    """PATCH/PUT of an address (Open Forms: ``isStandaardAdres``). ``klant``: the new
    ``verstrektDoorPartij`` when given (``...`` for unchanged). The klant rows first (in one
    order, with their partij rows), then the address."""
    pks = {rij.klant_id} if rij.klant_id else set()
    if klant is not ... and klant is not None:
        pks.add(klant.pk)
    gegeven = {klant.pk: klant} if klant not in (None, ...) else {}
    vergrendeld = {pk: _vergrendel_partij(gegeven.get(pk) or Klant(pk=pk)) for pk in sorted(pks)}
    vorige_klant_id = rij.klant_id
    huidige = vergrendeld.get(rij.klant_id)
    rij = _adres_rij(huidige, rij.pk)
    if rij is None:
        raise DigitaalAdres.DoesNotExist
    if rij.klant_id != vorige_klant_id:
        # moved (to another partij or none) since the caller read it: again with the row as it
        # is now (its partij locked and recorded; the row's lock is held, it moves no more)
        return wijzig_digitaal_adres(rij, data, partial=partial, klant=klant, herkomst=herkomst)
    doel = huidige if klant is ... else (vergrendeld[klant.pk] if klant is not None else None)
    ctx = _ctx(herkomst)
    opnames = {pk: _Opname(k, herkomst, ctx) for pk, k in vergrendeld.items()}
    rij_oud = digitaal_adres_data(rij, ctx, klant=huidige)
    if doel is not None and doel.anker:
        raise fout(
            "verstrektDoorPartij",
            "Een onbevestigd anker heeft geen eigen contactgegevens (K5).",
            "anker-zonder-contactgegevens",
        )
    soort = data.get("soort_digitaal_adres", rij.soort_digitaal_adres)
    adres = data.get("adres", rij.adres)
    norm = normaliseer_adres(soort, adres)
    if doel is not None and any(
        r.soort_digitaal_adres == soort and r.adres_genormaliseerd == norm and r.pk != rij.pk
        for r in partijstand.rijen(doel, "digitale_adressen")
    ):
        raise fout("adres", "De partij heeft dit adres al.", "unique")
    if norm != rij.adres_genormaliseerd or soort != rij.soort_digitaal_adres:
        rij.verificatie_datum = None  # K8
    was_standaard = rij.is_standaard_adres
    if huidige is not None and doel is not huidige:
        partijstand.haal_weg(huidige, "digitale_adressen", rij)
    rij.klant = doel
    rij.soort_digitaal_adres, rij.adres, rij.adres_genormaliseerd = soort, adres, norm
    for veld in ("omschrijving", "referentie"):
        if veld in data:
            setattr(rij, veld, data[veld] or "")
        elif not partial:
            setattr(rij, veld, "")
    if "verificatie_datum" in data:
        rij.verificatie_datum = data["verificatie_datum"]
    if "is_standaard_adres" in data:
        rij.is_standaard_adres = bool(data["is_standaard_adres"]) and doel is not None
    elif not partial or doel is None:
        rij.is_standaard_adres = False if doel is None or not partial else rij.is_standaard_adres
    if rij.is_standaard_adres:
        _maak_standaard(doel, rij)
    if doel is None:
        rij.save()
    else:
        partijstand.voeg_toe(doel, "digitale_adressen", rij)
    # the address, the klanten's columns and the records in one statement
    bundel = Bundel()
    if doel is not None:
        bundel.werk_bij(rij)
    if huidige is not None and (doel is None or huidige.pk != doel.pk or was_standaard):
        # a standaard address that left the partij, or stopped being standaard
        for soort_waarde, naam in _STANDAARD_KOLOM.items():
            _zet_klant_kolom(huidige, naam, _standaard(huidige, soort_waarde), bundel)
    if doel is not None:
        _standaard_naar_klant(doel, rij, bundel)
    # the addresses of the partijen before and after (the row itself, of a partij or none,
    # always): each whose representation changed is recorded, in the same statement
    adressen_oud, adressen_nieuw = {}, {}
    for pk, opname in opnames.items():
        adressen_oud |= opname.adressen_oud
        adressen_nieuw |= opname.leg_vast(vergrendeld[pk], bundel=bundel, adressen=False)
    eigen = str(rij.uuid)
    adressen_oud[eigen] = rij_oud
    adressen_nieuw[eigen] = digitaal_adres_data(rij, ctx, klant=doel)
    if herkomst is not None:
        # the row as the request's action, the others it changed (a standaard address that
        # stopped being one) as partial updates
        leg_adressen_vast(
            C.partial_update if partial else C.update,
            oud={eigen: adressen_oud.pop(eigen)},
            nieuw={eigen: adressen_nieuw.pop(eigen)},
            herkomst=herkomst,
            bundel=bundel,
        )
        leg_adressen_vast(
            C.partial_update,
            oud=adressen_oud,
            nieuw=adressen_nieuw,
            herkomst=herkomst,
            bundel=bundel,
        )
    bundel.voeg_in()
    return rij
