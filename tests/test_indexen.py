"""The store's indexes: every foreign key can be followed by an index (a delete of the row it
points at checks it), and no index is only a prefix of another one (each costs a write on every
insert and on every update of its columns, for nothing)."""

import pytest
from django.apps import apps
from django.db import connection

INDEXEN = """
SELECT t.relname, i.relname, ix.indisunique, ix.indpred IS NOT NULL,
       ARRAY(SELECT a.attname || ' ' || oc.opcname
             FROM unnest(ix.indkey, ix.indclass) WITH ORDINALITY AS k(attnum, opclass, n)
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
             JOIN pg_opclass oc ON oc.oid = k.opclass
             ORDER BY k.n)::text[],
       ix.indexprs IS NOT NULL
FROM pg_index ix
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_class t ON t.oid = ix.indrelid
JOIN pg_namespace ns ON ns.oid = t.relnamespace AND ns.nspname = current_schema()
WHERE t.relname LIKE 'datamodel\\_%'
"""

FOREIGN_KEYS = """
SELECT t.relname, c.conname,
       ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
             JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
             ORDER BY k.n)::text[]
FROM pg_constraint c
JOIN pg_class t ON t.oid = c.conrelid
JOIN pg_namespace ns ON ns.oid = t.relnamespace AND ns.nspname = current_schema()
WHERE c.contype = 'f' AND t.relname LIKE 'datamodel\\_%'
"""


def _auto_created_tables():
    """Django's own many-to-many tables: their indexes are Django's, not ours to choose."""
    return {
        model._meta.db_table
        for model in apps.get_app_config("datamodel").get_models(include_auto_created=True)
        if model._meta.auto_created
    }


def _rows(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


@pytest.mark.django_db
def test_every_foreign_key_leads_an_index():
    indexen = _rows(INDEXEN)
    missing = [
        (tabel, naam)
        for tabel, naam, kolommen in _rows(FOREIGN_KEYS)
        if not any(
            t == tabel and [c.split(" ")[0] for c in cols[: len(kolommen)]] == kolommen and not expr
            for t, _i, _u, _p, cols, expr in indexen
        )
    ]
    assert missing == []


@pytest.mark.django_db
def test_no_index_is_a_prefix_of_another():
    eigen = _auto_created_tables()
    indexen = [row for row in _rows(INDEXEN) if row[0] not in eigen]
    redundant = [
        (tabel, naam, ander)
        for tabel, naam, uniek, partieel, cols, expr in indexen
        if not uniek and not partieel and not expr
        for t2, ander, _u2, partieel2, cols2, expr2 in indexen
        if t2 == tabel
        and ander != naam
        and not expr2
        and len(cols2) >= len(cols)
        and cols2[: len(cols)] == cols
        # a partial index serves a lookup of its leading column only when the lookup
        # implies its condition; the unconditioned one is then not redundant in general
        and not partieel2
    ]
    assert redundant == [], "\n".join(map(str, redundant))
