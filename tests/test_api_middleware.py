"""Issue 15: an API request passes only the middleware it needs; the pages keep all of theirs.

The APIs authorize applications by JWT, so a request under ``/klanten/api/`` or
``/contactmomenten/api/`` gets no session, user, second factor or messages (and needs no CSRF
token); the admin and the resident pages get them as before (``klanten.api.buiten_api``).
"""

import io
import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings

from klanten.conf.logging import REDACTED

from .conftest import BASE, BSN, CM_BASE


@pytest.mark.parametrize("path", [f"{BASE}/klanten", f"{CM_BASE}/contactmomenten"])
def test_an_api_request_skips_the_middleware_of_the_pages(api, cm_api, path):
    client = cm_api if path.startswith(CM_BASE) else api
    response = client.get(path)
    assert response.status_code == 200
    request = response.wsgi_request
    assert not hasattr(request, "session")
    # no lazy user of the session (DRF sets its own: none, the API authorizes by JWT)
    assert getattr(request, "user", None) is None
    assert not hasattr(request, "_messages")
    assert "Set-Cookie" not in response.headers
    assert "Cookie" not in response.headers.get("Vary", "")
    # what every response gets still comes
    assert response["API-version"] == settings.API_VERSION
    assert response["X-Request-ID"]
    assert response["X-Frame-Options"] == "DENY"


def test_an_api_write_needs_no_csrf_token(api):
    from django.test import Client

    assert Client(enforce_csrf_checks=True).post(f"{BASE}/klanten", {}).status_code in (401, 403)
    response = api.post_json(f"{BASE}/klanten", {"bronorganisatie": "002220647"})
    assert response.status_code in (201, 400)


def test_the_admin_keeps_sessions_users_csrf_and_otp(client, db):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    request = response.wsgi_request
    assert hasattr(request, "session")
    assert hasattr(request, "user")
    assert hasattr(request, "_messages")
    assert hasattr(request.user, "is_verified")  # maykin-2fa's OTP middleware
    assert "csrftoken" in response.cookies


def test_a_page_post_without_csrf_token_is_refused(db):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post("/admin/login/", {"username": "x"})
    assert response.status_code == 403


def test_the_resident_pages_keep_their_session(client, db):
    response = client.get("/mijn-gegevens/")
    request = response.wsgi_request
    assert hasattr(request, "session")
    assert hasattr(request, "user")


def test_the_wrapped_middleware_is_in_place():
    names = settings.MIDDLEWARE
    for wrapped in (
        "SessionBuitenAPI",
        "AuthenticationBuitenAPI",
        "MessageBuitenAPI",
    ):
        assert f"klanten.api.buiten_api.{wrapped}" in names
    assert "django.contrib.sessions.middleware.SessionMiddleware" not in names
    # maykin-2fa's own (its system check wants it): it wraps request.user, which an API
    # request does not have; CSRF as it is (check --deploy wants it; DRF exempts the API)
    assert "maykin_2fa.middleware.OTPMiddleware" in names
    assert "django.middleware.csrf.CsrfViewMiddleware" in names


# --- the access log's short way -----------------------------------------------------------------


def access_line(environ: dict, headers=()) -> dict:
    from gunicorn.config import Config

    from klanten.conf.gunicorn import StructuredLogger

    config = Config()
    config.set("accesslog", "-")
    logger = StructuredLogger(config)
    assert logger.fast_access
    stream = io.StringIO()
    for handler in logger.access_log.handlers:
        if getattr(handler, "_gunicorn", False):  # not pytest's capturing handlers
            handler.setStream(stream)
    response = SimpleNamespace(status="201 Created", headers=list(headers), sent=99)
    base = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": f"{BASE}/klanten",
        "QUERY_STRING": "",
        "REMOTE_ADDR": "10.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    logger.access(response, None, {**base, **environ}, timedelta(microseconds=1500))
    text = stream.getvalue()
    assert text.count("\n") == 1, text
    return json.loads(text), text


def test_access_line_keys_and_values():
    line, _ = access_line({"HTTP_USER_AGENT": "curl/8"}, headers=[("X-Request-ID", "req-abcdef12")])
    assert line["event"] == "request"
    assert line["level"] == "info"
    assert line["logger"] == "gunicorn.access"
    assert line["timestamp"].endswith("Z")
    assert line["method"] == "POST"
    assert line["path"] == f"{BASE}/klanten"
    assert line["status"] == 201
    assert line["bytes"] == 99
    assert line["duration_ms"] == 1.5
    assert line["request_id"] == "req-abcdef12"
    assert line["remote_addr"] == "10.0.0.1"
    assert line["user_agent"] == "curl/8"
    assert line["protocol"] == "HTTP/1.1"


def test_access_line_redacts_what_a_client_chose():
    line, text = access_line(
        {
            "REQUEST_METHOD": BSN,
            "PATH_INFO": f"{BASE}/klanten/Jansen",
            "QUERY_STRING": f"subjectNatuurlijkPersoon__inpBsn={BSN}&naam=Jansen",
            "REMOTE_ADDR": BSN,
            "HTTP_USER_AGENT": f"scraper {BSN} jan@example.nl",
            "SERVER_PROTOCOL": f"HTTP/{BSN}",
        },
        headers=[("X-Request-ID", f"id {BSN}")],
    )
    assert BSN not in text and "Jansen" not in text and "jan@example.nl" not in text
    assert line["method"] == REDACTED
    assert line["path"] == f"{BASE}/klanten/{REDACTED}"
    assert line["query"] == f"subjectNatuurlijkPersoon__inpBsn={REDACTED}&{REDACTED}={REDACTED}"
    assert REDACTED in line["user_agent"] and REDACTED in line["request_id"]
    assert line["remote_addr"] == REDACTED
