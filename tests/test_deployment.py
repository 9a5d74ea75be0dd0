"""Deployment: the Helm chart (rendered here, validated against the Kubernetes schemas), the
Dockerfile and compose file, the entrypoint, and gunicorn with the production settings."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from .helm_template import TemplateError, deep_merge, manifests, render_chart

ROOT = Path(__file__).resolve().parents[1]
CHART = ROOT / "charts" / "klanten"
VENV_BIN = Path(sys.executable).parent
# the oldest Kubernetes version the chart supports (Chart.yaml kubeVersion) and the newest the
# validator knows
KUBERNETES_VERSIONS = ("1.25.0", kubernetes_validate.utils.latest_version())
BSN = "111222333"


def _values(name: str) -> dict:
    return yaml.safe_load((CHART / "ci" / f"{name}-values.yaml").read_text())


VARIANTS = {
    "minimal": _values("minimal"),
    "full": _values("full"),
    "existing-secret": deep_merge(
        _values("minimal"),
        {
            "secrets": {"secretKey": "", "existingSecret": "klanten-env"},
            "serviceAccount": {"create": False, "name": "klanten-sa"},
            "worker": {"enabled": False},
            "beat": {"enabled": False},
            "migrations": {"enabled": False},
            "web": {"podDisruptionBudget": {"enabled": False}},
            "settings": {"metricsEnabled": False},
        },
    ),
}


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads((CHART / "values.schema.json").read_text())


@pytest.fixture(scope="module", params=list(VARIANTS))
def rendered(request):
    output, renderer = render_chart(CHART, VARIANTS[request.param])
    return request.param, output, manifests(output)


# --- the chart's files --------------------------------------------------------------------


def test_every_plain_yaml_file_of_the_chart_parses():
    files = [CHART / "Chart.yaml", CHART / "values.yaml", *sorted((CHART / "ci").glob("*.yaml"))]
    for path in files:
        assert isinstance(yaml.safe_load(path.read_text()), dict), path
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["apiVersion"] == "v2" and chart["name"] == "klanten"
    assert re.fullmatch(r"\d+\.\d+\.\d+", chart["version"])


def test_values_validate_against_the_schema(schema):
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema)
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    validator.validate(defaults)
    for name, values in VARIANTS.items():
        errors = list(validator.iter_errors(deep_merge(defaults, values)))
        assert not errors, (name, [e.message for e in errors])


@pytest.mark.parametrize(
    "override",
    [
        {"web": {"replicaCount": "two"}},
        {"web": {"replicas": 2}},  # a typo: unknown key
        {"image": {"pullPolicy": "Sometimes"}},
        {"settings": {"logFormat": "xml"}},
        {"extraConfig": {"lower_case": "x"}},
        {"ingress": {"hosts": [{"host": "a.nl", "paths": [{"path": "no-slash"}]}]}},
    ],
)
def test_the_schema_rejects_wrong_values(schema, override):
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    assert list(jsonschema.Draft7Validator(schema).iter_errors(deep_merge(defaults, override)))


def _value_paths(values, prefix=()):
    yield prefix
    if isinstance(values, dict):
        for key, value in values.items():
            yield from _value_paths(value, (*prefix, key))


def test_templates_use_only_values_defined_in_values_yaml():
    defined = set(_value_paths(yaml.safe_load((CHART / "values.yaml").read_text())))
    used = set()
    for path in (CHART / "templates").iterdir():
        for match in re.finditer(r"\.Values((?:\.[A-Za-z0-9_]+)+)", path.read_text()):
            used.add(tuple(match.group(1).split(".")[1:]))
    assert len(used) > 50
    undefined = sorted(".".join(p) for p in used if p not in defined)
    assert not undefined, f"not in values.yaml: {undefined}"
    # and the other way round: every value is used by a template
    leaves = {
        p for p in defined if p and not any(q[: len(p)] == p and len(q) > len(p) for q in defined)
    }
    unused = sorted(
        ".".join(p) for p in leaves if not any(u[: len(p)] == p or p[: len(u)] == u for u in used)
    )
    assert not unused, f"values.yaml keys no template uses: {unused}"


def test_the_chart_needs_hosts_database_and_secret_key():
    with pytest.raises(TemplateError, match="settings.allowedHosts is required"):
        render_chart(CHART, {})
    without_key = deep_merge(VARIANTS["minimal"], {"secrets": {"secretKey": ""}})
    with pytest.raises(TemplateError, match="secrets.secretKey is required"):
        render_chart(CHART, without_key)


# --- the rendered manifests ----------------------------------------------------------------


def test_the_validator_finds_mistakes():
    """A control: the Kubernetes schema validation does reject a wrong manifest."""
    wrong = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "x"},
        "spec": {"replicas": "two", "selector": {}, "template": {}},
    }
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(wrong, KUBERNETES_VERSIONS[0], strict=True)


def test_rendered_manifests_are_valid_kubernetes_objects(rendered):
    name, output, objects = rendered
    assert objects
    for version in KUBERNETES_VERSIONS:
        for file_name, obj in objects:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                pytest.fail(f"{name} {file_name} {obj['kind']} (Kubernetes {version}): {exc}")
    names = [(obj["kind"], obj["metadata"]["name"]) for _, obj in objects]
    assert len(names) == len(set(names)), names
    for _, obj in objects:
        assert len(obj["metadata"]["name"]) <= 63


def _by_kind(objects, kind):
    return {obj["metadata"]["name"]: obj for _, obj in objects if obj["kind"] == kind}


def _pod_specs(objects):
    for _, obj in objects:
        if obj["kind"] in ("Deployment", "Job"):
            yield obj["metadata"]["name"], obj["spec"]["template"]["spec"]


def test_pods_run_as_non_root_with_a_read_only_root_file_system(rendered):
    _, _, objects = rendered
    for name, spec in _pod_specs(objects):
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] != 0, name
        assert spec["automountServiceAccountToken"] is False, name
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            assert container["resources"]["requests"], name
            mounts = {m["mountPath"] for m in container["volumeMounts"]}
            assert "/tmp" in mounts, name


def test_components(rendered):
    variant, _, objects = rendered
    deployments = _by_kind(objects, "Deployment")
    web = deployments["klanten-web"]
    container = web["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["web"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["startupProbe"]["httpGet"]["path"] == "/health/live"
    assert web["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    service = _by_kind(objects, "Service")["klanten"]
    assert service["spec"]["selector"] == web["spec"]["selector"]["matchLabels"]

    if variant == "existing-secret":
        assert set(deployments) == {"klanten-web"}
        assert not _by_kind(objects, "Secret") and not _by_kind(objects, "Job")
        assert not _by_kind(objects, "PodDisruptionBudget")
        assert web["spec"]["template"]["spec"]["serviceAccountName"] == "klanten-sa"
        assert "prometheus.io/scrape" not in web["spec"]["template"]["metadata"]["annotations"]
        return

    beat = deployments["klanten-beat"]
    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert deployments["klanten-worker"]["spec"]["template"]["spec"]["containers"][0]["args"] == [
        "worker"
    ]

    job = _by_kind(objects, "Job")["klanten-migrate"]
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    job_container = job["spec"]["template"]["spec"]["containers"][0]
    assert job_container["args"] == ["prepare"]
    # the Job's configuration exists before it (hooks with a lower weight)
    for ref in job_container["envFrom"][:2]:
        kind, ref_name = (
            ("ConfigMap", ref["configMapRef"]["name"])
            if "configMapRef" in ref
            else (
                "Secret",
                ref["secretRef"]["name"],
            )
        )
        hook = _by_kind(objects, kind)[ref_name]["metadata"]["annotations"]
        assert hook["helm.sh/hook"] == "pre-install,pre-upgrade"
        assert int(hook["helm.sh/hook-weight"]) < int(annotations["helm.sh/hook-weight"])
    assert _by_kind(objects, "ConfigMap")["klanten-migrate"]["data"]["RUN_MIGRATIONS"] == "1"
    assert _by_kind(objects, "PodDisruptionBudget")["klanten-web"]["spec"]["minAvailable"] == 1

    if variant == "full":
        assert "replicas" not in web["spec"]  # the HPA decides
        hpa = _by_kind(objects, "HorizontalPodAutoscaler")["klanten-web"]
        assert hpa["spec"]["scaleTargetRef"]["name"] == "klanten-web"
        ingress = _by_kind(objects, "Ingress")["klanten"]
        backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
        assert backend == {"name": "klanten", "port": {"name": "http"}}
        setup = _by_kind(objects, "ConfigMap")["klanten-setup-configuration"]
        config = yaml.safe_load(setup["data"]["setup-configuration.yaml"])
        assert config["klanten_api_clients"]["items"][0]["client_id"] == "zaaksysteem"
        assert "PersistentVolumeClaim" in {obj["kind"] for _, obj in objects}
    else:
        assert web["spec"]["replicas"] == 2


def test_configuration_of_the_pods(rendered):
    """Every referenced ConfigMap and Secret is rendered (or is the existing secret), and every
    variable in the ConfigMap is one that Klanten reads (docs/configuration.md)."""
    variant, _, objects = rendered
    configmaps, secrets = _by_kind(objects, "ConfigMap"), _by_kind(objects, "Secret")
    documented = set(
        re.findall(
            r"^\|\s*`([A-Z][A-Z0-9_]*)`", (ROOT / "docs" / "configuration.md").read_text(), re.M
        )
    )
    documented.add("DJANGO_SETTINGS_MODULE")
    for name, spec in _pod_specs(objects):
        for container in spec["containers"]:
            for ref in container["envFrom"]:
                if "configMapRef" in ref:
                    assert ref["configMapRef"]["name"] in configmaps, name
                elif ref["secretRef"]["name"] not in ("klanten-env", "klanten-extra"):
                    assert ref["secretRef"]["name"] in secrets, name
            for env in container.get("env", []):
                assert env["name"] in documented | {"TZ"}, env
    config = configmaps["klanten"]["data"]
    extra = set(VARIANTS[variant].get("extraConfig", {}))
    assert set(config) - extra <= documented, set(config) - extra - documented
    assert config["ALLOWED_HOSTS"].startswith("klanten.example.nl")
    assert config["DEBUG"] == "false"
    if "klanten" in secrets:
        assert set(secrets["klanten"]["stringData"]) >= {"SECRET_KEY"}


def test_notes_render(rendered):
    _, output, _ = rendered
    notes = output["klanten/templates/NOTES.txt"]
    assert "/health/ready" in notes and "{{" not in notes


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
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DB_", "DJANGO_", "GUNICORN_", "CELERY_", "PROMETHEUS_"))
        and key not in ("DATABASE_URL", "DEBUG", "ALLOWED_HOSTS", "SECRET_KEY")
    }
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        DJANGO_SETTINGS_MODULE="klanten.conf.settings",
        DEBUG="false",
        SECRET_KEY="gunicorn-test-secret-key-not-for-production",
        ALLOWED_HOSTS="127.0.0.1",
        IS_HTTPS="false",
        LOG_FORMAT="json",
        LOG_LEVEL="INFO",
    )
    return env


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
    from django.db import connections

    errors = []

    def run():
        try:
            function()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


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
