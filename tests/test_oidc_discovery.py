"""The OpenID Connect discovery document (``.well-known/openid-configuration``), read when a
provider with a discovery endpoint is saved in the admin or by the ``setup_configuration`` step,
goes through klanten.outbound (klanten.accounts.discovery): a provider on an internal address
needs a configured service covering it, a slow one is cut off at ``OIDC_TIMEOUT``, and every
failure is a form error (admin) or a failed configuration run, never a server error, logged
without the URL.

The stand-in providers are local HTTP servers on 127.0.0.1 (threads of this process), an
internal address: reaching them takes a service, which is the rule under test.
"""

import contextlib
import json
import time

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django_setup_configuration.exceptions import ConfigurationRunFailed
from mozilla_django_oidc_db import forms as oidc_forms
from mozilla_django_oidc_db.models import OIDCProvider
from zgw_consumers.constants import APITypes, AuthTypes
from zgw_consumers.models import Service

from klanten.accounts import discovery

from .lokale_server import StilleHandler, dekkende_service, lokale_server

pytestmark = pytest.mark.django_db

PROVIDERS_ADMIN = "/admin/mozilla_django_oidc_db/oidcprovider/"
REALM = "/realms/medewerkers/"


def document(base: str) -> dict:
    realm = f"{base}{REALM}protocol/openid-connect"
    return {
        "issuer": f"{base}{REALM.rstrip('/')}",
        "authorization_endpoint": f"{realm}/auth",
        "token_endpoint": f"{realm}/token",
        "userinfo_endpoint": f"{realm}/userinfo",
        "jwks_uri": f"{realm}/certs",
        "end_session_endpoint": f"{realm}/logout",
    }


class _Provider(StilleHandler):
    """``/realms/<name>/.well-known/openid-configuration``: ``medewerkers`` a good document,
    ``traag`` one byte every 0.3 s, the others a broken answer."""

    def do_GET(self):
        self.server.requests.append(self.path)
        realm = self.path.split("/")[2] if self.path.startswith("/realms/") else ""
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            if realm == "traag":
                self.druppel()
                return
            status, body = {
                "medewerkers": (200, json.dumps(document(self.server.base)).encode()),
                "geen-json": (200, b"<html>Keycloak</html>"),
                "lijst": (200, b'["authorization_endpoint"]'),
                "fout-endpoint": (200, json.dumps({"token_endpoint": ["x"]}).encode()),
                "javascript": (200, b'{"authorization_endpoint": "javascript:alert(1)"}'),
                "weg": (404, b'{"error": "Realm does not exist"}'),
            }.get(realm, (500, b""))
            self.antwoord(status, body)


@pytest.fixture
def provider():
    with lokale_server(_Provider) as httpd:
        yield httpd


def cover(provider) -> Service:
    """A configured service covering the stand-in provider (as for an in-cluster Keycloak)."""
    return dekkende_service(provider, "/realms/", label="Keycloak (test, intern)", slug="keycloak")


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("super", "s@example.nl", "x"))
    return client


def save_in_admin(client, discovery_endpoint: str):
    return client.post(
        f"{PROVIDERS_ADMIN}add/",
        {
            "identifier": "keycloak",
            "oidc_op_discovery_endpoint": discovery_endpoint,
            "oidc_nonce_size": 32,
            "oidc_state_size": 32,
            "oidc_use_nonce": "on",
        },
    )


def discovery_errors(response) -> list[str]:
    assert response.status_code == 200, response.status_code  # the form again, not a redirect
    return response.context["adminform"].form.errors["oidc_op_discovery_endpoint"]


def discovery_log(caplog) -> list[str]:
    events = [r.msg for r in caplog.records if isinstance(r.msg, dict)]
    return [e["reason"] for e in events if e.get("event") == "oidc_discovery_mislukt"]


# --- the patch point ------------------------------------------------------------------------------
def test_the_library_form_reads_discovery_through_klanten():
    """Fails when mozilla-django-oidc-db renames or drops the method (then the read would be
    a plain requests.get again)."""
    method = vars(oidc_forms.OIDCProviderForm)["get_endpoints_from_discovery"]
    assert isinstance(method, classmethod)
    assert method.__func__ is discovery.get_endpoints_from_discovery
    from mozilla_django_oidc_db.admin import OIDCProviderAdmin
    from mozilla_django_oidc_db.setup_configuration import steps

    assert OIDCProviderAdmin.form is oidc_forms.OIDCProviderForm
    assert steps.OIDCProviderForm is oidc_forms.OIDCProviderForm


def test_install_refuses_a_library_without_the_method(monkeypatch):
    monkeypatch.delattr(oidc_forms.OIDCProviderForm, "get_endpoints_from_discovery")
    with pytest.raises(ImproperlyConfigured, match="get_endpoints_from_discovery"):
        discovery.install()


# --- the admin ------------------------------------------------------------------------------------
def test_the_admin_refuses_a_discovery_endpoint_on_an_internal_address(
    superuser_client, provider, caplog
):
    url = f"{provider.base}{REALM}"
    response = save_in_admin(superuser_client, url)
    [error] = discovery_errors(response)
    assert "intern adres" in error and "service" in error
    assert provider.requests == []  # nothing reached it
    assert not OIDCProvider.objects.filter(identifier="keycloak").exists()
    assert discovery_log(caplog) == ["internal-address"]
    assert provider.base not in caplog.text


def test_the_admin_reads_discovery_of_a_provider_a_service_covers(superuser_client, provider):
    cover(provider)
    response = save_in_admin(superuser_client, f"{provider.base}{REALM}")
    assert response.status_code == 302, response.context["adminform"].form.errors
    saved = OIDCProvider.objects.get(identifier="keycloak")
    expected = document(provider.base)
    assert saved.oidc_op_discovery_endpoint == f"{provider.base}{REALM}"
    assert saved.oidc_op_authorization_endpoint == expected["authorization_endpoint"]
    assert saved.oidc_op_token_endpoint == expected["token_endpoint"]
    assert saved.oidc_op_user_endpoint == expected["userinfo_endpoint"]
    assert saved.oidc_op_jwks_endpoint == expected["jwks_uri"]
    assert saved.oidc_op_logout_endpoint == expected["end_session_endpoint"]
    assert provider.requests == [f"{REALM}.well-known/openid-configuration"]


def test_a_slow_discovery_endpoint_is_cut_off_at_the_deadline(
    superuser_client, provider, settings, caplog
):
    settings.OIDC_TIMEOUT = 1
    cover(provider)
    started = time.monotonic()
    response = save_in_admin(superuser_client, f"{provider.base}/realms/traag/")
    elapsed = time.monotonic() - started
    [error] = discovery_errors(response)
    assert "niet binnen 1 seconden" in error
    assert provider.requests == ["/realms/traag/.well-known/openid-configuration"]
    assert elapsed < 5, elapsed  # the endpoint would hold the call for 30 seconds
    assert discovery_log(caplog) == ["deadline-exceeded"]


@pytest.mark.parametrize(
    ("realm", "reason", "message"),
    [
        ("geen-json", "geen-document", "geen JSON-object"),
        ("lijst", "geen-document", "geen JSON-object"),
        ("fout-endpoint", "ongeldig-endpoint", "geen geldige token_endpoint"),
        ("javascript", "ongeldig-endpoint", "geen geldige authorization_endpoint"),
        ("weg", "status", "HTTP 404"),
    ],
)
def test_a_broken_discovery_answer_is_a_form_error(
    superuser_client, provider, caplog, realm, reason, message
):
    cover(provider)
    url = f"{provider.base}/realms/{realm}/"
    [error] = discovery_errors(save_in_admin(superuser_client, url))
    assert message in error
    assert not OIDCProvider.objects.filter(identifier="keycloak").exists()
    assert discovery_log(caplog) == [reason]
    assert url not in caplog.text


def test_an_unreachable_discovery_endpoint_is_a_form_error(superuser_client, caplog):
    with lokale_server(_Provider) as closed:
        base = closed.base
    Service.objects.create(
        label="Weg",
        slug="weg",
        api_type=APITypes.orc,
        api_root=f"{base}/",
        auth_type=AuthTypes.no_auth,
    )
    [error] = discovery_errors(save_in_admin(superuser_client, f"{base}{REALM}"))
    assert "niet te bereiken" in error
    assert discovery_log(caplog) == ["connection-failed"]


# --- setup_configuration --------------------------------------------------------------------------
def setup_yaml(tmp_path, discovery_endpoint: str, *, inline=False):
    yaml = tmp_path / "config.yaml"
    if inline:  # the deprecated form: the provider's settings in the item
        body = f"""
  items:
    - identifier: admin-oidc
      oidc_rp_client_id: klanten
      oidc_rp_client_secret: geheim
      endpoint_config:
        oidc_op_discovery_endpoint: {discovery_endpoint}
"""
    else:
        body = f"""
  providers:
    - identifier: keycloak
      endpoint_config:
        oidc_op_discovery_endpoint: {discovery_endpoint}
  items: []
"""
    yaml.write_text(f"oidc_db_config_enable: true\noidc_db_config_admin_auth:{body}")
    return str(yaml)


def setup_failure(yaml_file: str) -> str:
    """The message of the failed step (the command aborts with a CommandError)."""
    with pytest.raises(CommandError) as failed:
        call_command("setup_configuration", yaml_file=yaml_file)
    assert isinstance(failed.value.__cause__, ConfigurationRunFailed)
    return str(failed.value.__cause__)


def test_setup_configuration_refuses_discovery_on_an_internal_address(tmp_path, provider, caplog):
    message = setup_failure(setup_yaml(tmp_path, f"{provider.base}{REALM}"))
    assert "oidc_op_discovery_endpoint" in message and "intern adres" in message
    assert provider.base not in message
    assert provider.requests == []
    assert not OIDCProvider.objects.filter(identifier="keycloak").exists()  # rolled back
    assert discovery_log(caplog) == ["internal-address"]
    assert provider.base not in caplog.text


def test_setup_configuration_gives_up_at_the_deadline(tmp_path, provider, settings):
    settings.OIDC_TIMEOUT = 1
    cover(provider)
    started = time.monotonic()
    message = setup_failure(setup_yaml(tmp_path, f"{provider.base}/realms/traag/"))
    assert "niet binnen 1 seconden" in message
    assert time.monotonic() - started < 5


def test_setup_configuration_reads_discovery_of_a_provider_a_service_covers(tmp_path, provider):
    cover(provider)
    call_command("setup_configuration", yaml_file=setup_yaml(tmp_path, f"{provider.base}{REALM}"))
    saved = OIDCProvider.objects.get(identifier="keycloak")
    assert saved.oidc_op_token_endpoint == document(provider.base)["token_endpoint"]
    assert provider.requests == [f"{REALM}.well-known/openid-configuration"]


def test_setup_configuration_deprecated_inline_provider_goes_through_outbound(tmp_path, provider):
    message = setup_failure(setup_yaml(tmp_path, f"{provider.base}{REALM}", inline=True))
    assert "intern adres" in message
    assert provider.requests == []
    cover(provider)
    call_command(
        "setup_configuration",
        yaml_file=setup_yaml(tmp_path, f"{provider.base}{REALM}", inline=True),
    )
    saved = OIDCProvider.objects.get(identifier="admin-oidc-provider")
    assert saved.oidc_op_jwks_endpoint == document(provider.base)["jwks_uri"]
