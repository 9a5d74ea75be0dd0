"""Property-based fuzzing of the Klantinteracties API over our served schema (as
``test_fuzz_schemathesis`` does for the Klanten API): every operation the schema documents, so
the klantcontacten side's operations are covered as soon as they are served.

Every response: no 5xx; status code, content type, headers and body as documented. The
database: per operation a world in the test's transaction with one object of every served
resource, related to each other: a validated partij (its identificator, a digital address), a
klantcontact with a betrokkene (that partij, with a digital address), an onderwerpobject, an
interne taak assigned to an actor, that actor's actorklantcontact and another actor; a persoon
and an organisatie without identifiers and a loose KvK identifier.
Generated path uuids are pointed at the object of their collection (``WERELD_PADEN``); about
half of the references in positive bodies and of the values of the uuid, URL and identifying
text filters in positive queries are pointed at the world's (``WERELD_RELATIES``,
``WERELD_VERWIJZINGEN``, the texts of ``_identifying_values``), the others still name nothing.
About half of the positive bodies of ``POST``/``PUT`` ``/partij-identificatoren`` get a valid
identifier of their kind, of a world partij of the right soort or of none
(``_geldige_identificator``): random numbers never pass the 11-proef and the formats. Plain
tests check that each of those values finds its object and that each valid identifier is
accepted; each run of an operation of ``MOET_SLAGEN`` must have answered its success code at
least once (``bereik``).
"""

import uuid
from collections import Counter
from pathlib import Path

import pytest
import requests_mock
import schemathesis
import yaml
from django.db import transaction
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation

from klanten.config.clients import APIClient, save_api_client
from klanten.config.tokens import maak_token
from klanten.wsgi import application

from .conftest import BSN, BSN_2, RSIN, RSIN_2, SECRET, ApiClient
from .ki_fixtures import IDENTIFICATOR_CODES, KI_BASE
from .ki_fixtures import identificator as ki_identificator
from .test_fuzz_schemathesis import (
    EXCLUDED_CHECKS,
    MAX_EXAMPLES,
    _chosen,
    _positive,
    in_process_requests,
    missing_required_header_zgw,
    negative_data_rejection_as_sent,
)

FUZZER = "ki-fuzzer"
SCHEMA_DOC = yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "docs" / "openapi-klantinteracties.yaml").read_text()
)

schema = schemathesis.openapi.from_wsgi(f"{KI_BASE}/schema/openapi.json", application)
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=max(MAX_EXAMPLES // 3, 25),
    deterministic=True,
    database="none",
)
schema.config.checks.negative_data_rejection.expected_statuses = [
    *schema.config.checks.negative_data_rejection.expected_statuses,
    "413",
    "414",
]

# detail path -> key in the world of the object a generated uuid in the path is pointed at
WERELD_PADEN = {
    "/partijen/{uuid}": "partij",
    "/digitaleadressen/{uuid}": "digitaaladres",
    "/partij-identificatoren/{uuid}": "partijidentificator",
    "/actoren/{uuid}": "actor",
    "/klantcontacten/{uuid}": "klantcontact",
    "/betrokkenen/{uuid}": "betrokkene",
    "/onderwerpobjecten/{uuid}": "onderwerpobject",
    "/internetaken/{uuid}": "internetaak",
    "/actorklantcontacten/{uuid}": "actorklantcontact",
}
# a filter ``<relation>__uuid`` / ``<relation>__url`` -> key in the world of the object it names
# (the relation is the part before the last ``__``: ``hadBetrokkene__wasPartij__uuid`` names
# a partij)
WERELD_RELATIES = {
    "actor": "actor",
    "toegewezenAanActor": "actor",
    "klantcontact": "klantcontact",
    "hadKlantcontact": "klantcontact",
    "wasKlantcontact": "klantcontact",
    "aanleidinggevendKlantcontact": "klantcontact",
    "betrokkene": "betrokkene",
    "hadBetrokkene": "betrokkene",
    "verstrektDoorBetrokkene": "betrokkene",
    "wasPartij": "partij",
    "verstrektDoorPartij": "partij",
    "onderwerpobject": "onderwerpobject",
    "wasOnderwerpobject": "onderwerpobject",
    "verstrektedigitaalAdres": "betrokkene_adres",
}
# a reference ``{"uuid": ...}`` (or a list of them) in a body -> key in the world of the object
# it is pointed at
WERELD_VERWIJZINGEN = {
    **WERELD_RELATIES,
    "toegewezenAanActoren": "actor",
    "identificeerdePartij": "partij",
    "werkteVoorPartij": "partij",
    "subIdentificatorVan": "kvk_identificator",
    "voorkeursDigitaalAdres": "digitaaladres",
}
# per path, references pointed elsewhere: a new actorklantcontact needs an actor not yet linked
# to the world's klantcontact
WERELD_VERWIJZINGEN_PER_PAD = {"/actorklantcontacten": {"actor": "ander_actor"}}
KLANTCONTACT = {
    "kanaal": "telefoon",
    "onderwerp": "Afval",
    "inhoud": "Vraag over de container",
    "taal": "nld",
    "vertrouwelijk": False,
    "nummer": "KC-FUZZ-1",
    "referentienummer": "KR-FUZZ-1",
}
# valid identifiers of each kind (11-proef, 8 and 12 digits) that no partij of the world holds:
# what about half of the positive bodies of ``/partij-identificatoren`` are given
# (``_geldige_identificator``), with the codes of their kind and a partij of the right soort
GELDIGE_IDENTIFICATOREN = {
    "bsn": (BSN_2, "999993653"),
    "kvk_nummer": ("12345678", "87654321"),
    "rsin": (RSIN, RSIN_2),
    "vestigingsnummer": ("000012345678", "123456789012"),
}
# the world's partij without identifiers an identifier of a kind is attached to
PARTIJ_VOOR_SOORT = {
    "bsn": "persoon",
    "kvk_nummer": "organisatie",
    "rsin": "organisatie",
    "vestigingsnummer": "organisatie",
}
KVK = "69599084"  # the world's loose KvK identifier (a vestigingsnummer's subIdentificatorVan)
IDENTIFICATOREN = "/partij-identificatoren"
IDENTIFICATOR = "/partij-identificatoren/{uuid}"
# operations whose success path the fuzzer must reach in every run (``bereik``): the business
# rules refuse random bodies, ``_geldige_identificator`` makes a share of them valid
MOET_SLAGEN = {("POST", IDENTIFICATOREN): 201, ("PUT", IDENTIFICATOR): 200}
ACTOR = "Team Fuzz"
OBJECT_ID = "zaak-fuzz-1"


def _identifying_values(world: dict) -> dict[str, dict[str, str]]:
    """Per list path, the world's value of each filter on an identifying text (a number,
    a name, an identifier): the value a generated text is sometimes replaced with."""
    partij = {
        "codeObjecttype": "natuurlijk_persoon",
        "codeSoortObjectId": "bsn",
        "objectId": BSN,
        "codeRegister": "brp",
    }
    onderwerp = {"ObjectId": OBJECT_ID}

    def identificator(prefix: str, waarden: dict, hoofdletter: bool) -> dict:
        return {
            f"{prefix}{naam[0].upper() + naam[1:] if hoofdletter else naam}": waarde
            for naam, waarde in waarden.items()
        }

    return {
        "/partijen": {
            "nummer": world["partij_nummer"],
            **identificator("partijIdentificator__", partij, False),
        },
        "/partij-identificatoren": identificator("partijIdentificator", partij, True),
        "/digitaleadressen": {
            "adres": "fuzz@example.nl",
            **identificator("verstrektDoorPartij__partijIdentificator__", partij, False),
        },
        "/actoren": {"naam": ACTOR},
        "/klantcontacten": {
            "nummer": KLANTCONTACT["nummer"],
            "referentienummer": KLANTCONTACT["referentienummer"],
            "onderwerp": KLANTCONTACT["onderwerp"],
            "hadBetrokkene__digitaaladres__adres__icontains": "Betrokkene@example.nl",
            **identificator("hadBetrokkene__wasPartij__partijIdentificator__", partij, False),
            **identificator("onderwerpobject__onderwerpobjectidentificator", onderwerp, False),
            **identificator("wasOnderwerpobject__onderwerpobjectidentificator", onderwerp, False),
        },
        "/betrokkenen": {
            "hadKlantcontact__nummer": KLANTCONTACT["nummer"],
            "hadKlantcontact__referentienummer": KLANTCONTACT["referentienummer"],
            "verstrektedigitaalAdres__adres": "betrokkene@example.nl",
            "wasPartij__nummer": world["partij_nummer"],
            **identificator("wasPartij__partijIdentificator__", partij, False),
        },
        "/onderwerpobjecten": identificator("onderwerpobjectidentificator", onderwerp, False),
        "/internetaken": {
            "nummer": world["internetaak_nummer"],
            "referentienummer": "R-FUZZ-1",
            "actoren__naam": ACTOR,
            "klantcontact__nummer": KLANTCONTACT["nummer"],
            "klantcontact__referentienummer": KLANTCONTACT["referentienummer"],
        },
    }


@pytest.fixture
def world(db):
    """The fuzzer's key and one related object of every served resource: a partij (with its
    identificator and a digital address), a klantcontact with a betrokkene (that partij, with
    a digital address of its own), an onderwerpobject, an interne taak assigned to an actor,
    that actor's actorklantcontact, and another actor (for a new actorklantcontact)."""
    applicatie = save_api_client(
        APIClient(
            client_id=FUZZER,
            secret=SECRET,
            label="Fuzzer",
            klantinteracties_scopes=(
                "klantinteracties.lezen",
                "klantinteracties.aanmaken",
                "klantinteracties.bijwerken",
                "klantinteracties.verwijderen",
                "klantinteracties.adressen_zoeken",
            ),
            maximale_rang=2,
            vertrouwde_bron_klantinteracties=True,
        )
    )
    _token, sleutel = maak_token(applicatie)
    api = ApiClient(HTTP_AUTHORIZATION=f"Token {sleutel}")

    def post(collectie: str, body: dict) -> dict:
        response = api.post_json(f"{KI_BASE}/{collectie}", body)
        assert response.status_code == 201, response.content
        return response.json()

    partij = post(
        "partijen",
        {
            "soortPartij": "persoon",
            "indicatieActief": True,
            "partijIdentificatoren": [
                {
                    "partijIdentificator": {
                        "codeObjecttype": "natuurlijk_persoon",
                        "codeSoortObjectId": "bsn",
                        "objectId": BSN,
                        "codeRegister": "brp",
                    }
                }
            ],
        },
    )
    adres = post(
        "digitaleadressen",
        {
            "verstrektDoorPartij": {"uuid": partij["uuid"]},
            "adres": "fuzz@example.nl",
            "soortDigitaalAdres": "email",
            "isStandaardAdres": True,
        },
    )
    klantcontact = post("klantcontacten", KLANTCONTACT)
    betrokkene = post(
        "betrokkenen",
        {
            "wasPartij": {"uuid": partij["uuid"]},
            "hadKlantcontact": {"uuid": klantcontact["uuid"]},
            "rol": "klant",
            "initiator": True,
        },
    )
    betrokkene_adres = post(
        "digitaleadressen",
        {
            "verstrektDoorBetrokkene": {"uuid": betrokkene["uuid"]},
            "adres": "betrokkene@example.nl",
            "soortDigitaalAdres": "email",
        },
    )
    onderwerpobject = post(
        "onderwerpobjecten",
        {
            "klantcontact": {"uuid": klantcontact["uuid"]},
            "wasKlantcontact": {"uuid": klantcontact["uuid"]},
            "onderwerpobjectidentificator": {
                "objectId": OBJECT_ID,
                "codeObjecttype": "zaak",
                "codeRegister": "openzaak",
                "codeSoortObjectId": "uuid",
            },
        },
    )
    actor = post("actoren", {"naam": ACTOR, "soortActor": "organisatorische_eenheid"})
    internetaak = post(
        "internetaken",
        {
            "nummer": "",
            "gevraagdeHandeling": "Terugbellen",
            "aanleidinggevendKlantcontact": {"uuid": klantcontact["uuid"]},
            "toegewezenAanActoren": [{"uuid": actor["uuid"]}],
            "toelichting": "Bel na vijven",
            "status": "te_verwerken",
            "referentienummer": "R-FUZZ-1",
        },
    )
    ander_actor = post("actoren", {"naam": "Team Fuzz 2", "soortActor": "organisatorische_eenheid"})
    actorklantcontact = post(
        "actorklantcontacten",
        {"actor": {"uuid": actor["uuid"]}, "klantcontact": {"uuid": klantcontact["uuid"]}},
    )
    # partijen without identifiers (of the soort a new identifier of a kind needs) and a loose
    # KvK identifier (what a vestigingsnummer is a sub-identifier of; a PUT moves it)
    persoon = post("partijen", {"soortPartij": "persoon", "indicatieActief": True})
    organisatie = post(
        "partijen",
        {
            "soortPartij": "organisatie",
            "indicatieActief": True,
            "partijIdentificatie": {"naam": "Bakkerij Fuzz"},
        },
    )
    kvk_identificator = post(
        "partij-identificatoren", {"partijIdentificator": ki_identificator("kvk_nummer", KVK)}
    )
    objecten = {
        "partij": partij,
        "persoon": persoon,
        "organisatie": organisatie,
        "kvk_identificator": kvk_identificator,
        "digitaaladres": adres,
        "partijidentificator": partij["partijIdentificatoren"][0],
        "klantcontact": klantcontact,
        "betrokkene": betrokkene,
        "betrokkene_adres": betrokkene_adres,
        "onderwerpobject": onderwerpobject,
        "actor": actor,
        "ander_actor": ander_actor,
        "internetaak": internetaak,
        "actorklantcontact": actorklantcontact,
    }
    world = {
        "sleutel": sleutel,
        "objecten": objecten,
        "partij_nummer": partij["nummer"],
        "internetaak_nummer": internetaak["nummer"],
    }
    world["teksten"] = _identifying_values(world)
    return world


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _point_references_at_world(value, objecten, verwijzingen) -> None:
    """About half of the references ``{"uuid": ...}`` in a positive body -> the world's object
    of their kind (the others still name nothing: a 400 on their field)."""
    if isinstance(value, list):
        for item in value:
            _point_references_at_world(item, objecten, verwijzingen)
        return
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        sleutel = verwijzingen.get(key)
        for ref in item if isinstance(item, list) else [item]:
            if (
                sleutel is not None
                and isinstance(ref, dict)
                and _is_uuid(ref.get("uuid"))
                and _chosen(ref["uuid"])
            ):
                ref["uuid"] = objecten[sleutel]["uuid"]
        _point_references_at_world(item, objecten, verwijzingen)


def _point_at_world(case, world) -> None:
    """Generated uuids in the path -> the world's object of that collection (malformed values
    stay malformed); in a positive body, about half of the references -> the world's objects;
    in a positive query, about half of the values of a filter on a uuid, a URL or an
    identifying text -> the world's value, so that filters also find something."""
    objecten = world["objecten"]
    sleutel = WERELD_PADEN.get(case.operation.path)
    for name, value in list((case.path_parameters or {}).items()):
        if sleutel is not None and name == "uuid" and _is_uuid(value):
            case.path_parameters[name] = objecten[sleutel]["uuid"]
    if _positive(case, ParameterLocation.BODY):
        verwijzingen = {
            **WERELD_VERWIJZINGEN,
            **WERELD_VERWIJZINGEN_PER_PAD.get(case.operation.path, {}),
        }
        _point_references_at_world(case.body, objecten, verwijzingen)
    if not case.query or not _positive(case, ParameterLocation.QUERY):
        return
    teksten = world["teksten"].get(case.operation.path, {})
    for name, value in list(case.query.items()):
        if not isinstance(value, str) or not _chosen(value):
            continue
        relatie, _, veld = name.rpartition("__")
        relatie = relatie.rpartition("__")[2]
        if veld in ("uuid", "url") and relatie in WERELD_RELATIES:
            if veld == "url" or _is_uuid(value):
                case.query[name] = objecten[WERELD_RELATIES[relatie]][veld]
        elif name in teksten:
            case.query[name] = teksten[name]


def _geldige_identificator(case, world) -> None:
    """About half of the positive bodies of ``POST /partij-identificatoren`` and ``PUT
    /partij-identificatoren/{uuid}`` -> a valid identifier of the generated kind (its codes, a
    valid number), of the world's partij of the right soort without one (or of none), a
    vestigingsnummer a sub-identifier of the world's KvK identifier: the success paths that
    random numbers never reach (11-proef, formats, one identifier of a kind per partij). A PUT
    of the world partij's BSN identifier keeps it (a validated partij's key stays, V1); the
    others are PUTs of the loose KvK identifier. The rest stays random."""
    pad = case.operation.path
    body = case.body
    if (
        pad not in (IDENTIFICATOREN, IDENTIFICATOR)
        or not isinstance(body, dict)
        or not isinstance(body.get("partijIdentificator"), dict)
        or not _positive(case, ParameterLocation.BODY)
    ):
        return
    groep = body["partijIdentificator"]
    zaad = sum(str(groep.get("objectId")).encode()) + len(body)
    if not _chosen(groep.get("objectId")):
        return
    objecten = world["objecten"]
    soort = groep.get("codeSoortObjectId")
    if soort not in IDENTIFICATOR_CODES:
        soort = sorted(IDENTIFICATOR_CODES)[zaad % len(IDENTIFICATOR_CODES)]
    if pad == IDENTIFICATOR:
        if not _is_uuid(case.path_parameters.get("uuid")):
            return
        if zaad % 3 == 0:
            # the world partij's own BSN identifier, unchanged
            body["partijIdentificator"] = ki_identificator("bsn", BSN)
            body["identificeerdePartij"] = {"uuid": objecten["partij"]["uuid"]}
            body["subIdentificatorVan"] = None
            return
        case.path_parameters["uuid"] = objecten["kvk_identificator"]["uuid"]
    waarden = GELDIGE_IDENTIFICATOREN[soort]
    body["partijIdentificator"] = ki_identificator(soort, waarden[zaad % len(waarden)])
    partij = objecten[PARTIJ_VOOR_SOORT[soort]] if zaad % 4 else None
    body["identificeerdePartij"] = {"uuid": partij["uuid"]} if partij else None
    sub = soort == "vestigingsnummer" and pad == IDENTIFICATOREN and zaad % 5 < 3
    body["subIdentificatorVan"] = {"uuid": objecten["kvk_identificator"]["uuid"]} if sub else None


def _filters(path: str) -> list[str]:
    operation = SCHEMA_DOC["paths"][path]["get"]
    return [p["name"] for p in operation.get("parameters", ()) if p["in"] == "query"]


def test_every_valid_identifier_the_fuzzer_writes_is_accepted(world):
    """What ``_geldige_identificator`` writes passes the business rules: each valid identifier
    of each kind, of the world's partij of its soort and of none, is created (201); the world
    partij's BSN identifier is replaced by itself, the loose KvK identifier by each of them
    (200). So a change of the rules or the world does not silently leave the fuzzer with
    400s there."""
    api = ApiClient(HTTP_AUTHORIZATION=f"Token {world['sleutel']}")
    objecten = world["objecten"]
    kvk = objecten["kvk_identificator"]["uuid"]
    for soort, waarden in GELDIGE_IDENTIFICATOREN.items():
        for waarde in waarden:
            for partij in (objecten[PARTIJ_VOOR_SOORT[soort]], None):
                for sub in (None, kvk) if soort == "vestigingsnummer" else (None,):
                    body = {
                        "partijIdentificator": ki_identificator(soort, waarde),
                        "identificeerdePartij": {"uuid": partij["uuid"]} if partij else None,
                        "subIdentificatorVan": {"uuid": sub} if sub else None,
                    }
                    with transaction.atomic():
                        response = api.post_json(f"{KI_BASE}{IDENTIFICATOREN}", body)
                        assert response.status_code == 201, (body, response.content)
                        transaction.set_rollback(True)
                    if sub is not None:
                        continue
                    with transaction.atomic():
                        response = api.put_json(f"{KI_BASE}{IDENTIFICATOREN}/{kvk}", body)
                        assert response.status_code == 200, (body, response.content)
                        transaction.set_rollback(True)
    response = api.put_json(
        f"{KI_BASE}{IDENTIFICATOREN}/{objecten['partijidentificator']['uuid']}",
        {
            "partijIdentificator": ki_identificator("bsn", BSN),
            "identificeerdePartij": {"uuid": objecten["partij"]["uuid"]},
        },
    )
    assert response.status_code == 200, response.content


def test_the_world_is_found_by_every_path_and_filter_the_fuzzer_points_at_it(world):
    """What ``_point_at_world`` puts in a request names the world's objects: each detail path
    answers 200, each list filter it fills in finds the world's object (so a change of the
    API or of the world does not silently leave the fuzzer with 404s and empty lists)."""
    api = ApiClient(HTTP_AUTHORIZATION=f"Token {world['sleutel']}")
    objecten = world["objecten"]
    for path, sleutel in WERELD_PADEN.items():
        response = api.get(KI_BASE + path.replace("{uuid}", objecten[sleutel]["uuid"]))
        assert response.status_code == 200, (path, response.content)
    gevuld = set()
    for path in SCHEMA_DOC["paths"]:
        if "{" in path or "get" not in SCHEMA_DOC["paths"][path]:
            continue
        teksten = world["teksten"].get(path, {})
        for name in _filters(path):
            relatie, _, veld = name.rpartition("__")
            relatie = relatie.rpartition("__")[2]
            if veld in ("uuid", "url") and relatie in WERELD_RELATIES:
                waarde = objecten[WERELD_RELATIES[relatie]][veld]
            elif name in teksten:
                waarde = teksten[name]
            else:
                continue
            response = api.get(f"{KI_BASE}{path}", {name: waarde})
            assert response.status_code == 200, (path, name, response.content)
            assert response.json()["count"] >= 1, (path, name)
            gevuld.add((path, name))
    # every path of the world and every text the world names was used
    assert {(path, name) for path, namen in world["teksten"].items() for name in namen} <= gevuld


@pytest.fixture
def bereik():
    """The status codes of one operation's run, counted: after the run, each operation of
    ``MOET_SLAGEN`` that ran must have answered its success code at least once (the fix-ups
    that make its bodies valid cannot silently stop working)."""
    geteld: Counter = Counter()
    yield geteld
    for (methode, pad), status in MOET_SLAGEN.items():
        gelopen = sum(n for (m, p, _s), n in geteld.items() if (m, p) == (methode, pad))
        if gelopen:
            codes = {s: n for (m, p, s), n in geteld.items() if (m, p) == (methode, pad)}
            assert geteld[methode, pad, status] >= 1, (methode, pad, codes)


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_of_our_schema(case, world, bereik):
    _point_at_world(case, world)
    _geldige_identificator(case, world)
    with requests_mock.Mocker() as outgoing, in_process_requests():
        outgoing.get(requests_mock.ANY, status_code=200, json={})
        response = case.call_and_validate(
            headers={"Authorization": f"Token {world['sleutel']}"},
            excluded_checks=EXCLUDED_CHECKS,
            additional_checks=[missing_required_header_zgw, negative_data_rejection_as_sent],
        )
    bereik[case.method, case.operation.path, response.status_code] += 1
