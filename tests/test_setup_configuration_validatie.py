"""``setup_configuration`` for validated klanten: an API client's maximum assurance rank and the
trusted issuers of ID tokens (V2, V4), including the example file in docs/."""

import io
import json
import re
import textwrap
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import CommandError, call_command
from django.utils import timezone
from vng_api_common.authorizations.models import Applicatie
from vng_api_common.models import JWTSecret

from klanten.config.clients import APIClient, save_api_client
from klanten.config.models import ValidatieRecht, VertrouwdeUitgever

from .conftest import BASE, BSN, RSIN, ApiClient, make_token

SECRET = "s" * 40
SAML = "urn:oasis:names:tc:SAML:2.0:ac:classes:"
DIGID_MIDDEN = f"{SAML}MobileTwoFactorContract"  # rank 2
DIGID_SUBSTANTIEEL = f"{SAML}Smartcard"  # rank 3
DIGID_HOOG = f"{SAML}SmartcardPKI"  # rank 4
EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "setup-configuration.example.yaml"

CONFIG = f"""
    klanten_api_clients_enable: true
    klanten_api_clients:
      items:
        - client_id: portaal
          secret: {SECRET}
          label: Klantportaal
          scopes: [klanten.lezen, klanten.aanmaken, klanten.valideren]
          maximale_rang: 3
        - client_id: kcc
          secret: {SECRET}
          label: KCC
          scopes: [klanten.lezen, klanten.aanmaken, klanten.bijwerken]
    klanten_vertrouwde_uitgevers_enable: true
    klanten_vertrouwde_uitgevers:
      items:
        - naam: DigiD via broker
          issuer: https://broker.example.nl/oidc
          jwks_url: https://broker.example.nl/oidc/jwks
          audience: klanten
          middel: digid
          niveau_claim: acr
          bsn_claim: bsn
          aliassen:
            midden: {DIGID_MIDDEN}
            substantieel: {DIGID_SUBSTANTIEEL}
        - naam: eHerkenning via broker
          issuer: https://eh-broker.example.nl
          jwks_url: https://eh-broker.example.nl/jwks
          audience: klanten-eh
          middel: eherkenning
          bsn_claim: ""
          kvk_claim: urn:etoegang:1.9:EntityConcernedID:KvKnr
          vertegenwoordigde_claim: ""
          aliassen:
            "3": urn:etoegang:core:assurance-class:loa3
"""


def _yaml(tmp_path, body: str) -> Path:
    path = tmp_path / "setup.yaml"
    path.write_text(textwrap.dedent(body))
    return path


def _setup(path) -> str:
    out = io.StringIO()
    call_command("setup_configuration", yaml_file=str(path), stdout=out)
    return out.getvalue()


def _rang(client_id: str) -> int | None:
    applicatie = Applicatie.objects.get(client_ids__contains=[client_id])
    recht = ValidatieRecht.objects.filter(applicatie=applicatie).first()
    return recht.maximale_rang if recht else None


def _assertion(niveau: str) -> dict:
    moment = (timezone.localtime() - timedelta(minutes=5)).replace(microsecond=0)
    return {
        "middel": "digid",
        "betrouwbaarheidsniveau": niveau,
        "authenticatieMoment": moment.isoformat(),
        "geauthenticeerde": {"type": "bsn", "identificatie": BSN},
        "gegevensBevestigd": True,
    }


def _new_klant(api) -> str:
    response = api.post_json(
        f"{BASE}/klanten",
        {
            "bronorganisatie": RSIN,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": BSN},
        },
    )
    assert response.status_code == 201, response.content
    return response.json()["url"]


# --- maximale_rang ----------------------------------------------------------------------------
def test_yaml_with_rank_and_trusted_issuers_loads(db, tmp_path):
    _setup(_yaml(tmp_path, CONFIG))
    assert _rang("portaal") == 3
    assert _rang("kcc") is None

    digid = VertrouwdeUitgever.objects.get(issuer="https://broker.example.nl/oidc")
    assert digid.naam == "DigiD via broker"
    assert digid.jwks_url == "https://broker.example.nl/oidc/jwks"
    assert digid.audience == "klanten"
    assert digid.middel == "digid"
    assert digid.aliassen == {"midden": DIGID_MIDDEN, "substantieel": DIGID_SUBSTANTIEEL}
    assert digid.actief is True
    assert (digid.niveau_claim, digid.bsn_claim, digid.kvk_claim) == ("acr", "bsn", "kvk")

    eh = VertrouwdeUitgever.objects.get(issuer="https://eh-broker.example.nl")
    assert eh.middel == "eherkenning"
    assert eh.bsn_claim == ""
    assert eh.kvk_claim == "urn:etoegang:1.9:EntityConcernedID:KvKnr"
    assert eh.niveau_claim == "acr"  # the model's default
    assert eh.aliassen == {"3": "urn:etoegang:core:assurance-class:loa3"}


def test_yaml_rank_lets_the_client_assert_up_to_it(db, tmp_path):
    _setup(_yaml(tmp_path, CONFIG))
    api = ApiClient(make_token("portaal", secret=SECRET))
    url = _new_klant(api)

    too_high = api.post_json(f"{url}/validaties", _assertion(DIGID_HOOG))
    assert too_high.status_code == 403
    assert too_high.json()["code"] == "rang-boven-validatierecht"
    ok = api.post_json(f"{url}/validaties", _assertion(DIGID_SUBSTANTIEEL))
    assert ok.status_code == 201, ok.content
    assert ok.json()["rang"] == 3

    # kcc has no rank (and no klanten.valideren): no assertions
    kcc = ApiClient(make_token("kcc", secret=SECRET))
    other = _new_klant(kcc)
    assert kcc.post_json(f"{other}/validaties", _assertion(DIGID_MIDDEN)).status_code == 403


def test_yaml_is_idempotent_and_removing_the_rank_removes_the_right(db, tmp_path):
    path = _yaml(tmp_path, CONFIG)
    _setup(path)
    _setup(path)
    assert ValidatieRecht.objects.count() == 1
    assert VertrouwdeUitgever.objects.count() == 2

    changed = CONFIG.replace("maximale_rang: 3", "maximale_rang: 1").replace(
        "naam: DigiD via broker", "naam: DigiD (nieuw)"
    )
    _setup(_yaml(tmp_path, changed))
    assert _rang("portaal") == 1
    assert VertrouwdeUitgever.objects.get(issuer="https://broker.example.nl/oidc").naam == (
        "DigiD (nieuw)"
    )

    _setup(_yaml(tmp_path, CONFIG.replace("          maximale_rang: 3\n", "")))
    assert _rang("portaal") is None
    assert not ValidatieRecht.objects.exists()


@pytest.mark.parametrize("rang", ["5", "-1", "hoog"])
def test_out_of_range_rank_is_refused(db, tmp_path, rang):
    with pytest.raises(CommandError):
        _setup(_yaml(tmp_path, CONFIG.replace("maximale_rang: 3", f"maximale_rang: {rang}")))
    # nothing of the run survives
    assert not Applicatie.objects.exists()
    assert not JWTSecret.objects.exists()
    assert not ValidatieRecht.objects.exists()
    assert not VertrouwdeUitgever.objects.exists()


@pytest.mark.parametrize("rang", [5, -1, True])
def test_save_api_client_refuses_out_of_range_rank(db, rang):
    with pytest.raises(ValueError):
        save_api_client(APIClient("x", SECRET, "X", scopes=("klanten.lezen",), maximale_rang=rang))
    assert not Applicatie.objects.exists()


def test_save_api_client_creates_updates_and_deletes_the_right(db):
    def save(rang):
        return save_api_client(
            APIClient("x", SECRET, "X", scopes=("klanten.valideren",), maximale_rang=rang)
        )

    applicatie = save(0)
    assert ValidatieRecht.objects.get(applicatie=applicatie).maximale_rang == 0
    save(4)
    assert ValidatieRecht.objects.get(applicatie=applicatie).maximale_rang == 4
    save(None)
    assert not ValidatieRecht.objects.exists()


# --- trusted issuers ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "old,new",
    [
        # an alias must point at a canonical value of the scale
        (f"midden: {DIGID_MIDDEN}", "midden: loa2"),
        # an unknown means
        ("middel: digid", "middel: sms"),
        # not a URL
        ("jwks_url: https://broker.example.nl/oidc/jwks", "jwks_url: geen-url"),
        # a required field missing
        ("          audience: klanten\n", ""),
    ],
)
def test_invalid_trusted_issuer_is_refused(db, tmp_path, old, new):
    assert old in CONFIG
    with pytest.raises(CommandError):
        _setup(_yaml(tmp_path, CONFIG.replace(old, new)))
    assert not VertrouwdeUitgever.objects.exists()


def test_trusted_issuers_step_can_be_disabled(db, tmp_path):
    body = CONFIG.replace(
        "klanten_vertrouwde_uitgevers_enable: true", "klanten_vertrouwde_uitgevers_enable: false"
    )
    _setup(_yaml(tmp_path, body))
    assert _rang("portaal") == 3
    assert not VertrouwdeUitgever.objects.exists()


# --- an ID token from the issuer configured in YAML, verified against a local JWKS --------------
@pytest.fixture
def jwks_server():
    """A JWKS endpoint on 127.0.0.1 serving one RSA key; yields (url, private key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "sleutel-1", "use": "sig", "alg": "RS256"}]})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/jwks", key
    server.shutdown()
    server.server_close()


def test_id_token_from_yaml_configured_issuer_validates(db, tmp_path, jwks_server):
    jwks_url, key = jwks_server
    # the JWKS is on an internal address (127.0.0.1): reachable only under a configured service
    service = f"""
    zgw_consumers_config_enable: true
    zgw_consumers:
      services:
        - identifier: broker-intern
          label: Broker (intern)
          api_type: orc
          api_root: {jwks_url.removesuffix("jwks")}
          auth_type: no_auth
"""
    _setup(
        _yaml(tmp_path, CONFIG.replace("https://broker.example.nl/oidc/jwks", jwks_url) + service)
    )
    api = ApiClient(make_token("kcc", secret=SECRET))
    url = _new_klant(api)
    now = int(time.time())
    claims = {
        "iss": "https://broker.example.nl/oidc",
        "aud": "klanten",
        "iat": now,
        "exp": now + 300,
        "auth_time": now - 60,
        "acr": "midden",  # an alias of this issuer
        "bsn": BSN,
    }
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "sleutel-1"})
    # kcc has no klanten.valideren
    assert api.post_json(f"{url}/validaties", {"idToken": token}).status_code == 403

    portaal = ApiClient(make_token("portaal", secret=SECRET))
    # (the tests of the standard API run with NON_VALIDATED_VISIBILITY=iedereen: portaal sees it)
    response = portaal.post_json(f"{url}/validaties", {"idToken": token, "gegevensBevestigd": True})
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["bron"], body["rang"], body["betrouwbaarheidsniveau"]) == ("id_token", 2, "midden")
    assert body["uitgever"] == "https://broker.example.nl/oidc"
    assert body["geauthenticeerde"] == {"type": "bsn", "identificatie": BSN}


# --- the example file in docs/ ------------------------------------------------------------------
def test_example_file_in_docs_loads(db, monkeypatch):
    text = EXAMPLE.read_text()
    for name in sorted(set(re.findall(r"env: ([A-Z_]+)", text))):
        monkeypatch.setenv(name, f"{name.lower()}-" + "x" * 32)
    _setup(EXAMPLE)
    assert VertrouwdeUitgever.objects.exists()
    assert ValidatieRecht.objects.exists()
    for recht in ValidatieRecht.objects.all():
        assert 0 <= recht.maximale_rang <= 4
    # the KCC and Open Zaak get their Contactmomenten API scopes (component cmc)
    from vng_api_common.authorizations.models import Autorisatie

    cmc = Autorisatie.objects.filter(component="cmc").values_list(
        "applicatie__client_ids", flat=True
    )
    assert sorted(cmc) == [["klantcontactsysteem"], ["open-zaak"]]
