"""The business rules of Klanten, each a small typed function with a stable error code.

Serializers, the admin and the services call these; the database constraints in
``models.py`` back them up. A rule raises :class:`RuleViolation` (a Django
``ValidationError``) whose ``code`` is part of the API contract.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError

from .assurance import RANK_NATUURLIJK_PERSOON_VIA_EHERKENNING
from .constants import Middel, SleutelType, SubjectType, VernietigingsGrond


class RuleViolation(ValidationError):
    """A broken business rule; ``code`` is stable and documented."""


_DIGITS9 = re.compile(r"[0-9]{9}")
_A_NUMMER = re.compile(r"[1-9][0-9]{9}")


def passes_elfproef(value: str) -> bool:
    """The 11-proef of BSN and RSIN: weights 9..2 and -1 over nine digits. ``000000000``
    passes the sum but is no number anyone has."""
    if not _DIGITS9.fullmatch(value) or value == "000000000":
        return False
    total = sum(
        int(digit) * weight for digit, weight in zip(value[:8], range(9, 1, -1), strict=True)
    )
    total -= int(value[8])
    return total % 11 == 0


def _validate_elfproef_number(value: str, label: str) -> None:
    if not value.isascii() or not value.isdigit():
        raise RuleViolation(f"Een {label} bestaat alleen uit cijfers.", code="only-digits")
    if len(value) != 9:
        raise RuleViolation(f"Een {label} heeft precies 9 cijfers.", code="invalid-length")
    if not passes_elfproef(value):
        raise RuleViolation(f"Onjuist {label}: de 11-proef faalt.", code="invalid")


def validate_rsin(value: str) -> None:
    """RSIN (bronorganisatie, innNnpId): nine digits passing the 11-proef."""
    _validate_elfproef_number(value, "RSIN")


def validate_bsn(value: str) -> None:
    """BSN (inpBsn): nine digits passing the 11-proef."""
    _validate_elfproef_number(value, "BSN")


def validate_a_nummer(value: str) -> None:
    """A-nummer: ten digits, not starting with 0."""
    if not _A_NUMMER.fullmatch(value):
        raise RuleViolation(
            "Een A-nummer bestaat uit 10 cijfers en begint niet met 0.",
            code="a-nummer-incorrect-format",
        )


def validate_klantnummer_format(value: str) -> None:
    """A klantnummer is 1 to 8 characters (generated ones are digits only)."""
    if not 1 <= len(value) <= 8:
        raise RuleViolation("Een klantnummer heeft 1 tot 8 tekens.", code="invalid-length")


def require_subject(subject: str, has_identificatie: bool) -> None:
    """C8: a klant refers to its subject by URL or by identification (or both)."""
    if not subject and not has_identificatie:
        raise RuleViolation(
            "Geef een subject (URL) of een subjectIdentificatie op.", code="invalid-subject"
        )


def validate_subject_type_change(current: str | None, new: str | None) -> None:
    """C8: once set, the subjectType of a klant never changes."""
    if current is not None and new != current:
        raise RuleViolation(
            "Het subjectType van een klant kan niet worden gewijzigd.",
            code="wijzigen-niet-toegelaten",
        )


def require_subject_type_for_identificatie(subject_type: str | None) -> None:
    """An identification can only be read against a subjectType."""
    if subject_type not in SubjectType.values:
        raise RuleViolation(
            "Een subjectIdentificatie vereist een subjectType.", code="subject-type-vereist"
        )


# --- Validated klanten (contract section 3) ------------------------------------------------
# A refusal is a RuleViolation with an HTTP meaning: Refused → 403, Conflict → 409.


class Refused(RuleViolation):
    """The evidence is not trusted or not sufficient (HTTP 403)."""


class Conflict(RuleViolation):
    """The request conflicts with the state of the registration (HTTP 409)."""

    def __init__(self, message, code, existing_klant=None):
        super().__init__(message, code=code)
        self.existing_klant = existing_klant


@dataclass(frozen=True)
class Identiteit:
    """An identity as a base registry knows it: ``type`` is a SleutelType value."""

    type: str
    identificatie: str


@dataclass(frozen=True)
class Bewijs:
    """V3: evidence whose source (V4) has been verified; ``rang`` was derived by the scale."""

    middel: str
    betrouwbaarheidsniveau: str
    rang: int
    uitgever: str
    bron: str
    authenticatie_moment: datetime
    geauthenticeerde: Identiteit
    vertegenwoordigde: Identiteit | None = None
    machtiging: str = ""
    gegevens_bevestigd: bool = False


_SUBJECT_TYPE_VOOR_SLEUTEL = {
    SleutelType.bsn: SubjectType.natuurlijk_persoon,
    SleutelType.rsin: SubjectType.niet_natuurlijk_persoon,
    SleutelType.kvk: SubjectType.niet_natuurlijk_persoon,
    SleutelType.vestigingsnummer: SubjectType.vestiging,
}
_EHERKENNING = (Middel.eherkenning, Middel.eherkenning_bewindvoering)


def subject_type_for(identiteit: Identiteit) -> str:
    return _SUBJECT_TYPE_VOOR_SLEUTEL[identiteit.type]


def validate_identiteit(identiteit: Identiteit) -> None:
    """The identifier of an authenticated identity has the right format for its type."""
    if identiteit.type == SleutelType.bsn:
        validate_bsn(identiteit.identificatie)
    elif identiteit.type == SleutelType.rsin:
        validate_rsin(identiteit.identificatie)
    elif identiteit.type == SleutelType.kvk:
        if not re.fullmatch(r"[0-9]{8}", identiteit.identificatie):
            raise RuleViolation("Een KvK-nummer bestaat uit 8 cijfers.", code="invalid")
    elif identiteit.type == SleutelType.vestigingsnummer:
        if not re.fullmatch(r"[0-9]{12}", identiteit.identificatie):
            raise RuleViolation("Een vestigingsnummer bestaat uit 12 cijfers.", code="invalid")
    else:
        raise RuleViolation("Onbekend soort identificatie.", code="invalid_choice")


def validated_identity(bewijs: Bewijs) -> Identiteit:
    """V4: the subject the evidence validates: the representee when someone acts for another,
    which needs a mandate."""
    vertegenwoordigde = bewijs.vertegenwoordigde
    if vertegenwoordigde is None or vertegenwoordigde == bewijs.geauthenticeerde:
        return bewijs.geauthenticeerde
    if not bewijs.machtiging:
        raise Refused(
            "Wie namens een ander handelt, heeft een machtiging nodig.", code="machtiging-ontbreekt"
        )
    return vertegenwoordigde


def require_fresh_authentication(moment: datetime, now: datetime, max_minutes: int) -> None:
    """V3: the person authenticated at most ``max_minutes`` before, and not in the future."""
    if moment > now + timedelta(minutes=1):
        raise Refused(
            "Het authenticatiemoment ligt in de toekomst.", code="verouderde-authenticatie"
        )
    if now - moment > timedelta(minutes=max_minutes):
        raise Refused(
            f"De authenticatie is ouder dan {max_minutes} minuten.",
            code="verouderde-authenticatie",
        )


def require_sufficient_rank(bewijs: Bewijs, subject_type: str, minimum: dict[str, int]) -> None:
    """V2: the rank meets the configured minimum for the subject type; a natural person
    represented through eHerkenning needs rank 3."""
    required = minimum[subject_type]
    if subject_type == SubjectType.natuurlijk_persoon and bewijs.middel in _EHERKENNING:
        required = max(required, RANK_NATUURLIJK_PERSOON_VIA_EHERKENNING)
    if bewijs.rang < required:
        raise Refused(
            f"Betrouwbaarheidsniveau te laag: rang {bewijs.rang}, minimaal {required} vereist.",
            code="onvoldoende-betrouwbaarheidsniveau",
        )


def require_application_may_assert(rang: int, maximale_rang: int | None) -> None:
    """V4: an application asserts evidence only up to its registered maximum rank."""
    if maximale_rang is None:
        raise Refused(
            "Deze applicatie mag geen authenticaties verklaren.", code="onvertrouwde-bron"
        )
    if rang > maximale_rang:
        raise Refused(
            f"Deze applicatie mag authenticaties verklaren tot rang {maximale_rang}.",
            code="rang-boven-validatierecht",
        )


def require_identity_matches(klant_identiteit: Identiteit | None, validated: Identiteit) -> None:
    """V4/V5: an identifier already on the klant (verified or not) must equal the evidence."""
    if klant_identiteit is not None and klant_identiteit != validated:
        raise Refused(
            "De geauthenticeerde identiteit komt niet overeen met de klant.",
            code="identiteit-komt-niet-overeen",
        )


def require_compatible_subject_type(klant_subject_type: str | None, subject_type: str) -> None:
    """V6: a klant has one subject: a natural person is never validated as an organisation."""
    if klant_subject_type is not None and klant_subject_type != subject_type:
        raise Refused(
            "De geauthenticeerde identiteit past niet bij het subjectType van de klant.",
            code="identiteit-komt-niet-overeen",
        )


def require_promotion_allowed(gevalideerd: bool, mode: str, gegevens_bevestigd: bool) -> None:
    """V5: a non-validated klant is promoted only when the person confirmed its data, and
    never in mode ``forbid``."""
    if gevalideerd:
        return
    if mode == "forbid":
        raise Conflict(
            "Niet-gevalideerde klanten worden niet gepromoveerd: registreer een nieuwe "
            "gevalideerde klant.",
            code="promotie-niet-toegestaan",
        )
    if not gegevens_bevestigd:
        raise Refused(
            "De persoon moet de gegevens bevestigen (gegevensBevestigd) om de klant te valideren.",
            code="bevestiging-vereist",
        )


def require_validated_subject_unchanged(
    gevalideerd: bool, current: Identiteit | None, new: Identiteit | None
) -> None:
    """V1: the subject identification of a validated klant cannot be removed or changed
    (only an administrator can correct it, with a reason)."""
    if gevalideerd and current != new:
        raise RuleViolation(
            "De subjectidentificatie van een gevalideerde klant kan niet worden gewijzigd; "
            "meld fouten bij de basisregistratie of vraag een beheerder om een correctie.",
            code="gevalideerd-subject-onwijzigbaar",
        )


def require_validated_subject_url_unchanged(gevalideerd: bool, current: str, new: str) -> None:
    """V1: the ``subject`` URL of a validated klant cannot be repointed or emptied either
    (the same code as its identification; only an administrator corrects it, with a reason)."""
    if gevalideerd and current != new:
        raise RuleViolation(
            "Het subject van een gevalideerde klant kan niet worden gewijzigd; meld fouten bij "
            "de basisregistratie of vraag een beheerder om een correctie.",
            code="gevalideerd-subject-onwijzigbaar",
        )


def require_subject_sleutel_blijft(blijft: bool) -> None:
    """V1/K5 in the Klantinteracties API: the identifier holding a partij's subject key (the
    key it is validated with, or the BSN it is the unconfirmed anchor of) stays on that partij
    with its kind and value: it is not detached, moved or changed (only an administrator
    corrects a subject)."""
    if not blijft:
        raise RuleViolation(
            "De identificatie van een gevalideerde partij wijzigt alleen een beheerder.",
            code="gevalideerd-subject-ongewijzigd",
        )


def require_sub_identificator_van_kvk(soort: str, zichzelf: bool = False) -> None:
    """K5: an identifier's ``subIdentificatorVan`` names the KvK number of the organisation
    it is a part of (a vestigingsnummer of that KvK number, as Open Klant requires it), never
    the identifier itself. Only such a row (no personal data) may be kept without a partij
    when its klant is deleted (``services.verwijder_klanten``); a BSN named so could not."""
    if zichzelf:
        raise RuleViolation(
            "Een identificator kan geen subIdentificatorVan van zichzelf zijn.",
            code="sub-identificator-zichzelf",
        )
    if soort != "kvk_nummer":
        raise RuleViolation(
            "Een subIdentificatorVan moet een identificator met codeSoortObjectId "
            "`kvk_nummer` zijn.",
            code="sub-identificator-geen-kvk",
        )


def require_soort_blijft_met_sub_identificatoren(huidig: str, nieuw: str, genoemd: bool) -> None:
    """K5: the kind of an identifier that others name as their ``subIdentificatorVan`` does
    not change (it would stop being the KvK number they are part of)."""
    if genoemd and huidig != nieuw:
        raise RuleViolation(
            "De codeSoortObjectId van deze identificator kan niet wijzigen: andere "
            "identificatoren noemen hem als subIdentificatorVan.",
            code="sub-identificatoren-gekoppeld",
        )


def require_reason(reden: str) -> None:
    """V1: an administrator's correction of a validated subject always has a reason."""
    if not reden or not reden.strip():
        raise RuleViolation("Geef een reden voor de correctie.", code="reden-verplicht")


def require_not_validated_for_confirmation(gevalideerd: bool) -> None:
    """E4: a confirmation link is for non-validated klanten only."""
    if gevalideerd:
        raise Conflict("Deze klant is al gevalideerd.", code="klant-al-gevalideerd")


# --- Retention (contract section 4) ----------------------------------------------------------


@dataclass(frozen=True)
class Vernietiging:
    """R1: the date from which a non-validated klant is destroyed, and why."""

    datum: date
    grond: str


@dataclass(frozen=True)
class InteractieTermijn:
    """What R1 needs of one interaction: its own destruction date (if the source system gave
    one) and the day it was registered here."""

    vernietigingsdatum: date | None
    geregistreerd_op: date


def vernietiging_van_interactie(
    interactie: InteractieTermijn, klant_aangemaakt_op: date, bewaartermijn: timedelta
) -> Vernietiging:
    """R1 for one interaction: its ``vernietigingsdatum`` when given; otherwise the default
    period counted from when the context began (the interaction's registration, never before
    the klant's creation), so that a new contact does not make old data due at once."""
    if interactie.vernietigingsdatum is not None:
        return Vernietiging(interactie.vernietigingsdatum, VernietigingsGrond.interactie)
    begin = max(klant_aangemaakt_op, interactie.geregistreerd_op)
    return Vernietiging(begin + bewaartermijn, VernietigingsGrond.bewaartermijn)


def vernietiging(
    *,
    gevalideerd: bool,
    aangemaakt_op: date,
    interacties: Iterable[InteractieTermijn],
    bewaartermijn: timedelta,
    respijt_zonder_interactie: timedelta,
) -> Vernietiging | None:
    """R1/R3: when a klant is destroyed automatically; None for a validated klant (never).

    A non-validated klant without any interaction is due ``respijt_zonder_interactie`` after
    its creation; one with interactions lives as long as its longest-living context: the
    latest of the interactions' dates (see :func:`vernietiging_van_interactie`).
    """
    if gevalideerd:
        return None
    termijnen = [
        vernietiging_van_interactie(interactie, aangemaakt_op, bewaartermijn)
        for interactie in interacties
    ]
    if not termijnen:
        return Vernietiging(
            aangemaakt_op + respijt_zonder_interactie, VernietigingsGrond.geen_interactie
        )
    # the latest date wins; on a tie the explicit date of the source system is the reason
    return max(termijnen, key=lambda v: (v.datum, v.grond == VernietigingsGrond.interactie))


def is_te_vernietigen(gevalideerd: bool, vernietigingsdatum: date | None, vandaag: date) -> bool:
    """R2/R3: a non-validated klant is destroyed on or after its destruction date; a validated
    klant never."""
    return not gevalideerd and vernietigingsdatum is not None and vernietigingsdatum <= vandaag


# --- Contactmomenten (Contactmomenten API 1.0.0, design K3) ------------------------------------


def require_medewerker(medewerker_url: str, heeft_identificatie: bool) -> None:
    """A contactmoment names who acted for the municipality: a ``medewerker`` URL or a
    ``medewerkerIdentificatie`` (or both)."""
    if not medewerker_url and not heeft_identificatie:
        raise RuleViolation(
            "Geef een medewerker (URL) of een medewerkerIdentificatie op.",
            code="invalid-medewerker",
        )


def require_no_loop(contactmoment_id: int | None, keten: Iterable[int]) -> None:
    """``vorigContactmoment`` chains contactmomenten back in time; a chain never returns to
    where it started. ``keten`` is the chain that starts at the proposed previous contactmoment
    (that one first, then its own previous, ...); ``contactmoment_id`` is the contactmoment
    being written (None for a new one, which no chain can contain yet)."""
    if contactmoment_id is not None and contactmoment_id in keten:
        raise RuleViolation(
            "Het vorige contactmoment mag niet (via een reeks) naar dit contactmoment zelf "
            "verwijzen.",
            code="kringverwijzing",
        )


def require_vorig_vrij(volgend_van_vorig: int | None, contactmoment_id: int | None) -> None:
    """A contactmoment is the previous one of at most one other (``volgendContactmoment`` is a
    single reference)."""
    if volgend_van_vorig is not None and volgend_van_vorig != contactmoment_id:
        raise RuleViolation(
            "Dit contactmoment is al het vorige contactmoment van een ander contactmoment.",
            code="unique",
        )
