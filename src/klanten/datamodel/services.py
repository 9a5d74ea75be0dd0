"""Transactional writes of klanten. Callers pass already shape-checked data (snake_case)."""

from django.db import IntegrityError, connection, transaction
from djangorestframework_camel_case.util import camelize

from . import rules
from .models import (
    IDENTIFICATIE_MODEL,
    Klant,
    KlantAdres,
    KlantnummerTeller,
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


def _write_identificatie(klant: Klant, data: dict | None, *, replace: bool) -> None:
    model = IDENTIFICATIE_MODEL.get(klant.subject_type)
    # a klant has at most one identification: drop any row of another kind
    for other_type, other_model in IDENTIFICATIE_MODEL.items():
        if other_type != klant.subject_type:
            other_model.objects.filter(klant=klant).delete()
    if model is None:
        return
    current = model.objects.filter(klant=klant).first()
    if data is None:
        if current is not None:
            current.delete()
        return
    if current is None:
        current = model(klant=klant)
        replace = True
    elif replace:
        current = model(klant=klant)  # PUT: every field not given goes back to its default
    for field, value in data.items():
        if field in JSON_GROUPS:
            if value is None:
                setattr(current, field, None)
            else:
                existing = getattr(current, field, None)
                setattr(current, field, _json_group(existing, value, JSON_GROUPS[field], replace))
        else:
            setattr(current, field, value)
    current.save()


def _write_adres(klant: Klant, data: dict | None, *, replace: bool) -> None:
    if data is None:
        KlantAdres.objects.filter(klant=klant).delete()
        return
    values = {("woonplaats_naam" if k == "woonplaatsnaam" else k): v for k, v in data.items()}
    current = KlantAdres.objects.filter(klant=klant).first()
    if current is None or replace:
        current = KlantAdres(klant=klant, **ADRES_DEFAULTS)
    for field, value in values.items():
        setattr(current, field, value)
    current.save()


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
    _save(klant)
    if adres is not None:
        _write_adres(klant, adres, replace=True)
    if identificatie is not None:
        _write_identificatie(klant, identificatie, replace=True)
    return klant


@transaction.atomic
def update_klant(klant: Klant, data: dict, *, partial: bool) -> Klant:
    """PUT (``partial=False``) replaces what is given; PATCH merges into what is stored.

    Nested groups are upserted; an explicit null removes ``adres`` and the address groups,
    while ``subjectIdentificatie: null`` removes the identification on PUT only.
    """
    data = dict(data)
    klant = Klant.objects.select_for_update().get(pk=klant.pk)
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


@transaction.atomic
def delete_klant(klant: Klant) -> None:
    klant.delete()
