"""ORM queries compiled to SQL once per shape.

Django builds the SQL of a query (joins, filters, a visibility condition) in as much Python
time as PostgreSQL needs to answer a simple one. The shape of a query (which filters, which
visibility condition) takes few values, so its SQL is compiled once per process from the ORM
query, with a distinct *mark* in the place of each request value, and then executed with the
request's values in those places (``klanten.api.readsql``, the write locks of
``vergrendeling``).
"""

from __future__ import annotations

import json
import json.scanner
import threading
import time
import uuid

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.query import get_related_populators
from psycopg import _queries as _psycopg_queries
from psycopg.adapt import Loader
from psycopg.pq import ExecStatus
from psycopg.types.string import TextLoader

# psycopg splits a statement at its placeholders once per text (an LRU cache of 128), but only
# for statements up to 4 KB with at most 50 parameters: a write's combined statement
# (``notificaties.invoegen``) is longer and was split again on every request (a tenth of a
# create's Python). Its shapes are few; at most 128 texts stay cached, as before. Pinned by
# tests/test_invoegen.py (a psycopg upgrade that renames these fails there).
_psycopg_queries.MAX_CACHED_STATEMENT_LENGTH = max(
    _psycopg_queries.MAX_CACHED_STATEMENT_LENGTH, 32_768
)
_psycopg_queries.MAX_CACHED_STATEMENT_PARAMS = max(
    _psycopg_queries.MAX_CACHED_STATEMENT_PARAMS, 1_000
)

_cache: dict[tuple, tuple[str, tuple, tuple]] = {}
_instantie_cache: dict[tuple, tuple] = {}
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
    return _compileer(_cache, shape, build, compileer_query)


def compileer_instanties(shape: tuple, build) -> tuple[str, tuple, tuple, Instanties]:
    """:func:`compileer` of a queryset of model instances (``select_related`` included):
    also the :class:`Instanties` that make its rows the instances iterating it gives."""
    return _compileer(_instantie_cache, shape, build, _instantie_query)


def _compileer(cache: dict, shape: tuple, build, compile_query) -> tuple:
    entry = cache.get(shape)
    if entry is None:
        by_name = marks([name for name in shape[1] if name is not None])
        by_mark = {mark: name for name, mark in by_name.items()}
        sql, params, *rest = compile_query(build(by_name))
        order = []
        for param in params:
            try:
                name = by_mark.get(param)
            except TypeError:  # unhashable constant
                name = None
            order.append(("p", name) if name is not None else ("c", param))
        entry = (sql, tuple(order), *rest)
        with _lock:
            cache[shape] = entry
    return entry


def compileer_query(queryset) -> tuple[str, tuple, tuple]:
    """(sql, parameters, converters) of ``queryset``, compiled now."""
    return _als_sql(queryset.query.get_compiler(queryset.db))


def _als_sql(compiler) -> tuple[str, tuple, tuple]:
    """(sql, parameters, converters) of a query's compiler."""
    sql, params = compiler.as_sql()
    select = [column[0] for column in compiler.select[0 : compiler.col_count]]
    return sql, params, tuple(compiler.get_converters(select).items())


class Instanties:
    """Rows of a compiled model query (Django's converters applied) as the instances its
    iteration gives (``ModelIterable``): the model's own columns by ``from_db``, each
    ``select_related`` relation by Django's populators, each annotation set as an attribute
    (as ``ModelIterable`` sets them), compiled once with the query."""

    def __init__(self, compiler, queryset):
        if queryset._known_related_objects:
            raise ValueError("only plain model querysets (no related manager)")
        klass_info, select = compiler.klass_info, compiler.select
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.db = queryset.db
        self.populators = get_related_populators(klass_info, select, self.db)
        self.annotaties = tuple((compiler.annotation_col_map or {}).items())

    def __call__(self, rows) -> list:
        found = []
        from_db, db, init_list = self.model.from_db, self.db, self.init_list
        start, end, populators = self.start, self.end, self.populators
        annotaties = self.annotaties
        for row in rows:
            obj = from_db(db, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in annotaties:
                setattr(obj, name, row[position])
            found.append(obj)
        return found


def _instantie_query(queryset) -> tuple[str, tuple, tuple, Instanties]:
    """:func:`compileer_query` with the :class:`Instanties` of its rows."""
    compiler = queryset.query.get_compiler(queryset.db)
    return (*_als_sql(compiler), Instanties(compiler, queryset))


def parameters(order, values: dict) -> list:
    """The parameters of a compiled query: the request's ``values`` (name → value) and the
    query's constants, in their order."""
    return [values[source] if kind == "p" else source for kind, source in order]


def lees_instanties(shape: tuple, build, values: dict) -> list:
    """The model instances of the queryset ``build(marks)`` (``select_related`` rows
    included) with the request's ``values`` (name → value; the names are ``shape[1]``), as
    iterating the queryset would give them, in one prepared statement compiled once per
    shape."""
    sql, order, converters, instanties = compileer_instanties(shape, build)
    found = voer_uit(sql, parameters(order, values), loaders=False)
    return instanties(converteer(found, converters, connections[DEFAULT_DB_ALIAS]))


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


# --- executing: a reused cursor of the connection, prepared statements ----------------------


class _PreparedCursor(psycopg.Cursor):
    """A server-side binding cursor whose statements are prepared once per connection
    (psycopg keeps them, at most ``prepared_max`` per connection): a klant read is planned
    once, where planning the joins took PostgreSQL ten times as long as running them."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


# json.loads without its Python layers (the C scanner it calls; jsonb's text has no
# surrounding whitespace): the same objects, big integers included
_scan_json = json.scanner.make_scanner(json.JSONDecoder())


class _JsonbLoader(Loader):
    """jsonb decoded where psycopg reads it (Django has psycopg hand JSON over as text and
    decodes it in the field)."""

    def load(self, data):
        return _scan_json(str(data, "utf-8"), 0)[0]


_NEVER_AUTOMATICALLY = 2**31
_ROWS = ExecStatus.TUPLES_OK


def _raw_cursor(db, prepare: bool, loaders: bool = True) -> psycopg.Cursor:
    """The connection's cursor of a kind (one per kind and connection, reused: creating a cursor
    and its adapters costs more Python than running a prepared read). ``loaders``: jsonb
    decoded and uuids as text (the klant rows); without, values as Django's own cursor gives
    them (for rows that Django's converters finish, ``readsql.orm_rows``, and for writes)."""
    raw = db.connection
    cursors = getattr(db, "_klanten_read_cursors", None)
    if cursors is None or cursors[0] is not raw:
        cursors = (raw, {})
        db._klanten_read_cursors = cursors
    cursor = cursors[1].get((prepare, loaders))
    if cursor is None or cursor.closed:
        if prepare:
            if raw.prepare_threshold is None:
                # Django turns psycopg's preparing off (None); a threshold no query reaches
                # turns it back on for the explicit prepare=True of these reads only
                raw.prepare_threshold = _NEVER_AUTOMATICALLY
            cursor = _PreparedCursor(raw)
        else:
            cursor = raw.cursor()  # Django's cursor class (client-side binding)
        if loaders:
            cursor.adapters.register_loader("jsonb", _JsonbLoader)
            # a klant's uuid only ever goes into a URL: its text as PostgreSQL writes it
            # (lowercase, with hyphens: str() of a UUID), not a UUID object made and formatted
            cursor.adapters.register_loader("uuid", TextLoader)
        cursors[1][(prepare, loaders)] = cursor
    return cursor


def voer_uit(
    sql: str, params, prepare: bool = True, loaders: bool = True, alias: str = DEFAULT_DB_ALIAS
) -> list[tuple]:
    """The rows of a statement (``prepare``: prepared once per connection, unless
    ``DB_PREPARED_READS`` is off; ``loaders``: see :func:`_raw_cursor`); logged and counted as
    Django's own statements (its cursor wrapper), its errors Django's."""
    db = connections[alias]
    # as Django's own cursor(): the health check (DB_CONN_HEALTH_CHECKS), the connection
    db.close_if_health_check_failed()
    db.ensure_connection()
    db.validate_thread_sharing()
    with db.wrap_database_errors:
        cursor = _raw_cursor(db, prepare and settings.KLANTEN_PREPARED_READS, loaders)
    wrapped = db.make_cursor(cursor)  # Django's errors, its execute wrappers
    if not db.queries_logged:
        wrapped.execute(sql, params)
    else:
        # as Django's debug cursor records it (its text: the statement with the values, for
        # CaptureQueriesContext; Django would find none for a server-side binding cursor),
        # and no log line (the values may be a client's)
        started = time.monotonic()
        try:
            wrapped.execute(sql, params)
        finally:
            duration = time.monotonic() - started
            try:
                text = db.ops.compose_sql(sql, params)
            except psycopg.Error:
                text = sql
            db.queries_log.append({"sql": text, "time": f"{duration:.3f}"})
    # rows only from a statement that returns them (the result's status: ``description``
    # would build a column object per column on every call)
    result = cursor.pgresult
    return cursor.fetchall() if result is not None and result.status == _ROWS else []
