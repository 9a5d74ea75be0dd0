"""Transactional writes of klanten. Callers pass already shape-checked data (snake_case)."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from djangorestframework_camel_case.util import camelize

from . import rules
from .constants import SleutelType, SubjectType
from .models import (
    IDENTIFICATIE_MODEL,
    Bevestigingsverzoek,
    Interactie,
    Klant,
    KlantAdres,
    KlantnummerTeller,
    Validatie,
)

KLANT_FIELDS = (
    "bronorganisatie",
    "klantnummer",
    "bedrijfsnaam",
    "functie",
    "website_url",
    "voornaam",
    "voorvoegsel_achternaam",
    "achternaam",
    "telefoonnummer",
    "emailadres",
    "subject",
    "subject_type",
    "aanmaakkanaal",
    "geregistreerd_door",
)
ADRES_DEFAULTS = {
    "straatnaam": "",
    "huisnummer": None,
    "huisletter": "",
    "huisnummertoevoeging": "",
    "postcode": "",
    "woonplaats_naam": "",
    "landcode": "",
}
# Nested address groups of an identification are stored as JSON in their API (camelCase) shape.
VERBLIJFSADRES_DEFAULTS = {
    "aoaIdentificatie": "",
    "wplWoonplaatsNaam": "",
    "gorOpenbareRuimteNaam": "",
    "aoaPostcode": "",
    "aoaHuisnummer": None,
    "aoaHuisletter": "",
    "aoaHuisnummertoevoeging": "",
    "inpLocatiebeschrijving": "",
}
SUB_VERBLIJF_BUITENLAND_DEFAULTS = {
    "lndLandcode": "",
    "lndLandnaam": "",
    "subAdresBuitenland1": "",
    "subAdresBuitenland2": "",
    "subAdresBuitenland3": "",
}
JSON_GROUPS = {
    "verblijfsadres": VERBLIJFSADRES_DEFAULTS,
    "sub_verblijf_buitenland": SUB_VERBLIJF_BUITENLAND_DEFAULTS,
}


class DuplicateKlantnummer(Exception):
    """The (bronorganisatie, klantnummer) pair is taken."""


_KLANTNUMMER_MAX = 99_999_999


def next_klantnummer(bronorganisatie: str) -> str:
    """C5: the next free numeric klantnummer of a bronorganisatie.

    One UPDATE (or, the first time, an UPSERT seeded with the highest numeric klantnummer in
    use) on the counter row; its row lock serializes concurrent creates until commit.
    Numbers that clients chose themselves are skipped.
    """
    table = KlantnummerTeller._meta.db_table
    klant_table = Klant._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET laatste = laatste + 1 WHERE bronorganisatie = %s "
            "RETURNING laatste",
            [bronorganisatie],
        )
        row = cursor.fetchone()
        if row is None:
            cursor.execute(
                f"INSERT INTO {table} (bronorganisatie, laatste) "
                f"SELECT %s, COALESCE(MAX(klantnummer::bigint), 0) + 1 FROM {klant_table} "
                "WHERE bronorganisatie = %s AND klantnummer ~ '^[0-9]{1,8}$' "
                f"ON CONFLICT (bronorganisatie) DO UPDATE SET laatste = {table}.laatste + 1 "
                "RETURNING laatste",
                [bronorganisatie, bronorganisatie],
            )
            row = cursor.fetchone()
        number = row[0]
        while Klant.objects.filter(
            bronorganisatie=bronorganisatie, klantnummer=str(number)
        ).exists():
            cursor.execute(
                f"UPDATE {table} SET laatste = laatste + 1 WHERE bronorganisatie = %s "
                "RETURNING laatste",
                [bronorganisatie],
            )
            number = cursor.fetchone()[0]
    if number > _KLANTNUMMER_MAX:
        raise rules.RuleViolation(
            "De klantnummers van deze bronorganisatie zijn op.", code="klantnummer-uitgeput"
        )
    return str(number)


def _json_group(current: dict | None, data: dict, defaults: dict, replace: bool) -> dict:
    base = dict(defaults) if replace or not current else {**defaults, **current}
    base.update(camelize(data))
    return base


def _write_identificatie(
    klant: Klant, data: dict | None, *, replace: bool, new: bool = False
) -> None:
    """``new``: the klant was inserted in this transaction, so it has no rows to look up."""
    model = IDENTIFICATIE_MODEL.get(klant.subject_type)
    if not new:
        # a klant has at most one identification: drop any row of another kind
        for other_type, other_model in IDENTIFICATIE_MODEL.items():
            if other_type != klant.subject_type:
                other_model.objects.filter(klant=klant).delete()
    if model is None:
        return
    current = None if new else model.objects.filter(klant=klant).first()
    if data is None:
        if current is not None:
            current.delete()
        return
    if current is None:
        current = model(klant=klant)
        replace = True
    elif replace:
        # PUT: every plain field not given goes back to its default; address groups not
        # given are kept, as ``adres`` is on the klant itself
        kept = {group: getattr(current, group) for group in JSON_GROUPS if hasattr(current, group)}
        current = model(klant=klant, **{g: v for g, v in kept.items() if g not in data})
    for field, value in data.items():
        if field in JSON_GROUPS:
            if value is None:
                setattr(current, field, None)
            else:
                existing = getattr(current, field, None)
                setattr(current, field, _json_group(existing, value, JSON_GROUPS[field], replace))
        else:
            setattr(current, field, value)
    current.save(force_insert=new)


def _write_adres(klant: Klant, data: dict | None, *, replace: bool, new: bool = False) -> None:
    if data is None:
        KlantAdres.objects.filter(klant=klant).delete()
        return
    values = {("woonplaats_naam" if k == "woonplaatsnaam" else k): v for k, v in data.items()}
    current = None if new else KlantAdres.objects.filter(klant=klant).first()
    if current is None or replace:
        current = KlantAdres(klant=klant, **ADRES_DEFAULTS)
    for field, value in values.items():
        setattr(current, field, value)
    current.save(force_insert=new)


def _save(klant: Klant) -> None:
    try:
        with transaction.atomic():
            klant.save()
    except IntegrityError as exc:
        if "klant_unieke_klantnummer_per_bronorganisatie" in str(exc):
            raise DuplicateKlantnummer from exc
        raise


@transaction.atomic
def create_klant(data: dict) -> Klant:
    data = dict(data)
    adres = data.pop("adres", None)
    identificatie = data.pop("subject_identificatie", None)
    klant = Klant(**{f: v for f, v in data.items() if f in KLANT_FIELDS})
    if not klant.klantnummer:
        klant.klantnummer = next_klantnummer(klant.bronorganisatie)
    # R1: a new klant has no interactions yet (no extra query needed)
    klant.vernietigingsdatum = _vernietigingsdatum(
        gevalideerd=False, aangemaakt_op=timezone.localdate(), interacties=()
    )
    _save(klant)
    if adres is not None:
        _write_adres(klant, adres, replace=True, new=True)
    if identificatie is not None:
        _write_identificatie(klant, identificatie, replace=True, new=True)
    return klant


@transaction.atomic
def update_klant(klant: Klant, data: dict, *, partial: bool) -> Klant:
    """PUT (``partial=False``) replaces what is given; PATCH merges into what is stored.

    Nested groups are upserted; an explicit null removes ``adres`` and the address groups,
    while ``subjectIdentificatie: null`` removes the identification on PUT only.
    """
    data = dict(data)
    klant = Klant.objects.select_for_update().get(pk=klant.pk)
    if klant.gevalideerd and "subject_identificatie" in data:
        _require_validated_subject_unchanged(klant, data["subject_identificatie"], partial)
    for field in KLANT_FIELDS:
        if field in data:
            setattr(klant, field, data[field])
    if not klant.klantnummer:
        klant.klantnummer = next_klantnummer(klant.bronorganisatie)
    _save(klant)
    if "adres" in data:
        _write_adres(klant, data["adres"], replace=not partial)
    if "subject_identificatie" in data:
        identificatie = data["subject_identificatie"]
        if identificatie is not None or not partial:
            _write_identificatie(klant, identificatie, replace=not partial)
    return klant


def _require_validated_subject_unchanged(klant: Klant, data: dict | None, partial: bool) -> None:
    """V1 for API updates of a validated klant's subjectIdentificatie."""
    current = klant_identiteit(klant)
    field, sleutel_type = IDENTIFICATIE_SLEUTEL[klant.subject_type]
    if data is None:
        new = current if partial else None  # null: "no change" on PATCH, "remove" on PUT
    elif sleutel_type != current.type:
        new = current  # validated by a key (KvK) that the standard representation lacks
    else:
        if field in data:
            value = data[field]
        elif partial:
            value = current.identificatie
        else:
            value = ""  # PUT resets a field it does not give
        new = rules.Identiteit(sleutel_type, value) if value else None
    try:
        rules.require_validated_subject_unchanged(True, current, new)
    except rules.RuleViolation as exc:
        exc.field = "subject_identificatie"
        raise


@transaction.atomic
def delete_klant(klant: Klant) -> None:
    klant.delete()


# --- Validated klanten (contract sections 2 and 3) -----------------------------------------


def klant_identiteit(klant: Klant) -> rules.Identiteit | None:
    """The subject identifier a klant carries: its validated key, else the (unverified)
    identifier of its identification, if any."""
    if klant.gevalideerd:
        return rules.Identiteit(klant.gevalideerde_sleutel_type, klant.gevalideerde_sleutel)
    identificatie = klant.subject_identificatie
    if identificatie is None:
        return None
    field, sleutel_type = IDENTIFICATIE_SLEUTEL[klant.subject_type]
    value = getattr(identificatie, field)
    return rules.Identiteit(sleutel_type, value) if value else None


IDENTIFICATIE_SLEUTEL = {
    SubjectType.natuurlijk_persoon: ("inp_bsn", SleutelType.bsn),
    SubjectType.niet_natuurlijk_persoon: ("inn_nnp_id", SleutelType.rsin),
    SubjectType.vestiging: ("vestigings_nummer", SleutelType.vestigingsnummer),
}


def identiteit_from_data(subject_type: str | None, data: dict | None) -> rules.Identiteit | None:
    """The identifier in (validated, snake_case) subjectIdentificatie input."""
    if subject_type not in IDENTIFICATIE_SLEUTEL or not data:
        return None
    field, sleutel_type = IDENTIFICATIE_SLEUTEL[subject_type]
    value = data.get(field)
    return rules.Identiteit(sleutel_type, value) if value else None


@dataclass(frozen=True)
class Actor:
    """Who registers something: the application and, when known, its employee."""

    applicatie_id: str = ""
    applicatie_weergave: str = ""
    medewerker_id: str = ""
    medewerker_weergave: str = ""


def _take_identity_from_evidence(klant: Klant, identiteit: rules.Identiteit) -> None:
    """V4: a klant without a subject identifier takes it from the evidence."""
    subject_type = rules.subject_type_for(identiteit)
    if klant.subject_type is None:
        klant.subject_type = subject_type
        klant.save(update_fields=["subject_type", "gewijzigd_op"])
    model = IDENTIFICATIE_MODEL[subject_type]
    row = model.objects.filter(klant=klant).first() or model(klant=klant)
    for field_subject_type, (field, sleutel_type) in IDENTIFICATIE_SLEUTEL.items():
        if field_subject_type == subject_type and sleutel_type == identiteit.type:
            setattr(row, field, identiteit.identificatie)
    row.save()


def _existing_validated(klant: Klant, identiteit: rules.Identiteit) -> Klant | None:
    return (
        Klant.objects.filter(
            bronorganisatie=klant.bronorganisatie,
            gevalideerd=True,
            gevalideerde_sleutel_type=identiteit.type,
            gevalideerde_sleutel=identiteit.identificatie,
        )
        .exclude(pk=klant.pk)
        .first()
    )


@transaction.atomic
def valideer_klant(
    klant: Klant, bewijs: rules.Bewijs, actor: Actor, *, mode: str | None = None
) -> Validatie:
    """E1/V4/V5/V6: record evidence for a klant; validates (promotes) it when it was not.

    Every rule is checked before anything is written; the partial unique index decides
    races between concurrent validations for one BSN.
    """
    mode = mode or settings.KLANTEN_PROMOTIE_MODUS
    now = timezone.now()
    klant = Klant.objects.select_for_update().get(pk=klant.pk)

    rules.require_fresh_authentication(
        bewijs.authenticatie_moment, now, settings.KLANTEN_MAX_AUTHENTICATIE_LEEFTIJD_MINUTEN
    )
    identiteit = rules.validated_identity(bewijs)
    subject_type = rules.subject_type_for(identiteit)
    rules.require_sufficient_rank(bewijs, subject_type, settings.KLANTEN_MINIMUM_RANG)
    rules.require_compatible_subject_type(klant.subject_type, subject_type)
    rules.require_identity_matches(klant_identiteit(klant), identiteit)
    rules.require_promotion_allowed(klant.gevalideerd, mode, bewijs.gegevens_bevestigd)

    if not klant.gevalideerd:
        if identiteit.type == SleutelType.bsn:
            existing = _existing_validated(klant, identiteit)
            if existing is not None:
                raise _duplicate(existing)
        _take_identity_from_evidence(klant, identiteit)
        klant.gevalideerd = True
        klant.gevalideerde_sleutel_type = identiteit.type
        klant.gevalideerde_sleutel = identiteit.identificatie
        klant.registratie_rang = bewijs.rang
        klant.vernietigingsdatum = None  # R3: never destroyed automatically
        try:
            with transaction.atomic():
                klant.save()
        except IntegrityError as exc:
            if "een_gevalideerde_klant_per_bsn" not in str(exc):
                raise
            raise _duplicate(_existing_validated(klant, identiteit)) from exc

    return Validatie.objects.create(
        klant=klant,
        gevalideerd_op=now,
        authenticatie_moment=bewijs.authenticatie_moment,
        middel=bewijs.middel,
        betrouwbaarheidsniveau=bewijs.betrouwbaarheidsniveau,
        rang=bewijs.rang,
        uitgever=bewijs.uitgever,
        bron=bewijs.bron,
        geauthenticeerde_type=bewijs.geauthenticeerde.type,
        geauthenticeerde_identificatie=bewijs.geauthenticeerde.identificatie,
        vertegenwoordigde_type=bewijs.vertegenwoordigde.type if bewijs.vertegenwoordigde else "",
        vertegenwoordigde_identificatie=(
            bewijs.vertegenwoordigde.identificatie if bewijs.vertegenwoordigde else ""
        ),
        machtiging=bewijs.machtiging,
        applicatie_id=actor.applicatie_id,
        applicatie_weergave=actor.applicatie_weergave,
        medewerker_id=actor.medewerker_id,
        medewerker_weergave=actor.medewerker_weergave,
        gegevens_bevestigd=bewijs.gegevens_bevestigd,
    )


def _duplicate(existing: Klant | None) -> rules.Conflict:
    return rules.Conflict(
        "Er bestaat al een gevalideerde klant voor deze persoon bij deze organisatie.",
        code="gevalideerde-klant-bestaat",
        existing_klant=existing,
    )


@transaction.atomic
def create_gevalideerde_klant(data: dict, bewijs: rules.Bewijs, actor: Actor) -> Klant:
    """Register a new klant and validate it in one go (the person supplied the data in the
    authenticated session, so it counts as confirmed)."""
    klant = create_klant(data)
    valideer_klant(klant, bewijs, actor, mode="reconfirm")
    return klant


@transaction.atomic
def corrigeer_subject(
    klant: Klant,
    identificatie: dict,
    reden: str,
    *,
    klant_url: str,
    gebruiker_id: str,
    gebruiker_weergave: str,
) -> Klant:
    """V1: an administrator corrects the subject identification of a validated klant; the
    reason is mandatory and the change is written to the audit trail."""
    from vng_api_common.audittrails.models import AuditTrail

    rules.require_reason(reden)
    klant = Klant.objects.select_for_update().get(pk=klant.pk)
    before = klant_identiteit(klant)
    _write_identificatie(klant, identificatie, replace=False)
    new = identiteit_from_data(klant.subject_type, identificatie)
    if klant.gevalideerd and new is not None:
        if new.type == SleutelType.bsn:
            existing = _existing_validated(klant, new)
            if existing is not None:
                raise _duplicate(existing)
        klant.gevalideerde_sleutel_type = new.type
        klant.gevalideerde_sleutel = new.identificatie
        klant.save()
    AuditTrail.objects.create(
        bron="kc",
        actie="correctie_subject",
        actie_weergave="Subjectidentificatie gecorrigeerd door een beheerder",
        resultaat=200,
        hoofd_object=klant_url,
        resource="klant",
        resource_url=klant_url,
        resource_weergave=klant.unique_representation(),
        gebruikers_id=gebruiker_id,
        gebruikers_weergave=gebruiker_weergave,
        toelichting=reden,
        oud={"sleutelType": before.type if before else None},
        nieuw={"sleutelType": new.type if new else None},
    )
    return klant


# --- Interactions (E2) ------------------------------------------------------------------------


@transaction.atomic
def add_interactie(klant: Klant, *, soort: str, url: str, rol: str, vernietigingsdatum=None):
    """E2: record (or, for the same URL and role, update) an interaction of a klant; the
    klant's destruction date follows (R1, ``signals.py``).

    The klant row is locked first, so the destruction task never destroys a klant while an
    interaction that extends its life is being added (it skips locked rows and re-derives the
    date of what it locks). Raises ``Klant.DoesNotExist`` when the klant is gone.
    """
    klant = Klant.objects.select_for_update().get(pk=klant.pk)
    interactie, _created = Interactie.objects.update_or_create(
        klant=klant,
        url=url,
        rol=rol,
        defaults={"soort": soort, "vernietigingsdatum": vernietigingsdatum},
    )
    return interactie


@transaction.atomic
def verwijder_interactie(klant: Klant, uuid) -> bool:
    """E2: remove an interaction of a klant (False when it has no such interaction); the
    klant's destruction date follows (R1, ``signals.py``)."""
    klant = Klant.objects.select_for_update().filter(pk=klant.pk).first()
    if klant is None:
        return False
    deleted, _ = Interactie.objects.filter(klant=klant, uuid=uuid).delete()
    return bool(deleted)


# --- Retention (contract section 4) -----------------------------------------------------------


def _vernietigingsdatum(**kwargs):
    vernietiging = vernietiging_volgens_regels(**kwargs)
    return vernietiging.datum if vernietiging else None


def vernietiging_volgens_regels(
    *, gevalideerd: bool, aangemaakt_op, interacties
) -> rules.Vernietiging | None:
    """R1 with the configured periods. ``aangemaakt_op`` is a date; ``interacties`` are
    ``(vernietigingsdatum, aangemaakt_op)`` pairs (date or None, aware datetime)."""
    return rules.vernietiging(
        gevalideerd=gevalideerd,
        aangemaakt_op=aangemaakt_op,
        interacties=[
            rules.InteractieTermijn(datum, timezone.localdate(geregistreerd))
            for datum, geregistreerd in interacties
        ],
        bewaartermijn=timedelta(days=settings.KLANTEN_BEWAARTERMIJN_DAGEN),
        respijt_zonder_interactie=timedelta(days=settings.KLANTEN_RESPIJT_ZONDER_INTERACTIE_DAGEN),
    )


def interactie_termijnen(klant_ids) -> dict[int, list]:
    """R1: per klant id the ``(vernietigingsdatum, registered)`` pairs of its interactions: its
    E2 interactions (registered when they were recorded here) and the klantcontacten it took
    part in as a betrokkene (registered when the contact took place), in one query."""
    from .klantcontacten import Betrokkene

    per_klant: dict[int, list] = {pk: [] for pk in klant_ids}
    if not per_klant:
        return per_klant
    interacties = Interactie.objects.filter(klant_id__in=per_klant).values_list(
        "klant_id", "vernietigingsdatum", "aangemaakt_op"
    )
    betrokkenheden = Betrokkene.objects.filter(klant_id__in=per_klant).values_list(
        "klant_id", "vernietigingsdatum", "klantcontact__plaatsgevonden_op"
    )
    for klant_id, datum, geregistreerd in interacties.union(betrokkenheden, all=True):
        per_klant[klant_id].append((datum, geregistreerd))
    return per_klant


def vernietiging_van(klant: Klant, interacties=None) -> rules.Vernietiging | None:
    """R1 for a stored klant; ``interacties`` as for :func:`vernietiging_volgens_regels`,
    read from the database when not given (:func:`interactie_termijnen`)."""
    if klant.gevalideerd:
        return None  # R3
    if interacties is None:
        interacties = interactie_termijnen([klant.pk])[klant.pk]
    return vernietiging_volgens_regels(
        gevalideerd=klant.gevalideerd,
        aangemaakt_op=timezone.localdate(klant.aangemaakt_op),
        interacties=interacties,
    )


def werk_vernietigingsdatum_bij(klant: Klant, interacties=None):
    """R1: derive the destruction date of a klant again and store it when it changed (a
    validated klant has none). Returns the date."""
    vernietiging = vernietiging_van(klant, interacties)
    datum = vernietiging.datum if vernietiging else None
    if klant.vernietigingsdatum != datum:
        Klant.objects.filter(pk=klant.pk).update(vernietigingsdatum=datum)
        klant.vernietigingsdatum = datum
    return datum


def herbereken_vernietigingsdata(batch_size: int = 1000) -> int:
    """R1 after a change of the retention settings: derive every non-validated klant's
    destruction date again. Returns how many changed."""
    changed = 0
    last_id = 0
    while True:
        with transaction.atomic():
            klanten = list(
                Klant.objects.select_for_update()
                .filter(gevalideerd=False, id__gt=last_id)
                .only("id", "gevalideerd", "aangemaakt_op", "vernietigingsdatum")
                .order_by("id")[:batch_size]
            )
            if not klanten:
                return changed
            last_id = klanten[-1].id
            per_klant = interactie_termijnen([k.id for k in klanten])
            for klant in klanten:
                before = klant.vernietigingsdatum
                if werk_vernietigingsdatum_bij(klant, per_klant[klant.id]) != before:
                    changed += 1


def verwijder_klanten(klant_ids) -> None:
    """Destroy klanten with everything that hangs off them, their API audit trail included
    (it holds their data; as a delete through the API does), and their part in klantcontacten:
    their betrokkenen go (the klantcontact itself stays, with its tekst, without them), unlike
    a delete through an API, which keeps the betrokkene's own snapshot (K9)."""
    from vng_api_common.audittrails.models import AuditTrail

    from .contacten import verwijder_betrokkenen
    from .klantcontacten import Betrokkene

    uuids = list(Klant.objects.filter(pk__in=klant_ids).values_list("uuid", flat=True))
    if not uuids:
        return
    # hoofd_object is the klant's absolute URL, whose host depends on the request
    condition = Q()
    for uuid in uuids:
        condition |= Q(hoofd_object__endswith=f"/klanten/{uuid}")
    AuditTrail.objects.filter(condition).delete()
    verwijder_betrokkenen(Betrokkene.objects.filter(klant_id__in=klant_ids))
    Klant.objects.filter(pk__in=klant_ids).delete()


# --- Confirmation links (E4) ----------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def create_bevestigingsverzoek(
    klant: Klant, applicatie_id: str = ""
) -> tuple[str, Bevestigingsverzoek]:
    """A one-time link token for a non-validated klant. Only its hash is stored: the token is
    returned once."""
    rules.require_not_validated_for_confirmation(klant.gevalideerd)
    token = secrets.token_urlsafe(32)
    verzoek = Bevestigingsverzoek.objects.create(
        klant=klant,
        token_hash=_token_hash(token),
        verloopt_op=timezone.now() + timedelta(hours=settings.KLANTEN_BEVESTIGINGSLINK_GELDIG_UREN),
        applicatie_id=applicatie_id,
    )
    return token, verzoek


class LinkUnusable(Exception):
    """The confirmation link is unknown, expired or already used (``reason``)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def peek_bevestigingsverzoek(token: str) -> Bevestigingsverzoek:
    """The pending request behind a token (not consumed), or LinkUnusable."""
    verzoek = (
        Bevestigingsverzoek.objects.select_related("klant")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if verzoek is None:
        raise LinkUnusable("onbekend")
    if verzoek.gebruikt_op is not None:
        raise LinkUnusable("gebruikt")
    if verzoek.verloopt_op <= timezone.now():
        raise LinkUnusable("verlopen")
    return verzoek


@transaction.atomic
def redeem_bevestigingsverzoek(token: str) -> Klant:
    """Consume a token exactly once (a concurrent second use sees it used)."""
    verzoek = peek_bevestigingsverzoek(token)
    updated = Bevestigingsverzoek.objects.filter(pk=verzoek.pk, gebruikt_op__isnull=True).update(
        gebruikt_op=timezone.now()
    )
    if updated != 1:
        raise LinkUnusable("gebruikt")
    return verzoek.klant


def pseudoniem(identiteit: rules.Identiteit) -> str:
    """A keyed, non-reversible pseudonym of a subject key, for logs of klantbeeld requests."""
    from django.utils.crypto import salted_hmac

    value = f"{identiteit.type}:{identiteit.identificatie}"
    return salted_hmac("klanten.klantbeeld", value, algorithm="sha256").hexdigest()
