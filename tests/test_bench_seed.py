"""bench/seed fills every column the current schema requires (a migration that adds a NOT NULL
column without a default must come with the seeder's value for it, or seeding stops)."""

import pytest
from django.db import connection

from .bench_helpers import bench_module


@pytest.fixture(scope="module")
def seed_module():
    with bench_module("bench_seed", "seed.py") as module:
        yield module


def _checked_columns(seed, conn):
    columns, _klant_extra, _adres_extra, klant_columns = seed.schema_columns(conn)
    if "vernietigingsdatum" in klant_columns:
        columns["datamodel_klant"] += ", vernietigingsdatum"
    seed.partij_defaults(conn, True)  # rolled back with the test's transaction
    seed.check_columns(conn, columns)
    return columns


@pytest.mark.django_db
def test_the_seeder_fills_every_required_column_of_the_migrated_schema(seed_module):
    connection.ensure_connection()
    columns = _checked_columns(seed_module, connection.connection)
    assert "land" in columns["datamodel_klantadres"]


@pytest.mark.django_db
def test_a_required_column_the_seeder_does_not_know_stops_it(seed_module, monkeypatch):
    monkeypatch.setattr(
        seed_module,
        "ADRES_EXTRA",
        tuple(item for item in seed_module.ADRES_EXTRA if item[0] != "land"),
    )
    connection.ensure_connection()
    with pytest.raises(SystemExit, match="datamodel_klantadres.land"):
        _checked_columns(seed_module, connection.connection)
