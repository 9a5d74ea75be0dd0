"""Property-based fuzzing of every operation of our own served schema (issue 8, contract P3).

schemathesis loads ``/klanten/api/v1/schema/openapi.json`` from the Django WSGI application
in-process and, for every operation (the standard's and the extensions'), sends the schema's
examples, its coverage cases (boundary values, missing and malformed parameters, wrong types:
the negative phase) and generated positive and negative data, with the token of an application
with all rights. Every response is checked:

- no 5xx (``not_a_server_error``);
- the status code, content type, headers and body are the documented ones
  (``status_code_conformance``, ``content_type_conformance``, ``response_headers_conformance``,
  ``response_schema_conformance``);
- data that breaks the schema is refused with a 4xx (``negative_data_rejection``);
- a method the schema does not list is a 405 (``unsupported_method``).

Bounded and deterministic for CI: a fixed number of examples per operation, derandomized
generation, no example database, no deadline (a slow CI machine is not a failure).

The database: per operation one set of objects (a klant with an audit trail record and an
interaction, a validated klant) in the test's transaction; each generated request runs in a
savepoint that is rolled back, so every request sees the same state. Generated path uuids are
pointed at those objects, so requests reach the views' real work instead of 404s; about half
of the values of the text filters of ``/klanten`` in positive queries are the world klant's
(``KLANT_TEKSTEN``), so filtered lists also find it (a plain test checks each value does; each
run of ``GET /klanten`` must have found it at least once, ``bereik``). Outgoing
HTTP (the subject URL check, kla-002) is answered 200 by requests_mock; no Notificaties API is
configured in the tests.
"""

import os
import uuid
from contextlib import contextmanager

import pytest
import requests_mock
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.meta import ComponentInfo, CoveragePhaseData, CoverageScenario
from schemathesis.specs.openapi.checks import (
    missing_required_header,
    negative_data_rejection,
    positive_data_acceptance,
)
from vng_api_common.audittrails.models import AuditTrail

from klanten.config.clients import APIClient, save_api_client
from klanten.datamodel.constants import INTERACTIE_ROLLEN
from klanten.datamodel.models import Interactie, Klant
from klanten.wsgi import application

from .conftest import BASE, BSN, BSN_2, RSIN, RSIN_2, SECRET, ApiClient, make_token
from .validatie_helpers import DIGID_MIDDEN, assertion, moment

SCHEMA_PATH = f"{BASE}/schema/openapi.json"
# generated (positive and negative) examples per operation, besides the schema's examples and
# the coverage cases; with 16 operations the whole module takes about a minute
# (KLANTEN_FUZZ_MAX_EXAMPLES=1000 for a deeper run by hand)
MAX_EXAMPLES = int(os.environ.get("KLANTEN_FUZZ_MAX_EXAMPLES", "150"))
FUZZER = "fuzzer"

schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, application)
# the schema's examples; the coverage cases (boundary values, missing and malformed
# parameters, wrong types, unsupported methods); generated data. Stateful links: none.
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=MAX_EXAMPLES,
    deterministic=True,  # derandomized: the same cases on every run
    database="none",  # no .hypothesis example database in the work tree
)
# the request limits (P3): a body or query string over the maximum is refused with 413/414
schema.config.checks.negative_data_rejection.expected_statuses = [
    *schema.config.checks.negative_data_rejection.expected_statuses,
    "413",
    "414",
]

# Deliberate, documented deviations, excluded narrowly:
EXCLUDED_CHECKS = [
    # Schema-valid is not business-valid: RSIN/BSN 11-proef (C9), the subject URL must answer
    # 200 (C7), a subject or subjectIdentificatie is required (C8), evidence rules (V2-V5):
    # these are 400 (or 403/409 for evidence) by design and cannot be written in the schema.
    positive_data_acceptance,
    # replaced by missing_required_header_zgw below: ZGW (C4) answers a missing token with
    # 403, not 401
    missing_required_header,
    # replaced by negative_data_rejection_as_sent below
    negative_data_rejection,
]


def _headers_valid_as_sent(response) -> bool:
    """The documented headers of the request as it went out: the token (added by this test)
    and, with a body, Content-Type application/json (added by the transport for a JSON body).
    The other documented headers are free strings."""
    sent = {name.lower(): value for name, value in response.request.headers.items()}
    content_type = sent.get("content-type", "application/json").split(";")[0].strip()
    return "authorization" in sent and content_type == "application/json"


def _numbers_for_strings_only(case) -> bool:
    """Whether every negation of the body is a number where a string is due."""
    data = case.meta.phase.data
    mutations = [
        mutation
        for mutation in getattr(data, "mutations", ())
        if mutation.parameter_location == ParameterLocation.BODY
    ]
    for mutation in mutations:
        became = (
            mutation.new_value if isinstance(mutation.new_value, list) else [mutation.new_value]
        )
        if (
            mutation.keywords != ("type",)
            or mutation.original_value != "string"
            or not set(became) <= {"number", "integer"}
        ):
            return False
    return bool(mutations)


def negative_data_rejection_as_sent(ctx, response, case):
    """``negative_data_rejection``, judged on the request as it was sent, with the API's
    documented leniencies (docs/conformance.md):

    - a missing required header (``Authorization``, ``Content-Type``) that the test's token or
      the JSON transport put back is no negation: the rest of the case is judged (e.g. a body
      whose only "violation" is a read-only property, which the API ignores as schemathesis
      itself allows, is then accepted);
    - an empty query value is no filter (django-filter's convention, as in the ZGW reference
      implementations): ``?subjectType=`` lists everything rather than being refused for not
      being one of the enum's values;
    - a number where a string is due is taken as its text (DRF's coercion, as in the reference
      implementations): ``"klantnummer": 123`` is ``"123"``."""
    if case.method == "GET" and response.status_code == 200 and "" in (case.query or {}).values():
        return None
    components = case.meta.components if case.meta is not None else {}
    negated = {
        location for location, info in components.items() if info.mode == GenerationMode.NEGATIVE
    }
    header = components.get(ParameterLocation.HEADER)
    header_undone = ParameterLocation.HEADER in negated and _headers_valid_as_sent(response)
    if header_undone:
        negated.discard(ParameterLocation.HEADER)
        if not negated:
            return None
    if (
        negated == {ParameterLocation.BODY}
        and response.status_code < 300
        and _numbers_for_strings_only(case)
    ):
        return None
    if not header_undone:
        return negative_data_rejection(ctx, response, case)
    components[ParameterLocation.HEADER] = ComponentInfo(mode=GenerationMode.POSITIVE)
    try:
        return negative_data_rejection(ctx, response, case)
    finally:
        components[ParameterLocation.HEADER] = header


def missing_required_header_zgw(ctx, response, case):
    """``missing_required_header`` as the ZGW APIs do it: no Authorization header → 403
    problem+json (schemathesis expects 401); any other missing required header as usual."""
    meta = case.meta
    data = meta.phase.data if meta is not None else None
    if (
        isinstance(data, CoveragePhaseData)
        and data.parameter_location == ParameterLocation.HEADER
        and data.scenario == CoverageScenario.MISSING_PARAMETER
        and (data.parameter or "").lower() == "authorization"
    ):
        assert response.status_code == 403, (
            f"Got {response.status_code} without an Authorization header, expected 403"
        )
        assert response.headers.get("content-type") == ["application/problem+json"]
        return None
    return missing_required_header(ctx, response, case)


# the world klant's value of each ``/klanten`` filter on a text (a number, a name, an
# address): what about half of the values of those filters in positive queries are replaced
# with (``_point_at_world``), so that filtered lists also find something; ``klantnummer`` is
# the one the klant was given
KLANT_TEKSTEN = {
    "bronorganisatie": RSIN,
    "subjectNatuurlijkPersoon__inpBsn": BSN,
    "achternaam": "Dijk",
    "functie": "Inwoner",
    "telefoonnummer": "0612345678",
    "emailadres": "fuzz@example.nl",
    "adres__straatnaam": "Hoofdstraat",
    "adres__postcode": "2611AB",
    "adres__woonplaatsNaam": "Delft",
}


@pytest.fixture
def world(db):
    """The objects the generated requests are pointed at, and the fuzzer's token."""
    save_api_client(
        APIClient(
            client_id=FUZZER,
            secret=SECRET,
            label="Fuzzer",
            heeft_alle_autorisaties=True,
            maximale_rang=4,
        )
    )
    token = make_token(FUZZER, user_id="fuzz", user_representation="Fuzzer")
    api = ApiClient(token)
    created = api.post_json(
        f"{BASE}/klanten",
        {
            "bronorganisatie": RSIN,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": BSN, "geslachtsnaam": "Dijk"},
            "achternaam": KLANT_TEKSTEN["achternaam"],
            "functie": KLANT_TEKSTEN["functie"],
            "telefoonnummer": KLANT_TEKSTEN["telefoonnummer"],
            "emailadres": KLANT_TEKSTEN["emailadres"],
            "adres": {
                "straatnaam": KLANT_TEKSTEN["adres__straatnaam"],
                "huisnummer": 1,
                "postcode": KLANT_TEKSTEN["adres__postcode"],
                "woonplaatsnaam": KLANT_TEKSTEN["adres__woonplaatsNaam"],
            },
        },
    )
    assert created.status_code == 201, created.content
    klant = Klant.objects.get()
    response = api.post_json(
        f"{BASE}/klanten/{klant.uuid}/interacties",
        {
            "soort": "contactmoment",
            "url": "https://contactmomenten.example.com/api/v1/contactmomenten/1",
            "rol": "belanghebbende",
        },
    )
    assert response.status_code == 201, response.content
    gevalideerd = api.post_json(
        f"{BASE}/gevalideerde-klanten",
        {
            "klant": {
                "bronorganisatie": RSIN,
                "subjectType": "natuurlijk_persoon",
                "subjectIdentificatie": {"inpBsn": BSN_2},
            },
            "validatie": assertion(BSN_2),
        },
    )
    assert gevalideerd.status_code == 201, gevalideerd.content
    objects = {
        "klant": klant.uuid,
        "audittrail": AuditTrail.objects.filter(hoofd_object__endswith=str(klant.uuid))
        .first()
        .uuid,
        "interactie": Interactie.objects.get(klant=klant).uuid,
    }
    filters = {**KLANT_TEKSTEN, "klantnummer": created.json()["klantnummer"]}
    return {"token": token, "filters": filters, **objects}


@contextmanager
def in_process_requests():
    """Requests to the real WSGI handler inside the test's transaction: one savepoint per
    request, rolled back; the connection is not closed after a request (which the handler does
    unless these signal handlers are off, as the Django test client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with transaction.atomic():
            yield
            transaction.set_rollback(True)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# Positive bodies are schema-valid, but rarely business-valid (11-proef, evidence rules, roles
# per kind of interaction): these fix-ups keep them schema-valid and let them through
# validation into the services and the database, with the rest of the generated data.
IDENTIFIERS = {
    "bronorganisatie": RSIN,
    "inpBsn": BSN,  # klant A's, so that evidence for it matches
    "innNnpId": RSIN_2,
    "inpANummer": "1234567890",
}


def _with_valid_identifiers(value, identifiers) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in identifiers and isinstance(item, str) and item:
                value[key] = identifiers[key]
            else:
                _with_valid_identifiers(item, identifiers)
    elif isinstance(value, list):
        for item in value:
            _with_valid_identifiers(item, identifiers)


def _with_valid_evidence(validatie: dict) -> None:
    """An application's assertion (V4) for klant A's BSN, DigiD Midden, just now."""
    validatie.pop("idToken", None)
    validatie.update(
        {
            "middel": "digid",
            "betrouwbaarheidsniveau": DIGID_MIDDEN,
            "authenticatieMoment": moment(5).isoformat(),
            "geauthenticeerde": {"type": "bsn", "identificatie": BSN},
            "vertegenwoordigde": None,
        }
    )


def _business_valid(case) -> None:
    body = case.body
    if not isinstance(body, dict):
        return
    path = case.operation.path
    identifiers = {**IDENTIFIERS, "inpBsn": BSN_2} if path == "/klantbeeld" else IDENTIFIERS
    _with_valid_identifiers(body, identifiers)
    if path.endswith("/validaties"):
        _with_valid_evidence(body)
    elif path == "/gevalideerde-klanten" and isinstance(body.get("validatie"), dict):
        _with_valid_evidence(body["validatie"])
    elif path.endswith("/interacties") and body.get("soort") in INTERACTIE_ROLLEN:
        body["rol"] = INTERACTIE_ROLLEN[body["soort"]][0]


def _positive(case, location) -> bool:
    component = case.meta.components.get(location) if case.meta else None
    return component is not None and component.mode == GenerationMode.POSITIVE


def _positive_body(case) -> bool:
    return _positive(case, ParameterLocation.BODY)


def _chosen(value) -> bool:
    """Whether a generated filter value is replaced by the world's (about half of them,
    deterministically: the others still ask for what is not there)."""
    return sum(str(value).encode()) % 2 == 0


def _point_at_world(case, world) -> None:
    """Generated uuids in the path → the world's objects (malformed values stay malformed); in
    a positive query of ``/klanten``, about half of the values of a text filter → the world
    klant's (``KLANT_TEKSTEN``)."""
    path = case.operation.path
    if path == "/klanten" and case.query and _positive(case, ParameterLocation.QUERY):
        for name, value in list(case.query.items()):
            if name in world["filters"] and isinstance(value, str) and _chosen(value):
                case.query[name] = world["filters"][name]
    for name, value in list((case.path_parameters or {}).items()):
        try:
            uuid.UUID(str(value))
        except ValueError:
            continue
        if name == "klant_uuid" or (name == "uuid" and path == "/klanten/{uuid}"):
            case.path_parameters[name] = str(world["klant"])
        elif path.endswith("/audittrail/{uuid}"):
            case.path_parameters[name] = str(world["audittrail"])
        elif path.endswith("/interacties/{uuid}"):
            case.path_parameters[name] = str(world["interactie"])


def test_the_world_klant_is_found_by_every_filter_the_fuzzer_points_at_it(world):
    """Each value ``_point_at_world`` gives a ``/klanten`` filter finds the world klant, alone
    and all together (so a change of the API or of the world does not silently leave the
    fuzzer with empty lists); every text filter of the schema but the ones on what the world
    klant has none of (a subject URL, other identifications, a bedrijfsnaam, a landcode) is
    filled in."""
    api = ApiClient(world["token"])
    for name, waarde in world["filters"].items():
        response = api.get(f"{BASE}/klanten", {name: waarde})
        assert response.status_code == 200, (name, response.content)
        assert response.json()["count"] >= 1, name
    response = api.get(f"{BASE}/klanten", world["filters"])
    assert response.json()["count"] == 1, response.content
    operation = schema.raw_schema["paths"]["/klanten"]["get"]
    namen = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
    niet_gevuld = {
        "page",
        "subject",
        "subjectType",
        "bedrijfsnaam",
        "adres__landcode",
        "subjectNatuurlijkPersoon__anpIdentificatie",
        "subjectNatuurlijkPersoon__inpA_nummer",
        "subjectNietNatuurlijkPersoon__innNnpId",
        "subjectNietNatuurlijkPersoon__annIdentificatie",
        "subjectVestiging__vestigingsNummer",
    }
    assert namen - niet_gevuld == set(world["filters"])


@pytest.fixture
def bereik():
    """The filtered lists of ``/klanten`` of one operation's run that found something: after
    the run of ``GET /klanten``, at least one (the fix-up of ``_point_at_world`` cannot
    silently stop working)."""
    geteld = {"gelopen": 0, "gevonden": 0}
    yield geteld
    if geteld["gelopen"]:
        assert geteld["gevonden"] >= 1, geteld


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation(case, world, bereik):
    _point_at_world(case, world)
    if _positive_body(case):
        _business_valid(case)
    with requests_mock.Mocker() as outgoing, in_process_requests():
        outgoing.get(requests_mock.ANY, status_code=200)  # kla-002: every subject URL exists
        response = case.call_and_validate(
            headers={"Authorization": f"Bearer {world['token']}"},
            excluded_checks=EXCLUDED_CHECKS,
            additional_checks=[missing_required_header_zgw, negative_data_rejection_as_sent],
        )
    if case.method == "GET" and case.operation.path == "/klanten":
        bereik["gelopen"] += 1
        gevuld = any(
            (case.query or {}).get(name) == waarde for name, waarde in world["filters"].items()
        )
        if response.status_code == 200 and gevuld and response.json()["count"] >= 1:
            bereik["gevonden"] += 1
