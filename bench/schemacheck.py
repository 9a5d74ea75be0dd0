"""Check a sample of a server's responses against the OpenAPI schema it serves.

``bench/run`` calls :func:`check` after the load: for each scenario it sends a few of the same
requests (urllib, the run's token), finds the operation of the served schema whose path and
method match, and validates the JSON body against that operation's response schema for the
status received (OpenAPI 3.0: ``nullable`` becomes a JSON Schema type union). Violations are
reported per scenario with the first messages; they say that the data (e.g. what
``bench/seed`` wrote) or the code breaks the API's own contract.
"""

from __future__ import annotations

import json
import random
import re
import urllib.error
import urllib.request

import loadgen
from jsonschema import Draft202012Validator


def _fetch(base_url: str, method: str, path: str, token: str, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        base_url + path,
        data=data,
        method=method,
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            **({"Content-Type": "application/json"} if data is not None else {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _openapi30_to_jsonschema(node):
    """``nullable: true`` → a type union with ``null`` (and ``enum`` with ``None``); ``oneOf``
    → ``anyOf``: the schema generator writes a blank-or-formatted string as ``oneOf``
    [``maxLength: 0``, ``format: uri``], and an empty string matches both when formats are not
    asserted (as JSON Schema validators do by default)."""
    if isinstance(node, list):
        return [_openapi30_to_jsonschema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {
        ("anyOf" if key == "oneOf" else key): _openapi30_to_jsonschema(value)
        for key, value in node.items()
    }
    if node.pop("nullable", False):
        if "type" in node:
            node["type"] = [node["type"], "null"]
        if "enum" in node and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]
        if "$ref" in node or "allOf" in node or "anyOf" in node:
            ref = {k: node.pop(k) for k in ("$ref", "allOf", "anyOf") if k in node}
            node["anyOf"] = [ref, {"type": "null"}]
    return node


class Schema:
    def __init__(self, document: dict, prefix: str):
        self.document = _openapi30_to_jsonschema(document)
        self.components = self.document.get("components", {})
        server_path = ""
        servers = self.document.get("servers") or []
        if servers:
            server_path = re.sub(r"^https?://[^/]+", "", servers[0].get("url", "")).rstrip("/")
        self.operations = []
        for template, item in self.document.get("paths", {}).items():
            full = (server_path or prefix) + template
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(full))
            for method, operation in item.items():
                if isinstance(operation, dict) and "responses" in operation:
                    self.operations.append((re.compile(pattern + "$"), method.upper(), operation))

    def response_schema(self, method: str, path: str, status: int) -> dict | None:
        path = path.split("?", 1)[0]
        for pattern, op_method, operation in self.operations:
            if op_method == method and pattern.match(path):
                response = operation["responses"].get(str(status))
                if response is None:
                    return None
                content = response.get("content", {})
                media = content.get("application/json") or next(iter(content.values()), None)
                if not media or "schema" not in media:
                    return None
                return {**media["schema"], "components": self.components}
        return None


def check(
    base_url: str,
    token: str,
    inputs: dict,
    scenarios: list[str],
    *,
    schema_path: str,
    api_prefix: str = loadgen.API,
    per_scenario: int = 10,
    seed: int = 11,
) -> dict:
    status, body = _fetch(base_url, "GET", schema_path, token)
    if status != 200:
        return {"error": f"schema {schema_path}: HTTP {status}"}
    schema = Schema(json.loads(body), api_prefix)
    rng = random.Random(seed)
    results = {}
    for name in scenarios:
        if name.startswith(("constant", "cm_")):
            continue
        next_request = loadgen.scenario_requests(name, inputs, rng, api_prefix)
        checked, violations, unchecked = 0, [], 0
        for _ in range(per_scenario):
            method, path, request_body, _expected = next_request()
            status, content = _fetch(base_url, method, path, token, request_body)
            response_schema = schema.response_schema(method, path, status)
            if response_schema is None or not content:
                unchecked += 1
                continue
            checked += 1
            errors = sorted(
                Draft202012Validator(response_schema).iter_errors(json.loads(content)),
                key=lambda e: list(e.absolute_path),
            )
            for error in errors[:3]:
                where = "/".join(str(p) for p in error.absolute_path)
                violations.append(
                    f"{method} {path.split('?')[0]} {status}: {where}: {error.message[:200]}"
                )
        results[name] = {
            "checked": checked,
            "unchecked": unchecked,
            "violations": len(violations),
            "samples": violations[:5],
        }
    return results
