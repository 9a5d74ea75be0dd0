"""Authorization matrix of the Contactmomenten API (component ``cmc``): every operation ×
every principal → one status, as ``test_auth_matrix`` does for the Klanten API.

The operations come from the committed schema (docs/openapi-contactmomenten.yaml, which
``bin/test`` checks is the generated one), so a new operation fails here until it is added to
``REQUIRED_SCOPES`` and ``REQUESTS``. Principals: a client with each scope of this API alone,
with exactly the operation's scopes, with every scope but one of those, with no scope, with
every scope of this API, with every scope of the Klanten API only (another component: no
rights here), with all rights; and the refused tokens. Every call runs in a savepoint that is
rolled back.
"""

from pathlib import Path

import pytest
import yaml
from django.db import transaction
from vng_api_common.audittrails.models import AuditTrail
from zgw_consumers.constants import APITypes, AuthTypes
from zgw_consumers.models import Service

from klanten.config.clients import CONTACTMOMENTEN_SCOPES, KNOWN_SCOPES, APIClient, save_api_client
from klanten.datamodel import contacten

from .conftest import CM_BASE, RSIN, SECRET, ApiClient, make_token
from .test_auth_matrix import BAD_TOKENS, _bad_token, _outcome, _schema_scopes
from .zaken_stub import ZakenStub

# a medewerker URL must answer 200: the medewerker registers of the tests answer
pytestmark = pytest.mark.usefixtures("medewerkers")

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = yaml.safe_load((ROOT / "docs" / "openapi-contactmomenten.yaml").read_text())
METHODS = ("get", "post", "put", "patch", "delete")
SCHEMA_OPERATIONS = {
    operation["operationId"]: (method.upper(), path, operation)
    for path, item in SCHEMA["paths"].items()
    for method, operation in item.items()
    if method in METHODS
}

LEZEN = "contactmomenten.lezen"
AANMAKEN = "contactmomenten.aanmaken"
BIJWERKEN = "contactmomenten.bijwerken"
VERWIJDEREN = "contactmomenten.verwijderen"
AUDITTRAILS = "audittrails.lezen"
SCOPES = (LEZEN, AANMAKEN, BIJWERKEN, VERWIJDEREN, AUDITTRAILS)

REQUIRED_SCOPES = {
    "contactmoment_list": {LEZEN},
    "contactmoment_read": {LEZEN},
    "contactmoment_create": {AANMAKEN},
    "contactmoment_update": {BIJWERKEN},
    "contactmoment_partial_update": {BIJWERKEN},
    "contactmoment_delete": {VERWIJDEREN},
    "audittrail_list": {AUDITTRAILS},
    "audittrail_read": {AUDITTRAILS},
    "klantcontactmoment_list": {LEZEN},
    "klantcontactmoment_read": {LEZEN},
    "klantcontactmoment_create": {AANMAKEN},
    "klantcontactmoment_delete": {VERWIJDEREN},
    "objectcontactmoment_list": {LEZEN},
    "objectcontactmoment_read": {LEZEN},
    "objectcontactmoment_create": {AANMAKEN},
    "objectcontactmoment_delete": {VERWIJDEREN},
}

MEDEWERKER = "https://medewerkers.example.nl/api/v1/medewerkers/1"
CONTACTMOMENT_BODY = {"bronorganisatie": RSIN, "kanaal": "telefoon", "medewerker": MEDEWERKER}
UNKNOWN = "00000000-0000-4000-8000-000000000000"

# operationId → (valid request, success status, refused request, its status); a request is
# (path with placeholders, JSON body or None); bodies may hold placeholders too
REQUESTS = {
    "contactmoment_list": (
        ("/contactmomenten", None),
        200,
        ("/contactmomenten?bronorganisatie=123", None),
        400,
    ),
    "contactmoment_read": (
        ("/contactmomenten/{contactmoment}", None),
        200,
        (f"/contactmomenten/{UNKNOWN}", None),
        404,
    ),
    "contactmoment_create": (
        ("/contactmomenten", CONTACTMOMENT_BODY),
        201,
        ("/contactmomenten", {"bronorganisatie": RSIN}),
        400,
    ),
    "contactmoment_update": (
        ("/contactmomenten/{contactmoment}", CONTACTMOMENT_BODY),
        200,
        ("/contactmomenten/{contactmoment}", {"kanaal": "x"}),
        400,
    ),
    "contactmoment_partial_update": (
        ("/contactmomenten/{contactmoment}", {"kanaal": "balie"}),
        200,
        (f"/contactmomenten/{UNKNOWN}", {"kanaal": "balie"}),
        404,
    ),
    "contactmoment_delete": (
        ("/contactmomenten/{contactmoment}", None),
        204,
        (f"/contactmomenten/{UNKNOWN}", None),
        404,
    ),
    "audittrail_list": (
        ("/contactmomenten/{contactmoment}/audittrail", None),
        200,
        (f"/contactmomenten/{UNKNOWN}/audittrail", None),
        404,
    ),
    "audittrail_read": (
        ("/contactmomenten/{contactmoment}/audittrail/{audittrail}", None),
        200,
        (f"/contactmomenten/{{contactmoment}}/audittrail/{UNKNOWN}", None),
        404,
    ),
    "klantcontactmoment_list": (
        ("/klantcontactmomenten", None),
        200,
        ("/klantcontactmomenten?rol=x", None),
        400,
    ),
    "klantcontactmoment_read": (
        ("/klantcontactmomenten/{klantcontactmoment}", None),
        200,
        (f"/klantcontactmomenten/{UNKNOWN}", None),
        404,
    ),
    "klantcontactmoment_create": (
        (
            "/klantcontactmomenten",
            {
                "contactmoment": "{contactmoment_url}",
                "klant": "{klant_url}",
                "rol": "belanghebbende",
            },
        ),
        201,
        ("/klantcontactmomenten", {"contactmoment": "{contactmoment_url}", "rol": "x"}),
        400,
    ),
    "klantcontactmoment_delete": (
        ("/klantcontactmomenten/{klantcontactmoment}", None),
        204,
        (f"/klantcontactmomenten/{UNKNOWN}", None),
        404,
    ),
    "objectcontactmoment_list": (
        ("/objectcontactmomenten", None),
        200,
        ("/objectcontactmomenten?objectType=x", None),
        400,
    ),
    "objectcontactmoment_read": (
        ("/objectcontactmomenten/{objectcontactmoment}", None),
        200,
        (f"/objectcontactmomenten/{UNKNOWN}", None),
        404,
    ),
    "objectcontactmoment_create": (
        (
            "/objectcontactmomenten",
            {
                "contactmoment": "{contactmoment_url}",
                "object": "{gekoppelde_zaak}",
                "objectType": "zaak",
            },
        ),
        201,
        (
            "/objectcontactmomenten",
            {"contactmoment": "{contactmoment_url}", "object": "{zaak}", "objectType": "zaak"},
        ),
        400,
    ),
    "objectcontactmoment_delete": (
        ("/objectcontactmomenten/{objectcontactmoment}", None),
        204,
        (f"/objectcontactmomenten/{UNKNOWN}", None),
        404,
    ),
}


def test_the_scopes_are_the_known_ones():
    assert set(SCOPES) == set(CONTACTMOMENTEN_SCOPES)


def test_every_operation_of_the_schema_is_in_the_table():
    assert set(REQUIRED_SCOPES) == set(SCHEMA_OPERATIONS)
    assert set(REQUESTS) == set(SCHEMA_OPERATIONS)


@pytest.mark.parametrize("operation_id", sorted(SCHEMA_OPERATIONS))
def test_the_schema_documents_the_required_scopes(operation_id):
    operation = SCHEMA_OPERATIONS[operation_id][2]
    assert _schema_scopes(operation) == REQUIRED_SCOPES[operation_id]
    assert "403" in operation["responses"]


def _principals(required: set[str]) -> dict[str, tuple[tuple[str, ...], tuple[str, ...], bool]]:
    """name → (Contactmomenten scopes, Klanten scopes, all rights)."""
    principals = {f"only {scope}": ((scope,), (), False) for scope in SCOPES}
    principals["exactly the required"] = (tuple(sorted(required)), (), False)
    for scope in sorted(required):
        principals[f"all but {scope}"] = (tuple(s for s in SCOPES if s != scope), (), False)
    principals["no scope"] = ((), (), False)
    principals["every scope"] = (SCOPES, (), False)
    principals["every klanten scope"] = ((), KNOWN_SCOPES, False)
    principals["all rights"] = ((), (), True)
    return principals


@pytest.fixture
def world(cm_api, make_klant, db):
    stub = ZakenStub()
    Service.objects.create(
        label="Zaken API (stand-in)",
        slug="zaken-stub",
        api_type=APITypes.zrc,
        api_root=stub.api_root,
        auth_type=AuthTypes.no_auth,
    )
    klantcontact = contacten.create_klantcontact(
        {"bronorganisatie": RSIN, "kanaal": "telefoon", "medewerker_url": MEDEWERKER}
    )
    url = f"http://testserver{CM_BASE}/contactmomenten/{klantcontact.uuid}"
    klant = make_klant()
    betrokkene, _ = contacten.add_betrokkene(
        klantcontact, klant=make_klant(), klantcontactmoment_rol="gesprekspartner"
    )
    losgekoppeld = stub.zaak("00000000-0000-4000-8000-0000000000aa")
    onderwerpobject = contacten.add_onderwerpobject(
        klantcontact, **contacten.zaak_velden(losgekoppeld, "zaak")
    )
    gekoppeld = stub.zaak("00000000-0000-4000-8000-0000000000bb")
    stub.koppel(gekoppeld, url)
    trail = AuditTrail.objects.create(
        bron="cmc",
        actie="create",
        resultaat=201,
        hoofd_object=url,
        resource="contactmoment",
        resource_url=url,
        resource_weergave="contactmoment",
    )
    yield {
        "contactmoment": klantcontact.uuid,
        "contactmoment_url": url,
        "klant_url": f"http://testserver/klanten/api/v1/klanten/{klant.uuid}",
        "klantcontactmoment": betrokkene.uuid,
        "objectcontactmoment": onderwerpobject.uuid,
        "audittrail": trail.uuid,
        "gekoppelde_zaak": gekoppeld,
        "zaak": stub.zaak(),
    }
    stub.close()


def _fill(value, world):
    if isinstance(value, str):
        return value.format(**world)
    if isinstance(value, dict):
        return {key: _fill(item, world) for key, item in value.items()}
    return value


def _call(client: ApiClient, method: str, request: tuple, world: dict):
    path, body = request
    url = CM_BASE + _fill(path, world)
    with transaction.atomic():
        if body is None:
            response = getattr(client, method.lower())(url)
        else:
            response = getattr(client, f"{method.lower()}_json")(url, _fill(body, world))
        transaction.set_rollback(True)
    return response


@pytest.mark.parametrize("operation_id", sorted(REQUIRED_SCOPES))
def test_matrix(operation_id, world):
    method, _path, _operation = SCHEMA_OPERATIONS[operation_id]
    required = REQUIRED_SCOPES[operation_id]
    valid, success, refused, refused_status = REQUESTS[operation_id]

    expected, actual = {}, {}
    for name, (scopes, klanten_scopes, all_rights) in _principals(required).items():
        save_api_client(
            APIClient(
                name,
                SECRET,
                name,
                all_rights,
                tuple(klanten_scopes),
                contactmomenten_scopes=tuple(scopes),
            )
        )
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
