"""The Klantinteracties representations of the partij side (Open Klant 0.9.0 shapes): partij,
partij-identificator, digitaal adres, built from model instances whose relations were loaded
in batches (``laad_*``: a constant number of queries for any number of objects). Used by the
API (reads and writes) and by the audit trail and notifications of every write
(``partijwijzigingen``), so there is one representation. Keys are camelCase.

A partij is a ``Klant`` (same uuid, K3); docs/store.md has the column map.
"""

from __future__ import annotations

import re
import uuid as _uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Prefetch, prefetch_related_objects

from .constants import SubjectType
from .klantcontacten import Betrokkene
from .models import Klant
from .partijen import DigitaalAdres, PartijIdentificator, SoortDigitaalAdres, SoortPartij

PREFIX = "/klantinteracties/api/v1/"
PARTIJEN = "partijen"
IDENTIFICATOREN = "partij-identificatoren"
DIGITALE_ADRESSEN = "digitaleadressen"
BETROKKENEN = "betrokkenen"


@dataclass
class KIContext:
    """``basis``: ``scheme://host/klantinteracties/api/v1/``. ``applicatie_uuid``: the
    requesting application (visibility); ``ziet_alles``: it sees every non-validated klant
    (``klanten.beheer`` or all rights)."""

    basis: str
    request: object | None = None
    applicatie_uuid: _uuid.UUID | None = None
    ziet_alles: bool = False
    memo: dict = field(default_factory=dict)

    @classmethod
    def zonder_request(cls) -> KIContext:
        scheme = "https" if settings.IS_HTTPS else "http"
        return cls(f"{scheme}://{settings.SITE_DOMAIN}{PREFIX}")

    @classmethod
    def van_herkomst(cls, herkomst) -> KIContext:
        """The host of a write's ``Herkomst`` (its klanten collection URL)."""
        parts = urlsplit(herkomst.basis_url)
        return cls(f"{parts.scheme}://{parts.netloc}{PREFIX}")

    def url(self, collectie: str, uuid) -> str:
        return f"{self.basis}{collectie}/{uuid}"

    def ref(self, collectie: str, uuid) -> dict | None:
        if uuid is None:
            return None
        return {"uuid": str(uuid), "url": self.url(collectie, uuid)}

    def uuid_uit_url(self, collectie: str, url: str) -> _uuid.UUID | None:
        """The uuid in a URL of ``collectie`` of this API (any host), else None."""
        path = urlsplit(url or "").path
        marker = f"{PREFIX}{collectie}/"
        if not path.startswith(marker):
            return None
        try:
            return _uuid.UUID(path[len(marker) :].rstrip("/"))
        except ValueError:
            return None


# --- partij -----------------------------------------------------------------------------------


def soort_partij(klant: Klant) -> str:
    """Stored when a client chose it; else derived (docs/store.md)."""
    if klant.soort_partij:
        return klant.soort_partij
    if klant.werkte_voor_partij_id is not None:
        return SoortPartij.contactpersoon
    if klant.subject_type in (SubjectType.niet_natuurlijk_persoon, SubjectType.vestiging):
        return SoortPartij.organisatie
    return SoortPartij.persoon


def partij_nummer(klant: Klant) -> str | None:
    """K8: the klantnummer when it is all digits (at most 10), else null; never a BSN."""
    nummer = klant.klantnummer or ""
    return nummer if nummer.isascii() and nummer.isdigit() and len(nummer) <= 10 else None


# BRP land codes (Tabel 34) and ISO 3166 alpha-2, both ways (K8). Only codes known for
# certain are here (a wrong BRP code would corrupt the Klanten API's data): an ISO code a
# Klantinteracties client gives without a BRP code here is kept in ``KlantAdres.land`` (the
# Klanten API's ``landcode`` stays empty), see :func:`land` and ``partijservices``.
BRP_NAAR_ISO = {"6030": "NL", "5010": "BE", "9089": "DE", "5002": "FR", "6039": "GB"}
ISO_NAAR_BRP = {iso: brp for brp, iso in BRP_NAAR_ISO.items()}


def land(adres) -> str:
    """Klantinteracties' ``land`` of a ``KlantAdres``: its BRP ``landcode`` converted when
    the table knows it, else the ISO code a Klantinteracties client gave (``land``, blank
    whenever a Klanten API write or the admin set the ``landcode`` since)."""
    # getattr: migrations 0015 and 0017 represent partijen over historical models, and 0015's
    # address has no ``land`` yet
    return BRP_NAAR_ISO.get(adres.landcode) or getattr(adres, "land", "")


def land_kolommen(iso: str) -> dict:
    """A Klantinteracties ``land`` as the ``KlantAdres`` columns: the BRP code when the table
    knows it (``land`` blank), else ``landcode`` blank and the ISO code kept in ``land``
    (upper case, as ISO 3166 writes it)."""
    iso = (iso or "").upper()
    brp = ISO_NAAR_BRP.get(iso, "")
    return {"landcode": brp, "land": "" if brp else iso}


LEEG_ADRES = {
    "nummeraanduidingId": "",
    "straatnaam": "",
    "huisnummer": None,
    "huisnummertoevoeging": "",
    "postcode": "",
    "stad": "",
    "adresregel1": "",
    "adresregel2": "",
    "adresregel3": "",
    "land": "",
}


_POSTCODE = re.compile(r"([1-9][0-9]{3}) ?([A-Za-z]{2})")


def postcode(waarde: str) -> str:
    """A Dutch postcode in Klantinteracties' form ``1234 AB`` (the Klanten API's ``1234AB``);
    anything else is shown empty."""
    match = _POSTCODE.fullmatch(waarde or "")
    return f"{match.group(1)} {match.group(2).upper()}" if match else ""


def correspondentieadres(klant: Klant) -> dict | None:
    adres = getattr(klant, "adres", None)
    if adres is None:
        return None
    toevoeging = f"{adres.huisletter}{adres.huisnummertoevoeging}"
    return {
        "nummeraanduidingId": adres.nummeraanduiding_id,
        "straatnaam": adres.straatnaam,
        "huisnummer": adres.huisnummer or None,
        "huisnummertoevoeging": toevoeging,
        "postcode": postcode(adres.postcode),
        "stad": adres.woonplaats_naam,
        "adresregel1": adres.adresregel1,
        "adresregel2": adres.adresregel2,
        "adresregel3": adres.adresregel3,
        "land": land(adres),
    }


def _contactnaam(klant: Klant) -> dict | None:
    np = getattr(klant, "natuurlijk_persoon", None)
    naam = {
        "voorletters": (np.voorletters if np is not None else "")[:10],
        "voornaam": klant.voornaam,
        "voorvoegselAchternaam": klant.voorvoegsel_achternaam,
        "achternaam": klant.achternaam,
    }
    return naam if any(naam.values()) else None


def volledige_naam(contactnaam: dict | None) -> str:
    if not contactnaam:
        return ""
    delen = [
        contactnaam.get("voornaam") or contactnaam.get("voorletters"),
        contactnaam.get("voorvoegselAchternaam"),
        contactnaam.get("achternaam"),
    ]
    return " ".join(deel for deel in delen if deel)


def organisatienaam(klant: Klant) -> str:
    if klant.bedrijfsnaam:
        return klant.bedrijfsnaam
    nnp = getattr(klant, "niet_natuurlijk_persoon", None)
    return nnp.statutaire_naam[:200] if nnp is not None else ""


def partij_identificatie(klant: Klant, soort: str, ctx: KIContext) -> dict:
    if soort == SoortPartij.organisatie:
        return {"naam": organisatienaam(klant)}
    contactnaam = _contactnaam(klant)
    if soort == SoortPartij.contactpersoon:
        return {
            "uuid": str(klant.uuid),
            "werkteVoorPartij": ctx.ref(
                PARTIJEN,
                klant.werkte_voor_partij.uuid if klant.werkte_voor_partij_id else None,
            ),
            "contactnaam": contactnaam,
            "volledigeNaam": volledige_naam(contactnaam),
        }
    return {"contactnaam": contactnaam, "volledigeNaam": volledige_naam(contactnaam)}


def _partij_adressen(klant: Klant) -> list[DigitaalAdres]:
    return list(klant.digitale_adressen.all())


def voorkeurs_adres(adressen: list[DigitaalAdres]) -> DigitaalAdres | None:
    """The standaard address of the preferred kind: e-mail, else phone, else other."""
    for soort in (
        SoortDigitaalAdres.email,
        SoortDigitaalAdres.telefoonnummer,
        SoortDigitaalAdres.overig,
    ):
        for adres in adressen:
            if adres.is_standaard_adres and adres.soort_digitaal_adres == soort:
                return adres
    return None


def partij_data(klant: Klant, ctx: KIContext) -> dict:
    """A partij from a klant loaded with :func:`laad_partijen`."""
    soort = soort_partij(klant)
    adressen = _partij_adressen(klant)
    voorkeur = voorkeurs_adres(adressen)
    return {
        "uuid": str(klant.uuid),
        "url": ctx.url(PARTIJEN, klant.uuid),
        "nummer": partij_nummer(klant),
        "interneNotitie": klant.interne_notitie,
        "betrokkenen": [ctx.ref(BETROKKENEN, b.uuid) for b in klant.betrokkenheden.all()],
        "categorieRelaties": [],
        "digitaleAdressen": [ctx.ref(DIGITALE_ADRESSEN, a.uuid) for a in adressen],
        "voorkeursDigitaalAdres": ctx.ref(DIGITALE_ADRESSEN, voorkeur.uuid) if voorkeur else None,
        "vertegenwoordigden": [],
        "rekeningnummers": [],
        "voorkeursRekeningnummer": None,
        "partijIdentificatoren": [
            identificator_data(i, ctx, klant=klant) for i in klant.partij_identificatoren.all()
        ],
        "soortPartij": soort,
        "indicatieGeheimhouding": klant.indicatie_geheimhouding,
        "voorkeurstaal": klant.voorkeurstaal,
        "indicatieActief": klant.indicatie_actief,
        "bezoekadres": ({**LEEG_ADRES, **klant.bezoekadres} if klant.bezoekadres else None),
        "correspondentieadres": correspondentieadres(klant),
        "partijIdentificatie": partij_identificatie(klant, soort, ctx),
    }


PARTIJ_RELATIES = ("adres", "natuurlijk_persoon", "niet_natuurlijk_persoon", "vestiging")


def partij_queryset():
    """Partijen with their one-to-one rows joined (one query per page)."""
    return Klant.objects.select_related(*PARTIJ_RELATIES, "werkte_voor_partij")


def adressen_queryset():
    return DigitaalAdres.objects.select_related("klant", "betrokkene").order_by("pk")


def identificatoren_queryset():
    return PartijIdentificator.objects.select_related("klant", "sub_identificator_van").order_by(
        "pk"
    )


def partij_rijen():
    """The rows of a partij that :func:`partij_data` reads besides its own, by relation:
    (name, queryset of all of them). :func:`laad_partijen` prefetches these querysets;
    ``klantinteracties.leesvormen`` reads the same ones of one partij as prepared
    statements."""
    return (
        (
            "partij_identificatoren",
            PartijIdentificator.objects.select_related("sub_identificator_van").order_by("pk"),
        ),
        ("digitale_adressen", DigitaalAdres.objects.select_related("betrokkene").order_by("pk")),
        ("betrokkenheden", Betrokkene.objects.only("uuid", "klant").order_by("pk")),
    )


def laad_partijen(klanten: list[Klant], ctx: KIContext | None = None) -> None:
    """Everything :func:`partij_data` reads, for all ``klanten`` at once (one query per
    relation not loaded yet)."""
    prefetch_related_objects(
        klanten,
        *PARTIJ_RELATIES,
        "werkte_voor_partij",
        *(Prefetch(naam, queryset=queryset) for naam, queryset in partij_rijen()),
    )


def partij(klant: Klant, ctx: KIContext) -> dict:
    """The representation of one stored partij as it is now (a few queries)."""
    klant = partij_queryset().get(pk=klant.pk)
    laad_partijen([klant], ctx)
    return partij_data(klant, ctx)


def partij_met_adressen(klant: Klant, ctx: KIContext) -> tuple[dict, dict[str, dict]]:
    """The stored partij as it is now and its digitale adressen's representations by uuid
    (:func:`adressen_data`), read in the queries of :func:`partij`."""
    klant = partij_queryset().get(pk=klant.pk)
    laad_partijen([klant], ctx)
    return partij_data(klant, ctx), adressen_data(klant, ctx)


# --- partij-identificator ---------------------------------------------------------------------


def identificator_data(
    identificator: PartijIdentificator, ctx: KIContext, klant: Klant | None = None
) -> dict:
    partij_uuid = None
    if identificator.klant_id is not None:
        partij_uuid = (klant or identificator.klant).uuid
    sub = identificator.sub_identificator_van
    return {
        "uuid": str(identificator.uuid),
        "url": ctx.url(IDENTIFICATOREN, identificator.uuid),
        "identificeerdePartij": ctx.ref(PARTIJEN, partij_uuid),
        "anderePartijIdentificator": identificator.andere_partij_identificator,
        "partijIdentificator": {
            "codeObjecttype": identificator.code_objecttype,
            "codeSoortObjectId": identificator.code_soort_object_id,
            "objectId": identificator.object_id,
            "codeRegister": identificator.code_register,
        },
        "subIdentificatorVan": ctx.ref(IDENTIFICATOREN, sub.uuid) if sub is not None else None,
    }


# --- digitaal adres ---------------------------------------------------------------------------


def digitaal_adres_data(adres: DigitaalAdres, ctx: KIContext, klant: Klant | None = None) -> dict:
    """``klant``: the address's partij when it is in hand (no query for its uuid)."""
    klant_uuid = None
    if adres.klant_id is not None:
        klant_uuid = (klant if klant is not None else adres.klant).uuid
    betrokkene_uuid = adres.betrokkene.uuid if adres.betrokkene_id is not None else None
    return {
        "uuid": str(adres.uuid),
        "url": ctx.url(DIGITALE_ADRESSEN, adres.uuid),
        "verstrektDoorBetrokkene": ctx.ref(BETROKKENEN, betrokkene_uuid),
        "verstrektDoorPartij": ctx.ref(PARTIJEN, klant_uuid),
        "adres": adres.adres,
        "soortDigitaalAdres": adres.soort_digitaal_adres,
        "isStandaardAdres": adres.is_standaard_adres,
        "omschrijving": adres.omschrijving,
        "referentie": adres.referentie,
        "verificatieDatum": adres.verificatie_datum.isoformat()
        if adres.verificatie_datum
        else None,
    }


def adressen_data(klant: Klant, ctx: KIContext, adressen=None) -> dict[str, dict]:
    """The representations of a partij's digitale adressen by uuid (those of
    :func:`partij_data`, or ``adressen`` when given; no query when they are in hand with
    their betrokkene)."""
    if adressen is None:
        adressen = _partij_adressen(klant)
    return {str(a.uuid): digitaal_adres_data(a, ctx, klant=klant) for a in adressen}


def adressen_elders(oud: dict, nieuw: dict, ctx: KIContext) -> dict[str, dict]:
    """The addresses of ``oud`` (representations by uuid) that are not among ``nieuw`` (a
    partij's now): as they are now (read; an address that left its partij and stays a
    betrokkene's, one a write meant to link but did not, K8), those gone left out."""
    weg = [uuid for uuid in oud if uuid not in nieuw]
    if not weg:
        return {}
    return {
        str(a.uuid): digitaal_adres_data(a, ctx) for a in adressen_queryset().filter(uuid__in=weg)
    }


def laad_adressen(adressen: list[DigitaalAdres], ctx: KIContext | None = None) -> None:
    prefetch_related_objects(adressen, "klant", "betrokkene")
