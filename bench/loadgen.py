"""A small closed-loop asyncio HTTP load generator (aiohttp), run as its own process.

``loadgen.py --base-url URL --scenario NAME --inputs FILE --concurrency C --duration S
--warmup W`` keeps C requests in flight for W + S seconds and prints one JSON object with
the numbers of the last S seconds: completed requests, req/s, latency percentiles (ms) and
errors (an unexpected status or a failed request). Bounded in time: it stops by itself after
W + S seconds plus at most the request timeout.

The API client's JWT is made here from ``BENCH_CLIENT_ID`` / ``BENCH_CLIENT_SECRET``, or given
with ``--token`` (a peer server: another Klanten API, see ``bench/run --peer``); ``--api-prefix``
is the Klanten API's path on that server.
"""

import argparse
import asyncio
import json
import os
import random
import sys
import time

import aiohttp
import jwt

API = "/klanten/api/v1"
KI_API = "/klantinteracties/api/v1"
CM_API = "/contactmomenten/api/v1"
REQUEST_TIMEOUT_S = 30


def elfproef_bsn(rng: random.Random) -> str:
    while True:
        digits = [rng.randrange(10) for _ in range(8)]
        check = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)


# klantnummers of creates that carry one (peer mode: the standard requires the field, Open Klant
# 1.0.0 too): "B" and 7 random letters or digits, never a seeded (all-digit) number, from the
# system's randomness so that runs do not repeat each other's (the peer keeps what it wrote)
KLANTNUMMER_TEKENS = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_SYSTEM_RANDOM = random.SystemRandom()


def unique_klantnummer() -> str:
    return "B" + "".join(_SYSTEM_RANDOM.choice(KLANTNUMMER_TEKENS) for _ in range(7))


def make_token() -> str:
    client_id = os.environ["BENCH_CLIENT_ID"]
    payload = {
        "client_id": client_id,
        "iss": client_id,
        "iat": int(time.time()),
        "user_id": "bench",
        "user_representation": "Benchmark",
    }
    return jwt.encode(payload, os.environ["BENCH_CLIENT_SECRET"], algorithm="HS256")


# name: (the path below the Klantinteracties API, ``{}`` a random value of the input; that input)
KI_LIJSTEN = {
    # KISS's history of a klant
    "ki_betrokkenen_partij": (
        "/betrokkenen?wasPartij__url=http://127.0.0.1" + KI_API + "/partijen/{}&pageSize=100",
        "ki_partijen_met_betrokkenen",
    ),
    # KISS's medewerker
    "ki_actor_email": ("/actoren?actoridentificatorObjectId={}", "ki_actor_emails"),
    # Open Inwoner's questions, the first page
    "ki_klantcontacten_kanaal": (
        "/klantcontacten?kanaal=bench-geschiedenis&expand=leiddeTotInterneTaken,"
        "gingOverOnderwerpobjecten,hadBetrokkenen,hadBetrokkenen.wasPartij",
        None,
    ),
    # Open Forms' and Open Inwoner's addresses of a partij
    "ki_adressen_partij": ("/digitaleadressen?verstrektDoorPartij__uuid={}", "uuids"),
    # Open Inwoner's answers to a question
    "ki_onderwerpobjecten_was": (
        "/onderwerpobjecten?wasKlantcontact__uuid={}",
        "ki_klantcontacten",
    ),
}


def scenario_requests(name: str, inputs: dict, rng: random.Random, api: str | None = None):
    """A function returning (method, path, json body or None, expected status)."""
    API = api or globals()["API"]  # noqa: N806 - the Klanten API's prefix on this server
    if name in ("constant", "constant_end") and inputs.get("floor_path"):
        return lambda: ("GET", inputs["floor_path"], None, 200)
    if name == "constant_pages":  # the floor through the pages' middleware (before issue 15)
        return lambda: ("GET", "/bench/constant", None, 200)
    if name in ("constant", "constant_end"):
        return lambda: ("GET", f"{API}/bench/constant", None, 200)
    if name == "constant_auth":
        return lambda: ("GET", f"{API}/bench/constant-auth", None, 200)
    if name == "detail":
        uuids = inputs["uuids"]
        return lambda: ("GET", f"{API}/klanten/{rng.choice(uuids)}", None, 200)
    if name == "list_bsn":
        bsns = inputs["bsns"]
        return lambda: (
            "GET",
            f"{API}/klanten?subjectNatuurlijkPersoon__inpBsn={rng.choice(bsns)}",
            None,
            200,
        )
    if name == "list_first_page":
        return lambda: ("GET", f"{API}/klanten", None, 200)
    if name in ("list_achternaam", "list_achternaam_vol"):
        names = inputs.get("achternamen" if name == "list_achternaam" else "achternamen_vol")
        if not names:
            raise SystemExit(
                f"{name}: no surnames in the inputs"
                + (" (a full page needs a name of 100 klanten)" if name.endswith("_vol") else "")
            )

        def achternaam():
            from urllib.parse import quote

            return ("GET", f"{API}/klanten?achternaam={quote(rng.choice(names))}", None, 200)

        return achternaam
    if name == "klantbeeld":
        bsns = inputs["validated_bsns"]
        return lambda: (
            "POST",
            f"{API}/klantbeeld",
            {"subjectType": "natuurlijk_persoon", "identificatie": {"inpBsn": rng.choice(bsns)}},
            200,
        )
    if name == "ki_partijen_bsn":
        bsns = inputs["validated_bsns"]
        return lambda: (
            "GET",
            f"{KI_API}/partijen?partijIdentificator__codeSoortObjectId=bsn"
            f"&partijIdentificator__objectId={rng.choice(bsns)}&expand=digitaleAdressen",
            None,
            200,
        )
    if name in ("ki_partij", "ki_partij_expand"):  # a partij is its klant (same uuid, K3)
        uuids = inputs["uuids"]
        query = "?expand=digitaleAdressen" if name == "ki_partij_expand" else ""
        return lambda: ("GET", f"{KI_API}/partijen/{rng.choice(uuids)}{query}", None, 200)
    # the Klantinteracties list reads of KISS and Open Inwoner (data: bench/ki_geschiedenis.py)
    if name in KI_LIJSTEN:
        pad, sleutel = KI_LIJSTEN[name]
        if sleutel is None:
            return lambda: ("GET", KI_API + pad, None, 200)
        waarden = inputs[sleutel]
        return lambda: ("GET", KI_API + pad.format(rng.choice(waarden)), None, 200)
    if name == "create":
        bronnen = inputs["bronorganisaties"]

        def create():
            bsn = elfproef_bsn(rng)
            body = {
                "bronorganisatie": rng.choice(bronnen),
                "voornaam": "Bench",
                "voorvoegselAchternaam": "van",
                "achternaam": "Belastingtest",
                "telefoonnummer": "06-12345678",
                "emailadres": "bench@example.nl",
                "aanmaakkanaal": "bench",
                "adres": {
                    "straatnaam": "Teststraat",
                    "huisnummer": rng.randrange(1, 300),
                    "postcode": "1234 AB",
                    "woonplaatsnaam": "Utrecht",
                    "landcode": "6030",
                },
                "subjectType": "natuurlijk_persoon",
                "subjectIdentificatie": {
                    "inpBsn": bsn,
                    "geslachtsnaam": "Belastingtest",
                    "voorvoegselGeslachtsnaam": "van",
                    "voornamen": "Bench",
                    "geslachtsaanduiding": "o",
                },
            }
            if inputs.get("create_klantnummer"):  # else the server generates one (ours: C5)
                body["klantnummer"] = unique_klantnummer()
            return ("POST", f"{API}/klanten", body, 201)

        return create
    if name == "patch":
        uuids = inputs["uuids"]

        def patch():
            body = {"telefoonnummer": f"06-{rng.randrange(10_000_000, 99_999_999)}"}
            return ("PATCH", f"{API}/klanten/{rng.choice(uuids)}", body, 200)

        return patch
    if name == "cm_create":
        bronnen = inputs["bronorganisaties"]

        def cm_create():
            body = {
                "bronorganisatie": rng.choice(bronnen),
                "kanaal": "bench",
                "tekst": "Belde over de afvalpas; teruggebeld.",
                "initiatiefnemer": "klant",
                "medewerkerIdentificatie": {
                    "identificatie": f"mdw-{rng.randrange(50)}",
                    "achternaam": "Medewerker",
                },
            }
            return ("POST", f"{CM_API}/contactmomenten", body, 201)

        return cm_create
    if name == "cm_list":
        return lambda: ("GET", f"{CM_API}/contactmomenten?kanaal=bench", None, 200)
    if name == "ki_maak_klantcontact":

        def ki_maak_klantcontact():
            body = {
                "klantcontact": {
                    "kanaal": "bench",
                    "onderwerp": "Melding openbare ruimte",
                    "taal": "dut",
                    "vertrouwelijk": True,
                },
                "betrokkene": {
                    "rol": "klant",
                    "initiator": True,
                    "organisatienaam": "",
                    "contactnaam": {"voornaam": "Bench", "achternaam": "Melder"},
                },
                "onderwerpobject": {
                    "onderwerpobjectidentificator": {
                        "objectId": f"OF-{rng.randrange(10**8)}",
                        "codeObjecttype": "formulierinzending",
                        "codeRegister": "Open Formulieren",
                        "codeSoortObjectId": "public_registration_reference",
                    }
                },
            }
            return ("POST", f"{KI_API}/maak-klantcontact", body, 201)

        return ki_maak_klantcontact
    if name == "ki_klantcontacten_expand":
        expand = (
            "hadBetrokkenen,hadBetrokkenen.wasPartij,hadBetrokkenen.digitaleAdressen,"
            "gingOverOnderwerpobjecten,leiddeTotInterneTaken,omvatteBijlagen"
        )
        return lambda: ("GET", f"{KI_API}/klantcontacten?kanaal=bench&expand={expand}", None, 200)
    raise SystemExit(f"unknown scenario {name}")


def percentile(sorted_values: list[float], p: float) -> float | None:
    if not sorted_values:
        return None
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


async def run(args) -> dict:
    rng = random.Random(args.seed)
    with open(args.inputs) as fh:
        inputs = json.load(fh)
    next_request = scenario_requests(args.scenario, inputs, rng, args.api_prefix)
    token = args.token or make_token()
    headers = {"Accept": "application/json", "Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    error_samples: list[str] = []
    bytes_in = 0
    loop_start = time.perf_counter()
    measure_from = loop_start + args.warmup
    stop_at = measure_from + args.duration
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=args.concurrency, ttl_dns_cache=None)

    async with aiohttp.ClientSession(
        base_url=args.base_url, headers=headers, timeout=timeout, connector=connector
    ) as session:

        async def worker():
            nonlocal bytes_in
            while time.perf_counter() < stop_at:
                method, path, body, expected = next_request()
                started = time.perf_counter()
                status = "exception"
                try:
                    async with session.request(method, path, json=body) as response:
                        content = await response.read()
                        status = str(response.status)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    content = repr(exc).encode()
                ended = time.perf_counter()
                if measure_from <= ended <= stop_at:
                    latencies.append((ended - started) * 1000)
                    bytes_in += len(content)
                    statuses[status] = statuses.get(status, 0) + 1
                    if status != str(expected) and len(error_samples) < 3:
                        error_samples.append(f"{method} {path} -> {status}: {content[:300]!r}")

        await asyncio.gather(*(worker() for _ in range(args.concurrency)))

    expected = str(next_request()[3])
    latencies.sort()
    completed = len(latencies)
    errors = completed - statuses.get(expected, 0)
    return {
        "scenario": args.scenario,
        "concurrency": args.concurrency,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "completed": completed,
        "rps": round(completed / args.duration, 1),
        "p50_ms": round(percentile(latencies, 50) or 0, 2),
        "p90_ms": round(percentile(latencies, 90) or 0, 2),
        "p99_ms": round(percentile(latencies, 99) or 0, 2),
        "max_ms": round(latencies[-1], 2) if latencies else None,
        "mean_ms": round(sum(latencies) / completed, 2) if completed else None,
        "errors": errors,
        "statuses": statuses,
        "error_samples": error_samples,
        "mean_response_bytes": round(bytes_in / completed) if completed else 0,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--scenario", required=True)
    parser.add_argument("--inputs", required=True)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--token", help="a JWT to send (default: made from BENCH_CLIENT_*)")
    parser.add_argument("--api-prefix", default=API, help="the Klanten API's path")
    args = parser.parse_args(argv)
    if not args.base_url.startswith(("http://127.", "http://localhost", "http://[::1]")):
        parser.error("the load generator only targets loopback addresses")
    if not 0 < args.duration <= 3600 or not 0 <= args.warmup <= 600:
        parser.error("duration must be in (0, 3600] s and warm-up in [0, 600] s")
    result = asyncio.run(run(args))
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
