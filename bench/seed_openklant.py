"""Fill an Open Klant 1.0.0 database with the klanten of ``bench/seed``, for peer mode.

Usage: bench/seed_openklant [--count N] [--database-url URL] [--seed S] [--force]

Open Klant 1.0.0 (maykinmedia/open-klant, tag 1.0.0) serves the same Klanten API 1.0.0 and is
the peer of ``bench/run --peer`` (docs/performance.md, "Open Klant 1.0.0 as the peer"). It is
not part of this project: install it outside the repository and run its own ``migrate`` on
the database first; this script only writes rows into the tables its migrations made
(``klanten_*``), and checks that they are there.

The klanten are the ones ``bench/seed`` makes with the same ``--count`` and ``--seed`` (its
generator, the same random sequence: the same uuids, names, BSNs, addresses and subject
types), written in Open Klant's data model:

- ``klanten_klant`` (``geverifieerd`` from our ``gevalideerd``), ``klanten_klantadres``;
- the identification in ``klanten_natuurlijkpersoon`` / ``klanten_nietnatuurlijkpersoon`` /
  ``klanten_vestiging`` (their id is the klant's id), the verblijfsadres of a person or
  vestiging in ``klanten_verblijfsadres`` and a foreign address in
  ``klanten_subverblijfbuitenland`` (our seed keeps both as JSON);
- what Open Klant 1.0.0 has no place for is left out: the validation evidence, the
  registratie rang, the interacties (and the creation times: it has none).

The klant tables and the audit trail are emptied first (TRUNCATE ... RESTART IDENTITY
CASCADE), all in one transaction, then the sequences are set after the highest id and the
tables VACUUM (ANALYZE)d. Open Klant's own indexes stay as its migrations made them (it has
none on ``inp_bsn`` or ``achternaam``): the comparison is against Open Klant as shipped.
"""

import argparse
import json
import sys
import time

import psycopg
from common import conninfo
from seed import BRONORGANISATIES, COLUMNS, NULL, Generator, esc, log

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/openklant_peer"
CHUNK = 2000

OK_KLANT = (
    "id, uuid, bronorganisatie, klantnummer, bedrijfsnaam, website_url, voornaam, "
    "voorvoegsel_achternaam, achternaam, functie, telefoonnummer, emailadres, subject, "
    "subject_type, aanmaakkanaal, geverifieerd"
)
OK_ADRES = (
    "klant_id, straatnaam, huisnummer, huisletter, huisnummertoevoeging, postcode, "
    "woonplaats_naam, landcode"
)
OK_NP = (
    "id, klant_id, inp_bsn, anp_identificatie, inp_a_nummer, geslachtsnaam, "
    "voorvoegsel_geslachtsnaam, voorletters, voornamen, geslachtsaanduiding, geboortedatum"
)
OK_NNP = "id, klant_id, inn_nnp_id, ann_identificatie, statutaire_naam, inn_rechtsvorm, bezoekadres"
OK_VESTIGING = "id, klant_id, vestigings_nummer, handelsnaam"
OK_VERBLIJFSADRES = (
    "natuurlijkpersoon_id, vestiging_id, aoa_identificatie, woonplaats_naam, "
    "gor_openbare_ruimte_naam, postcode, huisnummer, huisletter, huisnummertoevoeging, "
    "inp_locatiebeschrijving"
)
OK_BUITENLAND = (
    "natuurlijkpersoon_id, nietnatuurlijkpersoon_id, vestiging_id, lnd_landcode, lnd_landnaam, "
    "sub_adres_buitenland_1, sub_adres_buitenland_2, sub_adres_buitenland_3"
)
OK_COLUMNS = {
    "klanten_klant": OK_KLANT,
    "klanten_klantadres": OK_ADRES,
    "klanten_natuurlijkpersoon": OK_NP,
    "klanten_nietnatuurlijkpersoon": OK_NNP,
    "klanten_vestiging": OK_VESTIGING,
    "klanten_verblijfsadres": OK_VERBLIJFSADRES,
    "klanten_subverblijfbuitenland": OK_BUITENLAND,
}
# bench/seed's identification tables → Open Klant's, with its columns and the owner's kind
IDENTIFICATIES = (
    ("datamodel_natuurlijkpersoon", "klanten_natuurlijkpersoon", OK_NP, "np"),
    ("datamodel_nietnatuurlijkpersoon", "klanten_nietnatuurlijkpersoon", OK_NNP, "nnp"),
    ("datamodel_vestiging", "klanten_vestiging", OK_VESTIGING, "vestiging"),
)
SEQUENCE_TABLES = (
    "klanten_klant",
    "klanten_natuurlijkpersoon",
    "klanten_nietnatuurlijkpersoon",
    "klanten_vestiging",
)

_UNESCAPES = {"\\\\": "\\", "\\t": "\t", "\\n": "\n", "\\r": "\r"}


def unesc(field: str) -> str:
    """The value of one COPY text field (the inverse of ``seed.esc``)."""
    out, i = [], 0
    while i < len(field):
        pair = field[i : i + 2]
        if pair in _UNESCAPES:
            out.append(_UNESCAPES[pair])
            i += 2
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def fields(table: str, row: str) -> dict[str, str]:
    """One COPY row of ``bench/seed``'s ``table`` as {column: escaped field}."""
    names = [c.strip() for c in COLUMNS[table].split(",")]
    values = row.split("\t")
    return dict(zip(names, values[: len(names)], strict=True))


def json_field(field: str) -> dict | None:
    return None if field == NULL else json.loads(unesc(field))


def verblijfsadres_row(owner: str, owner_id: str, adres: dict) -> str:
    return "\t".join(
        (
            owner_id if owner == "np" else NULL,
            owner_id if owner == "vestiging" else NULL,
            esc(adres["aoaIdentificatie"]),
            esc(adres["wplWoonplaatsNaam"]),
            esc(adres["gorOpenbareRuimteNaam"]),
            esc(adres["aoaPostcode"]),
            str(adres["aoaHuisnummer"]) if adres.get("aoaHuisnummer") is not None else NULL,
            esc(adres.get("aoaHuisletter", "")),
            esc(adres.get("aoaHuisnummertoevoeging", "")),
            esc(adres.get("inpLocatiebeschrijving", "")),
        )
    )


def buitenland_row(owner: str, owner_id: str, adres: dict) -> str:
    return "\t".join(
        (
            owner_id if owner == "np" else NULL,
            owner_id if owner == "nnp" else NULL,
            owner_id if owner == "vestiging" else NULL,
            esc(adres["lndLandcode"]),
            esc(adres["lndLandnaam"]),
            esc(adres.get("subAdresBuitenland1", "")),
            esc(adres.get("subAdresBuitenland2", "")),
            esc(adres.get("subAdresBuitenland3", "")),
        )
    )


def convert(ours: dict[str, list[str]]) -> dict[str, list[str]]:
    """Rows of ``bench/seed``'s tables as rows of Open Klant 1.0.0's tables."""
    out: dict[str, list[str]] = {table: [] for table in OK_COLUMNS}
    for row in ours["datamodel_klant"]:
        klant = fields("datamodel_klant", row)
        klant["geverifieerd"] = klant["gevalideerd"]
        out["klanten_klant"].append("\t".join(klant[c.strip()] for c in OK_KLANT.split(",")))
    for row in ours["datamodel_klantadres"]:
        a = fields("datamodel_klantadres", row)
        out["klanten_klantadres"].append("\t".join(a[c.strip()] for c in OK_ADRES.split(",")))
    for ours_table, table, columns, owner in IDENTIFICATIES:
        for row in ours[ours_table]:
            ident = fields(ours_table, row)
            ident["id"] = owner_id = ident["klant_id"]  # one identification per klant
            out[table].append("\t".join(ident[c.strip()] for c in columns.split(",")))
            if adres := json_field(ident.get("verblijfsadres", NULL)):
                out["klanten_verblijfsadres"].append(verblijfsadres_row(owner, owner_id, adres))
            if adres := json_field(ident["sub_verblijf_buitenland"]):
                out["klanten_subverblijfbuitenland"].append(buitenland_row(owner, owner_id, adres))
    return out


def check_schema(conn) -> None:
    """Open Klant 1.0.0's tables, as its migrations (klanten 0004) made them."""
    for table, columns in OK_COLUMNS.items():
        have = {
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s",
                [table],
            )
        }
        missing = {c.strip() for c in columns.split(",")} - have
        if missing:
            raise SystemExit(
                f"{table} lacks {', '.join(sorted(missing))}: is this an Open Klant 1.0.0 "
                "database, migrated with its own `src/manage.py migrate`?"
            )


def seed(database_url: str, count: int, random_seed: int) -> dict:
    started = time.perf_counter()
    generator = Generator(count, random_seed)
    info = conninfo(database_url)
    with psycopg.connect(**info) as conn:
        check_schema(conn)
        conn.execute(
            "TRUNCATE " + ", ".join(OK_COLUMNS) + ", audittrails_audittrail "
            "RESTART IDENTITY CASCADE"
        )
        written = dict.fromkeys(OK_COLUMNS, 0)
        with conn.cursor() as cur:
            for start in range(1, count + 1, CHUNK):
                ours: dict[str, list[str]] = {table: [] for table in COLUMNS}
                for klant_id in range(start, min(count, start + CHUNK - 1) + 1):
                    generator.klant(klant_id, ours)
                # parents before children (the foreign keys are checked per row)
                for table, rows in convert(ours).items():
                    if not rows:
                        continue
                    with cur.copy(f"COPY {table} ({OK_COLUMNS[table]}) FROM STDIN") as copy:
                        copy.write("\n".join(rows) + "\n")
                    written[table] += len(rows)
                if start == 1 or (start - 1) % 20_000 == 0:
                    log(f"  {min(count, start + CHUNK - 1):,} klanten")
            for table in SEQUENCE_TABLES:
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"GREATEST((SELECT MAX(id) FROM {table}), 1))"
                )
    with psycopg.connect(**info, autocommit=True) as conn:
        for table in OK_COLUMNS:
            conn.execute(f"VACUUM (ANALYZE) {table}")
    seconds = time.perf_counter() - started
    return {
        "database": info["dbname"],
        "klanten": count,
        "rows": written,
        "subject_types": {
            k: generator.stats[k]
            for k in ("natuurlijk_persoon", "niet_natuurlijk_persoon", "vestiging")
        },
        "bronorganisaties": BRONORGANISATIES,
        "seconds": round(seconds, 1),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1, help="the same as bench/seed's")
    parser.add_argument(
        "--force", action="store_true", help="seed a database whose name lacks peer/openklant"
    )
    args = parser.parse_args(argv)
    name = conninfo(args.database_url)["dbname"]
    if not args.force and not any(part in name for part in ("peer", "openklant")):
        parser.error(f"{name}: the name lacks 'peer' or 'openklant' (it is emptied); --force")
    if args.count < 1:
        parser.error("--count must be at least 1")
    log(f"seeding {args.count:,} klanten into Open Klant's tables in {name}")
    result = seed(args.database_url, args.count, args.seed)
    log(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
