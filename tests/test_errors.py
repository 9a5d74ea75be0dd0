"""C3 and C1: error responses as problem+json, and the API-version header everywhere."""

import uuid

import pytest
from vng_api_common.audittrails.models import AuditTrail

from klanten.datamodel.models import Klant

from .conftest import BASE, BSN, RSIN

PROBLEM_KEYS = {"type", "code", "title", "status", "detail", "instance"}
VALID_BODY = {
    "bronorganisatie": RSIN,
    "subjectType": "natuurlijk_persoon",
    "subjectIdentificatie": {"inpBsn": BSN},
}


def assert_problem(response, status: int, code: str, exception: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response["API-version"] == "1.0.0"
    body = response.json()
    expected_keys = PROBLEM_KEYS | ({"invalidParams"} if status == 400 else set())
    assert set(body) == expected_keys
    assert body["status"] == status
    assert body["code"] == code
    assert body["instance"].startswith("urn:uuid:")
    uuid.UUID(body["instance"].removeprefix("urn:uuid:"))
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    if exception:
        assert body["type"] == f"http://testserver/ref/fouten/{exception}/"
    return body


@pytest.fixture
def klant(make_klant):
    return make_klant(achternaam="Jansen")


def _state():
    return list(Klant.objects.order_by("pk").values()), AuditTrail.objects.count()


# --- 415 -------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["post", "put", "patch"])
@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "multipart/form-data"])
def test_wrong_content_type_on_write(api, klant, method, content_type):
    url = f"{BASE}/klanten" if method == "post" else f"{BASE}/klanten/{klant.uuid}"
    before = _state()
    response = getattr(api, method)(url, "bronorganisatie=002220647", content_type=content_type)
    body = assert_problem(response, 415, "unsupported_media_type", "UnsupportedMediaType")
    assert content_type in body["detail"]
    assert _state() == before


def test_json_with_charset_is_accepted(api):
    response = api.post(
        f"{BASE}/klanten",
        VALID_BODY,
        content_type="application/json; charset=utf-8",
    )
    assert response.status_code == 201


# --- 406 -------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/klanten", "/klanten/{uuid}", "/klanten/{uuid}/audittrail"])
def test_unsatisfiable_accept(api, klant, path):
    url = BASE + path.format(uuid=klant.uuid)
    response = api.get(url, HTTP_ACCEPT="application/xml")
    assert_problem(response, 406, "not_acceptable", "NotAcceptable")


def test_unsatisfiable_accept_on_write_changes_nothing(api):
    response = api.post_json(f"{BASE}/klanten", VALID_BODY, HTTP_ACCEPT="application/xml")
    assert_problem(response, 406, "not_acceptable")
    assert not Klant.objects.exists()


@pytest.mark.parametrize("accept", ["application/json", "*/*", "application/*", ""])
def test_acceptable_accept_headers(api, klant, accept):
    extra = {"HTTP_ACCEPT": accept} if accept else {}
    response = api.get(f"{BASE}/klanten/{klant.uuid}", **extra)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


# --- 404 -------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
@pytest.mark.parametrize("key", ["unknown", "not-a-uuid", "123", "{uuid}x"])
def test_unknown_or_malformed_klant_uuid(api, klant, method, key):
    if key == "unknown":
        key = str(uuid.uuid4())
    key = key.format(uuid=klant.uuid)
    url = f"{BASE}/klanten/{key}"
    call = getattr(api, method if method in ("get", "delete") else f"{method}_json")
    before = _state()
    response = call(url) if method in ("get", "delete") else call(url, VALID_BODY)
    assert_problem(response, 404, "not_found", "NotFound")
    assert _state() == before


@pytest.mark.parametrize(
    "path",
    [
        "/klanten/{unknown}/audittrail",
        "/klanten/not-a-uuid/audittrail",
        "/klanten/{klant}/audittrail/not-a-uuid",
        "/klanten/{klant}/audittrail/{unknown}",
        "/klanten/not-a-uuid/audittrail/{trail}",
        "/klanten/{unknown}/audittrail/{trail}",
    ],
)
def test_unknown_or_malformed_audittrail_paths(api, path):
    created = api.post_json(f"{BASE}/klanten", VALID_BODY)
    assert created.status_code == 201
    klant = Klant.objects.get()
    trail = AuditTrail.objects.get(bron="kc")
    url = BASE + path.format(klant=klant.uuid, unknown=uuid.uuid4(), trail=trail.uuid)
    assert_problem(api.get(url), 404, "not_found", "NotFound")


@pytest.mark.parametrize("page", ["2", "99", "0", "-1", "abc"])
def test_page_out_of_range(api, klant, page):
    body = assert_problem(api.get(f"{BASE}/klanten", {"page": page}), 404, "not_found")
    assert body["detail"] == "Ongeldige pagina."


def test_first_page_is_fine(api, klant):
    response = api.get(f"{BASE}/klanten", {"page": "1"})
    assert response.status_code == 200
    assert response.json()["count"] == 1


@pytest.mark.parametrize(
    "path", ["/klanten/", "/nothing", "/klanten/{uuid}/", "/klanten/{uuid}/audittrail/"]
)
def test_unknown_api_path(api, klant, path):
    response = api.get(BASE + path.format(uuid=klant.uuid))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response["API-version"] == "1.0.0"
    body = response.json()
    assert set(body) == PROBLEM_KEYS
    assert (body["status"], body["code"]) == (404, "not_found")
    assert body["instance"].startswith("urn:uuid:")


# --- 405 -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("post", "/klanten/{uuid}", "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"),
        ("put", "/klanten", "GET, POST, HEAD, OPTIONS"),
        ("patch", "/klanten", "GET, POST, HEAD, OPTIONS"),
        ("delete", "/klanten", "GET, POST, HEAD, OPTIONS"),
        ("post", "/klanten/{uuid}/audittrail", "GET, HEAD, OPTIONS"),
        ("delete", "/klanten/{uuid}/audittrail", "GET, HEAD, OPTIONS"),
    ],
)
def test_unsupported_method(api, klant, method, path, allow):
    url = BASE + path.format(uuid=klant.uuid)
    before = _state()
    response = getattr(api, method)(url, "{}", content_type="application/json")
    body = assert_problem(response, 405, "method_not_allowed", "MethodNotAllowed")
    assert method.upper() in body["detail"]
    assert response["Allow"] == allow
    assert _state() == before


# --- 400 -------------------------------------------------------------------------------------
def test_validation_error_has_invalid_params(api):
    response = api.post_json(
        f"{BASE}/klanten",
        {
            "bronorganisatie": "123",
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": "123456789"},
        },
    )
    body = assert_problem(response, 400, "invalid", "ValidationError")
    assert body["invalidParams"] == [
        {
            "name": "bronorganisatie",
            "code": "invalid-length",
            "reason": "Een RSIN heeft precies 9 cijfers.",
        },
        {
            "name": "subjectIdentificatie.inpBsn",
            "code": "invalid",
            "reason": "Onjuist BSN: de 11-proef faalt.",
        },
    ]
    # the refused identifier is named by path, never echoed
    assert "123456789" not in response.content.decode()
    assert not Klant.objects.exists()


def test_malformed_json(api):
    response = api.post(f"{BASE}/klanten", '{"bronorganisatie": ', content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "parse_error"
    assert body["status"] == 400
    assert body["instance"].startswith("urn:uuid:")


@pytest.mark.parametrize("body", ["[]", '"klant"', "42", "null"])
def test_non_object_json_body(api, body):
    response = api.post(f"{BASE}/klanten", body, content_type="application/json")
    problem = assert_problem(response, 400, "invalid")
    assert [p["name"] for p in problem["invalidParams"]] == ["nonFieldErrors"]
    assert not Klant.objects.exists()


def test_unknown_query_parameter(api, klant):
    body = assert_problem(api.get(f"{BASE}/klanten", {"foo": "bar"}), 400, "invalid")
    assert body["invalidParams"] == [
        {
            "name": "nonFieldErrors",
            "code": "unknown-parameters",
            "reason": "Onbekende query parameters: foo",
        }
    ]


# --- 500 -------------------------------------------------------------------------------------
def test_unexpected_error_is_problem_json_without_details(api, monkeypatch):
    from klanten.api import viewsets

    def crash(*args, **kwargs):
        raise RuntimeError(f"database exploded while reading {BSN}")

    monkeypatch.setattr(viewsets.KlantViewSet, "list", crash)
    response = api.get(f"{BASE}/klanten")
    body = assert_problem(response, 500, "error", "APIException")
    assert body["detail"] == "Internal Server Error"
    assert BSN not in response.content.decode()
    assert "exploded" not in response.content.decode()


# --- API-version on every response ----------------------------------------------------------
def test_api_version_on_successful_responses(api, klant):
    detail = f"{BASE}/klanten/{klant.uuid}"
    responses = {
        "list": api.get(f"{BASE}/klanten"),
        "read": api.get(detail),
        "head": api.head(detail),
        "create": api.post_json(f"{BASE}/klanten", VALID_BODY),
        "update": api.put_json(detail, VALID_BODY),
        "partial_update": api.patch_json(detail, {"voornaam": "Piet"}),
        "audittrail": api.get(f"{detail}/audittrail"),
    }
    etag = api.get(detail)["ETag"]
    responses["not_modified"] = api.get(detail, HTTP_IF_NONE_MATCH=etag)
    responses["delete"] = api.delete(detail)
    statuses = {name: response.status_code for name, response in responses.items()}
    assert statuses == {
        "list": 200,
        "read": 200,
        "head": 200,
        "create": 201,
        "update": 200,
        "partial_update": 200,
        "audittrail": 200,
        "not_modified": 304,
        "delete": 204,
    }
    for name, response in responses.items():
        assert response["API-version"] == "1.0.0", name


@pytest.mark.parametrize("path", ["/schema/openapi.yaml", "/schema/openapi.json", "/schema/"])
def test_api_version_on_schema_endpoints(client, db, path):
    response = client.get(BASE + path)
    assert response.status_code == 200
    assert response["API-version"] == "1.0.0"


def test_api_version_on_unauthenticated_error(client, db):
    response = client.get(f"{BASE}/klanten")
    assert response.status_code == 403
    assert response["API-version"] == "1.0.0"


def test_no_api_version_outside_the_api(client, db):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "API-version" not in response
