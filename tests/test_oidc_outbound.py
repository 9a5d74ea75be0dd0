"""The calls of both OpenID Connect sign-ins to the identity provider (token endpoint, JWKS,
userinfo endpoint, availability check) go through klanten.outbound: a provider on an internal
address needs a configured service covering it, a provider that trickles its answer is cut off
at the deadline, and either is an ordinary failed sign-in (no server error).

The test provider listens on 127.0.0.1; ``configure_oidc`` configures the service covering it.
A stand-in token endpoint (a thread of this process, also on 127.0.0.1) records what reaches
it.
"""

import contextlib
import time
from urllib.parse import parse_qs

import pytest
from mozilla_django_oidc_db.models import OIDCClient, OIDCProvider

from klanten import outbound
from klanten.mijn.models import Gebeurtenis
from klanten.mijn.oidc import MIJN_GEGEVENS_OIDC

from .conftest import BSN, RSIN
from .lokale_server import StilleHandler, dekkende_service, lokale_server
from .oidc_fixtures import ADMIN_CLIENT, DIGID_MIDDEN, MIJN_CLIENT, configure_oidc

pytestmark = pytest.mark.django_db

STAFF_CLAIMS = {"email": "m.devries@gemeente.example", "roles": ["klanten-lezers"]}


class _TokenEndpoint(StilleHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        self.server.requests.append((self.path, dict(self.headers), parse_qs(body)))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            if self.path == "/trickle":
                self.druppel()
            else:
                self.antwoord(400, b'{"error": "invalid_grant"}')


@pytest.fixture
def token_endpoint():
    with lokale_server(_TokenEndpoint) as httpd:
        yield httpd


def cover(token_endpoint) -> None:
    """A configured service covering the stand-in token endpoint."""
    dekkende_service(token_endpoint, label="Token endpoint (test, intern)", slug="token-endpoint")


def use_token_endpoint(url: str) -> None:
    OIDCProvider.objects.filter(identifier="test-provider").update(oidc_op_token_endpoint=url)


@pytest.fixture
def op(oidc_provider, settings):
    settings.MIJN_GEGEVENS_BRONORGANISATIE = RSIN
    configure_oidc(oidc_provider)
    return oidc_provider


@pytest.fixture
def calls(monkeypatch):
    """The (method, path) of every call through klanten.outbound.fetch."""
    made = []
    original = outbound.fetch

    def spy(url, **kwargs):
        made.append((kwargs.get("method", "GET"), url))
        return original(url, **kwargs)

    monkeypatch.setattr(outbound, "fetch", spy)
    return made


def resident_sign_in(client, op):
    op.next_login(f"sub-{BSN}", DIGID_MIDDEN, {"bsn": BSN})
    response = client.get("/mijn-gegevens/inloggen", {"volgende": "/mijn-gegevens/"})
    assert response.status_code == 302, response.content
    callback = op.authorize(response["Location"], "http://testserver/")
    return client.get(callback.removeprefix("http://testserver"))


def staff_sign_in(client, op):
    op.next_login("medewerker-42", None, STAFF_CLAIMS)
    response = client.get("/oidc/authenticate/", {"next": "/admin/"})
    assert response.status_code == 302
    callback = op.authorize(response["Location"], "http://testserver/")
    return client.get(callback.removeprefix("http://testserver"))


def assert_resident_sign_in_failed(client, response):
    assert response.status_code == 302
    assert response["Location"] == "/mijn-gegevens/inloggen/mislukt"
    assert Gebeurtenis.objects.filter(actie="inloggen_geweigerd", reden="inloggen-mislukt").exists()
    assert "mijn_gegevens" not in client.session


def assert_staff_sign_in_failed(client, response, django_user_model):
    assert response.status_code == 302
    assert response["Location"] == "/admin/login/failure/"
    assert not django_user_model.objects.exists()
    assert client.get("/admin/").status_code == 302  # to the login page


def refusals(caplog) -> list[str]:
    """The reasons of the ``oidc_provider_onbereikbaar`` log events."""
    events = [r.msg for r in caplog.records if isinstance(r.msg, dict)]
    return [e["reason"] for e in events if e.get("event") == "oidc_provider_onbereikbaar"]


def assert_logged_without_url_or_secret(caplog, *urls, secret):
    for url in urls:
        assert url not in caplog.text
    assert secret not in caplog.text


# --- the happy paths, through klanten.outbound -------------------------------------------------
def test_resident_sign_in_calls_the_provider_through_outbound(client, op, calls):
    response = resident_sign_in(client, op)
    assert response.status_code == 302
    assert response["Location"] == "/mijn-gegevens/"
    config = op.configuration
    assert calls == [("POST", config["token_endpoint"]), ("GET", config["jwks_uri"])]


def test_staff_sign_in_calls_the_provider_through_outbound(client, op, calls, django_user_model):
    response = staff_sign_in(client, op)
    assert response["Location"] == "/admin/"
    assert django_user_model.objects.get(username="medewerker-42").is_staff
    config = op.configuration
    assert calls == [("POST", config["token_endpoint"]), ("GET", config["jwks_uri"])]


def test_staff_claims_from_the_userinfo_endpoint_through_outbound(
    client, op, calls, django_user_model
):
    OIDCClient.objects.filter(identifier="admin-oidc").update(
        userinfo_claims_source="userinfo_endpoint"
    )
    response = staff_sign_in(client, op)
    assert response["Location"] == "/admin/"
    assert django_user_model.objects.get(username="medewerker-42").email == STAFF_CLAIMS["email"]
    assert ("GET", op.configuration["userinfo_endpoint"]) in calls


def test_the_token_request_is_client_secret_post_by_default(client, op, token_endpoint):
    cover(token_endpoint)
    use_token_endpoint(f"{token_endpoint.base}/token")
    assert_resident_sign_in_failed(client, resident_sign_in(client, op))  # a 400 answer
    [(path, headers, form)] = token_endpoint.requests
    assert path == "/token"
    assert "Authorization" not in headers
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form["client_id"] == [MIJN_CLIENT["client_id"]]
    assert form["client_secret"] == [MIJN_CLIENT["client_secret"]]
    assert form["grant_type"] == ["authorization_code"]
    assert form["redirect_uri"] == ["http://testserver/oidc/callback/"]
    assert set(form) >= {"code", "code_verifier"}


def test_the_token_request_with_client_secret_basic(client, op, token_endpoint, django_user_model):
    import base64

    cover(token_endpoint)
    use_token_endpoint(f"{token_endpoint.base}/token")
    OIDCProvider.objects.filter(identifier="test-provider").update(oidc_token_use_basic_auth=True)
    response = staff_sign_in(client, op)
    assert_staff_sign_in_failed(client, response, django_user_model)  # a 400 answer
    [(_, headers, form)] = token_endpoint.requests
    expected = f"{ADMIN_CLIENT['client_id']}:{ADMIN_CLIENT['client_secret']}"
    assert headers["Authorization"] == "Basic " + base64.b64encode(expected.encode()).decode()
    assert "client_secret" not in form
    assert form["client_id"] == [ADMIN_CLIENT["client_id"]]


# --- an internal address without a covering service -------------------------------------------
def test_a_provider_on_an_internal_address_needs_a_service_residents(
    client, op, token_endpoint, calls, caplog
):
    configure_oidc(op, service=False)
    use_token_endpoint(f"{token_endpoint.base}/token")
    response = resident_sign_in(client, op)
    assert_resident_sign_in_failed(client, response)
    assert calls == [("POST", f"{token_endpoint.base}/token")]  # refused there
    assert token_endpoint.requests == []  # nothing reached it
    assert refusals(caplog) == ["internal-address"]
    assert_logged_without_url_or_secret(
        caplog, token_endpoint.base, op.issuer, secret=MIJN_CLIENT["client_secret"]
    )


def test_a_provider_on_an_internal_address_needs_a_service_staff(
    client, op, token_endpoint, django_user_model, caplog
):
    configure_oidc(op, service=False)
    use_token_endpoint(f"{token_endpoint.base}/token")
    response = staff_sign_in(client, op)
    assert_staff_sign_in_failed(client, response, django_user_model)
    assert token_endpoint.requests == []
    assert refusals(caplog) == ["internal-address"]
    assert_logged_without_url_or_secret(
        caplog, token_endpoint.base, op.issuer, secret=ADMIN_CLIENT["client_secret"]
    )


def test_the_jwks_on_an_internal_address_needs_a_service(client, op, token_endpoint, caplog):
    """Token endpoint covered (the real provider's), the JWKS on another internal address
    not: refused."""
    OIDCProvider.objects.filter(identifier="test-provider").update(
        oidc_op_jwks_endpoint=f"{token_endpoint.base}/jwks"
    )
    assert_resident_sign_in_failed(client, resident_sign_in(client, op))
    assert token_endpoint.requests == []
    assert refusals(caplog) == ["internal-address"]


def test_the_availability_check_needs_a_service(client, op):
    OIDCClient.objects.filter(identifier=MIJN_GEGEVENS_OIDC).update(check_op_availability=True)
    assert client.get("/mijn-gegevens/inloggen").status_code == 302
    configure_oidc(op, service=False)
    OIDCClient.objects.filter(identifier=MIJN_GEGEVENS_OIDC).update(check_op_availability=True)
    assert client.get("/mijn-gegevens/inloggen").status_code == 503


# --- the deadline ---------------------------------------------------------------------------------
def test_a_token_endpoint_trickling_past_the_deadline_is_refused_residents(
    client, op, token_endpoint, settings, caplog
):
    settings.OIDC_TIMEOUT = 1
    cover(token_endpoint)
    use_token_endpoint(f"{token_endpoint.base}/trickle")
    started = time.monotonic()
    response = resident_sign_in(client, op)
    elapsed = time.monotonic() - started
    assert_resident_sign_in_failed(client, response)
    assert len(token_endpoint.requests) == 1  # it was reached, and cut off
    assert refusals(caplog) == ["deadline-exceeded"]
    assert elapsed < 5, elapsed  # the endpoint would hold the call for 30 seconds


def test_a_token_endpoint_trickling_past_the_deadline_is_refused_staff(
    client, op, token_endpoint, settings, django_user_model
):
    settings.OIDC_TIMEOUT = 1
    cover(token_endpoint)
    use_token_endpoint(f"{token_endpoint.base}/trickle")
    started = time.monotonic()
    response = staff_sign_in(client, op)
    elapsed = time.monotonic() - started
    assert_staff_sign_in_failed(client, response, django_user_model)
    assert len(token_endpoint.requests) == 1
    assert elapsed < 5, elapsed
