"""Transactional writes of the partij side of the Klantinteracties API (K4-K6, K8): partijen,
partij-identificatoren and digitale adressen. Callers pass shape-checked data (snake_case).

Every write here is a write transaction (``schrijfactie``) that locks the klant row first (it
answers ``Klant.DoesNotExist``, a 404, when it is gone), keeps the Klanten API's view equal
(``partijsync``, K8: the standaard addresses are the klant's ``emailadres`` and
``telefoonnummer``), and records what changed: an audit record and a notification on kanaal
``partijen`` for the partij, and on kanaal ``klanten`` when the klant's Klanten API
representation changed too (K10), nothing for a change of nothing.

The principles:

- K4: a partij with a BSN or KvK number is validated only with evidence (``bewijs``: from a
  trusted asserter's configuration or its ``X-Authenticatie-Context``,
  ``evidence.bewijs_van_klantinteracties_client``); the same V1-V6 rules as klanten
  (``services._valideer``).
- K5: without evidence a persoon partij with a BSN is an unconfirmed anchor: at most one per
  BSN per organisation (a second create returns it; a validated klant for the BSN is returned
  instead of making one), holding no contact data of its own, promoted when a trusted asserter
  later creates the partij. One organisatie partij per HR key per organisation: a second is
  refused (``unique``).
- K6: a persoon partij without identifier is a non-validated klant of the client that made it.
- K8: ``nummer`` is never taken from input; addresses are stored once per partij and kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q
from vng_api_common.constants import CommonResourceAction

from klanten.notificaties.wijziging import Bundel

from . import partijsync, rules, services, wijzigingen
from .constants import SleutelType, SubjectType
from .klantcontacten import Betrokkene
from .models import Klant
from .partijen import (
    CodeSoortObjectId,
    DigitaalAdres,
    PartijIdentificator,
    SoortDigitaalAdres,
    SoortPartij,
    normaliseer_adres,
)
from .partijrepresentatie import (
    ISO_NAAR_BRP,
    KIContext,
    digitaal_adres_data,
    identificator_data,
    partij,
)
from .partijwijzigingen import (
    DIGITAALADRES,
    PARTIJIDENTIFICATOR,
    leg_los_vast,
    leg_partij_vast,
)
from .transactions import is_vergrendeld, schrijfactie
from .wijzigingen import Herkomst, representatie

C = CommonResourceAction


def fout(veld: str, message: str, code: str) -> rules.RuleViolation:
    exc = rules.RuleViolation(message, code=code)
    exc.field = veld
    return exc


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


def _adres_kolommen(adres: dict | None) -> dict | None:
    """A Klantinteracties address group as the klant's ``KlantAdres`` columns."""
    if adres is None:
        return None
    land = adres.get("land") or ""
    return {
        "straatnaam": (adres.get("straatnaam") or "")[:100],
        "huisnummer": adres.get("huisnummer"),
        "huisletter": "",
        "huisnummertoevoeging": (adres.get("huisnummertoevoeging") or "")[:4],
        "postcode": (adres.get("postcode") or "").replace(" ", ""),
        "woonplaats_naam": (adres.get("stad") or "")[:80],
        "landcode": ISO_NAAR_BRP.get(land.upper(), ""),
        "nummeraanduiding_id": adres.get("nummeraanduiding_id") or "",
        "adresregel1": adres.get("adresregel_1") or "",
        "adresregel2": adres.get("adresregel_2") or "",
        "adresregel3": adres.get("adresregel_3") or "",
    }


# --- recording --------------------------------------------------------------------------------


class _Opname:
    """The Klanten API and partij representations of a klant before a write, recorded against
    those after it (each only when it changed)."""

    def __init__(self, klant: Klant | None, herkomst: Herkomst | None, ctx: KIContext):
        self.herkomst, self.ctx = herkomst, ctx
        self.klant_oud = self.partij_oud = None
        if klant is not None and herkomst is not None:
            # the klant as this write locked and read it, with its representation's rows
            if not is_vergrendeld(klant):
                klant = wijzigingen.lees(klant.pk)
            self.klant_oud = representatie(klant, herkomst.basis_url)
            self.partij_oud = partij(klant, ctx)

    def leg_vast(self, klant: Klant | int, *, nieuw: bool = False) -> None:
        """``klant``: the klant or its pk (read here as it is now)."""
        if self.herkomst is None:
            return
        klant = wijzigingen.lees(klant if isinstance(klant, int) else klant.pk)
        actie = C.create if nieuw else C.partial_update
        # the records of both APIs in one statement
        bundel = Bundel()
        wijzigingen.leg_vast(
            actie,
            klant,
            oud=None if nieuw else self.klant_oud,
            nieuw=representatie(klant, self.herkomst.basis_url),
            herkomst=self.herkomst,
            bundel=bundel,
        )
        leg_partij_vast(
            actie,
            klant,
            oud=None if nieuw else self.partij_oud,
            nieuw=partij(klant, self.ctx),
            herkomst=self.herkomst,
            bundel=bundel,
        )
        bundel.voeg_in()


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


def _zet_ki_kolommen(klant: Klant, gegevens: PartijGegevens) -> None:
    for kolom in _KI_KOLOMMEN:
        if kolom in gegevens.velden:
            setattr(klant, kolom, gegevens.velden[kolom])
    if gegevens.soort_partij == SoortPartij.contactpersoon:
        klant.soort_partij = SoortPartij.contactpersoon
    if gegevens.correspondentieadres is not None:
        adres = getattr(klant, "adres", None)
        if adres is not None:
            for kolom, waarde in _adres_kolommen(gegevens.correspondentieadres).items():
                setattr(adres, kolom, waarde)
            adres.save()
    klant.save()


def _koppel_identificatoren(klant: Klant, gegevens: PartijGegevens) -> None:
    """Attach the given identifiers: existing ones (by uuid) and the kinds the Klanten
    identification does not hold (a KvK number)."""
    for ident in gegevens.identificatoren:
        if ident.uuid is not None:
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
            bestaand = PartijIdentificator.objects.filter(
                klant=klant, code_soort_object_id=ident.code_soort_object_id
            ).exclude(pk=rij.pk)
            bestaand.delete()
            rij.klant = klant
            rij.code_register = ident.code_register
            rij.code_objecttype = ident.code_objecttype
            rij.code_soort_object_id = ident.code_soort_object_id
            rij.object_id = ident.object_id
            rij.andere_partij_identificator = ident.andere_partij_identificator
            rij.sub_identificator_van = ident.sub_identificator_van
            rij.save()
            continue
        if PartijIdentificator.objects.filter(
            klant=klant, code_soort_object_id=ident.code_soort_object_id
        ).exists():
            continue  # made from the identification by partijsync
        PartijIdentificator.objects.create(
            bronorganisatie=klant.bronorganisatie,
            klant=klant,
            code_register=ident.code_register,
            code_objecttype=ident.code_objecttype,
            code_soort_object_id=ident.code_soort_object_id,
            object_id=ident.object_id,
            andere_partij_identificator=ident.andere_partij_identificator,
            sub_identificator_van=ident.sub_identificator_van,
            geregistreerd_door=gegevens.geregistreerd_door,
        )


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


def _gevalideerde(bronorganisatie: str, sleutel_type: str, waarde: str) -> Klant | None:
    return (
        Klant.objects.select_for_update()
        .filter(
            bronorganisatie=bronorganisatie,
            gevalideerd=True,
            gevalideerde_sleutel_type=sleutel_type,
            gevalideerde_sleutel=waarde,
        )
        .first()
    )


def _anker(bronorganisatie: str, bsn: str) -> Klant | None:
    return (
        Klant.objects.select_for_update()
        .filter(
            bronorganisatie=bronorganisatie,
            anker=True,
            gevalideerde_sleutel_type=SleutelType.bsn,
            gevalideerde_sleutel=bsn,
        )
        .first()
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
        bestaand = _gevalideerde(org, SleutelType.bsn, sleutel.object_id)
        if bestaand is not None:
            return bestaand, False
        anker = _anker(org, sleutel.object_id)
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

    klant = services._maak(_klanten_data(gegevens, sleutel))
    _zet_ki_kolommen(klant, gegevens)
    _koppel_identificatoren(klant, gegevens)
    if sleutel is not None and bewijs is not None:
        identiteit = services.klant_identiteit(klant) or rules.Identiteit(
            partijsync.SLEUTEL_VOOR_SOORT[sleutel.code_soort_object_id], sleutel.object_id
        )
        bewijs = _bewijs_voor(bewijs, identiteit)
        services._valideer(klant, bewijs, _actor(herkomst), mode="reconfirm")
    elif sleutel is not None and sleutel.code_soort_object_id == CodeSoortObjectId.bsn:
        # K5: an unconfirmed anchor; a concurrent create of the same anchor wins
        klant.anker = True
        klant.gevalideerde_sleutel_type = SleutelType.bsn
        klant.gevalideerde_sleutel = sleutel.object_id
        try:
            with transaction.atomic():
                klant.save(
                    update_fields=["anker", "gevalideerde_sleutel_type", "gevalideerde_sleutel"]
                )
        except IntegrityError as exc:
            if "een_anker_per_bsn" not in str(exc):
                raise
            raise services_retry() from exc
    if not klant.anker:
        _koppel_adressen(klant, gegevens.adressen)
        _zet_voorkeur(klant, gegevens.voorkeur)
    partijsync.synchroniseer(klant)
    _Opname(None, herkomst, ctx).leg_vast(klant, nieuw=True)
    return klant, True


def services_retry():
    """A concurrent create made the anchor first: the write is run again and finds it."""
    from psycopg.errors import SerializationFailure

    return SerializationFailure("anker gelijktijdig aangemaakt")


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
    _koppel_adressen(klant, gegevens.adressen)
    partijsync.synchroniseer(klant)
    opname.leg_vast(klant)
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
    return wijzigingen.vergrendel(klant.pk) if klant is not None else None


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
    klant = _vergrendel_partij(klant)
    ctx = _ctx(herkomst)
    opname = _Opname(klant, herkomst, ctx)
    _controleer_identificator(ident, klant, bronorganisatie)
    rij = PartijIdentificator.objects.create(
        bronorganisatie=klant.bronorganisatie if klant else bronorganisatie,
        klant=klant,
        code_register=ident.code_register,
        code_objecttype=ident.code_objecttype,
        code_soort_object_id=ident.code_soort_object_id,
        object_id=ident.object_id,
        andere_partij_identificator=ident.andere_partij_identificator,
        sub_identificator_van=ident.sub_identificator_van,
        geregistreerd_door=geregistreerd_door,
    )
    if klant is not None:
        _identificatie_van_klant(klant, rij)
        _subject_van_partij(klant, rij, bewijs, herkomst)
        opname.leg_vast(klant)
    elif herkomst is not None:
        rij = PartijIdentificator.objects.select_related("sub_identificator_van").get(pk=rij.pk)
        leg_los_vast(
            PARTIJIDENTIFICATOR,
            C.create,
            oud=None,
            nieuw=identificator_data(rij, ctx),
            herkomst=herkomst,
        )
    return rij


def _controleer_identificator(
    ident: Identificator, klant: Klant | None, bronorganisatie: str, zonder=None
) -> None:
    if klant is not None:
        andere = PartijIdentificator.objects.filter(
            klant=klant, code_soort_object_id=ident.code_soort_object_id
        )
        if zonder is not None:
            andere = andere.exclude(pk=zonder.pk)
        if andere.exists():
            raise fout(
                "identificeerdePartij",
                "De partij heeft al een identificator van deze soort.",
                "unique",
            )
        if klant.gevalideerd or klant.anker:
            sleutel = partijsync.SLEUTEL_VOOR_SOORT[ident.code_soort_object_id]
            if sleutel == klant.gevalideerde_sleutel_type and (
                ident.object_id != klant.gevalideerde_sleutel
            ):
                raise fout(
                    "partijIdentificator.objectId",
                    "De identificatie van een gevalideerde partij wijzigt alleen een beheerder.",
                    "gevalideerd-subject-ongewijzigd",
                )
    if ident.code_soort_object_id in partijsync.HR_SOORTEN:
        houder = PartijIdentificator.objects.filter(
            bronorganisatie=klant.bronorganisatie if klant else bronorganisatie,
            code_soort_object_id=ident.code_soort_object_id,
            object_id=ident.object_id,
            klant__isnull=False,
        )
        if klant is not None:
            houder = houder.exclude(klant=klant)
        if houder.exists():
            raise fout(
                "partijIdentificator",
                "Er bestaat al een partij met deze identificator (K5).",
                "unique",
            )


def _subject_van_partij(
    klant: Klant, rij: PartijIdentificator, bewijs: rules.Bewijs | None, herkomst
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
            klant, _bewijs_voor(bewijs, identiteit), _actor(herkomst), mode="reconfirm"
        )
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
    klant.save(update_fields=["anker", "gevalideerde_sleutel_type", "gevalideerde_sleutel"])


def _identificatie_van_klant(klant: Klant, rij: PartijIdentificator) -> None:
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
    services._opslaan(klant)
    services._write_identificatie(klant, {veld: rij.object_id}, replace=False)


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
    oude_klant = Klant.objects.filter(pk=rij.klant_id).first() if rij.klant_id else None
    # the klant rows first, in one order
    for k in sorted(
        {k.pk: k for k in (oude_klant, klant) if k is not None}.values(), key=lambda k: k.pk
    ):
        wijzigingen.vergrendel(k.pk)
    rij = PartijIdentificator.objects.select_for_update().get(pk=rij.pk)
    ctx = _ctx(herkomst)
    opnames = {k.pk: _Opname(k, herkomst, ctx) for k in (oude_klant, klant) if k is not None}
    los_oud = identificator_data(rij, ctx) if rij.klant_id is None and klant is None else None
    if oude_klant is not None and oude_klant.gevalideerd:
        sleutel = partijsync.SLEUTEL_VOOR_SOORT[rij.code_soort_object_id]
        if sleutel == oude_klant.gevalideerde_sleutel_type and (
            klant is None or klant.pk != oude_klant.pk or ident.object_id != rij.object_id
        ):
            raise fout(
                "partijIdentificator",
                "De identificatie van een gevalideerde partij wijzigt alleen een beheerder.",
                "gevalideerd-subject-ongewijzigd",
            )
    _controleer_identificator(ident, klant, rij.bronorganisatie, zonder=rij)
    rij.klant = klant
    rij.code_register = ident.code_register
    rij.code_objecttype = ident.code_objecttype
    rij.code_soort_object_id = ident.code_soort_object_id
    rij.object_id = ident.object_id
    rij.andere_partij_identificator = ident.andere_partij_identificator
    rij.sub_identificator_van = ident.sub_identificator_van
    rij.save()
    if klant is not None:
        klant = wijzigingen.vergrendel(klant.pk)
        _identificatie_van_klant(klant, rij)
        _subject_van_partij(klant, rij, bewijs, herkomst)
    for pk, opname in opnames.items():
        opname.leg_vast(pk)
    if los_oud is not None and herkomst is not None:
        rij = PartijIdentificator.objects.select_related("sub_identificator_van").get(pk=rij.pk)
        leg_los_vast(
            PARTIJIDENTIFICATOR,
            C.update,
            oud=los_oud,
            nieuw=identificator_data(rij, ctx),
            herkomst=herkomst,
        )
    return rij


# --- digitale adressen --------------------------------------------------------------------------


def _standaard_naar_klant(klant: Klant, rij: DigitaalAdres) -> None:
    """K8: the standaard address of a kind is the klant's Klanten API column."""
    kolom = {
        SoortDigitaalAdres.email: "emailadres",
        SoortDigitaalAdres.telefoonnummer: "telefoonnummer",
    }.get(rij.soort_digitaal_adres)
    if kolom is None:
        return
    waarde = rij.adres if rij.is_standaard_adres else ""
    if not rij.is_standaard_adres and getattr(klant, kolom) != rij.adres:
        return
    if getattr(klant, kolom) != waarde:
        setattr(klant, kolom, waarde)
        klant.save(update_fields=[kolom, "gewijzigd_op"])


def _maak_standaard(klant: Klant, rij: DigitaalAdres) -> None:
    DigitaalAdres.objects.filter(
        klant=klant, soort_digitaal_adres=rij.soort_digitaal_adres, is_standaard_adres=True
    ).exclude(pk=rij.pk).update(is_standaard_adres=False)


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
        rij = (
            DigitaalAdres.objects.select_for_update()
            .filter(klant=klant, soort_digitaal_adres=soort, adres_genormaliseerd=norm)
            .first()
        )
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
    rij.save()
    _na_adres(klant, rij, opname, herkomst, ctx, nieuw=nieuw)
    return rij


def _na_adres(klant, rij, opname, herkomst, ctx, *, nieuw: bool, oud_los=None) -> None:
    if klant is not None:
        _standaard_naar_klant(klant, rij)
        opname.leg_vast(klant)
    elif herkomst is not None:
        rij = DigitaalAdres.objects.select_related("klant", "betrokkene").get(pk=rij.pk)
        leg_los_vast(
            DIGITAALADRES,
            C.create if nieuw else C.partial_update,
            oud=oud_los,
            nieuw=digitaal_adres_data(rij, ctx),
            herkomst=herkomst,
        )


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
    ``verstrektDoorPartij`` when given (``...`` for unchanged)."""
    huidige = Klant.objects.filter(pk=rij.klant_id).first() if rij.klant_id else None
    doel = huidige if klant is ... else klant
    for k in sorted(
        {k.pk: k for k in (huidige, doel) if k is not None}.values(), key=lambda k: k.pk
    ):
        wijzigingen.vergrendel(k.pk)
    rij = (
        DigitaalAdres.objects.select_for_update(of=("self",))
        .select_related("klant", "betrokkene")
        .get(pk=rij.pk)
    )
    ctx = _ctx(herkomst)
    opnames = {k.pk: _Opname(k, herkomst, ctx) for k in (huidige, doel) if k is not None}
    oud_los = digitaal_adres_data(rij, ctx) if rij.klant_id is None and doel is None else None
    if doel is not None and doel.anker:
        raise fout(
            "verstrektDoorPartij",
            "Een onbevestigd anker heeft geen eigen contactgegevens (K5).",
            "anker-zonder-contactgegevens",
        )
    soort = data.get("soort_digitaal_adres", rij.soort_digitaal_adres)
    adres = data.get("adres", rij.adres)
    norm = normaliseer_adres(soort, adres)
    if (
        doel is not None
        and DigitaalAdres.objects.filter(
            klant=doel, soort_digitaal_adres=soort, adres_genormaliseerd=norm
        )
        .exclude(pk=rij.pk)
        .exists()
    ):
        raise fout("adres", "De partij heeft dit adres al.", "unique")
    if norm != rij.adres_genormaliseerd or soort != rij.soort_digitaal_adres:
        rij.verificatie_datum = None  # K8
    was_standaard = rij.is_standaard_adres
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
    rij.save()
    if huidige is not None and (doel is None or huidige.pk != doel.pk or was_standaard):
        klant_nu = Klant.objects.get(pk=huidige.pk)
        kolom = {
            SoortDigitaalAdres.email: "emailadres",
            SoortDigitaalAdres.telefoonnummer: "telefoonnummer",
        }
        # a standaard address that left the partij, or stopped being standaard
        for soort_waarde, naam in kolom.items():
            heeft = DigitaalAdres.objects.filter(
                klant=klant_nu, soort_digitaal_adres=soort_waarde, is_standaard_adres=True
            ).first()
            waarde = heeft.adres if heeft is not None else ""
            if getattr(klant_nu, naam) != waarde:
                setattr(klant_nu, naam, waarde)
                klant_nu.save(update_fields=[naam, "gewijzigd_op"])
    if doel is not None:
        _standaard_naar_klant(Klant.objects.get(pk=doel.pk), rij)
    for pk, opname in opnames.items():
        opname.leg_vast(pk)
    if oud_los is not None and herkomst is not None:
        rij = DigitaalAdres.objects.select_related("klant", "betrokkene").get(pk=rij.pk)
        leg_los_vast(
            DIGITAALADRES,
            C.partial_update if partial else C.update,
            oud=oud_los,
            nieuw=digitaal_adres_data(rij, ctx),
            herkomst=herkomst,
        )
    return rij
