"""Where a write's time goes, per layer: in-process requests through Django's test client with
cProfile, summed by the functions that mark each layer (see LAYERS). CPU time per request from
``time.process_time`` (steadier than wall time on a shared machine); SQL round trips from
``CaptureQueriesContext``.

Run by hand on a bench database (the bench settings, as bench/querycount.py)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/klanten_bench \\
    DJANGO_SETTINGS_MODULE=benchsettings PYTHONPATH=bench:src DEBUG=false SECRET_KEY=x \\
    BENCH_CLIENT_ID=... BENCH_CLIENT_SECRET=... \\
    .venv/bin/python bench/profile_writes.py --inputs inputs.json --requests 300

(``bench/run`` writes an inputs file to its work directory; ``--inputs`` takes any JSON with
``uuids`` and ``bronorganisaties``.) ``--prepare FILE`` writes one without ``bench/run``: it
samples the inputs from the database and creates the ``bench-load`` client with a new secret,
stored in the file (``client_id``/``client_secret``, used when ``BENCH_CLIENT_ID`` is unset)::

    .venv/bin/python bench/profile_writes.py --prepare /tmp/inputs.json \\
        --database-url postgres://postgres@127.0.0.1:5432/klanten_bench

The Klantinteracties writes the real clients make (``KI_SCENARIOS``; Open Forms and KISS,
``--scenarios ki_maak_klantcontact,ki_partij,...``) make what they refer to before the
measured requests (partijen, klantcontacten, digitale adressen, an actor, through the API as
the same client), so that every measured request is a change that succeeds. ``--top N`` with
``SORT=tottime`` or ``SORT=cumulative`` prints where the calls go.

The CPU per request without the profiler is measured in ``--batches`` rounds of
``--requests`` requests; the report gives the best and the median round (the best is the
least disturbed by other work on the machine). To compare two versions of the code, run it
alternately against each (``PYTHONPATH=bench:<other checkout>/src``), best of several runs.
"""

import argparse
import cProfile
import json
import os
import pstats
import random
import secrets
import statistics
import sys
import time

# layer → (file suffix, function name) whose cumulative time is the layer's
LAYERS = {
    "whole request (handler + middleware + view)": ("django/test/client.py", "request"),
    "view (DRF dispatch: auth, parsing, validation, service, rendering)": (
        "rest_framework/views.py",
        "dispatch",
    ),
    "JWT authorization (permission check)": ("vng_api_common/permissions.py", "has_permission"),
    "request body parsing": ("rest_framework/request.py", "_parse"),
    "serializer validation": ("rest_framework/serializers.py", "is_valid"),
    "write transaction (services: the writes, audit, outbox)": (
        "klanten/datamodel/transactions.py",
        ("uitvoeren", "_uitvoeren"),
    ),
    "audit record + notification (built and written)": (
        "klanten/notificaties/wijziging.py",
        "leg_vast",
    ),
    "notification message (NotificatieSerializer)": (
        "klanten/notificaties/berichten.py",
        "bericht",
    ),
    "representation (klant_data)": ("klanten/datamodel/representation.py", "klant_data"),
    "SQL execution (Django cursor + psycopg + round trip)": (
        "django/db/backends/utils.py",
        "_execute",
    ),
    "response rendering (JSON)": ("rest_framework/response.py", "rendered_content"),
    "model save path (Model.save)": ("django/db/models/base.py", "save"),
}

# (file suffix, function name) whose number of calls per request is reported
COUNTS = {
    "copy.deepcopy": ("copy.py", "deepcopy"),
    "Field.__deepcopy__ (a field re-instantiated)": ("rest_framework/fields.py", "__deepcopy__"),
    "Serializer.get_fields": ("rest_framework/serializers.py", "get_fields"),
    "Field.__init__": ("rest_framework/fields.py", "__init__"),
    "Model.save": ("django/db/models/base.py", "save"),
    "Model.__init__": ("django/db/models/base.py", "__init__"),
    "signal send": ("django/dispatch/dispatcher.py", "send"),
}


def prepare(path: str, database_url: str) -> int:
    """Sample the inputs and create the bench client (see the module's docstring)."""
    import run

    inputs = run.sample_inputs(database_url, 1000)
    secret = secrets.token_urlsafe(24)
    run.create_client(database_url, secret)
    inputs.update(client_id=run.CLIENT_ID, client_secret=secret)
    with open(path, "w") as fh:
        json.dump(inputs, fh)
    print(f"wrote {path}")
    return 0


def sender(client, name: str, inputs: dict, aantal: int = 0):
    """A function sending the next request of scenario ``name`` (``bench/loadgen.py``, the same
    random sequence every time) through ``client``, checking its status; ``aantal``: how many
    requests will be sent (a scenario that needs a fresh row per request makes them first)."""
    import loadgen

    rng = random.Random(5)
    if name in KI_SCENARIOS:
        next_request = KI_SCENARIOS[name](client, loadgen, rng, aantal)
    elif name == "cm_patch":
        next_request = _cm_patch(client, loadgen, inputs, rng)
    elif name in ("patch_naam", "patch_email"):
        veld = "voornaam" if name == "patch_naam" else "emailadres"
        next_request = _patch_klant(loadgen, inputs, rng, veld)
    else:
        next_request = loadgen.scenario_requests(name, inputs, rng)

    def send():
        method, path, body, expected = next_request()
        response = client.generic(
            method, path, data=json.dumps(body) if body else "", content_type="application/json"
        )
        assert response.status_code == expected, (response.status_code, response.content[:300])

    return send


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--inputs")
    parser.add_argument("--prepare", metavar="FILE", help="write an inputs file and stop")
    parser.add_argument("--database-url", default=None, help="for --prepare")
    parser.add_argument("--scenarios", default="create,patch")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--batches", type=int, default=3, help="CPU rounds without profiler")
    parser.add_argument(
        "--profiled", type=int, default=0, help="requests under cProfile (default --requests)"
    )
    parser.add_argument("--top", type=int, default=0, help="print the N costliest functions")
    parser.add_argument(
        "--cpu-timer",
        action="store_true",
        help="profile with time.process_time (layers in CPU, not wall time; slower)",
    )
    args = parser.parse_args()
    if args.prepare:
        from common import DEFAULT_DATABASE_URL

        return prepare(args.prepare, args.database_url or DEFAULT_DATABASE_URL)
    if not args.inputs:
        parser.error("--inputs or --prepare")
    with open(args.inputs) as fh:
        inputs = json.load(fh)
    if "client_id" in inputs:
        os.environ.setdefault("BENCH_CLIENT_ID", inputs["client_id"])
        os.environ.setdefault("BENCH_CLIENT_SECRET", inputs["client_secret"])

    import django

    django.setup()

    import loadgen
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {loadgen.make_token()}", HTTP_HOST="127.0.0.1")
    out = {}
    profiled = args.profiled or args.requests
    for name in args.scenarios.split(","):
        if name in KI_SCENARIOS:
            client = ki_client(client)
        send = sender(client, name, inputs, 21 + profiled + args.batches * args.requests)
        for _ in range(20):
            send()  # warm-up: caches, connection
        with CaptureQueriesContext(connection) as queries:
            send()
        statements = len(queries.captured_queries)
        profiler = cProfile.Profile(time.process_time) if args.cpu_timer else cProfile.Profile()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        profiler.enable()
        for _ in range(profiled):
            send()
        profiler.disable()
        if os.environ.get("PROFILE_DUMP"):  # for pstats (callers, callees)
            profiler.dump_stats(f"{os.environ['PROFILE_DUMP']}-{name}.prof")
        cpu = (time.process_time() - cpu0) / profiled * 1000
        wall = (time.perf_counter() - wall0) / profiled * 1000
        # without the profiler: CPU per request, in rounds
        rounds = []
        for _ in range(args.batches):
            cpu1 = time.process_time()
            for _ in range(args.requests):
                send()
            rounds.append((time.process_time() - cpu1) / args.requests * 1000)
        ps = pstats.Stats(profiler)
        stats = ps.stats
        if args.top:
            ps.sort_stats(os.environ.get("SORT", "tottime")).print_stats(args.top)
        layers = {}
        for label, (suffix, function) in LAYERS.items():
            total = 0.0
            for (filename, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.items():
                names = function if isinstance(function, tuple) else (function,)
                if func in names and filename.endswith(suffix):
                    total = max(total, ct)
            layers[label] = round(total / profiled * 1000, 3)
        counts = {}
        for label, (suffix, function) in COUNTS.items():
            calls = sum(
                nc
                for (filename, _line, func), (_cc, nc, _tt, _ct, _callers) in stats.items()
                if func == function and filename.endswith(suffix)
            )
            counts[label] = round(calls / profiled, 1)
        out[name] = {
            "statements": statements,
            "calls_per_request": round(ps.total_calls / profiled),
            "cpu_ms_per_request_best": round(min(rounds), 3),
            "cpu_ms_per_request_median": round(statistics.median(rounds), 3),
            "profiled_cpu_ms": round(cpu, 3),
            "profiled_wall_ms": round(wall, 3),
            "layers_ms_profiled": layers,
            "calls_of": counts,
        }
    json.dump(out, sys.stdout, indent=2)
    print()
    return 0


def _cm_patch(client, loadgen, inputs, rng):
    """PATCH of a contactmoment's tekst, on contactmomenten created for it first."""
    create = loadgen.scenario_requests("cm_create", inputs, rng)
    uuids = []
    for _ in range(20):
        method, path, body, _expected = create()
        response = client.generic(method, path, json.dumps(body), content_type="application/json")
        assert response.status_code == 201, response.content[:300]
        uuids.append(response.json()["url"].rstrip("/").rsplit("/", 1)[-1])
    path = loadgen.CM_API + "/contactmomenten/{}"

    def patch():
        body = {"tekst": f"Teruggebeld ({rng.randrange(10**6)})."}
        return ("PATCH", path.format(rng.choice(uuids)), body, 200)

    return patch


def _patch_klant(loadgen, inputs, rng, veld: str):
    """PATCH of a klant's ``veld`` with a value no earlier run gave (a salt per process): every
    request is a change, however often the profile runs on the same database (``patch``
    repeats its phone numbers from run to run, so after the first run its PATCHes change
    nothing). ``voornaam``: a write that changes no digital address; ``emailadres``: one that
    changes its partij's standaard e-mail address."""
    path = loadgen.API + "/klanten/{}"
    salt = secrets.token_hex(3)

    def patch():
        n = rng.randrange(10**6)
        waarde = f"Bench{salt}{n}" if veld == "voornaam" else f"bench.{salt}.{n}@example.nl"
        return ("PATCH", path.format(rng.choice(inputs["uuids"])), {veld: waarde}, 200)

    return patch


KI_CLIENT_ID = "bench-ki"


def ki_client(client):
    """The Klantinteracties scenarios' client, as Open Forms is configured (a trusted asserter
    at rank 2, ``Authorization: Token``; KISS differs only in not being trusted): the
    ``bench-ki`` client, saved again with a new key on every run."""
    from django.test import Client

    if getattr(client, "ki", False):
        return client
    from vng_api_common.authorizations.models import Applicatie

    from klanten.config.clients import APIClient, save_api_client
    from klanten.config.tokens import maak_token

    save_api_client(
        APIClient(
            client_id=KI_CLIENT_ID,
            secret=secrets.token_urlsafe(24),
            label="Benchmark Klantinteracties writes",
            klantinteracties_scopes=tuple(
                f"klantinteracties.{s}" for s in ("lezen", "aanmaken", "bijwerken", "verwijderen")
            ),
            maximale_rang=2,
            vertrouwde_bron_klantinteracties=True,
        )
    )
    _token, sleutel = maak_token(Applicatie.objects.get(client_ids__contains=[KI_CLIENT_ID]))
    client = Client(HTTP_AUTHORIZATION=f"Token {sleutel}", HTTP_HOST="127.0.0.1")
    client.ki = True
    return client


def _ki_post(client, loadgen, collectie: str, body: dict) -> dict:
    """A Klantinteracties resource made through the API (before the measured requests)."""
    path = f"{loadgen.KI_API}/{collectie}"
    response = client.generic("POST", path, json.dumps(body), content_type="application/json")
    assert response.status_code == 201, (collectie, response.content[:300])
    return response.json()


# BSNs no earlier run gave (as ``_patch_klant``'s salt): a partij with a BSN that is already
# registered would be found, not made
_BSN_RNG = random.Random(secrets.randbits(64))


def _ki_persoon(rng) -> dict:
    """``POST /partijen``: a persoon with a BSN identificator (Open Forms' get-or-create and
    KISS's body, research/klantinteracties.md §2), a BSN no earlier run gave."""
    import loadgen

    return {
        "soortPartij": "persoon",
        "voorkeurstaal": "nld",
        "indicatieActief": True,
        "indicatieGeheimhouding": False,
        "digitaleAdressen": [],
        "voorkeursDigitaalAdres": None,
        "rekeningnummers": [],
        "voorkeursRekeningnummer": None,
        "partijIdentificatie": {"contactnaam": {"voornaam": "Bench", "achternaam": "Persoon"}},
        "partijIdentificatoren": [
            {
                "partijIdentificator": {
                    "codeObjecttype": "natuurlijk_persoon",
                    "codeSoortObjectId": "bsn",
                    "objectId": loadgen.elfproef_bsn(_BSN_RNG),
                    "codeRegister": "brp",
                }
            }
        ],
    }


def _ki_klantcontact_body(rng) -> dict:
    """KISS's ``POST /klantcontacten`` (through its BFF)."""
    return {
        "kanaal": "telefoon",
        "onderwerp": "Vraag over de afvalpas",
        "inhoud": f"Belde over de afvalpas ({rng.randrange(10**6)}); teruggebeld.",
        "indicatieContactGelukt": True,
        "taal": "nld",
        "vertrouwelijk": False,
        "plaatsgevondenOp": "2026-12-07T10:00:00Z",
    }


def _ki_maak_klantcontact(client, loadgen, rng, aantal):
    """Open Forms' ``POST /maak-klantcontact`` (anonymous: no partij), bench/loadgen.py's."""
    return loadgen.scenario_requests("ki_maak_klantcontact", {}, rng)


def _ki_partij(client, loadgen, rng, aantal):
    """``POST /partijen``: a persoon with a BSN identificator (a new BSN each time)."""
    path = f"{loadgen.KI_API}/partijen"
    return lambda: ("POST", path, _ki_persoon(rng), 201)


def _ki_digitaal_adres(client, loadgen, rng, aantal):
    """Open Forms' ``POST /digitaleadressen``: a new preferred e-mail address of a partij (on
    both betrokkene and partij is the same write on the partij side; here the partij's)."""
    partijen = [_ki_post(client, loadgen, "partijen", _ki_persoon(rng))["uuid"] for _ in range(5)]
    path = f"{loadgen.KI_API}/digitaleadressen"

    def post():
        body = {
            "verstrektDoorPartij": {"uuid": rng.choice(partijen)},
            "adres": f"bench.{rng.randrange(10**8)}@example.nl",
            "soortDigitaalAdres": "email",
            "isStandaardAdres": True,
            "omschrijving": "",
        }
        return ("POST", path, body, 201)

    return post


def _ki_standaard_adres(client, loadgen, rng, aantal):
    """Open Forms' ``PATCH /digitaleadressen/{uuid}`` ``{isStandaardAdres: true}``: partijen
    with two e-mail addresses each, the other one made the standaard address every time (each
    request a change: the partij's preference, both addresses, the klant's e-mailadres)."""
    paren = []
    for _ in range(10):
        partij = _ki_post(client, loadgen, "partijen", _ki_persoon(rng))["uuid"]
        paren.append(
            [
                _ki_post(
                    client,
                    loadgen,
                    "digitaleadressen",
                    {
                        "verstrektDoorPartij": {"uuid": partij},
                        "adres": f"bench.{n}.{rng.randrange(10**8)}@example.nl",
                        "soortDigitaalAdres": "email",
                        "isStandaardAdres": n == 0,
                    },
                )["uuid"]
                for n in range(2)
            ]
        )
    path = loadgen.KI_API + "/digitaleadressen/{}"

    def patch():
        paar = rng.choice(paren)
        paar.reverse()  # the one that is not the standaard address now
        return ("PATCH", path.format(paar[0]), {"isStandaardAdres": True}, 200)

    return patch


def _ki_klantcontact(client, loadgen, rng, aantal):
    """KISS's ``POST /klantcontacten``."""
    path = f"{loadgen.KI_API}/klantcontacten"
    return lambda: ("POST", path, _ki_klantcontact_body(rng), 201)


def _ki_klantcontacten(client, loadgen, rng, aantal) -> list[str]:
    """A klantcontact per measured request (made first, not measured)."""
    return [
        _ki_post(client, loadgen, "klantcontacten", _ki_klantcontact_body(rng))["uuid"]
        for _ in range(aantal)
    ]


def _ki_betrokkene(client, loadgen, rng, aantal):
    """KISS's ``POST /betrokkenen`` after its ``POST /klantcontacten``: the partij it found or
    made, a klantcontact of its own each time (made first)."""
    partijen = [_ki_post(client, loadgen, "partijen", _ki_persoon(rng))["uuid"] for _ in range(5)]
    klantcontacten = iter(_ki_klantcontacten(client, loadgen, rng, aantal))
    path = f"{loadgen.KI_API}/betrokkenen"

    def post():
        body = {
            "wasPartij": {"uuid": rng.choice(partijen)},
            "hadKlantcontact": {"uuid": next(klantcontacten)},
            "rol": "klant",
            "initiator": True,
            "organisatienaam": "",
            "contactnaam": {
                "voorletters": "B",
                "voornaam": "Bench",
                "voorvoegselAchternaam": "",
                "achternaam": "Persoon",
            },
        }
        return ("POST", path, body, 201)

    return post


def _ki_actorklantcontact(client, loadgen, rng, aantal):
    """KISS's ``POST /actorklantcontacten``: its medewerker (an actor it found or made) on a
    klantcontact of its own each time (made first)."""
    actor = _ki_post(
        client,
        loadgen,
        "actoren",
        {
            "naam": "Bench Medewerker",
            "soortActor": "medewerker",
            "indicatieActief": True,
            "actoridentificator": {
                "objectId": f"bench.{rng.randrange(10**8)}@example.nl",
                "codeObjecttype": "mdw",
                "codeRegister": "msei",
                "codeSoortObjectId": "email",
            },
        },
    )["uuid"]
    klantcontacten = iter(_ki_klantcontacten(client, loadgen, rng, aantal))
    path = f"{loadgen.KI_API}/actorklantcontacten"

    def post():
        body = {"actor": {"uuid": actor}, "klantcontact": {"uuid": next(klantcontacten)}}
        return ("POST", path, body, 201)

    return post


def _ki_onderwerpobject(client, loadgen, rng, aantal):
    """KISS's ``POST /onderwerpobjecten``: a zaak linked to a klantcontact."""
    klantcontacten = _ki_klantcontacten(client, loadgen, rng, 20)
    path = f"{loadgen.KI_API}/onderwerpobjecten"

    def post():
        body = {
            "klantcontact": {"uuid": rng.choice(klantcontacten)},
            "wasKlantcontact": None,
            "onderwerpobjectidentificator": {
                "objectId": f"{rng.getrandbits(128):032x}",
                "codeObjecttype": "zgw-Zaak",
                "codeRegister": "openzaak",
                "codeSoortObjectId": "uuid",
            },
        }
        return ("POST", path, body, 201)

    return post


def _ki_internetaak(client, loadgen, rng, aantal):
    """KISS's ``POST /internetaken`` (a contactverzoek; a generated number)."""
    actor = _ki_post(
        client,
        loadgen,
        "actoren",
        {"naam": "Team Afval", "soortActor": "organisatorische_eenheid", "indicatieActief": True},
    )["uuid"]
    klantcontacten = _ki_klantcontacten(client, loadgen, rng, 20)
    path = f"{loadgen.KI_API}/internetaken"

    def post():
        body = {
            "nummer": "",
            "gevraagdeHandeling": "Terugbellen",
            "aanleidinggevendKlantcontact": {"uuid": rng.choice(klantcontacten)},
            "toegewezenAanActoren": [{"uuid": actor}],
            "toelichting": "Na vijven",
            "status": "te_verwerken",
        }
        return ("POST", path, body, 201)

    return post


# the Klantinteracties writes of Open Forms and KISS (research/klantinteracties.md §2)
KI_SCENARIOS = {
    "ki_maak_klantcontact": _ki_maak_klantcontact,
    "ki_partij": _ki_partij,
    "ki_digitaal_adres": _ki_digitaal_adres,
    "ki_standaard_adres": _ki_standaard_adres,
    "ki_klantcontact": _ki_klantcontact,
    "ki_betrokkene": _ki_betrokkene,
    "ki_actorklantcontact": _ki_actorklantcontact,
    "ki_onderwerpobject": _ki_onderwerpobject,
    "ki_internetaak": _ki_internetaak,
}


if __name__ == "__main__":
    sys.exit(main())
