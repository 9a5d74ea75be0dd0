"""Conformance of the generated OpenAPI schema with the VNG Klanten API 1.0.0 standard.

The standard is read from ``KLANTEN_STANDARD_OAS`` when it names a file, else from the copy
of the published standard in ``tests/standards/`` (EUPL-1.2, as this project).
Deliberate deviations are listed in ``DEVIATIONS`` and documented
in ``docs/conformance.md``; everything else must match.
"""

import json
import os
import re
from pathlib import Path

import pytest
import yaml

from .conftest import BASE

ROOT = Path(__file__).resolve().parents[1]
STANDARD_ENV = "KLANTEN_STANDARD_OAS"
# the standard as published (EUPL-1.2), used when KLANTEN_STANDARD_OAS names no file
COPY = Path(__file__).parent / "standards" / "klanten-api-1.0.0-openapi.yaml"

# (component, property) → kind of deviation; mirrors docs/conformance.md
DEVIATIONS = {
    # C5: klantnummer is optional on input, the server generates one
    ("Klant", "klantnummer"): "not-required",
    # C6: websiteUrl is optional on input (stored and returned as "")
    ("Klant", "websiteUrl"): "not-required",
    # the nested groups are `null` when absent and `null` removes them on PUT (C8); the
    # standard's generator could not mark a $ref nullable
    ("NatuurlijkPersoon", "verblijfsadres"): "nullable",
    ("NatuurlijkPersoon", "subVerblijfBuitenland"): "nullable",
    ("NietNatuurlijkPersoon", "subVerblijfBuitenland"): "nullable",
    ("Vestiging", "verblijfsadres"): "nullable",
    ("Vestiging", "subVerblijfBuitenland"): "nullable",
    # `oud` is null on create: any JSON value rather than a non-nullable object
    ("Wijzigingen", "oud"): "untyped",
    ("Wijzigingen", "nieuw"): "untyped",
}
COMPARED_ATTRIBUTES = ("type", "format", "enum", "maxLength", "nullable")


def _standard_path() -> Path | None:
    value = os.environ.get(STANDARD_ENV)
    if not value or not Path(value).is_file():
        return None
    return Path(value)


@pytest.fixture(scope="module")
def standard() -> dict:
    return yaml.safe_load((_standard_path() or COPY).read_text())


@pytest.fixture
def ours(client) -> dict:
    response = client.get(f"{BASE}/schema/openapi.yaml")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


# --- resolving ---------------------------------------------------------------------------
def resolve(doc: dict, schema: dict) -> dict:
    seen = 0
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = doc["components"]["schemas"][name]
        seen += 1
        assert seen < 20, "reference loop"
    return schema


def _is_blank_variant(schema: dict) -> bool:
    # drf-spectacular's way of saying "or the empty string"
    return schema.get("enum") == [""] or (
        schema.get("type") == "string" and schema.get("maxLength") == 0
    )


def effective(doc: dict, schema: dict) -> dict:
    """The compared attributes of a property, with $ref, allOf and oneOf resolved.

    ``oneOf`` variants that only add ``""`` (blank) or ``null`` (NullEnum) are folded into the
    remaining variant, as drf-spectacular writes optional enums and blank URLs that way.
    """
    nullable = bool(schema.get("nullable", False))
    schema = resolve(doc, schema)
    nullable = nullable or bool(schema.get("nullable", False))
    merged = {k: v for k, v in schema.items() if k not in ("allOf", "oneOf")}
    for part in schema.get("allOf", []):
        part_effective = effective(doc, part)
        nullable = nullable or part_effective.pop("nullable")
        merged = {**part_effective, **merged}
    if "oneOf" in schema:
        remaining = []
        for variant in schema["oneOf"]:
            variant = resolve(doc, variant)
            if variant.get("enum") == [None]:
                nullable = True
            elif not _is_blank_variant(variant):
                remaining.append(effective(doc, variant))
        assert len(remaining) == 1, f"ambiguous oneOf: {schema}"
        nullable = nullable or remaining[0].pop("nullable")
        merged = {**remaining[0], **merged}
    result = {key: merged.get(key) for key in COMPARED_ATTRIBUTES}
    if result["type"] is None and "properties" in merged:
        result["type"] = "object"
    result["nullable"] = nullable
    return result


def component_properties(doc: dict, name: str) -> tuple[dict, dict]:
    """All properties of a component, following allOf: ``{name: (schema, origin)}``, and the
    required names as ``{name: origin}``; ``origin`` is the component defining them."""
    properties: dict = {}
    required: dict = {}

    def collect(component: str):
        part = doc["components"]["schemas"][component]
        for sub in part.get("allOf", []):
            assert "$ref" in sub, f"inline allOf in {component}"
            collect(sub["$ref"].removeprefix("#/components/schemas/"))
        for prop, schema in part.get("properties", {}).items():
            properties[prop] = (schema, component)
        for prop in part.get("required", []):
            required[prop] = component

    collect(name)
    return properties, required


def operations(doc: dict, prefix: str) -> dict:
    result = {}
    for path, item in doc["paths"].items():
        relative = path.removeprefix(prefix) if prefix else path
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete", "head"):
                result[(relative, method)] = operation
    return result


def server_prefix(doc: dict, expected: str) -> str:
    servers = [server["url"] for server in doc.get("servers", [])]
    assert servers == [expected]
    return ""


def parameters(doc: dict, path_item: dict, operation: dict, location: str) -> set[str]:
    params = [*path_item.get("parameters", []), *operation.get("parameters", [])]
    names = set()
    for param in params:
        param = resolve_parameter(doc, param)
        if param["in"] == location:
            names.add(param["name"])
    return names


def query_parameters(doc: dict, path_item: dict, operation: dict) -> set[str]:
    return parameters(doc, path_item, operation, "query")


def resolve_parameter(doc: dict, param: dict) -> dict:
    if "$ref" in param:
        name = param["$ref"].removeprefix("#/components/parameters/")
        return doc["components"]["parameters"][name]
    return param


# --- the tests -----------------------------------------------------------------------------
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
    yaml_response = client.get(f"{BASE}/schema/openapi.yaml")
    assert yaml_response.status_code == 200
    assert yaml_response["API-version"] == "1.0.0"
    assert yaml_response["Content-Type"].startswith("application/vnd.oai.openapi")
    from_yaml = yaml.safe_load(yaml_response.content)

    json_response = client.get(f"{BASE}/schema/openapi.json")
    assert json_response.status_code == 200
    assert json_response["API-version"] == "1.0.0"
    assert json_response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert json.loads(json_response.content) == from_yaml

    assert from_yaml["openapi"].startswith("3.0")
    assert from_yaml["info"]["version"] == "1.0.0"
    assert from_yaml["servers"] == [{"url": "/klanten/api/v1"}]


def test_readable_schema_page_uses_local_assets_only(client, db):
    response = client.get(f"{BASE}/schema/")
    assert response.status_code == 200
    assert response["API-version"] == "1.0.0"
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "/klanten/api/v1/schema/openapi.json" in html
    assert "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in html
    external = re.findall(r"""(?:src|href)=["'](https?:)?//[^"']+""", html)
    assert external == []
    assert "http://" not in html and "https://" not in html


def test_committed_schema_is_the_generated_one(ours):
    committed = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())
    assert committed == ours


def test_every_standard_operation_exists(standard, ours):
    server_prefix(standard, "/api/v1")
    server_prefix(ours, "/klanten/api/v1")
    standard_ops = operations(standard, "")
    our_ops = operations(ours, "")
    assert set(standard["paths"]) <= set(ours["paths"])
    assert set(standard_ops) <= set(our_ops)
    for key, operation in standard_ops.items():
        assert our_ops[key]["operationId"] == operation["operationId"], key


def test_every_standard_query_parameter_exists(standard, ours):
    for path, item in standard["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            expected = query_parameters(standard, item, operation)
            actual = query_parameters(ours, ours["paths"][path], ours["paths"][path][method])
            assert expected <= actual, (path, method, expected - actual)
    # the list has exactly the standard's query parameters: nothing undocumented
    list_params = query_parameters(
        ours, ours["paths"]["/klanten"], ours["paths"]["/klanten"]["get"]
    )
    standard_list = query_parameters(
        standard, standard["paths"]["/klanten"], standard["paths"]["/klanten"]["get"]
    )
    assert list_params == standard_list


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
        ours_operation = ours["paths"][path][method]
        missing = set(operation["responses"]) - set(ours_operation["responses"])
        assert not missing, (path, method, missing)


def test_the_standard_writes_the_headers_we_read(standard, ours):
    """ETag/If-None-Match on the detail reads, Location on create, API-version on 200."""
    for path in ("/klanten/{uuid}", "/klanten/{klant_uuid}/audittrail/{uuid}"):
        get = ours["paths"][path]["get"]
        header_params = {p["name"] for p in get.get("parameters", []) if p["in"] == "header"}
        assert "If-None-Match" in header_params
        assert "ETag" in get["responses"]["200"]["headers"]
        assert "API-version" in get["responses"]["200"]["headers"]
    created = ours["paths"]["/klanten"]["post"]["responses"]["201"]["headers"]
    assert {"Location", "API-version"} <= set(created)


def _schema_differences(standard: dict, ours: dict, deviations=None) -> list[str]:
    deviations = DEVIATIONS if deviations is None else deviations
    differences = []
    for name in standard["components"]["schemas"]:
        if name not in ours["components"]["schemas"]:
            differences.append(f"{name}: component missing")
            continue
        std_props, std_required = component_properties(standard, name)
        our_props, our_required = component_properties(ours, name)
        for prop, (std_schema, origin) in std_props.items():
            if prop not in our_props:
                differences.append(f"{name}.{prop}: missing")
                continue
            deviation = deviations.get((origin, prop))
            expected = effective(standard, std_schema)
            actual = effective(ours, our_props[prop][0])
            if deviation == "nullable":
                assert actual["nullable"] is True and expected["nullable"] is False
                expected["nullable"] = True
            if deviation == "untyped":
                assert actual["type"] is None and expected["type"] == "object"
                expected["type"] = None
            if expected != actual:
                differences.append(f"{name}.{prop}: standard {expected}, ours {actual}")
        for prop, origin in std_required.items():
            if prop not in our_required and deviations.get((origin, prop)) != "not-required":
                differences.append(f"{name}.{prop}: required in the standard")
    return differences


def test_every_standard_property_conforms(standard, ours):
    assert _schema_differences(standard, ours) == []


def test_deviations_are_real_and_documented(standard, ours):
    """Each listed deviation differs from the standard (else remove it) and is documented."""
    conformance = (ROOT / "docs" / "conformance.md").read_text()
    for (component, prop), kind in DEVIATIONS.items():
        std_props, std_required = component_properties(standard, component)
        our_props, our_required = component_properties(ours, component)
        assert f"`{component}.{prop}`" in conformance, (component, prop)
        if kind == "not-required":
            assert prop in std_required and prop not in our_required
        elif kind == "nullable":
            assert effective(standard, std_props[prop][0])["nullable"] is False
            assert effective(ours, our_props[prop][0])["nullable"] is True
        else:
            assert kind == "untyped"
            assert effective(standard, std_props[prop][0])["type"] == "object"
            assert effective(ours, our_props[prop][0])["type"] is None


def test_the_comparison_notices_a_difference(standard, ours):
    """Guard against a comparison that cannot fail: break our schema and expect findings."""
    broken = json.loads(json.dumps(ours))
    schemas = broken["components"]["schemas"]
    schemas["Klant"]["properties"]["bronorganisatie"]["maxLength"] = 10
    del schemas["Klant"]["properties"]["achternaam"]
    schemas["AuditTrail"]["required"].remove("bron")
    schemas["NatuurlijkPersoon"]["properties"]["inpBsn"]["nullable"] = True
    del schemas["Vestiging"]
    bronorganisatie = (
        "bronorganisatie: standard {'type': 'string', 'format': None, 'enum': None, "
        "'maxLength': 9, 'nullable': False}, ours {'type': 'string', 'format': None, "
        "'enum': None, 'maxLength': 10, 'nullable': False}"
    )
    inp_bsn = (
        "NatuurlijkPersoon.inpBsn: standard {'type': 'string', 'format': None, 'enum': None, "
        "'maxLength': 9, 'nullable': False}, ours {'type': 'string', 'format': None, "
        "'enum': None, 'maxLength': 9, 'nullable': True}"
    )
    # the variants inherit Klant's properties through allOf; the vestiging variant's own
    # identification component is gone, so resolving it fails before any comparison
    with pytest.raises(KeyError):
        _schema_differences(standard, broken)
    schemas["Vestiging"] = ours["components"]["schemas"]["Vestiging"]
    assert sorted(_schema_differences(standard, broken)) == sorted(
        [
            "AuditTrail.bron: required in the standard",
            inp_bsn,
            *(
                f"{component}.{finding}"
                for component in (
                    "Klant",
                    "natuurlijk_persoon",
                    "niet_natuurlijk_persoon",
                    "vestiging",
                )
                for finding in ("achternaam: missing", bronorganisatie)
            ),
        ]
    )
    # the deviations are honoured only for their own property
    schemas["Klant"]["required"].remove("bronorganisatie")
    assert "Klant.bronorganisatie: required in the standard" in _schema_differences(
        standard, broken
    )


# --- generated clients (issue 11, item 1) -----------------------------------------------------
def _keys(value) -> set[str]:
    found = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found |= set(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


@pytest.mark.parametrize("source", ["served", "committed"])
def test_no_request_component_carries_a_default(ours, source):
    """A generated client sends a ``default`` for every field its user left out; a PATCH
    does not apply defaults, so such a client would blank the fields it did not mean to
    touch (openapi-python-client filled in ``""`` for the names)."""
    from klanten.api.schema import request_components

    doc = ours if source == "served" else yaml.safe_load((ROOT / "docs/openapi.yaml").read_text())
    schemas = doc["components"]["schemas"]
    names = request_components(doc)
    assert {
        "Klant",
        "PatchedKlant",
        "KlantAdres",
        "NatuurlijkPersoon",
        "NietNatuurlijkPersoon",
        "Vestiging",
        "VerblijfsAdres",
        "SubVerblijfBuitenland",
        "natuurlijk_persoon",
        "subject_identificatie_NatuurlijkPersoon",
        "Validatie",
        "Interactie",
        "GevalideerdeKlant",
        "Klantbeeld",
    } <= names
    assert {name for name in schemas if name.startswith("Patched")} <= names
    with_default = sorted(name for name in names if "default" in _keys(schemas[name]))
    assert with_default == []


def test_read_only_fields_are_not_required(ours):
    """One component serves requests and responses: a required read-only field would have to
    be sent (a generated constructor demands ``url`` and ``gevalideerd``)."""
    for name, schema in ours["components"]["schemas"].items():
        for prop in schema.get("required", []):
            assert not schema["properties"][prop].get("readOnly"), (name, prop)
    assert ours["components"]["schemas"]["Klant"]["required"] == ["bronorganisatie"]


def test_the_extension_fields_are_documented_as_present(standard, ours):
    """Every property our Klant has beyond the standard's is described in conformance.md as
    part of the representation (``gevalideerd`` was still "planned ... not present yet")."""
    conformance = (ROOT / "docs" / "conformance.md").read_text()
    extensions = set(ours["components"]["schemas"]["Klant"]["properties"]) - set(
        standard["components"]["schemas"]["Klant"]["properties"]
    )
    assert extensions == {"aanmaakkanaal", "gevalideerd"}
    section = conformance[conformance.index("**Extension fields") :].split("\n- ", 1)[0]
    for name in extensions:
        assert f"`{name}`" in section, name
    assert "are part of the Klant representation" in section
    assert not re.search(r"planned|not present yet", conformance)
