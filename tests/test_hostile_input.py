"""Hostile input (contract P3, issue 8): a clean 4xx problem+json, never a 500, and nothing
half-written.

Behaviour, as tested here:

- a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (1 MiB): 413 ``request_too_large``;
- JSON nested deeper than 32 levels (also 10,000 levels, where the decoder itself gives up),
  and the non-JSON constants ``NaN``/``Infinity``: 400 ``parse_error``;
- invalid UTF-8: in the body 400 ``parse_error``, in the query string (raw or
  percent-encoded) 400 ``invalid_encoding``, in the path 404 (an unknown uuid, C3);
- a query string over 4096 bytes: 414 ``uri_too_long``; more than Django's 1000 parameters
  within that: 400; a page number beyond any possible offset, or not of ASCII digits
  (``page=١``): 404 (C3);
- more than 100 header fields, or one over 8190 bytes: 431 ``header_fields_too_large``; gunicorn
  (with our configuration) leaves these limits and the 414 to the application;
- a wildcard ``Content-Type`` (``*/*``) on a write: 415;
- the all-zero BSN or RSIN ``000000000`` (it passes the 11-proef's sum): 400 ``invalid``;
- unknown fields in a body, at any level: ignored (not stored, not echoed), as DRF does and
  the standard's clients expect (they may send fields of newer versions);
- a NUL character, which PostgreSQL cannot store in text, in any text field of any request
  body (found by walking the request schemas of docs/openapi.yaml, nested groups and every
  subject type included), in any filter and in a header: 400 with the field in
  ``invalidParams``;
- a write that fails halfway (here: the database refusing the last statement) leaves no klant,
  address, subject identification, evidence, interaction, audit trail record or notification
  behind.
"""

import copy
import io
import json
from pathlib import Path

import pytest
import yaml
from django.db import DataError
from vng_api_common.audittrails.models import AuditTrail

from klanten.api import parsers
from klanten.api.exceptions import exception_handler
from klanten.background.models import UitgaandeNotificatie
from klanten.datamodel.models import (
    Bevestigingsverzoek,
    Interactie,
    Klant,
    KlantAdres,
    KlantbeeldVerzoek,
    NatuurlijkPersoon,
    NietNatuurlijkPersoon,
    Validatie,
    Vestiging,
)

from .conftest import BASE, BSN, BSN_2, RSIN, RSIN_2
from .validatie_helpers import assertion, validating_client

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = yaml.safe_load((ROOT / "docs" / "openapi.yaml").read_text())
COMPONENTS = SCHEMA["components"]["schemas"]
LIMIT = 1024 * 1024
BSN_3 = "999990019"  # a third valid BSN (11-proef)
NUL = "a\x00b"

KLANT = {
    "bronorganisatie": RSIN,
    "subjectType": "natuurlijk_persoon",
    "subjectIdentificatie": {"inpBsn": BSN},
    "adres": {"straatnaam": "Hoofdstraat", "huisnummer": 1, "woonplaatsnaam": "Delft"},
}
# a valid subject identification per subject type (the Klant schema's discriminator)
SUBJECTEN = {
    "natuurlijk_persoon": {"inpBsn": BSN},
    "niet_natuurlijk_persoon": {"innNnpId": RSIN_2},
    "vestiging": {"vestigingsNummer": "000012345678"},
}
# (method, path) of every operation with a request body → a valid body; {klant} is klant A
WRITES = {
    ("post", "/klanten"): KLANT,
    ("put", "/klanten/{uuid}"): KLANT,
    ("patch", "/klanten/{uuid}"): {"achternaam": "Jansen"},
    ("post", "/gevalideerde-klanten"): {
        "klant": {**KLANT, "subjectIdentificatie": {"inpBsn": BSN_3}},
        "validatie": assertion(BSN_3),
    },
    ("post", "/klanten/{klant_uuid}/validaties"): assertion(BSN),
    ("post", "/klanten/{klant_uuid}/interacties"): {
        "soort": "contactmoment",
        "url": "https://contactmomenten.example.com/api/v1/contactmomenten/1",
        "rol": "belanghebbende",
    },
    ("post", "/klantbeeld"): {
        "subjectType": "natuurlijk_persoon",
        "identificatie": {"inpBsn": BSN_2},
    },
}


def _state() -> dict:
    """Row counts of everything a request may write."""
    models = (
        Klant,
        KlantAdres,
        NatuurlijkPersoon,
        NietNatuurlijkPersoon,
        Vestiging,
        Validatie,
        Interactie,
        Bevestigingsverzoek,
        KlantbeeldVerzoek,
        AuditTrail,
        UitgaandeNotificatie,
    )
    return {
        "klanten": list(Klant.objects.order_by("pk").values()),
        **{model.__name__: model.objects.count() for model in models},
    }


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:2000]
    assert response["Content-Type"] == "application/problem+json"
    assert response["API-version"] == "1.0.0"
    body = response.json()
    assert body["status"] == status
    assert body["instance"].startswith("urn:uuid:")
    if code is not None:
        assert body["code"] == code
    if status == 400:
        assert body["invalidParams"]
    return body


@pytest.fixture
def api(make_client):
    """All rights, and the right to assert evidence (for the validation writes)."""
    return validating_client(make_client, "hostile", scopes=(), all_rights=True)


@pytest.fixture
def klant(api):
    response = api.post_json(f"{BASE}/klanten", KLANT)
    assert response.status_code == 201, response.content
    return response.json()["url"].rsplit("/", 1)[1]


def _url(path: str, klant: str) -> str:
    return BASE + path.format(uuid=klant, klant_uuid=klant)


def _send(api, method: str, url: str, raw, **extra):
    return getattr(api, method)(url, raw, content_type="application/json", **extra)


# --- oversized bodies ------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "path"), list(WRITES))
def test_oversized_body_is_413(api, klant, method, path):
    body = {**WRITES[method, path], "opvulling": "x" * LIMIT}
    before = _state()
    response = _send(api, method, _url(path, klant), json.dumps(body))
    assert_problem(response, 413, "request_too_large")
    assert _state() == before


def test_body_just_under_the_limit_is_read(api):
    body = json.dumps({**KLANT, "opvulling": ""})
    body = body.replace('"opvulling": ""', f'"opvulling": "{"x" * (LIMIT - len(body) - 10)}"')
    assert len(body.encode()) < LIMIT
    assert api.post(f"{BASE}/klanten", body, content_type="application/json").status_code == 201


def test_oversized_body_without_content_length_is_refused_by_the_parser():
    # a stream that did not pass Django's request.body check (e.g. chunked upload)
    with pytest.raises(parsers.RequestTooLarge):
        parsers.KlantenJSONParser().parse(io.BytesIO(b'"' + b"x" * LIMIT + b'"'))


@pytest.mark.parametrize(
    ("exception", "status", "code"),
    [
        ("RequestDataTooBig", 413, "request_too_large"),
        ("TooManyFieldsSent", 400, "parse_error"),
        ("SuspiciousOperation", 400, "parse_error"),
    ],
)
def test_django_request_errors_inside_the_api_are_4xx(rf, exception, status, code):
    """Raised when DRF reads the request (request.body, request.GET): not a 500."""
    from django.core import exceptions

    response = exception_handler(getattr(exceptions, exception)("x"), {"request": rf.get("/")})
    assert response.status_code == status
    assert response.data["code"] == code


# --- deeply nested JSON ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw",
    [
        "[" * 10_000 + "]" * 10_000,
        '{"a": ' * 10_000 + "1" + "}" * 10_000,
        json.dumps({**KLANT, "extra": json.loads("[" * 33 + "]" * 33)}),
        json.dumps(
            {**KLANT, "adres": {"straatnaam": {"a": json.loads('{"b": ' * 40 + "1" + "}" * 40)}}}
        ),
    ],
    ids=["10000-arrays", "10000-objects", "33-levels", "40-levels-in-a-field"],
)
@pytest.mark.parametrize(("method", "path"), list(WRITES))
def test_deeply_nested_json_is_400(api, klant, method, path, raw):
    before = _state()
    body = assert_problem(_send(api, method, _url(path, klant), raw), 400, "parse_error")
    assert "genest" in body["detail"]
    assert _state() == before


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_json_constants_are_400(api, constant):
    raw = json.dumps(KLANT).replace('"huisnummer": 1', f'"huisnummer": {constant}')
    before = _state()
    assert_problem(_send(api, "post", f"{BASE}/klanten", raw), 400, "parse_error")
    assert _state() == before


# --- invalid UTF-8 ---------------------------------------------------------------------------
@pytest.mark.parametrize(("method", "path"), list(WRITES))
def test_invalid_utf8_body_is_400(api, klant, method, path):
    raw = json.dumps(WRITES[method, path]).encode()
    raw = raw[:-1] + b', "achternaam": "\xff\xfe\xc3"}'
    before = _state()
    assert_problem(_send(api, method, _url(path, klant), raw), 400, "parse_error")
    assert _state() == before


@pytest.mark.parametrize(
    "query",
    ["achternaam=%ff%fe", "achternaam=ab%c3", "%ff=1", "achternaam=\xff\xfe"],
    ids=["percent-encoded", "truncated", "in-a-name", "raw-bytes"],
)
def test_invalid_utf8_query_string_is_400(api, klant, query):
    # the test client, like a WSGI server, hands raw bytes over as latin-1 characters
    response = api.get(f"{BASE}/klanten", QUERY_STRING=query)
    assert_problem(response, 400, "invalid_encoding")


@pytest.mark.parametrize("path", ["/klanten/%ff%fe", "/klanten/{klant}/audittrail/%c3"])
def test_invalid_utf8_in_the_path_is_404(api, klant, path):
    assert_problem(api.get(BASE + path.format(klant=klant)), 404, "not_found")


def test_valid_utf8_filters_are_fine(api, klant):
    response = api.get(f"{BASE}/klanten", {"achternaam": "Ĳsselmeer-Ørsted 😀"})
    assert response.status_code == 200
    assert response.json()["count"] == 0


# --- huge query strings ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "query",
    [
        "achternaam=" + "a" * 5000,
        "a" * 5000 + "=1",
        "&".join(f"achternaam={i}" for i in range(2000)),
    ],
    ids=["long-value", "long-name", "many-parameters"],
)
@pytest.mark.parametrize("path", ["/klanten", "/klanten/{klant}", "/klanten/{klant}/audittrail"])
def test_huge_query_string_is_414(api, klant, query, path):
    response = api.get(BASE + path.format(klant=klant), QUERY_STRING=query)
    assert_problem(response, 414, "uri_too_long")


def test_huge_query_string_on_a_write_changes_nothing(api):
    before = _state()
    response = api.post(
        f"{BASE}/klanten?{'x' * 5000}", json.dumps(KLANT), content_type="application/json"
    )
    assert_problem(response, 414, "uri_too_long")
    assert _state() == before


def test_more_parameters_than_django_reads_is_400(api, klant):
    query = "&".join("a=" for _ in range(1200))  # under 4096 bytes, over 1000 fields
    assert len(query) < 4096
    assert_problem(api.get(f"{BASE}/klanten", QUERY_STRING=query), 400)


@pytest.mark.parametrize("page", [str(2**63 // 100 + 2), "1" + "0" * 30, "9" * 5000])
def test_page_number_beyond_any_offset_is_404(api, klant, page):
    """Found by fuzzing: an OFFSET beyond PostgreSQL's bigint was a 500."""
    response = api.get(f"{BASE}/klanten", QUERY_STRING=f"page={page}"[:4096])
    assert_problem(response, 404, "not_found")


def test_long_filter_value_within_the_limit_is_no_error(api, klant):
    response = api.get(f"{BASE}/klanten", {"achternaam": "a" * 4000})
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert_problem(response, 400)


# --- unknown fields --------------------------------------------------------------------------
def test_unknown_fields_are_ignored_at_every_level(api):
    body = copy.deepcopy(KLANT)
    body["onbekend"] = {"diep": ["x"]}
    body["adres"]["onbekend"] = "x"
    body["subjectIdentificatie"]["onbekend"] = 1
    body["subjectIdentificatie"]["verblijfsadres"] = {
        "aoaIdentificatie": "1",
        "wplWoonplaatsNaam": "Delft",
        "gorOpenbareRuimteNaam": "Markt",
        "aoaHuisnummer": 1,
        "onbekend": True,
    }
    body["a\x00b"] = "a key with a NUL is just an unknown field"
    response = api.post_json(f"{BASE}/klanten", body)
    assert response.status_code == 201, response.content
    assert "onbekend" not in response.content.decode()
    klant = Klant.objects.get(uuid=response.json()["url"].rsplit("/", 1)[1])
    assert "onbekend" not in json.dumps(
        NatuurlijkPersoon.objects.filter(klant=klant).values("verblijfsadres").get(),
        default=str,
    )


@pytest.mark.parametrize(("method", "path"), list(WRITES))
def test_unknown_fields_on_every_write_are_no_error(api, klant, method, path):
    body = {**copy.deepcopy(WRITES[method, path]), "onbekendVeld": {"x": [1, 2]}}
    response = _send(api, method, _url(path, klant), json.dumps(body))
    assert response.status_code < 300, response.content
    assert "onbekendVeld" not in response.content.decode()


# --- NUL characters --------------------------------------------------------------------------
def _component(ref: str) -> tuple[str, dict]:
    name = ref.removeprefix("#/components/schemas/")
    return name, COMPONENTS[name]


def _variants(name: str) -> dict[str, dict]:
    """The subtypes of a component with a discriminator: components that are allOf it."""
    return {
        other: schema
        for other, schema in COMPONENTS.items()
        if {"$ref": f"#/components/schemas/{name}"} in schema.get("allOf", [])
    }


def _text_paths(schema: dict, path=(), variant=None, seen=frozenset()):
    """(path, variant) of every writable string (also enum and formatted) in a request schema;
    ``variant`` is (path of the object with the discriminator, its value) when the field
    belongs to one subtype."""
    if "$ref" in schema:
        name, resolved = _component(schema["$ref"])
        if name in seen:
            return
        yield from _text_paths(resolved, path, variant, seen | {name})
        if "discriminator" in resolved:
            for subtype, sub in _variants(name).items():
                for part in sub["allOf"]:
                    if part.get("$ref") != schema["$ref"]:
                        yield from _text_paths(part, path, (path, subtype), seen | {name})
        return
    if schema.get("readOnly"):
        return
    for key in ("allOf", "oneOf", "anyOf"):
        for part in schema.get(key, []):
            yield from _text_paths(part, path, variant, seen)
    if schema.get("type") == "string" and path:
        yield path, variant
    for name, prop in schema.get("properties", {}).items():
        yield from _text_paths(prop, (*path, name), variant, seen)
    if schema.get("type") == "array" and "items" in schema:
        yield from _text_paths(schema["items"], (*path, 0), variant, seen)  # the first item


def _nul_cases():
    cases = {}
    for path, item in SCHEMA["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody")
            if not body:
                continue
            assert (method, path) in WRITES, f"add a valid body for {method} {path}"
            schemas = [body["content"]["application/json"]["schema"]]
            if method == "patch":
                # any part of a Klant; the schema's PatchedKlant does not link the subject
                # types (their subjectIdentificatie) the way Klant does
                schemas.append({"$ref": "#/components/schemas/Klant"})
            for schema in schemas:
                for field, variant in _text_paths(schema):
                    cases[method, path, field, variant] = None
    return list(cases)


NUL_CASES = _nul_cases()


def _dotted(field: tuple) -> str:
    return ".".join(str(part) for part in field)


def _set(body: dict, path: tuple, value) -> None:
    """Set ``value`` at ``path`` (keys, and 0 for the first item of a list)."""
    for key, next_key in zip(path, path[1:], strict=False):
        container = [] if next_key == 0 else {}
        if key == 0:
            if not body:
                body.append(container)
        elif not isinstance(body.get(key), type(container)):
            body[key] = container
        body = body[key]
    if path[-1] == 0:
        body[:] = [value]
    else:
        body[path[-1]] = value


def _nul_body(method: str, path: str, field: tuple, variant) -> dict:
    body = copy.deepcopy(WRITES[method, path])
    if variant is not None:
        at, subject_type = variant
        _set(body, (*at, "subjectType"), subject_type)
        _set(body, (*at, "subjectIdentificatie"), dict(SUBJECTEN[subject_type]))
    _set(body, field, NUL)
    return body


def test_the_schema_walk_finds_the_nested_text_fields():
    fields = {(method, path, _dotted(field)) for method, path, field, _ in NUL_CASES}
    for expected in [
        ("post", "/klanten", "achternaam"),
        ("post", "/klanten", "adres.postcode"),
        ("post", "/klanten", "subjectIdentificatie.verblijfsadres.aoaIdentificatie"),
        ("post", "/klanten", "subjectIdentificatie.subVerblijfBuitenland.lndLandnaam"),
        ("put", "/klanten/{uuid}", "subjectIdentificatie.statutaireNaam"),
        ("patch", "/klanten/{uuid}", "subjectIdentificatie.handelsnaam.0"),
        ("post", "/gevalideerde-klanten", "klant.subjectIdentificatie.geslachtsnaam"),
        ("post", "/gevalideerde-klanten", "validatie.geauthenticeerde.identificatie"),
        ("post", "/klanten/{klant_uuid}/validaties", "machtiging"),
        ("post", "/klanten/{klant_uuid}/interacties", "rol"),
        ("post", "/klantbeeld", "identificatie.kvkNummer"),
    ]:
        assert expected in fields
    assert len(NUL_CASES) > 150


@pytest.mark.parametrize(
    ("method", "path", "field", "variant"),
    NUL_CASES,
    ids=[
        f"{method} {path} {_dotted(field)}{f' ({variant[1]})' if variant else ''}"
        for method, path, field, variant in NUL_CASES
    ],
)
def test_nul_in_any_text_field_is_400(api, klant, requests_mock, method, path, field, variant):
    # requests_mock: no outgoing request ever reaches the network
    target = klant
    if variant is not None and variant[1] != "natuurlijk_persoon" and "{uuid}" in path:
        # an update keeps the subject type (C8): a klant of the subtype under test
        subject_type = variant[1]
        created = api.post_json(
            f"{BASE}/klanten",
            {**KLANT, "subjectType": subject_type, "subjectIdentificatie": SUBJECTEN[subject_type]},
        )
        assert created.status_code == 201, created.content
        target = created.json()["url"].rsplit("/", 1)[1]
    body = _nul_body(method, path, field, variant)
    before = _state()
    response = _send(api, method, _url(path, target), json.dumps(body))
    problem = assert_problem(response, 400)
    names = [param["name"] for param in problem["invalidParams"]]
    dotted = _dotted(field)
    assert any(name == dotted or name.startswith(f"{dotted}.") for name in names), names
    assert _state() == before


@pytest.mark.parametrize(
    "name",
    [p["name"] for p in SCHEMA["paths"]["/klanten"]["get"]["parameters"] if p["in"] == "query"],
)
def test_nul_in_any_filter_is_refused(api, klant, name):
    response = api.get(f"{BASE}/klanten", {name: NUL})
    if name == "page":
        assert_problem(response, 404, "not_found")  # C3: a page that does not exist
    else:
        problem = assert_problem(response, 400)
        assert [p["name"] for p in problem["invalidParams"]] == [name] * len(
            problem["invalidParams"]
        )


@pytest.mark.parametrize("header", ["X-Audit-Toelichting", "X-NLX-Logrecord-ID", "Authorization"])
def test_nul_in_a_header_is_400(api, header):
    key = "HTTP_" + header.upper().replace("-", "_")
    before = _state()
    response = api.post(
        f"{BASE}/klanten", json.dumps(KLANT), content_type="application/json", **{key: NUL}
    )
    problem = assert_problem(response, 400, "null_characters_not_allowed")
    assert problem["invalidParams"][0]["name"].lower() == header.lower()
    assert NUL not in response.content.decode()
    assert _state() == before


# --- issue 11: wildcard media types, all-zero identifiers, non-ASCII numbers, header limits -----
@pytest.mark.parametrize("content_type", ["*/*", "application/*", "*/json", "*/*; charset=utf-8"])
@pytest.mark.parametrize(("method", "path"), list(WRITES))
def test_a_wildcard_content_type_is_415(api, klant, method, path, content_type):
    """A Content-Type must name the body's media type; ``*/*`` is no JSON."""
    before = _state()
    response = getattr(api, method)(
        _url(path, klant), json.dumps(WRITES[(method, path)]), content_type=content_type
    )
    assert_problem(response, 415, "unsupported_media_type")
    assert _state() == before


@pytest.mark.parametrize(
    ("field", "body"),
    [
        ("subjectIdentificatie.inpBsn", {**KLANT, "subjectIdentificatie": {"inpBsn": "000000000"}}),
        ("bronorganisatie", {**KLANT, "bronorganisatie": "000000000"}),
        (
            "subjectIdentificatie.innNnpId",
            {
                **KLANT,
                "subjectType": "niet_natuurlijk_persoon",
                "subjectIdentificatie": {"innNnpId": "000000000"},
            },
        ),
    ],
)
def test_an_all_zero_bsn_or_rsin_is_refused(api, field, body):
    """``000000000`` passes the 11-proef's sum but is nobody's number (C9)."""
    problem = assert_problem(api.post_json(f"{BASE}/klanten", body), 400)
    assert {"name": field, "code": "invalid"} in [
        {"name": p["name"], "code": p["code"]} for p in problem["invalidParams"]
    ]
    assert not Klant.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "bronorganisatie",
        "subjectNatuurlijkPersoon__inpBsn",
        "subjectNietNatuurlijkPersoon__innNnpId",
    ],
)
def test_an_all_zero_bsn_or_rsin_filter_is_refused(api, name):
    problem = assert_problem(api.get(f"{BASE}/klanten", {name: "000000000"}), 400)
    assert problem["invalidParams"][0]["code"] == "invalid"


@pytest.mark.parametrize("page", ["\u0661", "\u0662", "\u00b2", "+1", " 1", "1_0", "\uff11"])
def test_a_page_number_of_other_than_ascii_digits_is_404(api, klant, page):
    """``int()`` reads ``١`` (Arabic-Indic one) as 1: only ASCII digits are a page number."""
    assert_problem(api.get(f"{BASE}/klanten", {"page": page}), 404, "not_found")
    assert api.get(f"{BASE}/klanten", {"page": "01"}).status_code == 200


def test_headers_over_the_limits_are_431(api, klant):
    many = {f"HTTP_X_EXTRA_{i}": "x" for i in range(101)}
    assert_problem(api.get(f"{BASE}/klanten", **many), 431, "header_fields_too_large")
    long = {"HTTP_X_EXTRA": "x" * 8200}
    assert_problem(api.get(f"{BASE}/klanten", **long), 431, "header_fields_too_large")
    before = _state()
    response = api.post(
        f"{BASE}/klanten", json.dumps(KLANT), content_type="application/json", **long
    )
    assert_problem(response, 431, "header_fields_too_large")
    assert _state() == before
    # within the limits
    fine = {f"HTTP_X_EXTRA_{i}": "x" for i in range(80)}
    assert api.get(f"{BASE}/klanten", HTTP_X_EXTRA="x" * 8000, **fine).status_code == 200


def test_gunicorn_leaves_the_request_limits_to_the_application(db, tmp_path):
    """gunicorn with our configuration: a request over the application's limits gets the
    application's problem+json 414/431 (gunicorn's own limits lie above them)."""
    import http.client

    from .processes import VENV_BIN, Process, clean_env, database_env, free_port

    port = free_port()
    env = clean_env(
        DEBUG="false",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        GUNICORN_ACCESS_LOG="false",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
        **database_env(),
    )
    command = [str(VENV_BIN / "gunicorn"), "-c", "python:klanten.conf.gunicorn", "klanten.wsgi"]
    server = Process(command, env, tmp_path / "gunicorn.log", port)

    def request(target: str, headers: dict) -> tuple[int, str, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        try:
            connection.putrequest("GET", target, skip_accept_encoding=True)
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type", ""), response.read()
        finally:
            connection.close()

    try:
        server.wait_until_listening()
        target = f"{BASE}/klanten?achternaam={'a' * 5000}"
        assert len(f"GET {target} HTTP/1.1") > 4094  # gunicorn's default limit
        results = [
            request(target, {}),
            request(f"{BASE}/klanten", {"X-Extra": "x" * 9000}),
            request(f"{BASE}/klanten", {f"X-Extra-{i}": "x" for i in range(110)}),
            request(f"{BASE}/klanten", {}),
        ]
    finally:
        log = server.stop()
    statuses = [(status, content_type) for status, content_type, _ in results]
    assert statuses == [
        (414, "application/problem+json"),
        (431, "application/problem+json"),
        (431, "application/problem+json"),
        (403, "application/problem+json"),
    ], log[-3000:]
    assert json.loads(results[0][2])["code"] == "uri_too_long"
    assert json.loads(results[1][2])["code"] == "header_fields_too_large"


# --- nothing half-written ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/klanten"),
        ("put", "/klanten/{uuid}"),
        ("patch", "/klanten/{uuid}"),
        ("post", "/gevalideerde-klanten"),
    ],
)
def test_a_write_failing_at_its_last_statement_leaves_nothing(
    api, klant, monkeypatch, method, path
):
    """The database refuses the write's last step (the notifications in the outbox, after the
    klant, its address, subject identification, evidence and audit trail records; the klant's
    and its partij's records go in one insert): a 500 problem+json, and the whole write is
    rolled back."""
    from klanten.notificaties import invoegen, wijziging

    def refuse(*args, **kwargs):
        raise DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")

    monkeypatch.setattr(wijziging, "notificeer", refuse)
    monkeypatch.setattr(invoegen, "voeg_in", refuse)
    body = copy.deepcopy(WRITES[method, path])
    if method == "put":
        body["adres"]["straatnaam"] = "Nieuwe straat"
    before = _state()
    assert_problem(_send(api, method, _url(path, klant), json.dumps(body)), 500, "error")
    assert _state() == before
