"""Several new rows in one statement: ``WITH a AS (INSERT ...) INSERT ... RETURNING id``.

A write's audit record and its outbox row are both built from data in hand and depend on
nothing the database makes, so they go in one round trip; so do the rows a create hangs off
a row it just inserted (a klant's address, identification and partij rows), and the records
of several changes of one write. The rows of one model are one multi-row INSERT (their ids
follow their order). The INSERTs are Django's own (its
insert compiler: the fields' defaults, ``pre_save`` and database conversions apply as for
``save()``); model signals are not sent, as for ``bulk_create``.

A few rows of one model (up to ``VALUES_MAX_ROWS``, as a klant create's) are written in
Django's generic multi-row form, ``VALUES (...), (...)``, not in the ``UNNEST`` form its
PostgreSQL compiler chooses for several rows (one array per column): where statements
are prepared (``sqlvorm``), once per shape, the planning ``UNNEST`` saves is not needed, and
psycopg dumps a scalar for a fraction of what an array costs it (a probe of the element type,
a regular expression per element). More rows keep the ``UNNEST`` form: its number of
parameters does not grow with the rows.
"""

from __future__ import annotations

import uuid

from django.db import connection, models
from django.db.models import Model
from django.db.models.sql import InsertQuery, UpdateQuery
from django.db.models.sql.compiler import SQLInsertCompiler

from klanten import sqlvorm

# (model, number of rows) → Django's INSERT SQL for them, and whether it takes its parameters
# per column (PostgreSQL's ``UNNEST`` form of a multi-row insert) rather than per row
_statements: dict[tuple[type, int], tuple[str, bool]] = {}
_fields: dict[type, tuple[list, tuple, bool]] = {}
VALUES_MAX_ROWS = 20


# field classes whose ``get_db_prep_save`` returns a value of this type (or None) as it is
_ALS_HET_IS = {
    models.CharField: str,
    models.TextField: str,
    models.URLField: str,
    models.EmailField: str,
    models.BooleanField: bool,
    models.IntegerField: int,
    models.PositiveIntegerField: int,
    models.PositiveSmallIntegerField: int,
    models.BigIntegerField: int,
    models.BigAutoField: int,
    models.AutoField: int,
    models.UUIDField: uuid.UUID,
}


def _soorten(fields) -> tuple:
    """Per field, the type of value its ``get_db_prep_save`` returns as it is (or None)."""
    return tuple(
        _ALS_HET_IS.get(type(field.target_field if field.is_relation else field))
        for field in fields
    )


def _bereid(fields, soorten, waarden) -> list:
    """The values as ``get_db_prep_save`` prepares them; a value of a plain column that it
    would return as it is (a ``str`` for a ``CharField``, ...) is taken without the call."""
    return [
        waarde
        if soort is not None and (waarde is None or type(waarde) is soort)
        else field.get_db_prep_save(waarde, connection=connection)
        for field, soort, waarde in zip(fields, soorten, waarden, strict=True)
    ]


def _vast(fields) -> bool:
    """Whether Django writes these columns the same way for every row: no field with a
    placeholder of its own (an array, binary data) and only the backend's own column types."""
    return not any(hasattr(field, "get_placeholder") for field in fields) and all(
        (field.target_field if field.is_relation else field).get_internal_type()
        in connection.data_types
        for field in fields
    )


def _insert_fields(model: type[Model]) -> tuple[list, tuple, bool]:
    """The columns of an insert (the database-made primary key left out), their
    :func:`_soorten`, and whether the statement depends on the model and the number of rows
    only (:func:`_vast`)."""
    if model not in _fields:
        meta = model._meta
        fields = [
            field
            for field in meta.local_concrete_fields
            if field is not meta.auto_field and not getattr(field, "generated", False)
        ]
        _fields[model] = (fields, _soorten(fields), _vast(fields))
    return _fields[model]


def _django_insert_sql(model, fields, objs, *, raw=False) -> tuple[str, list]:
    query = InsertQuery(model)
    # raw: the values are taken as they are on the rows (pre_save already done)
    query.insert_values(fields, objs, raw=raw)
    if len(objs) <= VALUES_MAX_ROWS:
        # Django's generic insert compiler: PostgreSQL's differs only in the UNNEST form of
        # several rows (see the module's docstring)
        compiler = SQLInsertCompiler(query, connection, connection.alias)
    else:
        compiler = query.get_compiler(connection=connection)
    [(sql, params)] = compiler.as_sql()
    return sql, list(params)


def _insert_sql(objs: list[Model]) -> tuple[str, list]:
    """The INSERT statement of unsaved ``objs`` of one model (their database-made primary
    key left out): Django's own (its insert compiler), compiled once per model and number of
    rows; the values are prepared as its compiler prepares them (``pre_save`` for
    ``auto_now_add`` and the like, then ``get_db_prep_save``)."""
    model = type(objs[0])
    fields, soorten, vast = _insert_fields(model)
    key = (model, len(objs))
    if not vast or key not in _statements:
        sql, params = _django_insert_sql(model, fields, objs)
        # a statement with an expression compiled into it is not kept for other values
        if vast and not any(
            hasattr(getattr(obj, field.attname), "resolve_expression")
            for obj in objs
            for field in fields
        ):
            _statements[key] = (sql, len(objs) > 1 and "UNNEST(" in sql)
        return sql, params
    sql, per_kolom = _statements[key]
    rijen = [[field.pre_save(obj, True) for field in fields] for obj in objs]
    if any(hasattr(value, "resolve_expression") for rij in rijen for value in rij):
        # an expression (e.g. ``Now()``) is compiled into the statement: Django's own path,
        # on the values pre_save already gave
        return _django_insert_sql(model, fields, objs, raw=True)
    rijen = [_bereid(fields, soorten, rij) for rij in rijen]
    if per_kolom:
        return sql, [list(kolom) for kolom in zip(*rijen, strict=True)]
    return sql, [value for rij in rijen for value in rij]


def insert_sql(obj: Model) -> tuple[str, list]:
    """The INSERT statement of an unsaved ``obj`` (its database-made primary key left out)."""
    return _insert_sql([obj])


# (model, the names of the fields written) → the fields, and the UPDATE written by hand when
# Django's would be the same for every row (None: Django's compiler every time)
_updates: dict[tuple, tuple[list, tuple, str | None]] = {}


def _update_vorm(model: type[Model], velden) -> tuple[list, tuple, str | None]:
    key = (model, None if velden is None else frozenset(velden))
    if key not in _updates:
        meta = model._meta
        fields = [
            field
            for field in meta.local_concrete_fields
            if not field.primary_key
            and not getattr(field, "generated", False)
            and (velden is None or field.name in velden or field.attname in velden)
        ]
        sql = None
        if _vast(fields):
            qn = connection.ops.quote_name
            zet = ", ".join(f"{qn(field.column)} = %s" for field in fields)
            tabel = qn(meta.db_table)
            sql = f"UPDATE {tabel} SET {zet} WHERE {tabel}.{qn(meta.pk.column)} = %s"
        _updates[key] = (fields, _soorten(fields), sql)
    return _updates[key]


def update_sql(obj: Model, velden: list[str] | None = None) -> tuple[str, list]:
    """The UPDATE statement of the stored ``obj``'s ``velden`` (all its fields when None), as
    ``save(update_fields=...)`` writes them (``auto_now`` fields take the time now): Django's
    own, written once per model and fields where it is the same for every row (plain
    columns, no expression among the values)."""
    fields, soorten, sql = _update_vorm(type(obj), velden)
    waarden = [field.pre_save(obj, False) for field in fields]
    if sql is None or any(hasattr(waarde, "resolve_expression") for waarde in waarden):
        query = UpdateQuery(type(obj))
        query.add_update_fields(list(zip(fields, [None] * len(fields), waarden, strict=True)))
        query.add_filter("pk", obj.pk)
        sql, params = query.get_compiler(connection=connection).as_sql()
        return sql, list(params)
    params = _bereid(fields, soorten, waarden)
    params.append(obj._meta.pk.get_db_prep_value(obj.pk, connection))
    return sql, params


def werk_bij(obj: Model, velden: list[str] | None = None) -> None:
    """``obj.save(update_fields=velden)`` of a row that exists (locked by the caller), as
    one statement of :func:`update_sql`: no model signals (``services._opslaan``)."""
    voer_uit(update_sql(obj, velden))


def voer_uit(*updates: tuple[str, list]) -> None:
    """Data-modifying statements (:func:`update_sql`) in one statement."""
    if updates:
        *vooraf, (sql, params) = updates
        parts, voor_params = _met(vooraf)
        voorwerk = f"WITH {', '.join(parts)} " if parts else ""
        sqlvorm.voer_uit(voorwerk + sql, voor_params + list(params), loaders=False)


def _met(vooraf) -> tuple[list[str], list]:
    """``vooraf`` as ``WITH`` clauses (``u0 AS (...)``), and their parameters."""
    parts, params = [], []
    for index, (sql, vooraf_params) in enumerate(vooraf):
        parts.append(f"u{index} AS ({sql})")
        params.extend(vooraf_params)
    return parts, params


def voeg_in(*objs: Model, vooraf: list[tuple[str, list]] = ()) -> int | None:
    """Insert ``objs`` in one statement: one INSERT per model (the last model's is the main
    statement, the others are ``WITH`` clauses; a row may refer to one of another model, the
    foreign keys are checked at the end of the statement). The primary key the database made
    is set on every row whose model has an auto field; returns the last row's. ``vooraf``:
    other data-modifying statements (:func:`update_sql`) run as ``WITH`` clauses of the same
    statement (on the same snapshot: never two that touch one row)."""
    if not objs:
        voer_uit(*vooraf)
        return None
    groepen: dict[type, list[Model]] = {}
    for obj in objs:
        groepen.setdefault(type(obj), []).append(obj)
    laatste_model = type(objs[-1])
    volgorde = [m for m in groepen if m is not laatste_model] + [laatste_model]
    quote = connection.ops.quote_name
    parts, params = _met(vooraf)
    gemaakt = []
    for index, model in enumerate(volgorde[:-1]):
        sql, groep_params = _insert_sql(groepen[model])
        auto = model._meta.auto_field
        if auto is not None:
            column = quote(auto.column)
            sql += f" RETURNING {column}"
            gemaakt.append(
                (
                    groepen[model],
                    auto,
                    f"(SELECT array_agg({column} ORDER BY {column}) FROM i{index})",
                )
            )
        parts.append(f"i{index} AS ({sql})")
        params.extend(groep_params)
    hoofd = groepen[laatste_model]
    sql, groep_params = _insert_sql(hoofd)
    params.extend(groep_params)
    auto = laatste_model._meta.auto_field
    statement = (f"WITH {', '.join(parts)} " if parts else "") + sql
    kolommen = [quote(auto.column)] if auto is not None else []
    kolommen += [expressie for _, _, expressie in gemaakt]
    if kolommen:
        statement = f"{statement} RETURNING {', '.join(kolommen)}"
    # prepared once per connection and shape: PostgreSQL parses and plans the long statement
    # once, and the values are sent as parameters, not quoted into its text
    rijen = sqlvorm.voer_uit(statement, params, loaders=False)
    if auto is not None:
        # the ids of one INSERT follow its VALUES order
        for obj, pk in zip(hoofd, sorted(rij[0] for rij in rijen), strict=True):
            setattr(obj, auto.attname, pk)
    for offset, (groep, groep_auto, _) in enumerate(gemaakt, start=1 if auto else 0):
        for obj, pk in zip(groep, rijen[0][offset], strict=True):
            setattr(obj, groep_auto.attname, pk)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return getattr(objs[-1], auto.attname) if auto is not None else None
