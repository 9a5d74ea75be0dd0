"""Read queries compiled once per shape.

The ORM builds the SQL of a klant read (joined tables, filters, visibility) in about as
much time as PostgreSQL needs to answer it. The shape of a read (which filters, which
visibility condition) takes few values, so its SQL is compiled once per process from the ORM
query and then executed with the request's values, as a prepared statement (planned once per
database connection: planning the joins cost PostgreSQL several times what running them did;
``DB_PREPARED_READS``). Row values come back exactly as ``values_list`` would give them (JSON
columns decoded by psycopg, arrays as lists): the detail, list and klantbeeld reads' one text
per klant, the klantbeeld's interactions and contactmomenten.

A klant's JSON is not rendered per read: PostgreSQL keeps it, in parts, in generated columns
of the klant's rows (migration ``0020_weergave``), and a detail, list or klantbeeld read joins
the parts (``_WEERGAVE``). Building it per read in SQL (``to_json`` per value) cost PostgreSQL
about twice the Python it saved (docs/performance.md); kept with the row, it is built once per
write.
"""

import uuid

import orjson
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Exists, F, Lookup, OuterRef, Q
from django.db.models.expressions import RawSQL

from klanten import sqlvorm
from klanten.datamodel import wijzigingen
from klanten.datamodel.klantcontacten import Betrokkene
from klanten.datamodel.models import Interactie, Klant, KlantbeeldVerzoek


def _compile(shape: tuple, build) -> tuple[str, tuple]:
    """(sql, parameter sources in order) for a shape: each source is ``("p", name)`` for a
    request value or ``("c", value)`` for a constant of the query itself (see
    :func:`klanten.sqlvorm.compileer`; the klant rows need no converters)."""
    sql, order, _converters = sqlvorm.compileer(shape, build)
    return sql, order


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


def visibility_shape(request) -> tuple[str, uuid.UUID | None]:
    from . import visibility

    if visibility.sees_all_non_validated(request):
        return "alle", None
    applicatie = visibility.requesting_applicatie(request)
    if applicatie is None:
        return "gevalideerd", None
    return "applicatie", applicatie.uuid


# A klant's JSON text, from the parts PostgreSQL keeps with each row (migration 0020_weergave):
# everything after the opening ``{"url":"<collection URL>`` the view puts in front. The address
# and the one identification its subject type names are read by key (a subquery per klant, only
# the identification table it needs), the rest is the klant row's own
_WEERGAVE = """
"datamodel_klant"."uuid"::text || '",' || "datamodel_klant"."weergave_gegevens"
|| ',"adres":' || coalesce(
    (SELECT a.weergave FROM datamodel_klantadres a WHERE a.klant_id = "datamodel_klant"."id"),
    'null'
)
|| ',' || "datamodel_klant"."weergave_subject"
|| ',"subjectIdentificatie":' || coalesce(
    CASE "datamodel_klant"."subject_type"
    WHEN 'natuurlijk_persoon' THEN (
        SELECT p.weergave FROM datamodel_natuurlijkpersoon p
        WHERE p.klant_id = "datamodel_klant"."id"
    )
    WHEN 'niet_natuurlijk_persoon' THEN (
        SELECT n.weergave FROM datamodel_nietnatuurlijkpersoon n
        WHERE n.klant_id = "datamodel_klant"."id"
    )
    WHEN 'vestiging' THEN (
        SELECT v.weergave FROM datamodel_vestiging v WHERE v.klant_id = "datamodel_klant"."id"
    )
    END,
    'null'
)
|| ',' || "datamodel_klant"."weergave_slot" || '}'
"""


def weergave_begin(collection_url: str) -> str:
    """What a klant's JSON text from ``_WEERGAVE`` lacks in front: the opening ``{"url":"``
    and the collection URL (ending in a slash), escaped as JSON; the text goes on with the
    klant's uuid."""
    return '{"url":' + orjson.dumps(collection_url).decode()[:-1]


def _weergave(queryset):
    """The klant JSON texts of a klant queryset (see ``_WEERGAVE``), as its only column."""
    return queryset.annotate(weergave=RawSQL(_WEERGAVE, ())).values_list("weergave")


def detail_weergave(request, key: uuid.UUID) -> str | None:
    """The klant's JSON text after its URL's collection part (``_WEERGAVE``), or None when it
    does not exist or this request may not see it (V7)."""
    mode, applicatie = visibility_shape(request)
    if mode == "applicatie":
        mode = "applicatie-per-uuid"
    names = ("__uuid", "__applicatie" if applicatie is not None else None)
    sql, order = _compile(
        ("detail", names, mode),
        lambda marks: _weergave(_base(marks, {}, mode).filter(uuid=marks["__uuid"])),
    )
    found = sqlvorm.voer_uit(
        sql, sqlvorm.parameters(order, {"__uuid": key, "__applicatie": applicatie})
    )
    return found[0][0] if found else None


def lock_klant(request, key: uuid.UUID):
    """The klant a write of this request names by uuid (V7: one the request may see, as the
    list shows them), locked with its representation's rows (``wijzigingen.vergrendel_vorm``;
    ``Klant.DoesNotExist`` when there is none); the lock's SQL compiled once per shape."""
    mode, applicatie = visibility_shape(request)
    return wijzigingen.vergrendel_vorm(
        ("write", ("__uuid", "__applicatie" if applicatie is not None else None), mode),
        lambda marks: _base(marks, {}, mode).filter(uuid=marks["__uuid"]),
        {"__uuid": key, "__applicatie": applicatie},
    )


def list_weergaven(request, lookups: dict[str, str], values: dict, limit: int, offset: int):
    """One page of klanten, newest first, for canonical filters ``values`` (name → value): a
    row per klant of (the number of all matches, its JSON text after the URL's collection part
    (``_WEERGAVE``)), in one statement. The number comes from the counter rows for an
    unfiltered list (``KlantTeller``), else from counting the matches; PostgreSQL computes it
    once per statement (an InitPlan), so a full page costs no second round trip. It is
    computed for a page that is not full too, where the paginator does not use it: cheap on a
    first page, one count on the last page of a longer list."""
    mode, applicatie = visibility_shape(request)
    names = (*sorted(lookups), "__applicatie" if mode == "applicatie" else None)
    sql, order = _compile(
        ("list", names, mode),
        lambda marks: _weergave(_base(marks, lookups, mode).order_by("-id")),
    )
    request_values = {**values, "__applicatie": applicatie}
    count_sql, count_params = (
        _count(mode, names, lookups, request_values) if lookups else _teller(mode, applicatie)
    )
    if not sql.startswith("SELECT "):  # Django's compiler; a change there fails every list
        raise AssertionError(sql[:40])
    # LIMIT and OFFSET as literals (integers of ours): a prepared statement's generic plan for
    # unknown ones assumes a tenth of the table is read and joins it all. Only the first page
    # is prepared: a client paging through all of them would otherwise fill the connection's
    # prepared statements with one per page
    return sqlvorm.voer_uit(
        f"SELECT ({count_sql}), {sql[len('SELECT ') :]} LIMIT {int(limit)} OFFSET {int(offset)}",
        [*count_params, *sqlvorm.parameters(order, request_values)],
        prepare=offset == 0,
    )


def _teller(mode: str, applicatie) -> tuple[str, list]:
    """(SQL, parameters) of the number of klanten visible to this request (V7), from the
    counter rows (kept exact by database triggers)."""
    from klanten.datamodel.models import KlantTeller

    def build(marks):
        counters = KlantTeller.objects.all()
        if mode != "alle":
            condition = Q(gevalideerd=True)
            if mode == "applicatie":
                condition |= Q(geregistreerd_door=marks["__applicatie"])
            counters = counters.filter(condition)
        return counters.values("aantal")

    names = ("__applicatie" if mode == "applicatie" else None,)
    sql, order = _compile(("teller", names, mode), build)
    params = sqlvorm.parameters(order, {"__applicatie": applicatie})
    return f"SELECT coalesce(sum(t.aantal), 0)::bigint FROM ({sql}) AS t", params


def _count(mode: str, names: tuple, lookups: dict[str, str], values: dict) -> tuple[str, list]:
    """(SQL, parameters) of the number of klanten matching the filters, visible to this
    request (V7)."""
    sql, order = _compile(
        ("count", names, mode),
        lambda marks: _base(marks, lookups, mode).order_by().values("id"),
    )
    return f"SELECT count(*) FROM ({sql}) AS klanten", sqlvorm.parameters(order, values)


def klantbeeld_weergaven(
    sleutel_type: str, sleutel: str, bronorganisatie: str | None, verzoek: dict
) -> list[tuple]:
    """Per validated klant with this exact subject key (V8), newest first: (id, its JSON text
    after the URL's collection part (``_WEERGAVE``), whether it has ``Interactie`` rows,
    whether it took part in a contactmoment (has betrokkenen)). The same statement records the
    request (E3): it inserts the ``KlantbeeldVerzoek`` row of ``verzoek`` (field name → value,
    every field but the key and ``aantal_klanten``) with the number of klanten found, so a
    klantbeeld of klanten without interactions is one round trip."""
    names = ("__sleutel_type", "__sleutel", "__bronorganisatie" if bronorganisatie else None)

    def build(marks):
        queryset = Klant.objects.filter(
            gevalideerd=True,
            gevalideerde_sleutel_type=marks["__sleutel_type"],
            gevalideerde_sleutel=marks["__sleutel"],
        )
        if bronorganisatie:
            queryset = queryset.filter(bronorganisatie=marks["__bronorganisatie"])
        # selected in the order of values_list, the order the view unpacks
        return (
            queryset.annotate(
                weergave=RawSQL(_WEERGAVE, ()),  # as _weergave
                heeft_interacties=Exists(Interactie.objects.filter(klant_id=OuterRef("pk"))),
                heeft_betrokkenen=Exists(Betrokkene.objects.filter(klant_id=OuterRef("pk"))),
            )
            .order_by("-id")
            .values_list("id", "weergave", "heeft_interacties", "heeft_betrokkenen")
        )

    sql, order = _compile(("klantbeeld", names), build)
    meta = KlantbeeldVerzoek._meta
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    velden = [meta.get_field(name) for name in verzoek]
    # text and a time, as they are (a JWT whose user id is not text is refused before)
    kolommen = ", ".join(quote(veld.column) for veld in velden)
    waarden = "".join("%s, " for _ in velden)
    values = {
        "__sleutel_type": sleutel_type,
        "__sleutel": sleutel,
        "__bronorganisatie": bronorganisatie,
    }
    return sqlvorm.voer_uit(
        f"WITH gevonden AS MATERIALIZED ({sql}), "
        f"verzoek AS (INSERT INTO {quote(meta.db_table)} "
        f"({kolommen}, {quote(meta.get_field('aantal_klanten').column)}) "
        f"SELECT {waarden}count(*) FROM gevonden) "
        "SELECT * FROM gevonden ORDER BY 1 DESC",
        [*sqlvorm.parameters(order, values), *verzoek.values()],
    )


# --- rows of other ORM queries, compiled once per shape --------------------------------------


class AnyOf(Lookup):
    """``lhs = ANY(%s::<type>[])``: a list of any length as one array parameter, so that a query
    by a list of ids has one shape (and one prepared statement), where ``__in`` has one per
    length. Used as an expression: ``.filter(AnyOf(F("klant_id"), ids))``. With ``een``, the
    parameter is one value and the condition ``lhs = %s`` (see :func:`orm_rows_per_klant`)."""

    lookup_name = "klanten_any_of"
    prepare_rhs = False

    def __init__(self, lhs, rhs, een: bool = False):
        super().__init__(lhs, rhs)
        self.een = een

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if self.een:
            return f"{lhs} = {rhs}", (*lhs_params, *rhs_params)
        array_type = self.lhs.output_field.db_type(connection)
        return f"{lhs} = ANY({rhs}::{array_type}[])", (*lhs_params, *rhs_params)


def orm_rows(shape: tuple, build, values: dict) -> list[tuple]:
    """The rows of the values_list queryset ``build(marks)`` with the request's ``values``
    (name → value; the names are ``shape[1]``), as iterating the queryset would give them, in
    one prepared statement compiled once per shape."""
    sql, order, converters = sqlvorm.compileer(shape, build)
    found = sqlvorm.voer_uit(sql, sqlvorm.parameters(order, values), loaders=False)
    return sqlvorm.converteer(found, converters, connections[DEFAULT_DB_ALIAS])


def orm_instances(shape: tuple, build, values: dict) -> list:
    """The model instances of the queryset ``build(marks)`` (``select_related`` rows
    included) with the request's ``values``, as iterating the queryset would give them, in
    one prepared statement compiled once per shape (:func:`orm_rows` for instances;
    ``sqlvorm.lees_instanties``)."""
    return sqlvorm.lees_instanties(shape, build, values)


def orm_per_ids(
    shape: tuple, build, ids, values: dict | None = None, *, instanties: bool = False
) -> list:
    """:func:`orm_rows` (``instanties``: :func:`orm_instances`) of a query by a list of ids:
    ``build(per_id, marks)`` builds it, with ``per_id(field)`` the condition on the id column
    ``field`` and ``marks`` the marks of ``values`` (name → value; their names are
    ``shape[1]``, ``__ids`` added). One id (the usual case) is its own shape, ``field = $1``:
    PostgreSQL estimates an array parameter at ten elements, so the prepared statement's
    generic plan of ``= ANY($1)`` never beat the custom plans and every execution was planned
    anew (most of a klantbeeld's database time); the scalar one is planned once. More ids:
    one array parameter (:class:`AnyOf`)."""
    ids = list(ids)
    een = len(ids) == 1
    name, names, *rest = shape

    def bouw(marks):
        return build(lambda field: AnyOf(F(field), marks["__ids"], een=een), marks)

    lees = orm_instances if instanties else orm_rows
    waarden = {**(values or {}), "__ids": ids[0] if een else ids}
    return lees((name, ("__ids", *names), *rest, een), bouw, waarden)


def orm_rows_per_klant(name: str, build, klant_ids: list[int]) -> list[tuple]:
    """:func:`orm_per_ids` of a query by klant ids: ``build(per_klant)``."""
    return orm_per_ids((name, ()), lambda per_klant, _marks: build(per_klant), klant_ids)


def klantbeeld_contactmoment_rows(klant_ids: list[int]) -> list[tuple]:
    """The rows of ``contactrepresentatie.klantbeeld_contactmoment_rijen`` for these klanten."""
    if not klant_ids:
        return []
    from klanten.datamodel.contactrepresentatie import klantbeeld_contactmoment_rijen

    return orm_rows_per_klant(
        "klantbeeld-contactmomenten",
        lambda per_klant: klantbeeld_contactmoment_rijen(per_klant("klant_id")),
        list(klant_ids),
    )
