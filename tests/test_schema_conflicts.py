"""The 409 of a ``rules.Conflict`` in the served schemas.

The API's exception handler (``klanten.api.exceptions``, REST_FRAMEWORK's EXCEPTION_HANDLER
for every view) answers any ``rules.Conflict`` a view leaves with a 409 problem carrying the
conflict's code: a deletion meeting a legacy ``subIdentificatorVan`` it could not repair
(``sub-identificator-herstel-nodig``, ``partijherstel.HerstelNodig``, which any write that
deletes a klant or a klant's identifier can meet), a betrokkene's deletion that kept meeting a
concurrent change (``gelijktijdige-wijziging``), the validated-klant rules (V5, V6, E4). Which
write meets which is tested with those rules; the handler maps a conflict from whichever view.
So every write operation (derived from the URL configuration, not listed here) documents the
409 with the problem schema (``Fout``) in the schema that serves it, and answers a conflict
with that body. The Klanten API 1.0.0 and Contactmomenten API 1.0.0 document a 409 on every
operation themselves (``test_schema_conformance*``: our responses are a superset of the
standard's); Open Klant 0.9.0 documents only the success answers (no comparison of
responses there), so a 409 in the Klantinteracties schema is one of its documented error
answers as the others."""

import uuid

import pytest
import yaml
from django.test import Client
from drf_spectacular.validation import validate_schema
from jsonschema import validate
from rest_framework.schemas.generators import EndpointEnumerator
from rest_framework.views import APIView

from klanten.datamodel import rules

from .conftest import BASE, CM_BASE
from .ki_fixtures import KI_BASE

# the served APIs: their prefix and the schema each serves
SCHEMAS = {
    BASE: f"{BASE}/schema/openapi.yaml",
    CM_BASE: f"{CM_BASE}/schema/openapi.yaml",
    KI_BASE: f"{KI_BASE}/schema/openapi.yaml",
}
WRITES = ("POST", "PUT", "PATCH", "DELETE")
# the operations whose conflicts the tests of the rules raise through the API: the derivation
# below must find them (it is not empty, and it reads paths as the schemas write them)
BEKEND = {
    ("DELETE", f"{BASE}/klanten/{{uuid}}"),  # sub-identificator-herstel-nodig
    ("PATCH", f"{BASE}/klanten/{{uuid}}"),  # idem, a BSN emptied (partijsync)
    ("POST", f"{BASE}/klanten/{{klant_uuid}}/validaties"),  # gevalideerde-klant-bestaat
    ("POST", f"{BASE}/klanten/{{klant_uuid}}/bevestigingsverzoek"),  # klant-al-gevalideerd
    ("DELETE", f"{KI_BASE}/partijen/{{uuid}}"),  # sub-identificator-herstel-nodig
    ("DELETE", f"{CM_BASE}/klantcontactmomenten/{{uuid}}"),  # gelijktijdige-wijziging
    ("DELETE", f"{BASE}/klanten/{{klant_uuid}}/interacties/{{uuid}}"),  # idem
}


def schrijfoperaties() -> list[tuple[str, str]]:
    """Every write operation a REST framework view serves: (method, path with the schema's
    ``{parameter}`` names)."""
    return sorted(
        {
            (method, path)
            for path, method, _ in EndpointEnumerator().get_api_endpoints()
            if method in WRITES
        }
    )


def api_van(path: str) -> str:
    [prefix] = [prefix for prefix in SCHEMAS if path.startswith(f"{prefix}/")] or [None]
    assert prefix is not None, f"{path}: a write outside the served APIs"
    return prefix


@pytest.fixture(scope="module")
def served(django_db_setup, django_db_blocker) -> dict:
    """The schemas as served (fetched once: generating them takes seconds)."""
    schemas = {}
    with django_db_blocker.unblock():
        for prefix, url in SCHEMAS.items():
            response = Client().get(url)
            assert response.status_code == 200
            schemas[prefix] = yaml.safe_load(response.content)
    return schemas


def test_the_derivation_finds_the_writes_known_to_conflict():
    assert set(schrijfoperaties()) >= BEKEND


def test_the_served_schemas_are_valid_openapi(served):
    for prefix, schema in served.items():
        validate_schema(schema)  # raises on an invalid schema (as spectacular --validate)
        assert schema["servers"] == [{"url": prefix}]


@pytest.mark.parametrize("method,path", schrijfoperaties())
def test_every_write_documents_the_409_problem(served, method, path):
    prefix = api_van(path)
    schema = served[prefix]
    operation = schema["paths"][path.removeprefix(prefix)][method.lower()]
    conflict = operation["responses"].get("409")
    assert conflict is not None, (method, path, sorted(operation["responses"]))
    # the problem media type, and on the Klantinteracties API also application/json (its
    # default error media type, as Open Klant's)
    media = {"application/problem+json"} | ({"application/json"} if prefix == KI_BASE else set())
    assert set(conflict["content"]) == media, (method, path, conflict["content"])
    for content in conflict["content"].values():
        assert content["schema"] == {"$ref": "#/components/schemas/Fout"}, (method, path)


@pytest.mark.parametrize("method,path", schrijfoperaties())
def test_every_write_answers_a_conflict_with_the_documented_409(
    served, client, db, monkeypatch, method, path
):
    """A conflict raised in the view (here before anything else it does) is the documented
    answer: status 409, the conflict's code, the documented media type and the Fout schema."""

    def botst(self, request, *args, **kwargs):
        raise rules.Conflict("Botst met de registratie.", code="test-conflict")

    monkeypatch.setattr(APIView, "initial", botst)
    prefix = api_van(path)
    url = path
    for name in ("{uuid}", "{klant_uuid}", "{contactmoment_uuid}"):
        url = url.replace(name, str(uuid.uuid4()))
    assert "{" not in url, url

    response = client.generic(method, url, b"{}", content_type="application/json")

    assert response.status_code == 409, (method, path, response.content)
    body = response.json()
    assert body["code"] == "test-conflict" and body["status"] == 409
    operation = served[prefix]["paths"][path.removeprefix(prefix)][method.lower()]
    assert response["Content-Type"] in operation["responses"]["409"]["content"]
    validate(body, served[prefix]["components"]["schemas"]["Fout"])
