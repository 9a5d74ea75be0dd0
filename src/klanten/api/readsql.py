"""Read queries compiled once per shape.

The ORM builds the SQL of a klant read (47 joined columns, filters, visibility) in about as
much time as PostgreSQL needs to answer it. The shape of a read (which filters, which
visibility condition) takes few values, so its SQL is compiled once per process from the ORM
query and then executed with the request's values. Row values come back exactly as
``values_list`` would give them (JSON columns decoded by psycopg, arrays as lists).
"""

import json
import threading
import uuid

import psycopg
from django.conf import settings
from django.db import connection
from django.db.models import Q

from klanten.datamodel.models import Klant
from klanten.datamodel.representation import COLUMNS

_cache: dict[tuple, tuple[str, tuple]] = {}
_lock = threading.Lock()
_UUID_NAMES = frozenset({"__uuid", "__applicatie"})


def _marks(names) -> dict:
    """A distinct sample value per request value, typed as its column (UUID or text), to find
    each value's position among the compiled SQL's parameters."""
    marks = {}
    for i, name in enumerate(names):
        if name in _UUID_NAMES:
            marks[name] = uuid.UUID(int=0xC0FFEE0000 + i)
        else:
            marks[name] = f"\x01klanten-{i}\x01"
    return marks


def _compile(shape: tuple, build) -> tuple[str, tuple]:
    """(sql, parameter sources in order) for a shape: each source is ``("p", name)`` for a
    request value or ``("c", value)`` for a constant of the query itself."""
    entry = _cache.get(shape)
    if entry is None:
        marks = _marks([name for name in shape[1] if name is not None])
        by_mark = {mark: name for name, mark in marks.items()}
        sql, params = build(marks).query.sql_with_params()
        order = []
        for param in params:
            try:
                name = by_mark.get(param)
            except TypeError:  # unhashable constant
                name = None
            order.append(("p", name) if name is not None else ("c", param))
        entry = (sql, tuple(order))
        with _lock:
            _cache[shape] = entry
    return entry


def _visibility_condition(marks, visibility: str) -> Q | None:
    if visibility == "alle":
        return None
    if visibility == "gevalideerd":
        return Q(gevalideerd=True)
    condition = Q(gevalideerd=True) | Q(geregistreerd_door=marks["__applicatie"])
    if visibility == "applicatie-per-uuid":
        # V7: by uuid, also the klanten of the application's contactmomenten
        from .visibility import via_contactmomenten

        condition |= Q(via_contactmomenten(marks["__applicatie"]))
    return condition


def _base(marks, lookups: dict[str, str], visibility: str):
    queryset = Klant.objects.all()
    condition = _visibility_condition(marks, visibility)
    if condition is not None:
        queryset = queryset.filter(condition)
    for name, lookup in sorted(lookups.items()):
        queryset = queryset.filter(**{lookup: marks[name]})
    return queryset


class _PreparedCursor(psycopg.Cursor):
    """A server-side binding cursor whose statements are prepared once per connection
    (psycopg keeps them, at most ``prepared_max`` per connection): a klant read is planned
    once, where planning the joins took PostgreSQL ten times as long as running them."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


_NEVER_AUTOMATICALLY = 2**31


def _cursor():
    if not settings.KLANTEN_PREPARED_READS:
        return connection.cursor()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django turns psycopg's preparing off (None); a threshold no query reaches turns it
        # back on for the explicit prepare=True of these reads only
        raw.prepare_threshold = _NEVER_AUTOMATICALLY
    cursor = _PreparedCursor(raw)
    # Django's wrapper, so the statement is logged and counted like any other
    if connection.queries_logged:
        return connection.make_debug_cursor(cursor)
    return connection.make_cursor(cursor)


def _execute(sql: str, params: list) -> list[tuple]:
    with _cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# Django has psycopg hand JSON over as text and decodes it in the field; so do we
_JSON_COLUMNS = tuple(
    i
    for i, path in enumerate(COLUMNS)
    if path.endswith(("verblijfsadres", "sub_verblijf_buitenland"))
)


def _decode(found: list[tuple]) -> list[tuple]:
    decoded = []
    for row in found:
        if any(isinstance(row[i], str) for i in _JSON_COLUMNS):
            row = list(row)
            for i in _JSON_COLUMNS:
                if isinstance(row[i], str):
                    row[i] = json.loads(row[i])
            row = tuple(row)
        decoded.append(row)
    return decoded


def _params(order, values) -> list:
    return [values[source] if kind == "p" else source for kind, source in order]


def visibility_shape(request) -> tuple[str, uuid.UUID | None]:
    from . import visibility

    if visibility.sees_all_non_validated(request):
        return "alle", None
    applicatie = visibility.requesting_applicatie(request)
    if applicatie is None:
        return "gevalideerd", None
    return "applicatie", applicatie.uuid


class Seite:
    """A page of klanten as JSON text: ``len()`` klanten, ``body`` their objects joined by
    commas (the inside of the ``results`` array)."""

    __slots__ = ("aantal", "body")

    def __init__(self, aantal: int, body: str | None):
        self.aantal = aantal
        self.body = body or ""

    def __len__(self) -> int:
        return self.aantal


def detail_row(request, key: uuid.UUID) -> tuple | None:
    # a single klant is cheaper in Python (row_data and orjson, some 30 µs) than as JSON built
    # by PostgreSQL (about 70 µs more of the database's time, and a longer plan)
    mode, applicatie = visibility_shape(request)
    if mode == "applicatie":
        mode = "applicatie-per-uuid"
    names = ("__uuid", "__applicatie" if applicatie is not None else None)
    sql, order = _compile(
        ("detail", names, mode),
        lambda marks: _base(marks, {}, mode).filter(uuid=marks["__uuid"]).values_list(*COLUMNS),
    )
    found = _execute(sql, _params(order, {"__uuid": key, "__applicatie": applicatie}))
    return _decode(found)[0] if found else None


def list_json(
    request, lookups: dict[str, str], values: dict, limit: int, offset: int, base_url: str
) -> Seite:
    """One page of klanten, newest first, for canonical filters ``values`` (name → value)."""
    mode, applicatie = visibility_shape(request)
    names = (*sorted(lookups), "__applicatie" if mode == "applicatie" else None)
    sql, order = _compile(
        ("list", names, mode),
        lambda marks: _base(marks, lookups, mode).order_by("-id").values_list("id", *COLUMNS),
    )
    params = _params(order, {**values, "__applicatie": applicatie})
    found = _execute(
        f"SELECT count(*), string_agg({json_expression()}, ',' ORDER BY r.id DESC) "
        # LIMIT and OFFSET as literals (integers of ours): a prepared statement's generic plan
        # for unknown ones assumes a tenth of the table and joins it all
        f"FROM ({sql} LIMIT {int(limit)} OFFSET {int(offset)}) AS {_ROW_ALIASES}",
        [base_url, *params],
    )
    return Seite(*found[0])


def unfiltered_count(request) -> int:
    """The number of klanten visible to this request (V7), from the counter rows."""
    from klanten.datamodel.models import KlantTeller

    mode, applicatie = visibility_shape(request)
    names = ("__applicatie" if mode == "applicatie" else None,)

    def build(marks):
        counters = KlantTeller.objects.all()
        if mode != "alle":
            condition = Q(gevalideerd=True)
            if mode == "applicatie":
                condition |= Q(geregistreerd_door=marks["__applicatie"])
            counters = counters.filter(condition)
        return counters.values("aantal")

    sql, order = _compile(("teller", names, mode), build)
    params = _params(order, {"__applicatie": applicatie})
    return _execute(f"SELECT coalesce(sum(t.aantal), 0)::bigint FROM ({sql}) AS t", params)[0][0]


def list_count(request, lookups: dict[str, str], values: dict) -> int:
    mode, applicatie = visibility_shape(request)
    names = (*sorted(lookups), "__applicatie" if mode == "applicatie" else None)
    sql, order = _compile(
        ("count", names, mode),
        lambda marks: _base(marks, lookups, mode).order_by().values("id"),
    )
    params = _params(order, {**values, "__applicatie": applicatie})
    return _execute(f"SELECT count(*) FROM ({sql}) AS klanten", params)[0][0]


def klantbeeld_rows(sleutel_type: str, sleutel: str, bronorganisatie: str | None) -> list[tuple]:
    """(id, *representation row) of the validated klanten with this exact subject key (V8)."""
    names = ("__sleutel_type", "__sleutel", "__bronorganisatie" if bronorganisatie else None)

    def build(marks):
        queryset = Klant.objects.filter(
            gevalideerd=True,
            gevalideerde_sleutel_type=marks["__sleutel_type"],
            gevalideerde_sleutel=marks["__sleutel"],
        )
        if bronorganisatie:
            queryset = queryset.filter(bronorganisatie=marks["__bronorganisatie"])
        return queryset.order_by("-id").values_list("id", *COLUMNS)

    sql, order = _compile(("klantbeeld", names), build)
    values = {
        "__sleutel_type": sleutel_type,
        "__sleutel": sleutel,
        "__bronorganisatie": bronorganisatie,
    }
    found = _execute(sql, _params(order, values))
    # the JSON columns sit one further right here, behind the id
    return [(row[0], *_decode([row[1:]])[0]) for row in found]


# --- the representation as JSON text, built by PostgreSQL -------------------------------------
# ``row_data`` rendered by orjson, byte for byte, as one SQL expression over the columns of a
# representation row (``r.c0`` ... ``r.c46``, in COLUMNS order): PostgreSQL's to_json escapes
# text exactly as orjson does (the short escapes, other control characters as \u00xx, the rest
# as UTF-8), writes no spaces when given scalars, and the renderer escapes U+2028/U+2029 of the
# whole body afterwards as before. A list page then costs no Python per klant.
def _j(i: int) -> str:
    return f"coalesce(to_json(r.c{i})::text, 'null')"


def _object(members: list[tuple[str, str]]) -> str:
    # one concat() per object (fewer than 100 arguments each): one copy, where a chain of ||
    # copies the growing text at every step
    parts = []
    for n, (key, expression) in enumerate(members):
        parts.append(f"'{',' if n else '{'}\"{key}\":'")
        parts.append(expression)
    parts.append("'}'")
    return f"concat({', '.join(parts)})"


def _json_group(i: int, defaults: dict) -> str:
    members = [
        (key, f"coalesce((r.c{i} -> '{key}')::text, '{json.dumps(default)}')")
        for key, default in defaults.items()
    ]
    return (
        f"CASE WHEN r.c{i} IS NULL OR jsonb_typeof(r.c{i}) = 'null' THEN 'null' "
        f"ELSE {_object(members)} END"
    )


def _json_expression() -> str:
    from klanten.datamodel.representation import (
        SUB_VERBLIJF_BUITENLAND_DEFAULTS as BUITENLAND,
    )
    from klanten.datamodel.representation import VERBLIJFSADRES_DEFAULTS as VERBLIJFSADRES

    adres = _object(
        [
            (key, _j(i))
            for key, i in (
                ("straatnaam", 16),
                ("huisnummer", 17),
                ("huisletter", 18),
                ("huisnummertoevoeging", 19),
                ("postcode", 20),
                ("woonplaatsnaam", 21),
                ("landcode", 22),
            )
        ]
    )
    natuurlijk_persoon = _object(
        [
            *(
                (key, _j(i))
                for key, i in (
                    ("inpBsn", 24),
                    ("anpIdentificatie", 25),
                    ("inpANummer", 26),
                    ("geslachtsnaam", 27),
                    ("voorvoegselGeslachtsnaam", 28),
                    ("voorletters", 29),
                    ("voornamen", 30),
                    ("geslachtsaanduiding", 31),
                    ("geboortedatum", 32),
                )
            ),
            ("verblijfsadres", _json_group(33, VERBLIJFSADRES)),
            ("subVerblijfBuitenland", _json_group(34, BUITENLAND)),
        ]
    )
    niet_natuurlijk_persoon = _object(
        [
            *(
                (key, _j(i))
                for key, i in (
                    ("innNnpId", 36),
                    ("annIdentificatie", 37),
                    ("statutaireNaam", 38),
                    ("innRechtsvorm", 39),
                    ("bezoekadres", 40),
                )
            ),
            ("subVerblijfBuitenland", _json_group(41, BUITENLAND)),
        ]
    )
    vestiging = _object(
        [
            ("vestigingsNummer", _j(43)),
            ("handelsnaam", _j(44)),
            ("verblijfsadres", _json_group(45, VERBLIJFSADRES)),
            ("subVerblijfBuitenland", _json_group(46, BUITENLAND)),
        ]
    )
    identificatie = (
        "CASE "
        f"WHEN r.c12 = 'natuurlijk_persoon' AND r.c23 IS NOT NULL THEN {natuurlijk_persoon} "
        f"WHEN r.c12 = 'niet_natuurlijk_persoon' AND r.c35 IS NOT NULL "
        f"THEN {niet_natuurlijk_persoon} "
        f"WHEN r.c12 = 'vestiging' AND r.c42 IS NOT NULL THEN {vestiging} "
        "ELSE 'null' END"
    )
    return _object(
        [
            ("url", "to_json(%s || r.c0::text)::text"),
            *(
                (key, _j(i))
                for key, i in (
                    ("bronorganisatie", 1),
                    ("klantnummer", 2),
                    ("bedrijfsnaam", 3),
                    ("functie", 4),
                    ("websiteUrl", 5),
                    ("voornaam", 6),
                    ("voorvoegselAchternaam", 7),
                    ("achternaam", 8),
                    ("telefoonnummer", 9),
                    ("emailadres", 10),
                )
            ),
            ("adres", f"CASE WHEN r.c15 IS NULL THEN 'null' ELSE {adres} END"),
            ("subject", _j(11)),
            ("subjectType", _j(12)),
            ("subjectIdentificatie", identificatie),
            ("aanmaakkanaal", _j(13)),
            ("gevalideerd", _j(14)),
        ]
    )


_ROW_ALIASES = "r(id, " + ", ".join(f"c{i}" for i in range(len(COLUMNS))) + ")"
_JSON_EXPRESSION: list[str] = []


def json_expression() -> str:
    """The SQL expression of a klant's JSON text over ``r`` (one ``%s``: the collection URL)."""
    if not _JSON_EXPRESSION:
        _JSON_EXPRESSION.append(_json_expression())
    return _JSON_EXPRESSION[0]
