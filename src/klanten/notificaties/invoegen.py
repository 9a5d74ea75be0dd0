"""Several new rows in one statement: ``WITH a AS (INSERT ...) INSERT ... RETURNING id``.

A write's audit record and its outbox row are both built from data in hand and depend on
nothing the database makes, so they go in one round trip. The INSERTs are Django's own (its
insert compiler: the fields' defaults, ``pre_save`` and database conversions apply as for
``save()``); model signals are not sent, as for ``bulk_create``.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Model
from django.db.models.sql import InsertQuery


def insert_sql(obj: Model) -> tuple[str, list]:
    """The INSERT statement of an unsaved ``obj`` (its database-made primary key left out)."""
    meta = obj._meta
    fields = [
        field
        for field in meta.local_concrete_fields
        if field is not meta.auto_field and not getattr(field, "generated", False)
    ]
    query = InsertQuery(type(obj))
    query.insert_values(fields, [obj])
    [(sql, params)] = query.get_compiler(connection=connection).as_sql()
    return sql, list(params)


def voeg_in(*objs: Model) -> int | None:
    """Insert ``objs`` in one statement; returns the primary key made for the last one (when
    its model has an auto field), which is also set on it."""
    *eerdere, laatste = objs
    parts, params = [], []
    for index, obj in enumerate(eerdere):
        sql, obj_params = insert_sql(obj)
        parts.append(f"i{index} AS ({sql})")
        params.extend(obj_params)
    sql, obj_params = insert_sql(laatste)
    params.extend(obj_params)
    auto = laatste._meta.auto_field
    statement = (f"WITH {', '.join(parts)} " if parts else "") + sql
    if auto is not None:
        statement += f" RETURNING {connection.ops.quote_name(auto.column)}"
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        pk = cursor.fetchone()[0] if auto is not None else None
    if pk is not None:
        setattr(laatste, auto.attname, pk)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return pk
