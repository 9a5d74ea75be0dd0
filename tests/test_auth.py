"""C4: ZGW JWT authorisation: token checks and the scope of every operation."""

import logging
import time

import jwt
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from vng_api_common.audittrails.models import AuditTrail
from vng_api_common.authorizations.models import Applicatie, Autorisatie
from vng_api_common.constants import ComponentTypes
from vng_api_common.models import JWTSecret

from klanten.datamodel.models import Klant

from .conftest import ALL_SCOPES, BASE, BSN, RSIN, SECRET, ApiClient, make_token

PROBLEM_KEYS = {"type", "code", "title", "status", "detail", "instance"}


def assert_forbidden(response, code: str) -> dict:
    assert response.status_code == 403, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response["API-version"] == "1.0.0"
    body = response.json()
    assert set(body) == PROBLEM_KEYS
    assert body["code"] == code
    assert body["status"] == 403
    assert body["instance"].startswith("urn:uuid:")
    assert body["type"] == "http://testserver/ref/fouten/PermissionDenied/"
    return body


@pytest.fixture
def known(make_client):
    """A registered client ``known`` with every scope; its token is made per test."""
    return make_client(client_id="known")


def _raw(payload: dict, secret: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(payload, secret, algorithm=algorithm)


# --- token checks ----------------------------------------------------------------------------
def test_no_token(known):
    assert_forbidden(ApiClient().get(f"{BASE}/klanten"), "permission_denied")


def test_other_authorization_scheme(known):
    client = ApiClient(HTTP_AUTHORIZATION=f"Basic {make_token('known')}")
    assert_forbidden(client.get(f"{BASE}/klanten"), "permission_denied")


def test_malformed_token(known):
    body = assert_forbidden(ApiClient("abc").get(f"{BASE}/klanten"), "jwt-decode-error")
    assert "abc" not in body["detail"]


def test_bad_signature(known):
    token = make_token("known", secret="another-secret-that-is-long-enough-32b")
    assert_forbidden(ApiClient(token).get(f"{BASE}/klanten"), "invalid-jwt-signature")


def test_token_signed_for_another_client(make_client):
    make_client(client_id="one")
    JWTSecret.objects.create(identifier="two", secret="the-secret-of-client-two-32-bytes-long")
    # claims to be "two" but is signed with the secret of "one"
    token = make_token("two", secret=SECRET)
    assert_forbidden(ApiClient(token).get(f"{BASE}/klanten"), "invalid-jwt-signature")


def test_unknown_client_id(known):
    token = make_token("nobody")
    assert_forbidden(ApiClient(token).get(f"{BASE}/klanten"), "invalid-client-identifier")


def test_client_with_empty_secret_is_unknown(known):
    JWTSecret.objects.create(identifier="no-secret", secret="")
    token = make_token("no-secret", secret="x" * 32)
    assert_forbidden(ApiClient(token).get(f"{BASE}/klanten"), "invalid-client-identifier")


def test_missing_client_id_claim(known):
    token = _raw({"iat": int(time.time()), "iss": "known"})
    assert_forbidden(ApiClient(token).get(f"{BASE}/klanten"), "missing-client-identifier")


def test_missing_iat_claim(known):
    token = _raw({"client_id": "known"})
    assert_forbidden(ApiClient(token).get(f"{BASE}/klanten"), "jwt-missing-iat-claim")


def test_iat_older_than_jwt_expiry(known, settings):
    assert settings.JWT_EXPIRY == 3600
    token = make_token("known", iat=int(time.time()) - 3601)
    assert_forbidden(ApiClient(token).get(f"{BASE}/klanten"), "jwt-expired")


def test_iat_just_within_jwt_expiry(known):
    token = make_token("known", iat=int(time.time()) - 3500)
    response = ApiClient(token).get(f"{BASE}/klanten")
    assert response.status_code == 200


def test_exp_in_the_past(known):
    token = make_token("known", exp=int(time.time()) - 10)
    assert_forbidden(ApiClient(token).get(f"{BASE}/klanten"), "jwt-expiredsignatureerror")


def test_non_numeric_iat(known):
    token = make_token("known", iat="gisteren")
    assert_forbidden(ApiClient(token).get(f"{BASE}/klanten"), "jwt-invalid-iat-claim")


@pytest.mark.parametrize("iat", [[1], {"t": 1}, True, 10**30, -(10**30), 1e300, "1" * 40], ids=repr)
def test_iat_that_is_no_numeric_date(known, iat):
    token = make_token("known", iat=iat)
    assert_forbidden(ApiClient(token).get(f"{BASE}/klanten"), "jwt-invalid-iat-claim")


@pytest.mark.parametrize("ahead", [600, 365 * 24 * 3600])
def test_iat_in_the_future_is_refused(known, ahead):
    token = make_token("known", iat=int(time.time()) + ahead)
    body = assert_forbidden(ApiClient(token).get(f"{BASE}/klanten"), "jwt-not-yet-valid")
    assert "toekomst" in body["detail"]


def test_iat_within_the_clock_skew_is_accepted(known, settings):
    assert settings.JWT_CLOCK_SKEW == 60
    token = make_token("known", iat=int(time.time()) + 50)
    assert ApiClient(token).get(f"{BASE}/klanten").status_code == 200
    settings.JWT_CLOCK_SKEW = 10
    token = make_token("known", iat=int(time.time()) + 50, user_id="other")
    assert_forbidden(ApiClient(token).get(f"{BASE}/klanten"), "jwt-not-yet-valid")


def test_a_future_iat_is_logged_without_claim_values(known, caplog):
    token = make_token(
        "known", iat=int(time.time()) + 600, user_id="m-991", user_representation="Xanthippe Q"
    )
    with caplog.at_level(logging.DEBUG):
        assert_forbidden(ApiClient(token).get(f"{BASE}/klanten"), "jwt-not-yet-valid")
    events = [r.msg for r in caplog.records if isinstance(r.msg, dict)]
    warning = next(e for e in events if e.get("event") == "jwt_not_yet_valid")
    assert warning["client_id"] == "known"
    text = caplog.text + repr(events)
    for value in ("m-991", "Xanthippe", str(int(time.time()) + 600)[:6]):
        assert value not in text


@pytest.mark.parametrize("client_id", ["kno\x00wn", "\x00", ["known"], {"id": "known"}, 7, ""])
def test_client_id_that_cannot_be_a_client_is_refused_first(known, client_id):
    # refused before the secret is looked up (a NUL cannot even be sent to PostgreSQL)
    token = _raw({"client_id": client_id, "iat": int(time.time())})
    with CaptureQueriesContext(connection) as queries:
        response = ApiClient(token).get(f"{BASE}/klanten")
    assert_forbidden(response, "invalid-client-identifier")
    assert len(queries) == 0


@pytest.mark.parametrize("claim", ["user_id", "user_representation"])
@pytest.mark.parametrize(
    "value",
    ["x" * 256, ["medewerker"], {"id": 1}, 12, "a\x00b"],
    ids=["long", "list", "obj", "int", "nul"],
)
def test_user_claims_that_cannot_be_recorded_are_refused(known, claim, value):
    token = make_token("known", **{claim: value})
    client = ApiClient(token)
    response = client.post_json(
        f"{BASE}/klanten",
        {
            "bronorganisatie": RSIN,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": BSN},
        },
    )
    assert_forbidden(response, f"jwt-invalid-{claim}-claim")
    assert not Klant.objects.exists()
    assert_forbidden(client.get(f"{BASE}/klanten"), f"jwt-invalid-{claim}-claim")


def test_user_claims_of_255_characters_are_recorded(known):
    token = make_token("known", user_id="i" * 255, user_representation="r" * 255)
    response = ApiClient(token).post_json(
        f"{BASE}/klanten",
        {
            "bronorganisatie": RSIN,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": BSN},
        },
    )
    assert response.status_code == 201, response.content
    # the klant's record and (K10) its partij's
    trails = AuditTrail.objects.all()
    assert [t.bron for t in trails.order_by("pk")] == ["kc", "ki"]
    for trail in trails:
        assert (trail.gebruikers_id, trail.gebruikers_weergave) == ("i" * 255, "r" * 255)


def test_unsigned_token_is_refused(known):
    token = _raw({"client_id": "known", "iat": int(time.time())}, secret=None, algorithm="none")
    assert_forbidden(ApiClient(token).get(f"{BASE}/klanten"), "jwt-invalidalgorithmerror")


def test_token_errors_on_writes_change_nothing(known):
    response = ApiClient("abc").post_json(
        f"{BASE}/klanten",
        {
            "bronorganisatie": RSIN,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": BSN},
        },
    )
    assert_forbidden(response, "jwt-decode-error")
    assert not Klant.objects.exists()


def test_scopes_for_another_component_do_not_count(make_client):
    make_client(scopes=(), client_id="zaken-app")
    applicatie = Applicatie.objects.get(client_ids__contains=["zaken-app"])
    Autorisatie.objects.create(
        applicatie=applicatie, component=ComponentTypes.zrc, scopes=list(ALL_SCOPES)
    )
    assert_forbidden(ApiClient(make_token("zaken-app")).get(f"{BASE}/klanten"), "permission_denied")


def test_client_without_any_scope(make_client):
    client = make_client(scopes=())
    assert_forbidden(client.get(f"{BASE}/klanten"), "permission_denied")


# --- scopes per operation ----------------------------------------------------------------------
FULL_BODY = {
    "bronorganisatie": RSIN,
    "subjectType": "natuurlijk_persoon",
    "subjectIdentificatie": {"inpBsn": BSN},
    "achternaam": "Vervangen",
}

# operation → (method, url key, body, required scope, success status)
OPERATIONS = {
    "list": ("get", "list", None, "klanten.lezen", 200),
    "read": ("get", "detail", None, "klanten.lezen", 200),
    "create": ("post", "list", FULL_BODY, "klanten.aanmaken", 201),
    "update": ("put", "detail", FULL_BODY, "klanten.bijwerken", 200),
    "partial_update": (
        "patch",
        "detail",
        {"telefoonnummer": "0612345678"},
        "klanten.bijwerken",
        200,
    ),
    "delete": ("delete", "detail", None, "klanten.verwijderen", 204),
    "audittrail_list": ("get", "audittrail", None, "audittrails.lezen", 200),
    "audittrail_read": ("get", "audittrail_detail", None, "audittrails.lezen", 200),
}


@pytest.fixture
def target(api):
    """A klant created through the API (so it has an audit trail record), and its URLs."""
    response = api.post_json(
        f"{BASE}/klanten",
        {
            "bronorganisatie": RSIN,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": BSN},
            "achternaam": "Origineel",
        },
    )
    assert response.status_code == 201
    klant = Klant.objects.get()
    trail = AuditTrail.objects.get(bron="kc")
    return {
        "klant": klant,
        "list": f"{BASE}/klanten",
        "detail": f"{BASE}/klanten/{klant.uuid}",
        "audittrail": f"{BASE}/klanten/{klant.uuid}/audittrail",
        "audittrail_detail": f"{BASE}/klanten/{klant.uuid}/audittrail/{trail.uuid}",
    }


def _call(client, operation: str, target: dict):
    method, url_key, body, _, _ = OPERATIONS[operation]
    url = target[url_key]
    if body is None:
        return getattr(client, method)(url)
    return getattr(client, f"{method}_json")(url, body)


def _state() -> list:
    return list(Klant.objects.order_by("pk").values())


def test_every_operation_is_covered():
    assert {scope for *_, scope, _status in OPERATIONS.values()} == set(ALL_SCOPES)


@pytest.mark.parametrize("operation", OPERATIONS)
def test_operation_refused_without_its_scope(operation, target, make_client):
    required = OPERATIONS[operation][3]
    client = make_client(scopes=[scope for scope in ALL_SCOPES if scope != required])
    before = _state()
    trails = AuditTrail.objects.count()
    assert_forbidden(_call(client, operation, target), "permission_denied")
    assert _state() == before
    assert AuditTrail.objects.count() == trails


@pytest.mark.parametrize("operation", OPERATIONS)
def test_operation_allowed_with_only_its_scope(operation, target, make_client):
    _, _, _, required, expected = OPERATIONS[operation]
    client = make_client(scopes=[required])
    response = _call(client, operation, target)
    assert response.status_code == expected, response.content
    if operation == "delete":
        assert not Klant.objects.filter(pk=target["klant"].pk).exists()
    elif operation == "create":
        assert Klant.objects.count() == 2
    elif operation == "update":
        assert Klant.objects.get(pk=target["klant"].pk).achternaam == "Vervangen"
    elif operation == "partial_update":
        klant = Klant.objects.get(pk=target["klant"].pk)
        assert (klant.telefoonnummer, klant.achternaam) == ("0612345678", "Origineel")


@pytest.mark.parametrize("operation", OPERATIONS)
def test_application_with_all_rights(operation, target, make_client):
    client = make_client(scopes=(), all_rights=True)
    response = _call(client, operation, target)
    assert response.status_code == OPERATIONS[operation][4], response.content


def test_scopes_are_not_cumulated_from_other_applications(make_client):
    """Two applications, two client ids: each token gets only its own application's scopes."""
    reader = make_client(scopes=["klanten.lezen"], client_id="reader")
    make_client(scopes=list(ALL_SCOPES), client_id="writer")
    assert reader.get(f"{BASE}/klanten").status_code == 200
    response = reader.post_json(f"{BASE}/klanten", FULL_BODY)
    assert_forbidden(response, "permission_denied")
