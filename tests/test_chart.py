"""The Helm chart, checked by Helm's own engine (helm-python-sdk: Helm v4's Go SDK, no helm
binary): rendered with every ci/ values file and each important value path, linted strictly,
its values validated against values.schema.json by Helm, and every rendered object validated
against the Kubernetes schemas. Where Helm's native library cannot be loaded, these tests fail
and say so (tests/helm_engine.py); there is no fallback renderer."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from .helm_engine import (
    HelmUnavailable,
    deep_merge,
    load_helm,
    manifests,
    render,
    values_file,
)

ROOT = Path(__file__).resolve().parents[1]
CHART = ROOT / "charts" / "klanten"
CI_VALUES = {path.stem.removesuffix("-values"): path for path in sorted(CHART.glob("ci/*.yaml"))}
# the oldest Kubernetes version the chart supports (Chart.yaml kubeVersion) and the newest the
# validator knows
KUBERNETES_VERSIONS = ("1.25.0", kubernetes_validate.utils.latest_version())
REQUIRED = {
    "settings.allowedHosts is required": {"settings": {"allowedHosts": ["klanten.example.nl"]}},
    "settings.database.host is required (or secrets.databaseUrl)": {
        "settings": {"database": {"host": "postgres.example.svc"}}
    },
    "secrets.secretKey is required (or secrets.existingSecret)": {
        "secrets": {"secretKey": "not-a-real-secret-key-only-for-rendering-the-chart"}
    },
}
DATABASE_URL = "postgresql://klanten:not-a-real-password@db.gemeente.nl:5432/klanten"
# the important value paths, each on top of ci/minimal-values.yaml
VALUE_PATHS = {
    "existing-secret": {"secrets": {"secretKey": "", "existingSecret": "klanten-env"}},
    "database-url": {
        "settings": {"database": {"host": ""}},
        "secrets": {"databaseUrl": DATABASE_URL},
    },
    "ingress-tls": {
        "ingress": {
            "enabled": True,
            "className": "nginx",
            "hosts": [
                {"host": "klanten.gemeente.nl", "paths": [{"path": "/", "pathType": "Prefix"}]}
            ],
            "tls": [{"secretName": "klanten-tls", "hosts": ["klanten.gemeente.nl"]}],
        }
    },
    "without-worker-and-beat": {"worker": {"enabled": False}, "beat": {"enabled": False}},
    "replicas": {"web": {"replicaCount": 4}, "worker": {"replicaCount": 3}},
    "autoscaling": {
        "web": {
            "replicaCount": 4,
            "autoscaling": {
                "enabled": True,
                "minReplicas": 3,
                "maxReplicas": 10,
                "targetCPUUtilizationPercentage": 60,
            },
        }
    },
    "parts-switched-off": {
        "secrets": {"secretKey": "", "existingSecret": "klanten-env"},
        "serviceAccount": {"create": False, "name": "klanten-sa"},
        "migrations": {"enabled": False},
        "web": {"podDisruptionBudget": {"enabled": False}},
        "settings": {"metricsEnabled": False},
    },
}
VARIANTS = [*CI_VALUES, *VALUE_PATHS]
# the variables that hold secrets: only ever in a Secret
SECRET_VARIABLES = {
    "SECRET_KEY",
    "DB_PASSWORD",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "METRICS_TOKEN",
}


@pytest.fixture(scope="session")
def helm():
    try:
        return load_helm()
    except HelmUnavailable as exc:
        message = str(exc)
    pytest.fail(message, pytrace=False)  # outside the except: the message, not a traceback


@pytest.fixture(scope="module")
def chart(helm):
    with helm.Chart.load(CHART) as loaded:
        yield loaded


def variant_values(name: str) -> dict:
    if name in CI_VALUES:
        return values_file(CI_VALUES[name])
    return deep_merge(values_file(CI_VALUES["minimal"]), VALUE_PATHS[name])


def render_objects(chart, values: dict) -> list[tuple[str, dict]]:
    return manifests(render(chart, values))


class Rendered:
    def __init__(self, chart, name: str):
        self.name = name
        self.values = variant_values(name)
        # the values the templates saw: the chart's defaults coalesced with ours, by Helm
        self.effective = chart.merge_values(self.values)
        self.output = render(chart, self.values)
        self.objects = manifests(self.output)

    def by_kind(self, kind: str) -> dict[str, dict]:
        return {obj["metadata"]["name"]: obj for _, obj in self.objects if obj["kind"] == kind}

    def pod_specs(self):
        for _, obj in self.objects:
            if obj["kind"] in ("Deployment", "Job"):
                yield obj["metadata"]["name"], obj["spec"]["template"]["spec"]

    def containers(self):
        for name, spec in self.pod_specs():
            for container in spec["containers"]:
                yield name, container


@pytest.fixture(scope="module", params=VARIANTS)
def rendered(request, chart) -> Rendered:
    return Rendered(chart, request.param)


def _secret_ref_names(container: dict) -> set[str]:
    return {ref["secretRef"]["name"] for ref in container["envFrom"] if "secretRef" in ref}


# --- the chart's files, lint and values ---------------------------------------------------


def test_the_native_helm_library_is_loaded(helm):
    assert helm.helm_sdk_version().startswith("v4.")
    assert helm.library_path.is_file()


def test_every_plain_yaml_file_of_the_chart_parses(helm):
    assert set(CI_VALUES) >= {"minimal", "full"}
    for path in [CHART / "values.yaml", *CI_VALUES.values()]:
        assert isinstance(helm.values_from_yaml(path.read_text()), dict), path
    with helm.Chart.load(CHART) as chart:
        metadata = chart.metadata
    assert metadata["apiVersion"] == "v2" and metadata["name"] == "klanten"
    assert re.fullmatch(r"\d+\.\d+\.\d+", metadata["version"])
    assert metadata["kubeVersion"] == f">={KUBERNETES_VERSIONS[0]}-0"


@pytest.mark.parametrize("kubernetes", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("variant", ["defaults", *VARIANTS])
def test_helm_lint_strict_finds_nothing(helm, variant, kubernetes):
    """`helm lint --strict` (warnings count as errors): no message at all, not even a
    recommendation, with the defaults, every ci/ values file and every value path."""
    values = None if variant == "defaults" else variant_values(variant)
    report = helm.lint(CHART, values, strict=True, kube_version=f"v{kubernetes}")
    assert report["total_charts_linted"] == 1
    assert report["messages"] == [] and report["errors"] == [], report


@pytest.mark.parametrize("variant", VARIANTS)
def test_values_meet_the_schema(chart, variant):
    chart.validate_schema(variant_values(variant))  # Helm raises HelmValuesError otherwise
    assert chart.schema["$schema"] == "http://json-schema.org/draft-07/schema#"


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"web": {"replicaCount": "two"}}, "at '/web/replicaCount': got string, want integer"),
        ({"web": {"replicas": 2}}, "at '/web': additional properties 'replicas' not allowed"),
        ({"image": {"pullPolicy": "Sometimes"}}, "at '/image/pullPolicy'"),
        ({"settings": {"logFormat": "xml"}}, "at '/settings/logFormat'"),
        ({"extraConfig": {"lower_case": "x"}}, "'lower_case' does not match pattern"),
        (
            {"ingress": {"hosts": [{"host": "a.nl", "paths": [{"path": "no-slash"}]}]}},
            "at '/ingress/hosts/0/paths/0",
        ),
        (
            {"secrets": {"databaseUrl": "mysql://klanten@db/klanten"}},
            "at '/secrets/databaseUrl'",
        ),
    ],
)
def test_helm_refuses_a_values_file_that_breaks_the_schema(
    helm, chart, tmp_path, override, complaint
):
    path = tmp_path / "wrong-values.yaml"
    path.write_text(yaml.safe_dump(deep_merge(values_file(CI_VALUES["minimal"]), override)))
    values = values_file(path)
    with pytest.raises(helm.HelmValuesError, match=re.escape(complaint)):
        chart.validate_schema(values)
    # `helm template`/`helm install -f wrong-values.yaml` refuse it before rendering
    with pytest.raises(helm.HelmValuesError, match="values don't meet the specifications"):
        render(chart, values)
    report = helm.lint(CHART, values, strict=True)
    assert any(complaint in error for error in report["errors"]), report


def test_the_defaults_fail_with_the_charts_required_messages(helm, chart):
    """Rendered with its defaults the chart fails, naming each value an installation must set
    (Helm stops at the first failing `required`: give that one and render again)."""
    values, seen = {}, []
    for _ in REQUIRED:
        with pytest.raises(helm.HelmRenderError, match="execution error") as error:
            render(chart, values)
        message = next((m for m in REQUIRED if m in str(error.value)), None)
        assert message is not None and message not in seen, str(error.value)
        seen.append(message)
        values = deep_merge(values, REQUIRED[message])
    assert render(chart, values)
    # and each on its own, taken from the least a values file contains
    minimal = values_file(CI_VALUES["minimal"])
    without = {
        "settings.allowedHosts is required": {"settings": {"allowedHosts": []}},
        "settings.database.host is required (or secrets.databaseUrl)": {
            "settings": {"database": {"host": ""}}
        },
        "secrets.secretKey is required (or secrets.existingSecret)": {"secrets": {"secretKey": ""}},
    }
    for message, override in without.items():
        with pytest.raises(helm.HelmRenderError, match=re.escape(message)):
            render(chart, deep_merge(minimal, override))


def _value_paths(values, prefix=()):
    yield prefix
    if isinstance(values, dict):
        for key, value in values.items():
            yield from _value_paths(value, (*prefix, key))


def test_templates_use_only_values_defined_in_values_yaml(chart):
    defined = set(_value_paths(chart.values))
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


# --- a mistake in a template fails -----------------------------------------------------------


def _last_end_removed(text: str) -> str:
    head, _, tail = text.rpartition("{{- end }}")
    return head + tail


MISTAKES = {
    "unknown function": (
        "_helpers.tpl",
        lambda text: text.replace("| quote", "| quoted", 1),
        r'parse error at \(klanten/templates/_helpers\.tpl:\d+\): function "quoted" not defined',
    ),
    # in a template the default values do not even use (ingress.enabled is false)
    "missing end": (
        "ingress.yaml",
        _last_end_removed,
        r"parse error at \(klanten/templates/ingress\.yaml:\d+\): unexpected EOF",
    ),
}


@pytest.mark.parametrize("mistake", MISTAKES)
def test_a_mistake_in_a_template_fails(helm, tmp_path, mistake):
    file_name, inject, error = MISTAKES[mistake]
    copy = tmp_path / "klanten"
    shutil.copytree(CHART, copy)
    values = values_file(CI_VALUES["minimal"])
    with helm.Chart.load(copy) as intact:
        assert render(intact, values)  # the copy itself renders
    template = copy / "templates" / file_name
    original = template.read_text()
    template.write_text(inject(original))
    assert template.read_text() != original

    with helm.Chart.load(copy) as broken, pytest.raises(helm.HelmRenderError, match=error):
        render(broken, values)
    report = helm.lint(copy, values, strict=True)
    assert any(re.search(error, e) for e in report["errors"]), report
    assert {m["severity"] for m in report["messages"]} == {3}  # 3: error


def test_without_its_native_library_the_chart_tests_fail_and_say_so(tmp_path):
    """A platform where Helm's native library does not load: the chart tests fail (no skip,
    no fallback) with a message that says why."""
    broken = tmp_path / "libhelm_c.so"
    broken.write_bytes(b"not a shared library")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            f"{Path(__file__).relative_to(ROOT)}::test_the_native_helm_library_is_loaded",
        ],
        cwd=ROOT,
        env={**os.environ, "HELM_C_LIB": str(broken)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "1 error" in output and "passed" not in output and "skipped" not in output, output
    assert "Helm's native library from helm-python-sdk cannot be loaded on this platform" in output
    assert "no fallback" in output and str(broken) in output


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
    assert rendered.objects
    for version in KUBERNETES_VERSIONS:
        for file_name, obj in rendered.objects:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as exc:
                pytest.fail(
                    f"{rendered.name} {file_name} {obj['kind']} (Kubernetes {version}): {exc}"
                )
    names = [(obj["kind"], obj["metadata"]["name"]) for _, obj in rendered.objects]
    assert len(names) == len(set(names)), names
    for _, obj in rendered.objects:
        assert len(obj["metadata"]["name"]) <= 63
        assert obj["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "Helm"


def test_pods_run_as_non_root_with_a_read_only_root_file_system(rendered):
    specs = list(rendered.pod_specs())
    assert specs
    for name, spec in specs:
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] != 0, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        assert spec["automountServiceAccountToken"] is False, name
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            assert container["resources"]["requests"], name
            assert container["resources"]["limits"]["memory"], name
            mounts = {m["mountPath"] for m in container["volumeMounts"]}
            assert "/tmp" in mounts, name


def test_web_deployment_and_service(rendered):
    web = rendered.by_kind("Deployment")["klanten-web"]
    container = web["spec"]["template"]["spec"]["containers"][0]
    assert container["args"] == ["web"]
    assert container["livenessProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/health/ready", "port": "http"}
    assert container["startupProbe"]["httpGet"] == {"path": "/health/live", "port": "http"}
    assert container["resources"] == rendered.effective["web"]["resources"]
    assert web["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    service = rendered.by_kind("Service")["klanten"]
    assert service["spec"]["selector"] == web["spec"]["selector"]["matchLabels"]
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    annotations = web["spec"]["template"]["metadata"]["annotations"]
    assert re.fullmatch(r"[0-9a-f]{64}", annotations["checksum/config"])
    assert re.fullmatch(r"[0-9a-f]{64}", annotations["checksum/secret"])
    settings = rendered.effective["settings"]
    assert ("prometheus.io/scrape" in annotations) is settings["metricsEnabled"]
    pdb = rendered.by_kind("PodDisruptionBudget")
    if rendered.effective["web"]["podDisruptionBudget"]["enabled"]:
        assert pdb["klanten-web"]["spec"]["minAvailable"] == 1
        assert pdb["klanten-web"]["spec"]["selector"] == web["spec"]["selector"]
    else:
        assert not pdb


def test_worker_and_beat(rendered):
    deployments = rendered.by_kind("Deployment")
    worker, beat = rendered.effective["worker"], rendered.effective["beat"]
    assert ("klanten-worker" in deployments) is worker["enabled"]
    assert ("klanten-beat" in deployments) is beat["enabled"]
    if worker["enabled"]:
        spec = deployments["klanten-worker"]["spec"]
        assert spec["replicas"] == worker["replicaCount"]
        assert spec["template"]["spec"]["containers"][0]["args"] == ["worker"]
        probe = spec["template"]["spec"]["containers"][0]["livenessProbe"]
        assert probe["exec"]["command"]
    if beat["enabled"]:
        spec = deployments["klanten-beat"]["spec"]
        assert spec["replicas"] == 1
        assert spec["strategy"] == {"type": "Recreate"}
        assert spec["template"]["spec"]["containers"][0]["args"] == ["beat"]


def test_the_migration_job_is_a_hook(rendered):
    jobs = rendered.by_kind("Job")
    if not rendered.effective["migrations"]["enabled"]:
        assert not jobs
        assert not [name for name in rendered.by_kind("ConfigMap") if name.endswith("-migrate")]
        return
    job = jobs["klanten-migrate"]
    annotations = job["metadata"]["annotations"]
    assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert "hook-succeeded" in annotations["helm.sh/hook-delete-policy"]
    spec = job["spec"]["template"]["spec"]
    assert spec["restartPolicy"] == "Never"
    container = spec["containers"][0]
    assert container["args"] == ["prepare"]
    # the Job's configuration exists before it (hooks with a lower weight)
    refs = container["envFrom"][:2]
    assert "configMapRef" in refs[0] and "secretRef" in refs[1]
    own = [("ConfigMap", refs[0]["configMapRef"]["name"])]
    if not rendered.effective["secrets"]["existingSecret"]:
        own.append(("Secret", refs[1]["secretRef"]["name"]))
    for kind, name in own:
        hook = rendered.by_kind(kind)[name]["metadata"]["annotations"]
        assert hook["helm.sh/hook"] == "pre-install,pre-upgrade"
        assert int(hook["helm.sh/hook-weight"]) < int(annotations["helm.sh/hook-weight"])
    assert rendered.by_kind("ConfigMap")["klanten-migrate"]["data"]["RUN_MIGRATIONS"] == "1"


def test_configuration_of_the_pods(rendered):
    """Every referenced ConfigMap and Secret is rendered (or is the existing secret), and every
    variable in the ConfigMap is one that Klanten reads (docs/configuration.md)."""
    configmaps, secrets = rendered.by_kind("ConfigMap"), rendered.by_kind("Secret")
    documented = set(
        re.findall(
            r"^\|\s*`([A-Z][A-Z0-9_]*)`", (ROOT / "docs" / "configuration.md").read_text(), re.M
        )
    )
    documented.add("DJANGO_SETTINGS_MODULE")
    existing = rendered.effective["secrets"]["existingSecret"]
    for name, container in rendered.containers():
        for ref in container["envFrom"]:
            if "configMapRef" in ref:
                assert ref["configMapRef"]["name"] in configmaps, name
            elif ref["secretRef"]["name"] not in (existing, "klanten-extra"):
                assert ref["secretRef"]["name"] in secrets, name
        for env in container.get("env", []):
            assert env["name"] in documented | {"TZ"}, env
    config = configmaps["klanten"]["data"]
    extra = set(rendered.values.get("extraConfig", {}))
    assert set(config) - extra <= documented, set(config) - extra - documented
    assert config["ALLOWED_HOSTS"].startswith("klanten.example.nl")
    assert config["DEBUG"] == "false"
    if not existing:
        assert set(secrets["klanten"]["stringData"]) >= {"SECRET_KEY"}


def test_no_secret_value_in_a_configmap(rendered):
    """Every secret value given in secrets.* is in the chart's Secrets, and in no ConfigMap."""
    given = rendered.effective["secrets"]
    secret_values = [
        value for key, value in given.items() if key not in ("existingSecret", "extra") and value
    ] + list(given["extra"].values())
    if rendered.name in ("full", "database-url"):
        assert len(secret_values) >= 2  # not a check of nothing
    secret_names = SECRET_VARIABLES | set(given["extra"])
    for name, configmap in rendered.by_kind("ConfigMap").items():
        text = yaml.safe_dump(configmap["data"])
        assert not set(configmap["data"]) & secret_names, name
        for value in secret_values:
            assert value not in text, name
    for secret in rendered.by_kind("Secret").values():
        assert set(secret["stringData"].values()) == set(secret_values)


def test_notes_render(rendered):
    notes = rendered.output["klanten/templates/NOTES.txt"]
    assert "/health/ready" in notes and "{{" not in notes
    assert "installed as release klanten" in notes


# --- one test per important value path --------------------------------------------------------


def test_existing_secret(chart):
    objects = Rendered(chart, "existing-secret")
    assert not objects.by_kind("Secret")  # neither the release's nor the Job's
    names = [name for name, _ in objects.containers()]
    assert set(names) == {"klanten-web", "klanten-worker", "klanten-beat", "klanten-migrate"}
    for name, container in objects.containers():
        assert _secret_ref_names(container) == {"klanten-env"}, name
    assert objects.by_kind("ConfigMap")["klanten"]["data"]["DB_HOST"] == "postgres.example.svc"

    # that Secret may hold DATABASE_URL: then no database host is needed
    minimal = values_file(CI_VALUES["minimal"])
    without_host = deep_merge(
        minimal, {**VALUE_PATHS["existing-secret"], "settings": {"database": {"host": ""}}}
    )
    config = dict(render_objects(chart, without_host))["klanten/templates/configmap.yaml"]
    assert not {"DB_HOST", "DB_PORT", "DB_NAME", "DB_USER"} & set(config["data"])


def test_external_database_url(chart):
    objects = Rendered(chart, "database-url")
    for name in ("klanten", "klanten-migrate"):
        assert objects.by_kind("Secret")[name]["stringData"]["DATABASE_URL"] == DATABASE_URL
        data = objects.by_kind("ConfigMap")[name]["data"]
        # Klanten ignores the DB_* variables beside DATABASE_URL: the chart leaves them out
        assert not {"DB_HOST", "DB_PORT", "DB_NAME", "DB_USER"} & set(data), name
        assert data["DB_CONNECT_TIMEOUT"] == "5" and data["DB_CONN_MAX_AGE"] == "60"
    for name, container in objects.containers():
        assert _secret_ref_names(container) <= {"klanten", "klanten-migrate"}, name


def test_ingress_with_tls(chart):
    objects = Rendered(chart, "ingress-tls")
    ingress = objects.by_kind("Ingress")["klanten"]
    assert ingress["spec"]["ingressClassName"] == "nginx"
    tls = [{"secretName": "klanten-tls", "hosts": ["klanten.gemeente.nl"]}]
    assert ingress["spec"]["tls"] == tls
    (rule,) = ingress["spec"]["rules"]
    assert rule["host"] == "klanten.gemeente.nl"
    (path,) = rule["http"]["paths"]
    assert (path["path"], path["pathType"]) == ("/", "Prefix")
    assert path["backend"]["service"] == {"name": "klanten", "port": {"name": "http"}}
    service = objects.by_kind("Service")["klanten"]
    assert service["spec"]["ports"][0]["name"] == "http"
    assert (
        "https://klanten.gemeente.nl/klanten/api/v1/"
        in objects.output["klanten/templates/NOTES.txt"]
    )
    # without: no Ingress, and the notes tell how to reach the service
    minimal = Rendered(chart, "minimal")
    assert not minimal.by_kind("Ingress")
    assert "kubectl port-forward svc/klanten" in minimal.output["klanten/templates/NOTES.txt"]


def test_worker_and_beat_disabled(chart):
    objects = Rendered(chart, "without-worker-and-beat")
    assert set(objects.by_kind("Deployment")) == {"klanten-web"}
    assert set(objects.by_kind("Job")) == {"klanten-migrate"}
    assert set(objects.by_kind("ConfigMap")) == {"klanten", "klanten-migrate"}
    assert set(Rendered(chart, "minimal").by_kind("Deployment")) == {
        "klanten-web",
        "klanten-worker",
        "klanten-beat",
    }


def test_replicas_with_and_without_the_autoscaler(chart):
    fixed = Rendered(chart, "replicas")
    deployments = fixed.by_kind("Deployment")
    assert deployments["klanten-web"]["spec"]["replicas"] == 4
    assert deployments["klanten-worker"]["spec"]["replicas"] == 3
    assert deployments["klanten-beat"]["spec"]["replicas"] == 1
    assert not fixed.by_kind("HorizontalPodAutoscaler")

    scaled = Rendered(chart, "autoscaling")
    web = scaled.by_kind("Deployment")["klanten-web"]
    assert "replicas" not in web["spec"]  # the HPA decides, a rollout does not reset it
    hpa = scaled.by_kind("HorizontalPodAutoscaler")["klanten-web"]
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "klanten-web",
    }
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 10)
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert metric["resource"]["target"] == {"type": "Utilization", "averageUtilization": 60}
    assert scaled.by_kind("PodDisruptionBudget")["klanten-web"]["spec"]["minAvailable"] == 1
    assert scaled.by_kind("Deployment")["klanten-beat"]["spec"]["replicas"] == 1


def test_optional_parts_switched_off(chart):
    objects = Rendered(chart, "parts-switched-off")
    assert not objects.by_kind("ServiceAccount")
    for name, spec in objects.pod_specs():
        assert spec["serviceAccountName"] == "klanten-sa", name
    assert not objects.by_kind("Job") and not objects.by_kind("PodDisruptionBudget")
    web = objects.by_kind("Deployment")["klanten-web"]
    assert "prometheus.io/scrape" not in web["spec"]["template"]["metadata"]["annotations"]
    assert objects.by_kind("ConfigMap")["klanten"]["data"]["METRICS_ENABLED"] == "false"


def test_full_values(chart):
    objects = Rendered(chart, "full")
    setup = objects.by_kind("ConfigMap")["klanten-setup-configuration"]
    config = yaml.safe_load(setup["data"]["setup-configuration.yaml"])
    assert config["klanten_api_clients"]["items"][0]["client_id"] == "zaaksysteem"
    job = objects.by_kind("Job")["klanten-migrate"]["spec"]["template"]["spec"]
    assert {"name": "setup-configuration", "mountPath": "/config", "readOnly": True} in job[
        "containers"
    ][0]["volumeMounts"]
    claim = objects.by_kind("PersistentVolumeClaim")["klanten-private-media"]
    assert claim["spec"]["storageClassName"] == "shared"
    assert objects.by_kind("ServiceAccount")["klanten"]["metadata"]["annotations"] == {
        "example.com/role": "klanten"
    }
    for name, container in objects.containers():
        assert "klanten-extra" in _secret_ref_names(container), name


def test_the_pods_restart_when_their_configuration_changes(chart):
    """The checksum annotations: Helm's sha256sum of the rendered ConfigMap and Secret."""
    minimal = values_file(CI_VALUES["minimal"])

    def checksums(values):
        web = dict(render_objects(chart, values))["klanten/templates/deployment-web.yaml"]
        annotations = web["spec"]["template"]["metadata"]["annotations"]
        return annotations["checksum/config"], annotations["checksum/secret"]

    config, secret = checksums(minimal)
    new_config, new_secret = checksums(deep_merge(minimal, {"secrets": {"secretKey": "other"}}))
    assert new_config == config and new_secret != secret
    new_config, new_secret = checksums(deep_merge(minimal, {"settings": {"logLevel": "DEBUG"}}))
    assert new_config != config and new_secret == secret
