"""Property-based fuzzing of the Contactmomenten API (as ``test_fuzz_schemathesis`` does for the
Klanten API), twice: over our served schema and over the standard's file
(``CONTACTMOMENTEN_STANDARD_OAS``, its server pointed at ``/contactmomenten/api/v1``).

Every response: no 5xx; status code, content type, headers and body as documented. With the
standard's file the same documented deviations only: the extra status codes our schema
documents (``STANDARD_EXTRA_STATUSES``, checked here to be exactly what our schema adds) are
added to the standard's responses before the run, nothing else.

The database: per operation a contactmoment (with an audit trail record, a klantcontactmoment
and two objectcontactmomenten) and a klant, in the test's transaction; each request runs in a
savepoint that is rolled back. Generated path uuids are pointed at those objects (a DELETE of
an objectcontactmoment at the one whose zaak no longer lists it). Outgoing HTTP (a klant
elsewhere, the Zaken API) is answered by requests_mock: every URL 200, the
``zaakcontactmomenten`` of ``ZAAK``'s Zaken API name the world's contactmoment, those of
``ZAAK_LOSGEKOPPELD``'s are empty.
"""

import copy
import os
import uuid
from pathlib import Path

import pytest
import requests_mock
import schemathesis
import yaml
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation
from vng_api_common.audittrails.models import AuditTrail

from klanten.config.clients import APIClient, save_api_client
from klanten.datamodel import contacten
from klanten.wsgi import application

from .conftest import CM_BASE, RSIN, SECRET, ApiClient, make_token
from .test_fuzz_schemathesis import (
    EXCLUDED_CHECKS,
    MAX_EXAMPLES,
    _chosen,
    _positive_body,
    in_process_requests,
    missing_required_header_zgw,
    negative_data_rejection_as_sent,
)

ROOT = Path(__file__).resolve().parents[1]
STANDARD_ENV = "CONTACTMOMENTEN_STANDARD_OAS"
# the standard as published (EUPL-1.2), used when the variable names no file
COPY = Path(__file__).parent / "standards" / "contactmomenten-api-1.0.0-openapi.yaml"
FUZZER = "fuzzer"
MEDEWERKER = "https://medewerkers.example.nl/api/v1/medewerkers/1"
ZAAK = "https://zaken.example.nl/zaken/api/v1/zaken/9b1e2c3d-0000-4000-8000-000000000001"
# a zaak of another Zaken API that no longer lists its zaakcontactmoment: its objectcontactmoment
# may be deleted (the delete of ZAAK's is refused, 400 remote-relation-exists)
ZAAK_LOSGEKOPPELD = (
    "https://zaken.elders.nl/zaken/api/v1/zaken/9b1e2c3d-0000-4000-8000-000000000002"
)

# the status codes our schema documents beyond the standard's, per operation (the documented
# deviations, docs/conformance.md)
STANDARD_EXTRA_STATUSES = {
    "contactmoment_list": {"404", "414"},
    "klantcontactmoment_list": {"404", "414"},
    "objectcontactmoment_list": {"404", "414"},
    "contactmoment_create": {"413"},
    "contactmoment_update": {"413"},
    "contactmoment_partial_update": {"413"},
    "klantcontactmoment_create": {"413"},
    "objectcontactmoment_create": {"413"},
    "contactmoment_read": {"304"},
    "klantcontactmoment_read": {"304"},
    "objectcontactmoment_read": {"304"},
    "audittrail_read": {"304"},
    "audittrail_list": {"400", "404"},
    "contactmoment_delete": set(),
    "klantcontactmoment_delete": set(),
    "objectcontactmoment_delete": {"400"},
}


def _standard_path() -> Path:
    value = os.environ.get(STANDARD_ENV)
    if not value or not Path(value).is_file():
        return COPY
    return Path(value)


def _ours() -> dict:
    return yaml.safe_load((ROOT / "docs" / "openapi-contactmomenten.yaml").read_text())


def _operations(doc: dict):
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method, operation


# properties that are "" when not given (as in the reference implementation, whose schema
# generator did not write the empty string into the enum or the uri format)
STANDARD_BLANK_PROPERTIES = (("ContactMoment", "initiatiefnemer"), ("ContactMoment", "medewerker"))


def standard_with_deviations(standard: dict, ours: dict) -> dict:
    """The standard's file, served at our base path, with our documented deviations: the
    extra statuses and the properties that may be empty."""
    doc = copy.deepcopy(standard)
    doc["servers"] = [{"url": CM_BASE}]
    for component, prop in STANDARD_BLANK_PROPERTIES:
        properties = doc["components"]["schemas"][component]["properties"]
        properties[prop] = {"anyOf": [properties[prop], {"type": "string", "enum": [""]}]}
    # PATCH is partial (as the reference implementation does): nothing is required
    patched = copy.deepcopy(doc["components"]["schemas"]["ContactMoment"])
    patched.pop("required", None)
    doc["components"]["schemas"]["PatchedContactMoment"] = patched
    doc["paths"]["/contactmomenten/{uuid}"]["patch"]["requestBody"] = {
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/PatchedContactMoment"}}
        },
        "required": True,
    }
    # `oud` is null on a create record, `nieuw` on a destroy record (any JSON value)
    for prop in ("oud", "nieuw"):
        doc["components"]["schemas"]["Wijzigingen"]["properties"][prop].pop("type")
    for _path, _method, operation in _operations(doc):
        extra = STANDARD_EXTRA_STATUSES[operation["operationId"]]
        for status in extra:
            if status == "304":
                response = {"description": "Not modified"}
            else:  # a problem+json body: ValidatieFout for 400, Fout otherwise (as 403's)
                response = copy.deepcopy(
                    doc["components"]["responses"]["400" if status == "400" else "403"]
                )
                response["description"] = status
            operation["responses"][status] = response
    return doc


def _configure(schema, max_examples: int = MAX_EXAMPLES):
    schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=max_examples,
        deterministic=True,
        database="none",
    )
    schema.config.checks.negative_data_rejection.expected_statuses = [
        *schema.config.checks.negative_data_rejection.expected_statuses,
        "413",
        "414",
    ]
    return schema


ours_schema = _configure(
    schemathesis.openapi.from_wsgi(f"{CM_BASE}/schema/openapi.json", application)
)

standard_schema = schemathesis.openapi.from_file(
    yaml.safe_dump(standard_with_deviations(yaml.safe_load(_standard_path().read_text()), _ours()))
)
standard_schema.app = application
# the same operations again, through the standard's eyes: its coverage phase in full,
# a third of the generated examples (the suite's time; KLANTEN_FUZZ_MAX_EXAMPLES raises both)
_configure(standard_schema, max(MAX_EXAMPLES // 3, 25))


def test_the_extra_statuses_are_what_our_schema_adds():
    standard = yaml.safe_load(_standard_path().read_text())
    ours = _ours()
    for path, method, operation in _operations(standard):
        extra = set(ours["paths"][path][method]["responses"]) - set(operation["responses"])
        assert extra == STANDARD_EXTRA_STATUSES[operation["operationId"]], operation["operationId"]


@pytest.fixture
def world(db, medewerkers):
    save_api_client(
        APIClient(client_id=FUZZER, secret=SECRET, label="Fuzzer", heeft_alle_autorisaties=True)
    )
    token = make_token(FUZZER, user_id="fuzz", user_representation="Fuzzer")
    api = ApiClient(token)
    created = api.post_json(
        f"{CM_BASE}/contactmomenten",
        {"bronorganisatie": RSIN, "kanaal": "telefoon", "medewerker": MEDEWERKER},
    )
    assert created.status_code == 201, created.content
    url = created.json()["url"]
    klantcontact = contacten.Klantcontact.objects.get()
    klant = api.post_json(
        "/klanten/api/v1/klanten",
        {
            "bronorganisatie": RSIN,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": "111222333"},
        },
    )
    assert klant.status_code == 201, klant.content
    betrokkene, _ = contacten.add_betrokkene(
        klantcontact,
        klant_url=KLANT_ELDERS,
        klantcontactmoment_rol="gesprekspartner",
    )
    onderwerpobject = contacten.add_onderwerpobject(
        klantcontact, **contacten.zaak_velden(ZAAK, "zaak")
    )
    losgekoppeld = contacten.add_onderwerpobject(
        klantcontact, **contacten.zaak_velden(ZAAK_LOSGEKOPPELD, "zaak")
    )
    trail = AuditTrail.objects.create(
        bron="cmc",
        actie="create",
        resultaat=201,
        hoofd_object=url,
        resource="contactmoment",
        resource_url=url,
        resource_weergave="contactmoment",
    )
    world = {
        "token": token,
        "contactmoment": klantcontact.uuid,
        "contactmoment_url": url,
        "klant_url": klant.json()["url"],
        "klantcontactmoment": betrokkene.uuid,
        "objectcontactmoment": onderwerpobject.uuid,
        "objectcontactmoment_losgekoppeld": losgekoppeld.uuid,
        "audittrail": trail.uuid,
    }
    world["filters"] = _filters(world)
    return world


KLANT_ELDERS = "https://klanten.elders.nl/api/v1/klanten/1"


def _filters(world) -> dict[str, dict[str, str]]:
    """Per list path, the world's value of each filter on a text or URL: what about half of
    the values of those filters in positive queries are replaced with (``_point_at_world``),
    so that filtered lists also find something."""
    return {
        "/contactmomenten": {
            "bronorganisatie": RSIN,
            "kanaal": "telefoon",
            "medewerker": MEDEWERKER,
        },
        "/klantcontactmomenten": {
            "contactmoment": world["contactmoment_url"],
            "klant": KLANT_ELDERS,
        },
        "/objectcontactmomenten": {"contactmoment": world["contactmoment_url"], "object": ZAAK},
    }


def _point_at_world(case, world) -> None:
    path = case.operation.path
    filters = world["filters"].get(path, {})
    query = case.meta.components.get(ParameterLocation.QUERY) if case.meta else None
    if case.query and query is not None and query.mode == GenerationMode.POSITIVE:
        for name, value in list(case.query.items()):
            if name in filters and isinstance(value, str) and _chosen(value):
                case.query[name] = filters[name]
    for name, value in list((case.path_parameters or {}).items()):
        try:
            uuid.UUID(str(value))
        except ValueError:
            continue
        if name == "contactmoment_uuid" or (name == "uuid" and path == "/contactmomenten/{uuid}"):
            case.path_parameters[name] = str(world["contactmoment"])
        elif path.endswith("/audittrail/{uuid}"):
            case.path_parameters[name] = str(world["audittrail"])
        elif path == "/klantcontactmomenten/{uuid}":
            case.path_parameters[name] = str(world["klantcontactmoment"])
        elif path == "/objectcontactmomenten/{uuid}" and case.method == "DELETE":
            case.path_parameters[name] = str(world["objectcontactmoment_losgekoppeld"])
        elif path == "/objectcontactmomenten/{uuid}":
            case.path_parameters[name] = str(world["objectcontactmoment"])


def _business_valid(case, world) -> None:
    """Positive bodies are schema-valid but rarely business-valid (an RSIN with its 11-proef,
    a medewerker, references to this API): fix them up so they reach the services."""
    body = case.body
    if not isinstance(body, dict):
        return
    path = case.operation.path
    if path.startswith("/contactmomenten"):
        if isinstance(body.get("bronorganisatie"), str) or case.method == "POST":
            body["bronorganisatie"] = RSIN
        if "vorigContactmoment" in body:
            body["vorigContactmoment"] = None
        if case.method != "PATCH" and not body.get("medewerker"):
            body["medewerker"] = MEDEWERKER
    elif path == "/klantcontactmomenten":
        body["contactmoment"] = world["contactmoment_url"]
        body["klant"] = world["klant_url"]
    elif path == "/objectcontactmomenten":
        body["contactmoment"] = world["contactmoment_url"]
        body["object"] = ZAAK


def _run(case, world, bereik):
    _point_at_world(case, world)
    if _positive_body(case):
        _business_valid(case, world)
    with requests_mock.Mocker() as outgoing, in_process_requests():
        outgoing.get(requests_mock.ANY, status_code=200, json={})
        outgoing.get(
            "https://zaken.example.nl/zaken/api/v1/zaakcontactmomenten",
            json=[{"zaak": ZAAK, "contactmoment": world["contactmoment_url"]}],
        )
        outgoing.get("https://zaken.elders.nl/zaken/api/v1/zaakcontactmomenten", json=[])
        response = case.call_and_validate(
            headers={"Authorization": f"Bearer {world['token']}"},
            excluded_checks=EXCLUDED_CHECKS,
            additional_checks=[missing_required_header_zgw, negative_data_rejection_as_sent],
        )
    filters = world["filters"].get(case.operation.path)
    if case.method == "GET" and filters is not None:
        bereik["gelopen"] += 1
        gevuld = any((case.query or {}).get(name) == waarde for name, waarde in filters.items())
        if response.status_code == 200 and gevuld and response.json()["count"] >= 1:
            bereik["gevonden"] += 1


def test_the_world_is_found_by_every_filter_the_fuzzer_points_at_it(world):
    """Each value ``_point_at_world`` gives a list filter finds the world's object (so a
    change of the API or of the world does not silently leave the fuzzer with empty lists)."""
    api = ApiClient(world["token"])
    for path, filters in world["filters"].items():
        for name, waarde in filters.items():
            with requests_mock.Mocker() as outgoing:
                outgoing.get(requests_mock.ANY, status_code=200, json={})
                response = api.get(f"{CM_BASE}{path}", {name: waarde})
            assert response.status_code == 200, (path, name, response.content)
            assert response.json()["count"] >= 1, (path, name)


@pytest.fixture
def bereik():
    """The filtered lists of one operation's run that found the world's object: after the run
    of a list of ``_filters``, at least one (the fix-up of ``_point_at_world`` cannot
    silently stop working)."""
    geteld = {"gelopen": 0, "gevonden": 0}
    yield geteld
    if geteld["gelopen"]:
        assert geteld["gevonden"] >= 1, geteld


@ours_schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_of_our_schema(case, world, bereik):
    _run(case, world, bereik)


@standard_schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_of_the_standard(case, world, bereik):
    _run(case, world, bereik)
