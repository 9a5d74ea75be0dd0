"""ORM queries compiled to SQL once per shape.

Django builds the SQL of a query (joins, filters, a visibility condition) in as much Python
time as PostgreSQL needs to answer a simple one. The shape of a query (which filters, which
visibility condition) takes few values, so its SQL is compiled once per process from the ORM
query, with a distinct *mark* in the place of each request value, and then executed with the
request's values in those places (``klanten.api.readsql``, the write locks of
``vergrendeling``).
"""

from __future__ import annotations

import threading
import uuid

_cache: dict[tuple, tuple[str, tuple, tuple]] = {}
_lock = threading.Lock()
_UUID_NAMES = frozenset({"__uuid", "__applicatie"})


def marks(names) -> dict:
    """A distinct sample value per request value, typed as its column (UUID, integer or text),
    to find each value's position among the compiled SQL's parameters. ``__uuid`` and
    ``__applicatie`` are uuids; ``__pk`` and names ending in ``_ids`` (an array parameter,
    ``readsql.AnyOf``) integers; the others text."""
    found = {}
    for i, name in enumerate(names):
        if name in _UUID_NAMES:
            found[name] = uuid.UUID(int=0xC0FFEE0000 + i)
        elif name.endswith("_ids") or name == "__pk":
            found[name] = -0xC0FFEE0000 - i
        else:
            found[name] = f"\x01klanten-{i}\x01"
    return found


def compileer(shape: tuple, build) -> tuple[str, tuple, tuple]:
    """(sql, parameter sources in order, converters) of the ORM query ``build(marks)`` for a
    shape (``shape[1]``: the names of its request values, None for an absent one). Each
    source is ``("p", name)`` for a request value or ``("c", value)`` for a constant of the
    query itself; the converters are Django's for its select (e.g. JSON decoded by the
    field), as ``(position, (functions, expression))``."""
    entry = _cache.get(shape)
    if entry is None:
        by_name = marks([name for name in shape[1] if name is not None])
        by_mark = {mark: name for name, mark in by_name.items()}
        sql, params, converters = compileer_query(build(by_name))
        order = []
        for param in params:
            try:
                name = by_mark.get(param)
            except TypeError:  # unhashable constant
                name = None
            order.append(("p", name) if name is not None else ("c", param))
        entry = (sql, tuple(order), converters)
        with _lock:
            _cache[shape] = entry
    return entry


def compileer_query(queryset) -> tuple[str, tuple, tuple]:
    """(sql, parameters, converters) of ``queryset``, compiled now."""
    compiler = queryset.query.get_compiler(queryset.db)
    sql, params = compiler.as_sql()
    select = [column[0] for column in compiler.select[0 : compiler.col_count]]
    return sql, params, tuple(compiler.get_converters(select).items())


def parameters(order, values: dict) -> list:
    """The parameters of a compiled query: the request's ``values`` (name → value) and the
    query's constants, in their order."""
    return [values[source] if kind == "p" else source for kind, source in order]


def converteer(rows, converters, db) -> list[tuple]:
    """``rows`` as the queryset's own iteration gives them (Django's converters applied)."""
    if not converters:
        return rows
    converted = []
    for row in rows:
        row = list(row)
        for position, (functions, expression) in converters:
            value = row[position]
            for function in functions:
                value = function(value, expression, db)
            row[position] = value
        converted.append(tuple(row))
    return converted
