"""Deployment: the Dockerfile and compose file, the entrypoint, and gunicorn with the production
settings (the Helm chart: tests/test_chart.py)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from .processes import clean_env, python_c
from .threads import start_thread

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
BSN = "111222333"


# --- Dockerfile, compose, entrypoint ------------------------------------------------------


def _stages(dockerfile: str) -> list[str]:
    return re.split(r"^FROM ", dockerfile, flags=re.M)[1:]


def test_dockerfile():
    text = (ROOT / "Dockerfile").read_text()
    stages = _stages(text)
    assert len(stages) >= 2, "multi-stage"
    final = stages[-1]
    assert final.startswith("${PYTHON_IMAGE}") and "python:3.12-slim" in text
    assert "build-essential" not in final and "apt-get" not in final
    assert "pip install" not in final
    user = re.findall(r"^USER (\S+)", final, re.M)
    assert user and not user[-1].startswith(("0", "root"))
    assert 'ENTRYPOINT ["/app/bin/docker-entrypoint"]' in final
    assert 'CMD ["web"]' in final
    assert "collectstatic" in stages[0]
    assert "HEALTHCHECK" in final


def test_dockerignore_keeps_the_entrypoint():
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    assert "!bin/docker-entrypoint" in lines and ".git" in lines and ".venv" in lines


def test_entrypoint_is_valid_bash():
    entrypoint = ROOT / "bin" / "docker-entrypoint"
    assert os.access(entrypoint, os.X_OK)
    subprocess.run(["bash", "-n", str(entrypoint)], check=True)


def test_compose_file():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    for name, service in services.items():
        assert "healthcheck" in service, name
    assert services["web"]["command"] == ["web"]
    assert services["worker"]["command"][0] == "worker"
    assert services["beat"]["command"] == ["beat"]
    assert services["web"]["environment"]["RUN_MIGRATIONS"] == "1"
    for name in ("worker", "beat"):
        assert "RUN_MIGRATIONS" not in services[name]["environment"]
        assert services[name]["depends_on"]["web"]["condition"] == "service_healthy"
    documented = set(
        re.findall(
            r"^\|\s*`([A-Z][A-Z0-9_]*)`", (ROOT / "docs" / "configuration.md").read_text(), re.M
        )
    )
    used = set(services["web"]["environment"]) - {"KLANTEN_DEMO_SECRET", "DJANGO_SETTINGS_MODULE"}
    assert used <= documented, used - documented
    mount = next(v for v in services["web"]["volumes"] if "setup-configuration" in v)
    assert (ROOT / mount.split(":")[0]).is_file()


def test_demo_setup_configuration_is_valid(db, monkeypatch, capsys):
    from django.core.management import call_command

    monkeypatch.setenv("KLANTEN_DEMO_SECRET", "demo-only-client-secret-of-at-least-32-bytes")
    call_command(
        "setup_configuration",
        yaml_file=str(ROOT / "docker" / "setup-configuration.demo.yaml"),
        validate_only=True,
    )


def test_production_settings_pass_the_deploy_check():
    env = {
        **_base_env(),
        "DJANGO_SETTINGS_MODULE": "klanten.conf.settings",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
        "SECURE_HSTS_PRELOAD": "true",
        "SECURE_SSL_REDIRECT": "true",
        "SECRET_KEY": "x" * 20 + "-a-long-and-random-enough-secret-key-for-the-check",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- gunicorn with the production settings ----------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _base_env() -> dict:
    return clean_env(
        DEBUG="false",
        SECRET_KEY="gunicorn-test-secret-key-not-for-production",
        IS_HTTPS="false",
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
    )


def _get(url, headers=None, timeout=10):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


class Server:
    def __init__(self, command, env, log_path: Path):
        self.port = int(env["GUNICORN_BIND"].rsplit(":", 1)[1])
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.log = log_path.open("wb")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until_up(self, timeout=90):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the server stopped:\n{self.log_path.read_text()[-3000:]}")
            try:
                status, _, _ = _get(f"{self.base}/health/live", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        pytest.fail(f"the server did not come up:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> str:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
        return self.log_path.read_text()


def _database_env() -> dict:
    from django.db import connection

    settings = connection.settings_dict
    # the test database (the db fixture has set it up), never the configured one
    assert settings["NAME"].startswith("test"), settings["NAME"]
    return {
        "DB_NAME": settings["NAME"],
        "DB_USER": settings["USER"],
        "DB_PASSWORD": settings["PASSWORD"],
        "DB_HOST": settings["HOST"],
        "DB_PORT": str(settings["PORT"]),
    }


def _redis_available() -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", 6379)) == 0


def _in_own_connection(function):
    """Run ``function`` in a thread: its own database connection, outside the transaction of
    the test, so that what it does is committed (and seen by the server)."""
    start_thread(function).outcome(timeout=60)


@pytest.fixture
def demo_client_cleanup(db):
    """The server's setup_configuration commits the demo client: remove it afterwards."""
    yield

    def delete():
        from vng_api_common.authorizations.models import Applicatie
        from vng_api_common.models import JWTSecret

        Applicatie.objects.filter(client_ids__contains=["klanten-demo"]).delete()
        JWTSecret.objects.filter(identifier="klanten-demo").delete()

    _in_own_connection(delete)


# What gunicorn makes of the configuration module: its own Config, filled the way
# ``gunicorn -c python:klanten.conf.gunicorn`` fills it, in a fresh interpreter per environment.
_WORKER_OF_CONFIG = """
from gunicorn.app.base import Application
from gunicorn.config import Config
cfg = Config()
for key, value in Application.get_config_from_module_name(None, "klanten.conf.gunicorn").items():
    if key in cfg.settings:
        cfg.set(key, value)
print(cfg.worker_class_str, cfg.threads)
"""


def _worker_of_config(**env: str) -> list[str]:
    return python_c(
        _WORKER_OF_CONFIG, {**_base_env(), "PYTHONPATH": str(ROOT / "src"), **env}
    ).split()


@pytest.mark.parametrize(
    "env, expected",
    [
        ({}, ["gthread", "4"]),
        ({"GUNICORN_THREADS": "8"}, ["gthread", "8"]),
        # gunicorn turns "sync" with more than one thread into gthread; the chart always sets
        # GUNICORN_THREADS, so the configuration gives a sync worker one thread
        ({"GUNICORN_WORKER_CLASS": "sync"}, ["sync", "1"]),
        ({"GUNICORN_WORKER_CLASS": "sync", "GUNICORN_THREADS": "4"}, ["sync", "1"]),
    ],
)
def test_the_worker_class_asked_for_is_the_one_gunicorn_runs(env, expected):
    assert _worker_of_config(**env) == expected


def test_gunicorn_with_the_production_settings(db, demo_client_cleanup, tmp_path):
    """The image's entrypoint (`web`: wait for the database, migrate, setup_configuration,
    gunicorn) against the test database; health, metrics, and no BSN in any log line."""
    import jwt

    env = {
        **_base_env(),
        **_database_env(),
        "GUNICORN_BIND": f"127.0.0.1:{_free_port()}",
        "GUNICORN_WORKERS": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "LOG_REQUESTS": "true",
        "RUN_MIGRATIONS": "1",
        "SETUP_CONFIGURATION_FILE": str(ROOT / "docker" / "setup-configuration.demo.yaml"),
        "KLANTEN_DEMO_SECRET": "demo-only-client-secret-of-at-least-32-bytes",
        "DB_WAIT_TIMEOUT": "20",
        "NON_VALIDATED_VISIBILITY": "iedereen",
    }
    if _redis_available():
        env["CELERY_BROKER_URL"] = "redis://127.0.0.1:6379/0"
    server = Server([str(ROOT / "bin" / "docker-entrypoint"), "web"], env, tmp_path / "web.log")
    try:
        server.wait_until_up()
        # probes use the pod address as host
        status, _, body = _get(f"{server.base}/health/live", {"Host": "10.1.2.3:8000"})
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        status, _, body = _get(f"{server.base}/health/ready", {"Host": "10.1.2.3:8000"})
        ready = json.loads(body)
        assert status == 200, ready
        assert ready["checks"]["database"] == "ok" and ready["checks"]["migrations"] == "ok"
        if "CELERY_BROKER_URL" in env:
            assert ready["checks"]["broker"] == "ok"

        token = jwt.encode(
            {"client_id": "klanten-demo", "iss": "klanten-demo", "iat": int(time.time())},
            env["KLANTEN_DEMO_SECRET"],
            algorithm="HS256",
        )
        query = (
            f"subjectNatuurlijkPersoon__inpBsn={BSN}&emailadres=jan.jansen%40example.nl"
            "&telefoonnummer=0612345678"
        )
        status, headers, body = _get(
            f"{server.base}/klanten/api/v1/klanten?{query}",
            {"Authorization": f"Bearer {token}", "Accept-Crs": "EPSG:4326"},
        )
        assert status == 200, body
        request_id = headers["X-Request-ID"]
        # an identifier in the path: a 404 that django.request logs
        status, _, _ = _get(f"{server.base}/klanten/api/v1/klanten/{BSN}")
        assert status in (403, 404)
        status, _, _ = _get(f"{server.base}/{BSN}/Xanthippe")
        assert status == 404
        # names in paths, rejected values and unknown parameter names (issue 11)
        auth = {"Authorization": f"Bearer {token}"}
        status, _, _ = _get(f"{server.base}/klanten/api/v1/klanten/Xanthippe", auth)
        assert status == 404
        status, _, _ = _get(
            f"{server.base}/klanten/api/v1/klanten?subjectType=Xanthippe%20Quisquilia&Jansen=1",
            auth,
        )
        assert status == 400
        # the other host names are refused
        status, _, _ = _get(f"{server.base}/klanten/api/v1/klanten", {"Host": "evil.example"})
        assert status == 400

        status, headers, body = _get(f"{server.base}/metrics")
        assert status == 200
        metrics = body.decode()
        # added up over both workers
        assert re.search(
            r'klanten_http_requests_total\{method="GET",route="klant-list",status="200"\} 1\.0',
            metrics,
        ), metrics[:2000]
        assert 'route="health-ready"' in metrics
        assert BSN not in metrics
    finally:
        log = server.stop()

    lines = [line for line in log.splitlines() if line.startswith("{")]
    events = [json.loads(line) for line in lines]
    access = [e for e in events if e.get("logger") == "gunicorn.access"]
    assert any(e.get("request_id") == request_id for e in access), log[-3000:]
    listed = next(e for e in access if e.get("request_id") == request_id)
    assert listed["query"].startswith("subjectNatuurlijkPersoon__inpBsn=[redacted]")
    assert any(e.get("logger") == "klanten.request" for e in events)
    assert any(e.get("logger") == "django.request" for e in events)
    assert any(
        "[redacted]" in e.get("event", "") for e in events if e["logger"] == "django.request"
    )
    for secret in (BSN, "jan.jansen", "0612345678", "Xanthippe", "Quisquilia", "Jansen"):
        assert secret not in log, [line for line in log.splitlines() if secret in line]
    # each refused API request once: the API's line with its code (not also django.request)
    handled = [e for e in events if e.get("event") == "api.handled_exception"]
    assert sorted(e["status"] for e in handled) == [400, 403, 404], handled
    assert [e["request"] for e in events if e["logger"] == "django.request"] == [
        "GET /[redacted]/[redacted]"
    ]


def test_ready_fails_when_the_database_is_unreachable(tmp_path):
    env = {
        **_base_env(),
        "DB_HOST": "127.0.0.1",
        "DB_PORT": str(_free_port()),  # nothing listens there
        "DB_NAME": "klanten",
        "DB_CONNECT_TIMEOUT": "2",
        "GUNICORN_BIND": f"127.0.0.1:{_free_port()}",
        "GUNICORN_WORKERS": "1",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    command = [str(VENV_BIN / "gunicorn"), "-c", "python:klanten.conf.gunicorn", "klanten.wsgi"]
    server = Server(command, env, tmp_path / "web.log")
    try:
        server.wait_until_up()
        status, _, body = _get(f"{server.base}/health/ready")
        assert status == 503
        assert json.loads(body) == {
            "status": "unavailable",
            "checks": {
                "database": "unreachable (OperationalError)",
                "migrations": "skipped",
                "broker": "not configured",
            },
        }
        assert _get(f"{server.base}/health/live")[0] == 200
        status, _, body = _get(f"{server.base}/metrics")
        assert status == 200 and b'route="health-ready",status="503"' in body
    finally:
        server.stop()
