"""Where PostgreSQL's time goes on a list page by achternaam (docs/performance.md, "Eleventh
pass").

Runs the statement of ``GET /klanten?achternaam=...`` as ``readsql`` builds its parts (the
stored JSON parts joined by ``readsql._WEERGAVE``, the count of all matches as an InitPlan)
for a sample of surnames from the bench database (drawn from the klanten, so common names
come up more often, as in ``bench/run``), and three variants of it, alternating (each round
in another order), as prepared statements on one connection: without the count, without the
address lookup, and without both per-klant lookups (address and identification). Per
statement: the wall time and the CPU of the connection's PostgreSQL backend
(``/proc/<pid>/stat``; the server must run on this machine; ``/proc`` counts in ticks of
10 ms, so differences of a few hundredths of a millisecond per statement are noise). The
statement is the one a client with every right reads (no visibility condition). Comparing
the output for a database of 100,000 and one of 1,000,000 klanten shows which part grows
with size; ``--vol`` samples only surnames of at least 100 klanten, so every statement fills a
page at both sizes (the sampled names fill more of a page the larger the database is)::

    DJANGO_SETTINGS_MODULE=benchsettings PYTHONPATH=bench:src SECRET_KEY=x \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/klanten_bench \\
    .venv/bin/python bench/lijst_pg.py --names 500 --rounds 3
"""

import argparse
import json
import os
import sys
import time

import django

django.setup()

import psycopg  # noqa: E402
from common import cpu_seconds  # noqa: E402

from klanten.api.readsql import _WEERGAVE  # noqa: E402

_ADRES = _WEERGAVE[_WEERGAVE.index("(SELECT a.weergave") : _WEERGAVE.index("'null'\n)") - 6]
_IDENTIFICATIE = _WEERGAVE[_WEERGAVE.index("CASE ") : _WEERGAVE.index("END,") + 3]
# a change of _WEERGAVE that these cuts no longer fit stops the script, not its numbers
assert _ADRES.startswith("(SELECT a.weergave") and _ADRES.endswith(")"), _ADRES
assert _WEERGAVE.count(_ADRES) == 1 and _WEERGAVE.count(_IDENTIFICATIE) == 1
assert _IDENTIFICATIE.endswith("END"), _IDENTIFICATIE


def statements() -> dict[str, str]:
    zonder_adres = _WEERGAVE.replace(_ADRES, "NULL")
    zonder_beide = zonder_adres.replace(_IDENTIFICATIE, "NULL")
    telling = 'SELECT count(*) FROM datamodel_klant WHERE "achternaam" = %(naam)s'

    def pagina(weergave: str, count: str) -> str:
        return (
            f"SELECT ({count}), {weergave} FROM datamodel_klant "
            'WHERE "achternaam" = %(naam)s ORDER BY "id" DESC LIMIT 100'
        )

    return {
        "as served": pagina(_WEERGAVE, telling),
        "without the count": pagina(_WEERGAVE, "SELECT 0"),
        "without the address": pagina(zonder_adres, telling),
        "without address and identification": pagina(zonder_beide, telling),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--names", type=int, default=500, help="surnames sampled")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--vol",
        action="store_true",
        help="only surnames of at least 100 klanten (every page full, as bench/run's "
        "list_achternaam_vol): the same work per statement at every database size",
    )
    args = parser.parse_args(argv)
    conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    pid = conn.info.backend_pid
    names = [
        row[0]
        for row in conn.execute(
            "SELECT achternaam FROM datamodel_klant WHERE achternaam <> '' "
            + (
                "AND achternaam IN (SELECT achternaam FROM datamodel_klant "
                "GROUP BY achternaam HAVING count(*) >= 100) "
                if args.vol
                else ""
            )
            + "ORDER BY random() LIMIT %s",
            [args.names],
        )
    ]
    klanten = conn.execute("SELECT count(*) FROM datamodel_klant").fetchone()[0]
    # per statement timed: the sample with its repeated names
    per_naam = dict(
        conn.execute(
            "SELECT achternaam, count(*) FROM datamodel_klant WHERE achternaam = ANY(%s) "
            "GROUP BY achternaam",
            [names],
        ).fetchall()
    )
    per_pagina = (
        sum(min(per_naam[naam], 100) for naam in names) / len(names),
        sum(per_naam[naam] for naam in names) / len(names),
    )
    variants = statements()
    best: dict[str, dict] = {}
    for ronde in range(args.rounds):
        volgorde = list(variants.items())
        volgorde = volgorde[ronde % len(volgorde) :] + volgorde[: ronde % len(volgorde)]
        for label, sql in volgorde:
            for naam in names[:20]:  # prepared and warm
                conn.execute(sql, {"naam": naam}, prepare=True).fetchall()
            wall0, cpu0 = time.perf_counter(), cpu_seconds(pid)
            for naam in names:
                conn.execute(sql, {"naam": naam}, prepare=True).fetchall()
            wall = (time.perf_counter() - wall0) / len(names) * 1000
            cpu = (cpu_seconds(pid) - cpu0) / len(names) * 1000
            current = best.get(label)
            if current is None or wall < current["wall_ms"]:
                best[label] = {"wall_ms": round(wall, 3), "pg_cpu_ms": round(cpu, 3)}
            print(label, best[label], file=sys.stderr, flush=True)
    resultaat = {
        "klanten": klanten,
        "names": len(names),
        "vol": args.vol,
        # averages over the statements timed
        "klanten_per_page": round(per_pagina[0], 1),
        "matches_per_name": round(per_pagina[1], 1),
        "best": best,
    }
    json.dump(resultaat, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
