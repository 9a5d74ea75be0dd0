"""Property-based fuzzing of the Klantinteracties API over our served schema (as
``test_fuzz_schemathesis`` does for the Klanten API): every operation the schema documents, so
the klantcontacten side's operations are covered as soon as they are served.

Every response: no 5xx; status code, content type, headers and body as documented. The
database: per operation a validated partij with a digital address and its identifiers, in the
test's transaction; generated path uuids are pointed at the object of their collection when
this module knows one (``WERELD_PADEN``), else they name nothing (a 404).
"""

import uuid

import pytest
import requests_mock
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from klanten.config.clients import APIClient, save_api_client
from klanten.config.tokens import maak_token
from klanten.wsgi import application

from .conftest import BSN, SECRET, ApiClient
from .ki_fixtures import KI_BASE
from .test_fuzz_schemathesis import (
    EXCLUDED_CHECKS,
    MAX_EXAMPLES,
    in_process_requests,
    missing_required_header_zgw,
    negative_data_rejection_as_sent,
)

FUZZER = "ki-fuzzer"

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

# collection path -> key in the world of the object a generated uuid is pointed at
WERELD_PADEN = {
    "/partijen/{uuid}": "partij",
    "/digitaleadressen/{uuid}": "digitaaladres",
    "/partij-identificatoren/{uuid}": "partijidentificator",
}


@pytest.fixture
def world(db):
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
    partij = api.post_json(
        f"{KI_BASE}/partijen",
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
    assert partij.status_code == 201, partij.content
    adres = api.post_json(
        f"{KI_BASE}/digitaleadressen",
        {
            "verstrektDoorPartij": {"uuid": partij.json()["uuid"]},
            "adres": "fuzz@example.nl",
            "soortDigitaalAdres": "email",
            "isStandaardAdres": True,
        },
    )
    assert adres.status_code == 201, adres.content
    return {
        "sleutel": sleutel,
        "partij": partij.json()["uuid"],
        "digitaaladres": adres.json()["uuid"],
        "partijidentificator": partij.json()["partijIdentificatoren"][0]["uuid"],
    }


def _point_at_world(case, world) -> None:
    sleutel = WERELD_PADEN.get(case.operation.path)
    for name, value in list((case.path_parameters or {}).items()):
        try:
            uuid.UUID(str(value))
        except ValueError:
            continue
        if sleutel is not None and name == "uuid":
            case.path_parameters[name] = world[sleutel]


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_of_our_schema(case, world):
    _point_at_world(case, world)
    with requests_mock.Mocker() as outgoing, in_process_requests():
        outgoing.get(requests_mock.ANY, status_code=200, json={})
        case.call_and_validate(
            headers={"Authorization": f"Token {world['sleutel']}"},
            excluded_checks=EXCLUDED_CHECKS,
            additional_checks=[missing_required_header_zgw, negative_data_rejection_as_sent],
        )
