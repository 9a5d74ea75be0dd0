"""/health/live, /health/ready, /metrics, the security headers of the pages, wait_for_db."""

import json
import re
import socket

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.test import Client

from klanten.health import checks

from .conftest import BASE


@pytest.fixture(autouse=True)
def _fresh_migration_cache():
    checks.reset_cache()
    yield
    checks.reset_cache()


@pytest.fixture
def restricted_hosts(settings):
    """Production-like: only the public host name is allowed."""
    settings.ALLOWED_HOSTS = ["klanten.example.nl"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_live_answers_without_database_and_for_any_host(restricted_hosts):
    # no db fixture: a database query would fail the test
    response = Client().get("/health/live", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert json.loads(response.content) == {"status": "ok"}


def test_other_paths_still_check_the_host(restricted_hosts, db):
    response = Client().get("/klanten/api/v1/klanten", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 400


def test_ready(db, restricted_hosts, settings):
    settings.CELERY_BROKER_URL = ""
    response = Client().get("/health/ready", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "broker": "not configured"},
    }


def test_ready_fails_without_database(db, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused: host=db.example user=klanten")

    from django.db import connection

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", broken_cursor)
        patch.setattr(connection, "close", lambda: None)
        response = Client().get("/health/ready")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "unreachable (OperationalError)"
    assert body["checks"]["migrations"] == "skipped"
    # no connection details in the answer
    assert b"db.example" not in response.content


def test_ready_fails_with_unapplied_migrations(db, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("x", False)])
    response = Client().get("/health/ready")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["migrations"] == "1 unapplied"


def test_ready_caches_applied_migrations(db, monkeypatch):
    assert checks.check_migrations() == (True, "ok")
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(MigrationExecutor, "__init__", lambda *a, **k: 1 / 0)
    assert checks.check_migrations() == (True, "ok")


def test_ready_checks_the_broker_when_configured(db, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = Client().get("/health/ready")
    assert response.status_code == 503
    assert json.loads(response.content)["checks"]["broker"].startswith("unreachable (")


def test_ready_with_a_reachable_broker(db, settings):
    # the machine's Redis: bin/test starts it, or stops with a clear message when it cannot
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    response = Client().get("/health/ready")
    assert response.status_code == 200, response.content
    assert json.loads(response.content)["checks"]["broker"] == "ok"


def test_eager_tasks_need_no_broker(db, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert json.loads(Client().get("/health/ready").content)["checks"]["broker"] == (
        "not configured"
    )


def test_request_id(db):
    response = Client().get("/health/live")
    assert re.fullmatch(r"[0-9a-f-]{36}", response["X-Request-ID"])
    kept = Client().get("/health/live", HTTP_X_REQUEST_ID="proxy-1234abcd")
    assert kept["X-Request-ID"] == "proxy-1234abcd"
    # not a request id: a new one (no log injection through the header)
    replaced = Client().get("/health/live", HTTP_X_REQUEST_ID='x\n{"level": "fake"}')
    assert replaced["X-Request-ID"] != 'x\n{"level": "fake"}'


def test_metrics_count_requests_by_route_name(api, make_klant, restricted_hosts, settings):
    settings.ALLOWED_HOSTS = ["testserver", "klanten.example.nl"]
    klant = make_klant()
    assert api.get(f"{BASE}/klanten/{klant.uuid}").status_code == 200
    api.get(f"{BASE}/klanten", {"subjectNatuurlijkPersoon__inpBsn": "111222333"})
    Client().get("/does-not-exist/123456789")
    response = Client().get("/metrics", HTTP_HOST="10.1.2.3:9000")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert re.search(
        r'klanten_http_requests_total\{method="GET",route="klant-detail",status="200"\} [1-9]',
        text,
    )
    assert 'route="klant-list"' in text
    assert 'route="<unmatched>",status="404"' in text
    assert "klanten_http_request_duration_seconds_bucket" in text
    # no identifiers in labels: no uuids, no BSNs, no paths
    assert str(klant.uuid) not in text
    assert "111222333" not in text and "123456789" not in text
    assert "/klanten/api" not in text


def test_metrics_token(db, settings):
    settings.METRICS_TOKEN = "a-scrape-token"
    assert Client().get("/metrics").status_code == 401
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    ok = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer a-scrape-token")
    assert ok.status_code == 200


def test_metrics_can_be_switched_off(db, settings):
    settings.METRICS_ENABLED = False
    assert Client().get("/metrics").status_code == 404


def test_csp_on_pages_not_on_json(db, api):
    page = Client().get("/admin/login/")
    assert page.status_code == 200
    policy = page["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    schema_page = Client().get(f"{BASE}/schema/")
    assert "script-src 'self'" in schema_page["Content-Security-Policy"]
    assert "Content-Security-Policy" not in api.get(f"{BASE}/klanten")


def test_hsts_when_configured(db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = Client().get("/admin/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_wait_for_db(db, capsys):
    call_command("wait_for_db", timeout=5)
    assert "reachable" in capsys.readouterr().out


def test_wait_for_db_gives_up(db, monkeypatch):
    from django.db import connection

    def refuse():
        raise OperationalError("refused")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "ensure_connection", refuse)
        patch.setattr(connection, "close", lambda: None)
        with pytest.raises(CommandError, match="not reachable after 0.2 s"):
            call_command("wait_for_db", timeout=0.2, interval=0.05)
