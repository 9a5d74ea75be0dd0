"""The JSON representation of a Klant (C2), built from plain database rows.

Used by the API's writes, the audit trail and the notifications of every write path
(``datamodel.wijzigingen``), and the admin's export. A flat row per klant (the klant, its
address and its identification, joined: ``values_list(*COLUMNS)``) becomes the standard's
shape with plain indexing; writes, which hold model instances, use the same function through
:func:`row_from_instance`, so there is one representation. Keys are camelCase already and
every key of the standard is always present.

The detail, list and klantbeeld reads do not render here: PostgreSQL keeps the same JSON,
byte for byte, in generated columns (migration ``0020_weergave``, read by
``klanten.api.readsql``); a change of this module's output needs the same change there, in a
new migration (``tests/test_read_path.py`` fails until both agree).
"""

from operator import attrgetter

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet

from .models import Klant

KLANT_LIST_RELATIONS = ("adres", "natuurlijk_persoon", "niet_natuurlijk_persoon", "vestiging")

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


# one flat row per klant; a related row that is absent reads as NULL in its ``klant_id``
COLUMNS = (
    # 0-15: the klant
    "uuid",
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
    "gevalideerd",
    # 15-22: adres
    "adres__klant_id",
    "adres__straatnaam",
    "adres__huisnummer",
    "adres__huisletter",
    "adres__huisnummertoevoeging",
    "adres__postcode",
    "adres__woonplaats_naam",
    "adres__landcode",
    # 23-34: natuurlijk persoon
    "natuurlijk_persoon__klant_id",
    "natuurlijk_persoon__inp_bsn",
    "natuurlijk_persoon__anp_identificatie",
    "natuurlijk_persoon__inp_a_nummer",
    "natuurlijk_persoon__geslachtsnaam",
    "natuurlijk_persoon__voorvoegsel_geslachtsnaam",
    "natuurlijk_persoon__voorletters",
    "natuurlijk_persoon__voornamen",
    "natuurlijk_persoon__geslachtsaanduiding",
    "natuurlijk_persoon__geboortedatum",
    "natuurlijk_persoon__verblijfsadres",
    "natuurlijk_persoon__sub_verblijf_buitenland",
    # 35-41: niet-natuurlijk persoon
    "niet_natuurlijk_persoon__klant_id",
    "niet_natuurlijk_persoon__inn_nnp_id",
    "niet_natuurlijk_persoon__ann_identificatie",
    "niet_natuurlijk_persoon__statutaire_naam",
    "niet_natuurlijk_persoon__inn_rechtsvorm",
    "niet_natuurlijk_persoon__bezoekadres",
    "niet_natuurlijk_persoon__sub_verblijf_buitenland",
    # 42-46: vestiging
    "vestiging__klant_id",
    "vestiging__vestigings_nummer",
    "vestiging__handelsnaam",
    "vestiging__verblijfsadres",
    "vestiging__sub_verblijf_buitenland",
)


def rows(queryset: QuerySet):
    """The flat representation rows of a klant queryset (its filters and order kept)."""
    return queryset.values_list(*COLUMNS)


# (key, default) pairs of each group, for _group
_VERBLIJFSADRES = tuple(VERBLIJFSADRES_DEFAULTS.items())
_SUB_VERBLIJF_BUITENLAND = tuple(SUB_VERBLIJF_BUITENLAND_DEFAULTS.items())


def _group(value: dict | None, pairs: tuple[tuple[str, object], ...]) -> dict | None:
    """The stored group with every key of the standard, in its order (a missing key: its
    default; an unknown key: left out)."""
    if value is None:
        return None
    get = value.get
    return {key: get(key, default) for key, default in pairs}


def _identificatie(row) -> dict | None:
    subject_type = row[12]
    if subject_type == "natuurlijk_persoon" and row[23] is not None:
        return {
            "inpBsn": row[24],
            "anpIdentificatie": row[25],
            "inpANummer": row[26],
            "geslachtsnaam": row[27],
            "voorvoegselGeslachtsnaam": row[28],
            "voorletters": row[29],
            "voornamen": row[30],
            "geslachtsaanduiding": row[31],
            "geboortedatum": row[32],
            "verblijfsadres": _group(row[33], _VERBLIJFSADRES),
            "subVerblijfBuitenland": _group(row[34], _SUB_VERBLIJF_BUITENLAND),
        }
    if subject_type == "niet_natuurlijk_persoon" and row[35] is not None:
        return {
            "innNnpId": row[36],
            "annIdentificatie": row[37],
            "statutaireNaam": row[38],
            "innRechtsvorm": row[39],
            "bezoekadres": row[40],
            "subVerblijfBuitenland": _group(row[41], _SUB_VERBLIJF_BUITENLAND),
        }
    if subject_type == "vestiging" and row[42] is not None:
        return {
            "vestigingsNummer": row[43],
            "handelsnaam": list(row[44]),
            "verblijfsadres": _group(row[45], _VERBLIJFSADRES),
            "subVerblijfBuitenland": _group(row[46], _SUB_VERBLIJF_BUITENLAND),
        }
    return None


def row_data(row, base_url: str) -> dict:
    """``base_url`` is the absolute URL of the collection, ending in a slash."""
    return {
        "url": f"{base_url}{row[0]}",
        "bronorganisatie": row[1],
        "klantnummer": row[2],
        "bedrijfsnaam": row[3],
        "functie": row[4],
        "websiteUrl": row[5],
        "voornaam": row[6],
        "voorvoegselAchternaam": row[7],
        "achternaam": row[8],
        "telefoonnummer": row[9],
        "emailadres": row[10],
        "adres": None
        if row[15] is None
        else {
            "straatnaam": row[16],
            "huisnummer": row[17],
            "huisletter": row[18],
            "huisnummertoevoeging": row[19],
            "postcode": row[20],
            "woonplaatsnaam": row[21],
            "landcode": row[22],
        },
        "subject": row[11],
        "subjectType": row[12],
        "subjectIdentificatie": _identificatie(row),
        "aanmaakkanaal": row[13],
        "gevalideerd": row[14],
    }


# the attribute path of each column (split once, not per klant)
_PATHS = tuple(tuple(path.split("__")) for path in COLUMNS)


def _plan(paths) -> tuple:
    """How :func:`row_from_instance` reads the columns: the klant's own attributes (one
    ``attrgetter``), then per one-to-one relation its attributes (one ``attrgetter`` each),
    in the order of ``paths``: the klant's own columns first, each relation's together, one
    level deep (checked here, at import)."""
    eigen = [path[0] for path in paths if len(path) == 1]
    relaties: list[tuple[str, list[str]]] = []
    for path in paths[len(eigen) :]:
        if len(path) != 2:
            raise ValueError(f"not a column of a one-to-one relation: {'__'.join(path)}")
        if not relaties or relaties[-1][0] != path[0]:
            if any(naam == path[0] for naam, _ in relaties):
                raise ValueError(f"the columns of {path[0]} are not together")
            relaties.append((path[0], []))
        relaties[-1][1].append(path[1])
    if not eigen or any(len(attrs) < 2 for _, attrs in relaties):
        raise ValueError("a group of one column (attrgetter would answer no tuple)")
    return attrgetter(*eigen), tuple(
        (naam, attrgetter(*attrs), (None,) * len(attrs)) for naam, attrs in relaties
    )


_EIGEN, _RELATIES = _plan(_PATHS)


def row_from_instance(klant: Klant) -> tuple:
    """The row :func:`rows` would select for this klant, from the instance (and whatever
    related objects it has loaded or can load): a related row that is absent (None, or not
    there: ``ObjectDoesNotExist``) reads as NULL in each of its columns."""
    row = _EIGEN(klant)
    for naam, lees, leeg in _RELATIES:
        try:
            rij = getattr(klant, naam)
        except ObjectDoesNotExist:
            rij = None
        row += leeg if rij is None else lees(rij)
    return row


def klant_data(klant: Klant, base_url: str) -> dict:
    return row_data(row_from_instance(klant), base_url)
