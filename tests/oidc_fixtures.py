"""A real OpenID Connect provider for the sign-in tests (tests/oidc/server.js, npm
``oidc-provider``), and the OIDC configurations of Klanten pointing at it."""

import json
import os
import shutil
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

OIDC_DIR = Path(__file__).parent / "oidc"
ADMIN_CLIENT = {"client_id": "klanten-beheer", "client_secret": "beheer-geheim-" + "x" * 32}
MIJN_CLIENT = {"client_id": "klanten-mijn", "client_secret": "mijn-geheim-" + "y" * 32}

SAML = "urn:oasis:names:tc:SAML:2.0:ac:classes:"
DIGID_BASIS = f"{SAML}PasswordProtectedTransport"
DIGID_MIDDEN = f"{SAML}MobileTwoFactorContract"
DIGID_SUBSTANTIEEL = f"{SAML}Smartcard"
DIGID_HOOG = f"{SAML}SmartcardPKI"
EH3 = "urn:etoegang:core:assurance-class:loa3"


def ensure_node_modules() -> None:
    """``npm ci`` when node_modules is missing or older than the lock file (bin/test does
    this too; this covers a plain pytest run)."""
    lock = OIDC_DIR / "package-lock.json"
    marker = OIDC_DIR / "node_modules" / ".package-lock.json"
    if marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
        return
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed for the OpenID Connect test provider (Node 20+).")
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=OIDC_DIR,
        check=True,
        timeout=300,
    )


@dataclass
class OpenIDProvider:
    issuer: str
    process: subprocess.Popen

    @property
    def configuration(self) -> dict:
        return requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=5).json()

    def next_login(self, sub: str, acr: str | None = DIGID_MIDDEN, claims=None, **extra) -> None:
        """The next sign-in at this provider is ``sub`` at level ``acr`` with ``claims``."""
        body = {"sub": sub, "acr": acr, "claims": claims or {}, **extra}
        response = requests.post(f"{self.issuer}/__test/next-login", json=body, timeout=5)
        response.raise_for_status()

    def authorize(self, authorization_url: str, redirect_prefix: str) -> str:
        """Follow the provider's redirects (login and consent complete by themselves) until it
        sends the browser back to ``redirect_prefix``; returns that URL."""
        session = requests.Session()
        url = authorization_url
        for _ in range(12):
            response = session.get(url, allow_redirects=False, timeout=10)
            location = response.headers.get("location")
            assert location, f"provider stopped at {url}: {response.status_code} {response.text}"
            url = urljoin(url, location)
            if url.startswith(redirect_prefix):
                return url
        raise AssertionError("too many redirects at the provider")


@pytest.fixture(scope="session")
def oidc_provider():
    ensure_node_modules()
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed for the OpenID Connect test provider (Node 20+).")
    clients = json.dumps([ADMIN_CLIENT, MIJN_CLIENT])
    process = subprocess.Popen(
        [node, "server.js", "--port", "0", "--clients", clients],
        cwd=OIDC_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NODE_NO_WARNINGS": "1"},
    )
    line = ""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("LISTENING ") or process.poll() is not None:
            break
    if not line.startswith("LISTENING "):
        process.kill()
        pytest.fail(f"the OpenID Connect test provider did not start: {process.stderr.read()}")
    # keep draining the provider's output so it never blocks on a full pipe
    for stream in (process.stdout, process.stderr):
        threading.Thread(target=stream.read, daemon=True).start()
    provider = OpenIDProvider(issuer=line.split()[1].strip(), process=process)
    try:
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def configure_oidc(
    provider: OpenIDProvider, *, admin=True, mijn=True, mijn_options=None, service=True
):
    """Point both OIDC configurations of Klanten at the test provider (as the admin or
    setup_configuration would). The provider listens on 127.0.0.1, an internal address: with
    ``service`` a configured zgw-consumers service covers it (as for an in-cluster Keycloak),
    else every call from Klanten to it is refused (klanten.outbound)."""
    from mozilla_django_oidc_db.constants import OIDC_ADMIN_CONFIG_IDENTIFIER
    from mozilla_django_oidc_db.models import OIDCClient, OIDCProvider
    from zgw_consumers.constants import APITypes, AuthTypes
    from zgw_consumers.models import Service

    from klanten.mijn.oidc import MIJN_GEGEVENS_OIDC

    if service:
        Service.objects.update_or_create(
            slug="oidc-test-provider",
            defaults={
                "label": "Identity provider (test, intern)",
                "api_type": APITypes.orc,
                "api_root": f"{provider.issuer}/",
                "auth_type": AuthTypes.no_auth,
            },
        )
    else:
        Service.objects.filter(slug="oidc-test-provider").delete()
    config = provider.configuration
    op, _ = OIDCProvider.objects.update_or_create(
        identifier="test-provider",
        defaults={
            "oidc_op_authorization_endpoint": config["authorization_endpoint"],
            "oidc_op_token_endpoint": config["token_endpoint"],
            "oidc_op_user_endpoint": config["userinfo_endpoint"],
            "oidc_op_jwks_endpoint": config["jwks_uri"],
            "oidc_op_logout_endpoint": config["end_session_endpoint"],
        },
    )
    OIDCClient.objects.update_or_create(
        identifier=OIDC_ADMIN_CONFIG_IDENTIFIER,
        defaults={
            "enabled": admin,
            "oidc_provider": op,
            "oidc_rp_client_id": ADMIN_CLIENT["client_id"],
            "oidc_rp_client_secret": ADMIN_CLIENT["client_secret"],
            "oidc_rp_scopes_list": ["openid", "email", "profile"],
            "oidc_rp_sign_algo": "RS256",
            "userinfo_claims_source": "id_token",
            "options": {
                "user_settings": {
                    "claim_mappings": {
                        "username": ["sub"],
                        "email": ["email"],
                        "first_name": ["given_name"],
                        "last_name": ["family_name"],
                    },
                    "username_case_sensitive": False,
                },
                "groups_settings": {
                    "make_users_staff": True,
                    "superuser_group_names": ["klanten-superbeheer"],
                    "sync": True,
                    "sync_pattern": "klanten-*",
                    "claim_mapping": ["roles"],
                },
            },
        },
    )
    OIDCClient.objects.update_or_create(
        identifier=MIJN_GEGEVENS_OIDC,
        defaults={
            "enabled": mijn,
            "oidc_provider": op,
            "oidc_rp_client_id": MIJN_CLIENT["client_id"],
            "oidc_rp_client_secret": MIJN_CLIENT["client_secret"],
            "oidc_rp_scopes_list": ["openid"],
            "oidc_rp_sign_algo": "RS256",
            "userinfo_claims_source": "id_token",
            "options": {"issuer": provider.issuer, **(mijn_options or {})},
        },
    )
    return op
