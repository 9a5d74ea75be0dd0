"""A row locked with what a write reads of its related rows, in one statement, read after
the lock is held.

Under READ COMMITTED a statement's snapshot is taken when it starts. ``SELECT ... FOR UPDATE``
that waits for another writer's lock re-checks only the locked row after that writer commits
(EvalPlanQual): its subqueries, JSON aggregates and joined rows keep the statement's snapshot,
so rows that writer added or changed are missing. Here the lock is an inner query
(``SELECT ... FOR UPDATE`` built by the ORM) and the related rows come from a VOLATILE plpgsql
function (migration ``0014_vergrendel_vers``) called in the select list of the outer query:
it runs after the inner query holds the lock and takes a new snapshot for its query, so it
sees what a read after the lock sees. Still one statement.
"""

from __future__ import annotations

import functools
import json
import uuid as _uuid

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import BooleanField, CharField, Field, IntegerField, TextField

from klanten import sqlvorm

from .models import Klant
from .representation import KLANT_LIST_RELATIONS

_VERS = "_vers"

# the functions of migration 0014: what hangs off a klant, a klantcontact (jsonb, by its id)
KLANT_VERS = "datamodel_klant_vers"
KLANTCONTACT_VERS = "datamodel_klantcontact_vers"


def vergrendel_vers(queryset, functie: str, **lookup) -> tuple | None:
    """Lock the row of ``queryset`` that ``lookup`` finds and call ``functie`` (the name of a
    function of migration 0014, taking the row's id and returning jsonb) for it after the lock
    is held. Returns ``(instance, data)`` or None when there is no such row;
    ``MultipleObjectsReturned`` when there are more. The query is compiled on every call: a
    write of a fixed shape uses :func:`vergrendel_vers_vorm` or :func:`vergrendel_vers_op`."""
    binnen = _binnen(queryset.filter(**lookup))
    sql, params, converters = sqlvorm.compileer_query(binnen)
    return _vergrendel(queryset.model, functie, sql, params, converters, binnen.db)


def vergrendel_vers_vorm(model, vorm: tuple, bouw, waarden: dict, functie: str) -> tuple | None:
    """:func:`vergrendel_vers` for the row of the queryset of ``model`` that ``bouw(marks)``
    builds (``marks``: a mark per name of ``vorm[1]``, ``sqlvorm.compileer``), with the
    request's ``waarden`` (name → value): its SQL compiled once per shape ``vorm``, so the
    lock of an API write costs no ORM compilation."""
    sql, order, converters = sqlvorm.compileer(
        # sqlvorm's shape: a name, then the names of the values (vorm[1]), then the rest
        (f"vergrendel:{functie}:{vorm[0]}", *vorm[1:]),
        lambda marks: _binnen(bouw(marks)),
    )
    params = sqlvorm.parameters(order, waarden)
    return _vergrendel(model, functie, sql, params, converters, DEFAULT_DB_ALIAS)


def vergrendel_vers_op(model, functie: str, **lookup) -> tuple | None:
    """:func:`vergrendel_vers` for ``model``'s row by ``pk`` or ``uuid`` (compiled once)."""
    namen = tuple(f"__{naam}" for naam in sorted(lookup))
    return vergrendel_vers_vorm(
        model,
        (model._meta.label, namen),
        lambda marks: model._default_manager.filter(
            **{naam: marks[f"__{naam}"] for naam in lookup}
        ),
        {f"__{naam}": waarde for naam, waarde in lookup.items()},
        functie,
    )


@functools.cache
def _velden(model) -> list[str]:
    """The row's own columns, in the model's order (as ``Model.from_db`` takes them)."""
    return [field.attname for field in model._meta.concrete_fields]


def _binnen(queryset):
    """The locking query: the row's own columns (its related rows come from the function),
    at most two rows, locked."""
    velden = _velden(queryset.model)
    return (
        queryset.select_related(None)
        .select_for_update(of=("self",))
        .order_by("pk")
        .values_list(*velden)[:2]
    )


def _vergrendel(model, functie: str, sql: str, params, converters, db: str) -> tuple | None:
    pk = model._meta.pk
    # prepared once per connection and shape (planning it cost PostgreSQL more than running it)
    gevonden = sqlvorm.voer_uit(
        f"SELECT x.*, {functie}(x.{pk.column}) AS {_VERS} FROM ({sql}) x",
        params,
        loaders=False,
        alias=db,
    )
    if not gevonden:
        return None
    velden = _velden(model)
    gevonden = sqlvorm.converteer(gevonden, converters, connections[db])
    positie = velden.index(pk.attname)
    if len({rij[positie] for rij in gevonden}) > 1:  # one row twice (a filter's join) is one
        raise model.MultipleObjectsReturned
    obj = model.from_db(db, velden, gevonden[0][:-1])
    data = gevonden[0][-1]
    return obj, json.loads(data) if isinstance(data, str) else data


# the ``to_python`` of a field that returns a value of these exact types unchanged (None:
# any value): a ``to_jsonb`` value of such a type is the attribute's value as it is
_ONGEWIJZIGD = {
    Field.to_python: None,  # JSONField and others without their own
    CharField.to_python: (str,),  # EmailField, URLField
    TextField.to_python: (str,),
    IntegerField.to_python: (int,),  # BigIntegerField, the auto and positive fields
    BooleanField.to_python: (bool,),
}
_ALTIJD = ()  # no type: always converted


@functools.cache
def _rij_plan(model) -> tuple:
    """Per concrete field of ``model``, in its order (as ``Model.__init__`` takes them
    positionally): its column, the field, and the types whose values need no conversion
    (``_ONGEWIJZIGD``; a relation's as its target field's)."""
    plan = []
    for field in model._meta.concrete_fields:
        doel = field.target_field if field.is_relation else field
        plan.append((field.column, field, _ONGEWIJZIGD.get(type(doel).to_python, _ALTIJD)))
    return tuple(plan)


def rij_uit(model, data: dict, db: str = "default"):
    """A saved instance of ``model`` from its row as ``to_jsonb`` gives it (the columns in
    ``data``; the others at their defaults): each value through its field's ``to_python``
    unless that returns it unchanged (``_rij_plan``), the instance made positionally."""
    waarden = []
    for kolom, field, ongewijzigd in _rij_plan(model):
        if kolom not in data:
            waarden.append(field.get_default())
            continue
        waarde = data[kolom]
        if waarde is not None and ongewijzigd is not None and type(waarde) not in ongewijzigd:
            waarde = field.to_python(waarde)
        waarden.append(waarde)
    rij = model(*waarden)
    rij._state.adding = False
    rij._state.db = db
    return rij


def uuids(waarden) -> list:
    return [_uuid.UUID(w) for w in waarden]


def zet_een_op_een(klant: Klant, data: dict) -> None:
    """The klant's one-to-one rows (and the stub of the partij it works for: its id and uuid)
    of ``datamodel_klant_vers`` in its relation caches, as ``select_related`` sets them."""
    for naam in KLANT_LIST_RELATIONS:
        relatie = Klant._meta.get_field(naam)
        rij = None
        if data[naam] is not None:
            rij = rij_uit(relatie.related_model, data[naam], klant._state.db)
            relatie.remote_field.set_cached_value(rij, klant)
        relatie.set_cached_value(klant, rij)
    werkte_voor = data["werkte_voor"]
    if klant.werkte_voor_partij_id is not None and werkte_voor is not None:
        stub = rij_uit(Klant, werkte_voor, klant._state.db)
        Klant._meta.get_field("werkte_voor_partij").set_cached_value(klant, stub)
