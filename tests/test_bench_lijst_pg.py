"""bench/lijst_pg.py (docs/performance.md, "Eleventh pass" and "Twelfth pass"): the statement
of the achternaam list and its variants, timed in PostgreSQL; ``--vol`` only with names that
fill a page."""

import json

import pytest

from .bench_helpers import bench_module, klanten_met_achternaam
from .test_bench_run import _database_url


@pytest.mark.django_db(transaction=True)
def test_the_full_page_variant_times_only_names_that_fill_a_page(monkeypatch, capsys):
    klanten_met_achternaam("Vol", 120, 0)
    klanten_met_achternaam("Kort", 30, 1000)
    monkeypatch.setenv("DATABASE_URL", _database_url())
    with bench_module("bench_lijst_pg", "lijst_pg.py") as lijst_pg:
        results = {}
        for vol in (False, True):
            assert lijst_pg.main(["--names", "40", "--rounds", "1", *(["--vol"] * vol)]) == 0
            results[vol] = json.loads(capsys.readouterr().out)
    full = results[True]
    assert full["vol"] is True and full["klanten"] == 150
    # every statement timed returns a full page of the one name with 120 klanten
    assert (full["klanten_per_page"], full["matches_per_name"]) == (100.0, 120.0)
    assert set(full["best"]) == {
        "as served",
        "without the count",
        "without the address",
        "without address and identification",
    }
    # drawn from all klanten, "Kort" (a fifth of them) comes up too: fewer per page
    assert results[False]["vol"] is False
    assert results[False]["klanten_per_page"] < 100.0
