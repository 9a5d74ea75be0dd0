"""Conformance of the served Contactmomenten API schema with the VNG Contactmomenten API 1.0.0
standard (as ``test_schema_conformance`` does for the Klanten API).

The standard is read from ``CONTACTMOMENTEN_STANDARD_OAS`` when it names a file, else from
the copy of the published standard in ``tests/standards/`` (EUPL-1.2, as this project).
Deliberate deviations are listed in ``DEVIATIONS`` and
documented in ``docs/conformance.md``; everything else must match.
"""

import json
import os
import re
from pathlib import Path

import pytest
import yaml

from .conftest import CM_BASE
from .test_schema_conformance import (
    _schema_differences,
    component_properties,
    effective,
    operations,
    parameters,
    query_parameters,
    server_prefix,
)

ROOT = Path(__file__).resolve().parents[1]
STANDARD_ENV = "CONTACTMOMENTEN_STANDARD_OAS"
# the standard as published (EUPL-1.2), used when CONTACTMOMENTEN_STANDARD_OAS names no file
COPY = Path(__file__).parent / "standards" / "contactmomenten-api-1.0.0-openapi.yaml"

# (component, property) → kind of deviation; mirrors docs/conformance.md
DEVIATIONS = {
    # `oud` is null on create and `nieuw` on destroy: any JSON value rather than a
    # non-nullable object (as for the Klanten API)
    ("Wijzigingen", "oud"): "untyped",
    ("Wijzigingen", "nieuw"): "untyped",
}


def _standard_path() -> Path | None:
    value = os.environ.get(STANDARD_ENV)
    if not value or not Path(value).is_file():
        return None
    return Path(value)


@pytest.fixture(scope="module")
def standard() -> dict:
    return yaml.safe_load((_standard_path() or COPY).read_text())


@pytest.fixture
def ours(client, db) -> dict:
    response = client.get(f"{CM_BASE}/schema/openapi.yaml")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_skip_reason_when_standard_is_missing(monkeypatch, tmp_path):
    """The one allowed skip only happens when the standard really is unavailable."""
    monkeypatch.delenv(STANDARD_ENV, raising=False)
    assert _standard_path() is None
    monkeypatch.setenv(STANDARD_ENV, str(tmp_path / "absent.yaml"))
    assert _standard_path() is None
    present = tmp_path / "present.yaml"
    present.write_text("openapi: 3.0.0\n")
    monkeypatch.setenv(STANDARD_ENV, str(present))
    assert _standard_path() == present


def test_schema_endpoints(client, db):
    yaml_response = client.get(f"{CM_BASE}/schema/openapi.yaml")
    assert yaml_response.status_code == 200
    assert yaml_response["API-version"] == "1.0.0"
    assert yaml_response["Content-Type"].startswith("application/vnd.oai.openapi")
    from_yaml = yaml.safe_load(yaml_response.content)

    json_response = client.get(f"{CM_BASE}/schema/openapi.json")
    assert json_response.status_code == 200
    assert json.loads(json_response.content) == from_yaml

    assert from_yaml["info"]["title"] == "Contactmomenten API"
    assert from_yaml["info"]["version"] == "1.0.0"
    assert from_yaml["servers"] == [{"url": CM_BASE}]
    # one schema per API: nothing of the Klanten API here, nothing of this API there
    assert all(not p.startswith("/klanten") for p in from_yaml["paths"])
    klanten = yaml.safe_load(client.get("/klanten/api/v1/schema/openapi.yaml").content)
    assert not any("contactmoment" in p for p in klanten["paths"])


def test_readable_schema_page_uses_local_assets_only(client, db):
    response = client.get(f"{CM_BASE}/schema/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"{CM_BASE}/schema/openapi.json" in html
    assert re.findall(r"""(?:src|href)=["'](https?:)?//[^"']+""", html) == []


def test_committed_schema_is_the_generated_one(ours):
    committed = yaml.safe_load((ROOT / "docs" / "openapi-contactmomenten.yaml").read_text())
    assert committed == ours


def test_every_standard_operation_exists(standard, ours):
    server_prefix(standard, "/api/v1")
    server_prefix(ours, CM_BASE)
    standard_ops = operations(standard, "")
    our_ops = operations(ours, "")
    assert set(standard["paths"]) == set(ours["paths"])
    assert set(standard_ops) <= set(our_ops)
    for key, operation in standard_ops.items():
        assert our_ops[key]["operationId"] == operation["operationId"], key
        assert our_ops[key]["security"] == operation["security"], key


def test_every_standard_query_parameter_exists(standard, ours):
    for path, item in standard["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            expected = query_parameters(standard, item, operation)
            actual = query_parameters(ours, ours["paths"][path], ours["paths"][path][method])
            # exactly the standard's query parameters: nothing undocumented, nothing missing
            assert expected == actual, (path, method, expected ^ actual)


def test_the_ordering_values_are_the_standards(standard, ours):
    def ordering(doc):
        (param,) = [
            p
            for p in doc["paths"]["/contactmomenten"]["get"]["parameters"]
            if p.get("name") == "ordering"
        ]
        return set(param["schema"]["enum"])

    assert ordering(ours) == ordering(standard)


def test_every_standard_header_and_path_parameter_exists(standard, ours):
    for path, item in standard["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for location in ("header", "path"):
                expected = parameters(standard, item, operation, location)
                actual = parameters(
                    ours, ours["paths"][path], ours["paths"][path][method], location
                )
                assert expected <= actual, (path, method, location, expected - actual)


def test_every_standard_response_status_exists(standard, ours):
    for (path, method), operation in operations(standard, "").items():
        missing = set(operation["responses"]) - set(ours["paths"][path][method]["responses"])
        assert not missing, (path, method, missing)


def test_the_standard_headers(ours):
    """ETag/If-None-Match on the detail reads, Location on create, API-version on 200."""
    for path in (
        "/contactmomenten/{uuid}",
        "/contactmomenten/{contactmoment_uuid}/audittrail/{uuid}",
        "/klantcontactmomenten/{uuid}",
        "/objectcontactmomenten/{uuid}",
    ):
        get = ours["paths"][path]["get"]
        header_params = {p["name"] for p in get.get("parameters", []) if p["in"] == "header"}
        assert "If-None-Match" in header_params
        assert {"ETag", "API-version"} <= set(get["responses"]["200"]["headers"])
    for path in ("/contactmomenten", "/klantcontactmomenten", "/objectcontactmomenten"):
        created = ours["paths"][path]["post"]["responses"]["201"]["headers"]
        assert {"Location", "API-version"} <= set(created)


def differences(standard: dict, ours: dict) -> list[str]:
    return _schema_differences(standard, ours, DEVIATIONS)


def test_every_standard_property_conforms(standard, ours):
    assert differences(standard, ours) == []


def test_deviations_are_real_and_documented(standard, ours):
    conformance = (ROOT / "docs" / "conformance.md").read_text()
    section = conformance[conformance.index("## Contactmomenten API") :]
    for (component, prop), kind in DEVIATIONS.items():
        std_props, _ = component_properties(standard, component)
        our_props, _ = component_properties(ours, component)
        assert f"`{component}.{prop}`" in section, (component, prop)
        assert kind == "untyped"
        assert effective(standard, std_props[prop][0])["type"] == "object"
        assert effective(ours, our_props[prop][0])["type"] is None


def test_the_comparison_notices_a_difference(standard, ours):
    """Guard against a comparison that cannot fail: break our schema and expect findings."""
    broken = json.loads(json.dumps(ours))
    schemas = broken["components"]["schemas"]
    schemas["ContactMoment"]["properties"]["kanaal"]["maxLength"] = 51
    del schemas["KlantContactMoment"]["properties"]["rol"]
    schemas["ObjectContactMoment"]["required"].remove("object")
    schemas["Medewerker"]["properties"]["identificatie"]["nullable"] = True
    found = differences(standard, broken)
    assert sorted(found) == sorted(
        [
            "ContactMoment.kanaal: standard {'type': 'string', 'format': None, 'enum': None, "
            "'maxLength': 50, 'nullable': False}, ours {'type': 'string', 'format': None, "
            "'enum': None, 'maxLength': 51, 'nullable': False}",
            "KlantContactMoment.rol: missing",
            "ObjectContactMoment.object: required in the standard",
            "Medewerker.identificatie: standard {'type': 'string', 'format': None, 'enum': "
            "None, 'maxLength': 24, 'nullable': False}, ours {'type': 'string', 'format': "
            "None, 'enum': None, 'maxLength': 24, 'nullable': True}",
        ]
    )


def test_the_api_root(cm_api, client, db):
    response = client.get(f"{CM_BASE}/")
    assert response.status_code == 200
    assert response["API-version"] == "1.0.0"
    links = response.json()
    assert links == {
        "contactmomenten": f"http://testserver{CM_BASE}/contactmomenten",
        "klantcontactmomenten": f"http://testserver{CM_BASE}/klantcontactmomenten",
        "objectcontactmomenten": f"http://testserver{CM_BASE}/objectcontactmomenten",
        "schema": f"http://testserver{CM_BASE}/schema/openapi.yaml",
        "schemaJson": f"http://testserver{CM_BASE}/schema/openapi.json",
        "documentatie": f"http://testserver{CM_BASE}/schema/",
    }
    for name in ("contactmomenten", "klantcontactmomenten", "objectcontactmomenten"):
        assert cm_api.get(links[name].removeprefix("http://testserver")).status_code == 200
    schema = yaml.safe_load(client.get(f"{CM_BASE}/schema/openapi.yaml").content)
    assert "/" not in schema["paths"]
