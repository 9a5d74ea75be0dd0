"""The OpenAPI schema of the Klantinteracties API (``/klantinteracties/api/v1/schema/``,
committed as ``docs/openapi-klantinteracties.yaml`` by ``bin/schema``): Open Klant 0.9.0's
wire contract for the operations we serve (``tests/test_klantinteracties_schema.py`` compares
them), with our security schemes (``Token`` and the ZGW JWT) and scopes."""

PREFIX = "/klantinteracties/api/v1"


def alleen_klantinteracties(endpoints, **kwargs):
    """drf-spectacular preprocessing hook: the endpoints of this API only."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(f"{PREFIX}/")]


def token_security(result, generator, request, public):
    """drf-spectacular postprocessing hook: ``tokenAuth`` (``Authorization: Token <key>``,
    Open Klant's scheme) beside the ZGW JWT on every operation."""
    schemes = result.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes["tokenAuth"] = {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "Token-based authentication with required prefix `Token`.",
    }
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if (
                isinstance(operation, dict)
                and "security" in operation
                and {"tokenAuth": []} not in operation["security"]
            ):
                operation["security"].append({"tokenAuth": []})
    return result


EXPAND_PARAMETER = {
    "in": "query",
    "name": "expand",
    "schema": {"type": "array", "items": {"type": "string"}},
    "description": "Sluit de gespecifieerde gerelateerde resources in in het antwoord.\n\n",
    "explode": False,
    "style": "form",
}


def expand_parameters(result, generator, request, public):
    """drf-spectacular postprocessing hook: the ``expand`` parameter of every GET of a
    resource with registered expand paths, its enum the paths registered now (both halves of
    the API register theirs, ``klantinteracties.expand``)."""
    from django.urls import Resolver404, resolve

    from . import expand

    for pad, item in result.get("paths", {}).items():
        operation = item.get("get")
        if operation is None:
            continue
        try:
            match = resolve(PREFIX + pad.replace("{uuid}", "00000000-0000-0000-0000-000000000000"))
        except Resolver404:
            continue
        resource = getattr(getattr(match.func, "cls", None), "resource", None)
        paden = expand.paden(resource) if resource else []
        parameters = [p for p in operation.get("parameters", []) if p.get("name") != "expand"]
        if paden and "400" not in operation.get("responses", {}):
            # an unknown expand value or query parameter is a 400
            fout = {"schema": {"$ref": "#/components/schemas/ValidatieFout"}}
            operation.setdefault("responses", {})["400"] = {
                "description": "Bad request",
                "content": {"application/problem+json": fout},
            }
        if paden:
            parameter = {
                **EXPAND_PARAMETER,
                "schema": {"type": "array", "items": {"type": "string", "enum": paden}},
            }
            parameters.append(parameter)
            parameters.sort(key=lambda p: (p.get("in") != "query", p.get("name")))
        operation["parameters"] = parameters
    return result


def json_fouten(result, generator, request, public):
    """drf-spectacular postprocessing hook: the error responses are sent as
    ``application/json`` (as Open Klant, ``klanten.api.exceptions.error_content_type``), or as
    ``application/problem+json`` when the client asks for it: both are documented."""
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if not isinstance(operation, dict):
                continue
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if str(status).startswith(("4", "5")) and "application/problem+json" in content:
                    response["content"] = {
                        "application/json": content["application/problem+json"],
                        **content,
                    }
    return result


SPECTACULAR_SETTINGS = {
    "SCHEMA_PATH_PREFIX": PREFIX,
    "SERVERS": [{"url": PREFIX}],
    "TITLE": "Klantinteracties API",
    "VERSION": "0.9.0",
    "DESCRIPTION": "Een API om partijen, digitale adressen, klantcontacten en interne taken te "
    "registreren en op te vragen, wire-compatibel met Open Klant 0.9.0 (Open Forms, KISS, "
    "Open Inwoner), over dezelfde klanten als de Klanten API 1.0.0.\n\n"
    "Authenticatie: `Authorization: Token <sleutel>` of een ZGW JWT (`Bearer`). Elke client "
    "heeft scopes per bewerking (`klantinteracties.lezen`, `.aanmaken`, `.bijwerken`, "
    "`.verwijderen`).\n\n"
    "Deze API publiceert notificaties op het kanaal `partijen` (hoofdresource `partij`, "
    "kenmerk `soortPartij`).",
    "PREPROCESSING_HOOKS": ["klanten.klantinteracties.schema.alleen_klantinteracties"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "drf_spectacular.contrib.djangorestframework_camel_case.camelize_serializer_fields",
        "klanten.api.schema.remove_request_defaults",
        "klanten.klantinteracties.schema.token_security",
        "klanten.klantinteracties.schema.expand_parameters",
        "klanten.klantinteracties.schema.json_fouten",
    ],
    "TAGS": [
        {"name": "partijen", "description": ""},
        {"name": "partij-identificatoren", "description": ""},
        {"name": "digitale adressen", "description": ""},
    ],
}
