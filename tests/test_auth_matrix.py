"""Authorization matrix (C4, E5, issue 8): every operation × every principal → one status.

The operations come from the committed schema (docs/openapi.yaml, which ``bin/test`` checks is
the generated one), so a new operation fails here until it is added to ``REQUIRED_SCOPES`` and
``REQUESTS``. The table states the scopes each operation needs and is compared with the
security requirement the schema documents.

Principals: a client with each scope alone, with exactly the operation's scopes, with every
scope but one of those, with no scope, with every scope, with all rights; and tokens that are
refused whatever the operation: none, an unknown client id, a bad signature, expired (``iat``
older than ``JWT_EXPIRY``, or ``exp`` in the past).

Every operation is called twice per principal: a valid request (success status) and one the
operation refuses after the scope check (an unknown uuid → 404, an invalid body or filter →
400). A principal without the scopes gets 403 for both: the scope check comes first, so it
learns nothing about what exists. One database setup per operation; every call runs in a
savepoint that is rolled back, so each one sees the same state.
"""

import re
import time
from pathlib import Path

import pytest
import yaml
from django.db import transaction

from klanten.config.clients import KNOWN_SCOPES, APIClient, save_api_client

from .conftest import BASE, BSN, BSN_2, RSIN, SECRET, ApiClient, make_token
from .validatie_helpers import assertion

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())
METHODS = ("get", "post", "put", "patch", "delete")
SCHEMA_OPERATIONS = {
    operation["operationId"]: (method.upper(), path, operation)
    for path, item in SCHEMA["paths"].items()
    for method, operation in item.items()
    if method in METHODS
}

LEZEN = "klanten.lezen"
AANMAKEN = "klanten.aanmaken"
BIJWERKEN = "klanten.bijwerken"
VERWIJDEREN = "klanten.verwijderen"
AUDITTRAILS = "audittrails.lezen"
VALIDEREN = "klanten.valideren"
KLANTBEELD = "klanten.klantbeeld"
BEHEER = "klanten.beheer"
SCOPES = (LEZEN, AANMAKEN, BIJWERKEN, VERWIJDEREN, AUDITTRAILS, VALIDEREN, KLANTBEELD, BEHEER)

# operationId → every scope it needs (all of them)
REQUIRED_SCOPES = {
    # the standard (Klanten API 1.0.0)
    "klant_list": {LEZEN},
    "klant_read": {LEZEN},
    "klant_create": {AANMAKEN},
    "klant_update": {BIJWERKEN},
    "klant_partial_update": {BIJWERKEN},
    "klant_delete": {VERWIJDEREN},
    "audittrail_list": {AUDITTRAILS},
    "audittrail_read": {AUDITTRAILS},
    # extensions (E1-E5)
    "validatie_list": {LEZEN},
    "validatie_create": {VALIDEREN},
    "interactie_list": {LEZEN},
    "interactie_create": {BIJWERKEN},
    "interactie_delete": {BIJWERKEN},
    "bevestigingsverzoek_create": {BIJWERKEN},
    "klantbeeld_create": {KLANTBEELD},
    "gevalideerde_klant_create": {AANMAKEN, VALIDEREN},
}

KLANT_BODY = {
    "bronorganisatie": RSIN,
    "subjectType": "natuurlijk_persoon",
    "subjectIdentificatie": {"inpBsn": BSN},
    "achternaam": "Vervangen",
}
INVALID_KLANT_BODY = {**KLANT_BODY, "bronorganisatie": "123"}
INTERACTIE_BODY = {
    "soort": "verzoek",
    "url": "https://verzoeken.example.com/api/v1/verzoeken/2",
    "rol": "initiator",
}
KLANTBEELD_BODY = {"subjectType": "natuurlijk_persoon", "identificatie": {"inpBsn": BSN_2}}
UNKNOWN = "00000000-0000-4000-8000-000000000000"
BSN_3 = "999990019"  # a third valid BSN (11-proef)


def _gevalideerde_klant(inp_bsn: str) -> dict:
    return {
        "klant": {
            "bronorganisatie": RSIN,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": inp_bsn},
        },
        "validatie": assertion(inp_bsn),
    }


# operationId → (valid request, success status, refused request, its status); a request is
# (path with {klant}, {audittrail}, {interactie} placeholders, JSON body or None)
REQUESTS = {
    "klant_list": (("/klanten", None), 200, ("/klanten?bronorganisatie=123", None), 400),
    "klant_read": (("/klanten/{klant}", None), 200, (f"/klanten/{UNKNOWN}", None), 404),
    "klant_create": (("/klanten", KLANT_BODY), 201, ("/klanten", INVALID_KLANT_BODY), 400),
    "klant_update": (
        ("/klanten/{klant}", KLANT_BODY),
        200,
        ("/klanten/{klant}", INVALID_KLANT_BODY),
        400,
    ),
    "klant_partial_update": (
        ("/klanten/{klant}", {"telefoonnummer": "0612345678"}),
        200,
        (f"/klanten/{UNKNOWN}", {"telefoonnummer": "0612345678"}),
        404,
    ),
    "klant_delete": (("/klanten/{klant}", None), 204, (f"/klanten/{UNKNOWN}", None), 404),
    "audittrail_list": (
        ("/klanten/{klant}/audittrail", None),
        200,
        (f"/klanten/{UNKNOWN}/audittrail", None),
        404,
    ),
    "audittrail_read": (
        ("/klanten/{klant}/audittrail/{audittrail}", None),
        200,
        (f"/klanten/{{klant}}/audittrail/{UNKNOWN}", None),
        404,
    ),
    "validatie_list": (
        ("/klanten/{klant}/validaties", None),
        200,
        (f"/klanten/{UNKNOWN}/validaties", None),
        404,
    ),
    "validatie_create": (
        ("/klanten/{klant}/validaties", assertion(BSN)),
        201,
        ("/klanten/{klant}/validaties", {"middel": "postduif"}),
        400,
    ),
    "interactie_list": (
        ("/klanten/{klant}/interacties", None),
        200,
        (f"/klanten/{UNKNOWN}/interacties", None),
        404,
    ),
    "interactie_create": (
        ("/klanten/{klant}/interacties", INTERACTIE_BODY),
        201,
        ("/klanten/{klant}/interacties", {**INTERACTIE_BODY, "rol": "koning"}),
        400,
    ),
    "interactie_delete": (
        ("/klanten/{klant}/interacties/{interactie}", None),
        204,
        (f"/klanten/{{klant}}/interacties/{UNKNOWN}", None),
        404,
    ),
    "bevestigingsverzoek_create": (
        ("/klanten/{klant}/bevestigingsverzoek", None),
        201,
        (f"/klanten/{UNKNOWN}/bevestigingsverzoek", None),
        404,
    ),
    "klantbeeld_create": (
        ("/klantbeeld", KLANTBEELD_BODY),
        200,
        ("/klantbeeld", {"subjectType": "natuurlijk_persoon", "identificatie": {}}),
        400,
    ),
    "gevalideerde_klant_create": (
        ("/gevalideerde-klanten", _gevalideerde_klant(BSN_3)),
        201,
        ("/gevalideerde-klanten", {"klant": {}, "validatie": {}}),
        400,
    ),
}

# tokens refused whatever the operation → the ZGW error code
BAD_TOKENS = {
    "no-token": "permission_denied",
    "unknown-client": "invalid-client-identifier",
    "bad-signature": "invalid-jwt-signature",
    "expired-iat": "jwt-expired",
    "expired-exp": "jwt-expiredsignatureerror",
}


def _schema_scopes(operation: dict) -> set[str]:
    (requirement,) = operation["security"]
    (expression,) = requirement["JWT-Claims"]
    return set(re.findall(r"[a-z]+\.[a-z]+", expression))


# --- the table and the schema agree --------------------------------------------------------
def test_the_scopes_are_the_known_ones():
    assert set(SCOPES) == set(KNOWN_SCOPES)


def test_every_operation_of_the_schema_is_in_the_table():
    assert set(REQUIRED_SCOPES) == set(SCHEMA_OPERATIONS)
    assert set(REQUESTS) == set(SCHEMA_OPERATIONS)


@pytest.mark.parametrize("operation_id", sorted(SCHEMA_OPERATIONS))
def test_the_schema_documents_the_required_scopes(operation_id):
    operation = SCHEMA_OPERATIONS[operation_id][2]
    assert _schema_scopes(operation) == REQUIRED_SCOPES[operation_id]
    if len(REQUIRED_SCOPES[operation_id]) > 1:  # all of them, not one of them
        (requirement,) = operation["security"]
        assert " & " in requirement["JWT-Claims"][0]
    assert "403" in operation["responses"]


# --- the matrix ------------------------------------------------------------------------------
def _principals(required: set[str]) -> dict[str, tuple[tuple[str, ...], bool]]:
    """name (also the client id) → (scopes, all rights) of the clients that call one
    operation; "all rights" is also the client of the bad-token cases."""
    principals = {f"only {scope}": ((scope,), False) for scope in SCOPES}
    principals["exactly the required"] = (tuple(sorted(required)), False)
    for scope in sorted(required):
        principals[f"all but {scope}"] = (tuple(s for s in SCOPES if s != scope), False)
    principals["no scope"] = ((), False)
    principals["every scope"] = (SCOPES, False)
    principals["all rights"] = ((), True)
    return principals


def _bad_token(kind: str) -> str | None:
    now = int(time.time())
    return {
        "no-token": None,
        "unknown-client": make_token("nobody-knows-me"),
        "bad-signature": make_token("all rights", secret="another-secret-that-is-long-32-bytes"),
        "expired-iat": make_token("all rights", iat=now - 3601),
        "expired-exp": make_token("all rights", exp=now - 10),
    }[kind]


@pytest.fixture
def world(api):
    """Klant A (non-validated, BSN) with an audit trail record and an interaction; klant B
    validated (BSN_2), for the klantbeeld."""
    created = api.post_json(f"{BASE}/klanten", {**KLANT_BODY, "achternaam": "Origineel"})
    assert created.status_code == 201, created.content
    klant = created.json()["url"].rsplit("/", 1)[1]
    interactie = api.post_json(
        f"{BASE}/klanten/{klant}/interacties",
        {**INTERACTIE_BODY, "soort": "contactmoment", "rol": "belanghebbende"},
    )
    assert interactie.status_code == 201, interactie.content
    trail = api.get(f"{BASE}/klanten/{klant}/audittrail").json()[0]
    save_api_client(
        APIClient("validator", SECRET, "Validator", scopes=(AANMAKEN, VALIDEREN), maximale_rang=4)
    )
    validated = ApiClient(make_token("validator")).post_json(
        f"{BASE}/gevalideerde-klanten", _gevalideerde_klant(BSN_2)
    )
    assert validated.status_code == 201, validated.content
    return {
        "klant": klant,
        "audittrail": trail["uuid"],
        "interactie": interactie.json()["url"].rsplit("/", 1)[1],
    }


def _call(client: ApiClient, method: str, request: tuple, world: dict):
    path, body = request
    url = BASE + path.format(**world)
    with transaction.atomic():
        if body is None:
            response = getattr(client, method.lower())(url)
        else:
            response = getattr(client, f"{method.lower()}_json")(url, body)
        transaction.set_rollback(True)
    return response


def _outcome(response) -> tuple:
    if response.status_code == 403:
        assert response["Content-Type"] == "application/problem+json"
        return 403, response.json()["code"]
    return (response.status_code,)


@pytest.mark.parametrize("operation_id", sorted(REQUIRED_SCOPES))
def test_matrix(operation_id, world):
    method, _path, _operation = SCHEMA_OPERATIONS[operation_id]
    required = REQUIRED_SCOPES[operation_id]
    valid, success, refused, refused_status = REQUESTS[operation_id]

    expected, actual = {}, {}
    for name, (scopes, all_rights) in _principals(required).items():
        save_api_client(APIClient(name, SECRET, name, all_rights, tuple(scopes), maximale_rang=4))
        client = ApiClient(make_token(name, user_id="matrix"))
        allowed = all_rights or required <= set(scopes)
        for label, request, status in (
            ("valid", valid, success),
            ("refused", refused, refused_status),
        ):
            expected[name, label] = (status,) if allowed else (403, "permission_denied")
            actual[name, label] = _outcome(_call(client, method, request, world))
    for kind, code in BAD_TOKENS.items():
        client = ApiClient(_bad_token(kind))
        for label, request in (("valid", valid), ("refused", refused)):
            expected[kind, label] = (403, code)
            actual[kind, label] = _outcome(_call(client, method, request, world))

    assert actual == expected
