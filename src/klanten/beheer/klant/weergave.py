"""How the data managers' pages show a klant: its name, key identifier, heading, assurance
level, registering application and the history of its changes, in the words of
``klanten.datamodel.labels`` (never an API field name, a uuid or a Python value)."""

from dataclasses import dataclass

from django.utils import timezone
from vng_api_common.authorizations.models import Applicatie

from klanten.beheer.maskering import maskeer
from klanten.datamodel import assurance, services
from klanten.datamodel.labels import label, pad_label
from klanten.datamodel.models import Klant
from klanten.notificaties import audit

_IDENTIFICATIE_VELDEN = (
    "inp_bsn",
    "anp_identificatie",
    "inp_a_nummer",
    "inn_nnp_id",
    "ann_identificatie",
    "vestigings_nummer",
)

# the audit trail's actions as a data manager says them
ACTIES = {
    "create": "Aangemaakt",
    "update": "Gewijzigd",
    "partial_update": "Gewijzigd",
    "destroy": "Verwijderd",
    "correctie_subject": "Subjectidentificatie gecorrigeerd",
}


def naam(klant: Klant) -> str:
    """The klant's name: the contact person, else the company, else the registered name of
    its subject."""
    persoon = " ".join(
        part for part in (klant.voornaam, klant.voorvoegsel_achternaam, klant.achternaam) if part
    )
    if persoon:
        return persoon
    if klant.bedrijfsnaam:
        return klant.bedrijfsnaam
    identificatie = klant.subject_identificatie
    for attr in ("geslachtsnaam", "statutaire_naam"):
        if identificatie is not None and getattr(identificatie, attr, ""):
            return getattr(identificatie, attr)
    return ""


def identificatie(klant: Klant) -> str:
    """The klant's key identifier (validated key, else that of its identification)."""
    if klant.gevalideerd and klant.gevalideerde_sleutel:
        return klant.gevalideerde_sleutel
    subject = klant.subject_identificatie
    if subject is None:
        return ""
    field, _type = services.IDENTIFICATIE_SLEUTEL[klant.subject_type]
    return getattr(subject, field, "")


def heeft_identificatie(klant: Klant) -> bool:
    """Whether the klant's page shows an identifier (its validated key, its identification or
    its partij-identificatoren): who may see them in full, sees them logged."""
    if klant.gevalideerde_sleutel:
        return True
    subject = klant.subject_identificatie
    if subject is not None and any(getattr(subject, field, "") for field in _IDENTIFICATIE_VELDEN):
        return True
    return klant.partij_identificatoren.exclude(object_id="").exists()


def kop(klant: Klant) -> str:
    """The heading and breadcrumb of a klant: its name and klantnummer. Without a name, its
    identifier masked: a heading ends up in titles, bookmarks and the browser's history."""
    wie = naam(klant) or maskeer(identificatie(klant)) or "Klant zonder naam"
    return f"{wie} (klantnummer {klant.klantnummer})"


def niveau(rang, middel: str = "digid") -> str:
    """An assurance rank as people know it ("DigiD Midden"), or "-"."""
    return assurance.niveau_naam(rang, middel) or "-"


def registratie_middel(klant: Klant) -> str:
    """The means of the klant's first evidence (how its level is named), default DigiD."""
    eerste = klant.validaties.order_by("id").values_list("middel", flat=True).first()
    return eerste or "digid"


def applicatie_label(uuid) -> str:
    """The label of the API client (Applicatie) with this uuid, or "" when unknown."""
    if not uuid:
        return ""
    return Applicatie.objects.filter(uuid=uuid).values_list("label", flat=True).first() or ""


def datumtijd(moment) -> str:
    """The one date-and-time format of the admin: ``06-12-2026 14:05``."""
    return f"{timezone.localtime(moment):%d-%m-%Y %H:%M}" if moment else "-"


# --- history: the audit trail -----------------------------------------------------------------


def audittrail(klant: Klant):
    """The audit trail records of a klant (its hoofd_object is the klant's API URL)."""
    return audit.van_object(f"/klanten/{klant.uuid}")


def gewijzigde_velden(oud, nieuw, prefix: str = "") -> list[str]:
    """The (dotted API) names of the fields that differ between two representations."""
    if not isinstance(oud, dict) or not isinstance(nieuw, dict):
        return [prefix] if oud != nieuw and prefix else []
    names = []
    for key in sorted(set(oud) | set(nieuw)):
        if key == "url":
            continue
        name = f"{prefix}.{key}" if prefix else key
        a, b = oud.get(key), nieuw.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            names += gewijzigde_velden(a, b, name)
        elif a != b:
            names.append(name)
    return names


@dataclass(frozen=True)
class Wijziging:
    """One line of a klant's history."""

    moment: object
    actie: str
    applicatie: str
    gebruiker: str
    velden: str
    toelichting: str


def geschiedenis(klant: Klant) -> list[Wijziging]:
    """The klant's history, oldest first: every create, change and correction, through the
    API, Mijn klantgegevens or the admin (the audit trail, C12)."""
    regels = []
    for regel in audittrail(klant):
        if regel.actie == "create":
            velden = "(aangemaakt)"
        elif regel.actie == "correctie_subject":  # the record names no identifiers
            velden = label("subject_identificatie")
        elif regel.oud is None or regel.nieuw is None:
            velden = "-"
        else:
            velden = ", ".join(pad_label(pad) for pad in gewijzigde_velden(regel.oud, regel.nieuw))
        regels.append(
            Wijziging(
                moment=regel.aanmaakdatum,
                actie=ACTIES.get(regel.actie, regel.actie_weergave or regel.actie),
                applicatie=regel.applicatie_weergave or "-",
                gebruiker=regel.gebruikers_weergave or regel.gebruikers_id or "-",
                velden=velden or "-",
                toelichting=regel.toelichting or "-",
            )
        )
    return regels
