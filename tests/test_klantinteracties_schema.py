"""Our served Klantinteracties schema against Open Klant's 0.9.0 (the wire contract the
clients are written against: ``KLANTINTERACTIES_STANDARD_OAS``, else the copy in
``tests/standards/``, EUPL-1.2), for every operation we serve
(both halves of the API): the same paths and methods, the same query parameters, the same
required request fields and the same property types, in request and response bodies. Every
deviation is listed here with its reason (docs/klantinteracties.md)."""

import os
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
OURS = ROOT / "docs" / "openapi-klantinteracties.yaml"
CANDIDATES = [
    os.environ.get("KLANTINTERACTIES_STANDARD_OAS", ""),
    str(ROOT / "tests" / "standards" / "klantinteracties-0.9.0-openapi.yaml"),
]
METHODS = ("get", "post", "put", "patch", "delete")

# (path, method) -> {parameter: reason}: query parameters of Open Klant we do not serve
PARAMETERS_NOT_SERVED = {
    ("/digitaleadressen", "get"): {
        "adres__icontains": "K7: addresses are searched exactly only, never by substring over "
        "non-validated data",
    },
}
# (path, method) -> {parameter: reason}: query parameters we serve beyond Open Klant's
PARAMETERS_EXTRA: dict = {}
# schema name -> {property: reason}: request properties whose type differs
TYPE_DEVIATIONS = {
    "Partij": {
        "partijIdentificatie": "one object with the fields of the three soorten (Open Klant's "
        "oneOf per soortPartij, which generated clients cannot send generically)",
    },
}


def _standard() -> dict:
    found = next(c for c in CANDIDATES if c and Path(c).is_file())
    return yaml.safe_load(Path(found).read_text())


STANDARD = _standard()


def ours() -> dict:
    return yaml.safe_load(OURS.read_text())


def operations(doc: dict):
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def resolve(doc: dict, schema: dict) -> dict:
    """A schema with ``$ref``, ``allOf`` and a discriminated ``oneOf`` merged into one object
    schema (``properties``, ``required``)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return resolve(doc, doc["components"]["schemas"][name])
    if "allOf" in schema:
        merged = {"properties": {}, "required": []}
        for part in schema["allOf"]:
            part = resolve(doc, part)
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
            for key in ("type", "nullable", "readOnly", "items", "format", "enum"):
                if key in part:
                    merged[key] = part[key]
        for key in ("nullable", "readOnly"):
            if key in schema:
                merged[key] = schema[key]
        return merged
    if "oneOf" in schema:
        parts = [resolve(doc, part) for part in schema["oneOf"]]
        types = {part.get("type") for part in parts}
        if len(types) == 1 and not any("properties" in part for part in parts):
            return {"type": types.pop()}  # e.g. a pattern, or the empty string
        merged = {"properties": {}, "required": None}
        for part in schema["oneOf"]:
            part = resolve(doc, part)
            merged["properties"].update(part.get("properties", {}))
            required = set(part.get("required", []))
            merged["required"] = (
                required if merged["required"] is None else merged["required"] & required
            )
        merged["required"] = sorted(merged["required"] or [])
        return merged
    return schema


def kind(doc: dict, schema: dict) -> str | None:
    schema = resolve(doc, schema)
    if "type" in schema:
        return schema["type"]
    if "properties" in schema:
        return "object"
    return None


def request_schema(doc: dict, operation: dict) -> dict | None:
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    return resolve(doc, body["schema"]) if body else None


def writable_required(doc: dict, schema: dict) -> set[str]:
    properties = schema.get("properties", {})
    return {
        name
        for name in schema.get("required", [])
        if not resolve(doc, properties.get(name, {})).get("readOnly")
        and not properties.get(name, {}).get("readOnly")
    }


def test_every_operation_we_serve_is_one_of_open_klant():
    standard = {(path, method) for path, method, _ in operations(STANDARD)}
    served = {(path, method) for path, method, _ in operations(ours())}
    assert served, "nothing served"
    assert served - standard == set()


def test_the_query_parameters_are_open_klants():
    standard = {(p, m): op for p, m, op in operations(STANDARD)}
    for path, method, operation in operations(ours()):
        theirs = {
            p["name"] for p in standard[(path, method)].get("parameters", []) if p["in"] == "query"
        }
        mine = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        # expand: its values are compared below, and a relation is offered once its path is
        # registered (by either half of the API)
        theirs.discard("expand")
        mine.discard("expand")
        niet = set(PARAMETERS_NOT_SERVED.get((path, method), {}))
        extra = set(PARAMETERS_EXTRA.get((path, method), {}))
        assert theirs - mine == niet, (path, method, sorted(theirs - mine))
        assert mine - theirs == extra, (path, method, sorted(mine - theirs))


def test_the_expand_values_we_serve_are_open_klants():
    standard = {(p, m): op for p, m, op in operations(STANDARD)}
    for path, method, operation in operations(ours()):
        for parameter in operation.get("parameters", []):
            if parameter["name"] != "expand":
                continue
            theirs = {p["name"]: p for p in standard[(path, method)]["parameters"]}["expand"][
                "schema"
            ]["items"]["enum"]
            assert set(parameter["schema"]["items"]["enum"]) <= set(theirs), (path, method)


def _schema_name(operation: dict) -> str | None:
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not body or "$ref" not in body["schema"]:
        return None
    return body["schema"]["$ref"].rsplit("/", 1)[-1]


def test_the_required_request_fields_and_their_types_are_open_klants():
    mine_doc = ours()
    standard = {(p, m): op for p, m, op in operations(STANDARD)}
    for path, method, operation in operations(mine_doc):
        mine = request_schema(mine_doc, operation)
        theirs = request_schema(STANDARD, standard[(path, method)])
        if mine is None or theirs is None:
            assert mine is None and theirs is None, (path, method)
            continue
        if method == "patch":
            assert writable_required(mine_doc, mine) == set(), (path, method)
            continue
        assert writable_required(mine_doc, mine) == writable_required(STANDARD, theirs), (
            path,
            method,
        )
        afwijkingen = TYPE_DEVIATIONS.get(_schema_name(operation), {})
        for name, prop in theirs.get("properties", {}).items():
            assert name in mine.get("properties", {}), (path, method, name)
            if name in afwijkingen:
                continue
            assert kind(mine_doc, mine["properties"][name]) == kind(STANDARD, prop), (
                path,
                method,
                name,
            )


def _response_schema(doc: dict, operation: dict) -> dict | None:
    for status in ("200", "201"):
        content = operation.get("responses", {}).get(status, {}).get("content", {})
        if "application/json" in content:
            schema = resolve(doc, content["application/json"]["schema"])
            results = schema.get("properties", {}).get("results")
            return resolve(doc, results["items"]) if results else schema
    return None


def test_the_response_fields_and_their_types_are_open_klants():
    mine_doc = ours()
    standard = {(p, m): op for p, m, op in operations(STANDARD)}
    for path, method, operation in operations(mine_doc):
        mine = _response_schema(mine_doc, operation)
        theirs = _response_schema(STANDARD, standard[(path, method)])
        if mine is None or theirs is None:
            continue
        afwijkingen = TYPE_DEVIATIONS.get(_schema_name(operation) or "", {})
        for name, prop in theirs.get("properties", {}).items():
            if name == "_expand":
                continue
            assert name in mine.get("properties", {}), (path, method, name)
            if name in afwijkingen:
                continue
            assert kind(mine_doc, mine["properties"][name]) == kind(STANDARD, prop), (
                path,
                method,
                name,
            )
