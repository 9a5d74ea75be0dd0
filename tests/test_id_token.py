"""V4: ID tokens of a trusted issuer as evidence, with a real RSA key and a local JWKS endpoint.

The JWKS is served over HTTP by a ``ThreadingHTTPServer`` on 127.0.0.1 (nothing is mocked):
signature, issuer, audience, expiry and ``auth_time`` are checked by the real code path. The
JWKS is fetched as every outbound call (``klanten.outbound.fetch``): 127.0.0.1 is an internal
address, reachable only because a configured service (zgw-consumers) covers the JWKS URL, as an
issuer inside the cluster would need.
"""

import base64
import contextlib
import hashlib
import hmac
import json
import socket
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import cache
from jwt.algorithms import RSAAlgorithm
from zgw_consumers.constants import APITypes, AuthTypes
from zgw_consumers.models import Service

from klanten.config.models import VertrouwdeUitgever
from klanten.datamodel.models import Klant, Validatie

from .conftest import BASE, BSN, BSN_2, klant_url

ISSUER = "https://digid-broker.example.nl/oidc"
AUDIENCE = "klanten-gemeente-voorbeeld"
SAML = "urn:oasis:names:tc:SAML:2.0:ac:classes:"
BASIS = f"{SAML}PasswordProtectedTransport"
MIDDEN = f"{SAML}MobileTwoFactorContract"
SUBSTANTIEEL = f"{SAML}Smartcard"
EH3 = "urn:etoegang:core:assurance-class:loa3"
KVK = "69599084"
# the claim name eHerkenning brokers use for the KvK number (note the dot in "1.9")
EH_KVK_CLAIM = "urn:etoegang:1.9:EntityConcernedID:KvKnr"
PROBLEM_KEYS = {"type", "code", "title", "status", "detail", "instance"}
DROP = object()


# --- keys and the JWKS endpoint -----------------------------------------------------------------
def _new_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def signing_key():
    return _new_key()


@pytest.fixture(scope="session")
def other_key():
    return _new_key()


def public_jwk(private_key, kid: str) -> dict:
    jwk = RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}


class JWKSServer:
    """Serves ``jwks`` (or a raw ``body``) with ``status``; counts the GET requests. With
    ``trickle`` it sends the headers at once and then the body one byte every half second."""

    def __init__(self):
        self.jwks = {"keys": []}
        self.body: bytes | None = None
        self.status = 200
        self.trickle = False
        self._requests = 0
        self._lock = threading.Lock()
        state = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                with state._lock:
                    state._requests += 1
                body = state.body if state.body is not None else json.dumps(state.jwks).encode()
                self.send_response(state.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                # a BrokenPipe: the client gave up, as it should
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    if not state.trickle:
                        self.wfile.write(body)
                        return
                    for byte in body:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(0.5)

            def log_message(self, format, *args):  # keep the test output quiet
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/.well-known/jwks.json"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def requests(self) -> int:
        with self._lock:
            return self._requests

    def publish(self, *jwks: dict) -> None:
        self.jwks = {"keys": list(jwks)}


@pytest.fixture
def jwks_server(signing_key):
    server = JWKSServer()
    server.publish(public_jwk(signing_key, "key-1"))
    server.thread.start()
    cache.clear()  # the fetched key set is cached in the Django cache
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()
    server.thread.join(timeout=5)
    cache.clear()


def make_service(api_root: str) -> Service:
    """A configured zgw-consumers service: URLs under ``api_root`` may reach its (internal)
    host."""
    return Service.objects.create(
        label="Identity provider (intern)",
        slug=f"idp-{Service.objects.count()}",
        api_type=APITypes.orc,
        api_root=api_root,
        auth_type=AuthTypes.no_auth,
    )


@pytest.fixture
def jwks_service(db, jwks_server):
    """The service that covers the local JWKS endpoint (as for an in-cluster Keycloak)."""
    return make_service(f"{jwks_server.base}/.well-known/")


@pytest.fixture
def closed_port_url(db):
    """A URL on 127.0.0.1 where nothing listens, covered by a configured service."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    make_service(f"http://127.0.0.1:{port}/")
    return f"http://127.0.0.1:{port}/jwks.json"


def jwks_events(caplog) -> list[dict]:
    """The ``jwks_onbereikbaar`` log events."""
    events = [r.msg for r in caplog.records if isinstance(r.msg, dict)]
    return [e for e in events if e.get("event") == "jwks_onbereikbaar"]


@pytest.fixture
def uitgever(db, jwks_server, jwks_service):
    return VertrouwdeUitgever.objects.create(
        naam="DigiD (broker)",
        issuer=ISSUER,
        jwks_url=jwks_server.url,
        audience=AUDIENCE,
        middel="digid",
        niveau_claim="acr",
        bsn_claim="bsn",
        kvk_claim="",
    )


@pytest.fixture
def valideerder(make_client):
    return make_client(
        scopes=("klanten.lezen", "klanten.valideren"),
        client_id="portaal",
        user_id="medewerker-7",
        user_representation="Meneer Portaal",
    )


@pytest.fixture
def klant(make_klant):
    """A non-validated klant carrying (unverified) BSN."""
    return make_klant(achternaam="Jansen")


# --- tokens -------------------------------------------------------------------------------------
def claims(**overrides) -> dict:
    now = int(time.time())
    values = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "s-0001",
        "iat": now,
        "exp": now + 300,
        "auth_time": now - 120,
        "acr": MIDDEN,
        "bsn": BSN,
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not DROP}


def sign(payload: dict, key, kid: str | None = "key-1", algorithm: str = "RS256") -> str:
    """Sign any JSON payload (PyJWS, so claims PyJWT would refuse to encode can be tested)."""
    headers = {"kid": kid, "typ": "JWT"} if kid is not None else {"typ": "JWT"}
    body = json.dumps(payload).encode()
    return jwt.PyJWS().encode(body, key, algorithm=algorithm, headers=headers)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def handmade_token(header: dict, payload: dict, key: bytes | None) -> str:
    """A JWT built by hand (PyJWT refuses to HMAC-sign with a PEM public key)."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    signature = (
        b"" if key is None else hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    )
    return f"{signing_input}.{_b64(signature)}"


def validate(client, klant, token, bevestigd: bool = True):
    return client.post_json(
        f"{BASE}/klanten/{klant.uuid}/validaties",
        {"idToken": token, "gegevensBevestigd": bevestigd},
    )


def assert_refused(response, code: str, klant: Klant | None = None) -> dict:
    """403 problem+json with ``code``; nothing was written for the klant."""
    assert response.status_code == 403, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) == PROBLEM_KEYS
    assert body["code"] == code
    assert body["status"] == 403
    if klant is not None:
        klant.refresh_from_db()
        assert klant.gevalideerd is False
        assert klant.gevalideerde_sleutel is None
        assert not Validatie.objects.filter(klant=klant).exists()
    return body


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


# --- the happy path -----------------------------------------------------------------------------
def test_valid_digid_midden_token_validates_the_klant(uitgever, valideerder, klant, signing_key):
    payload = claims()
    response = validate(valideerder, klant, sign(payload, signing_key))

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {
        "uuid",
        "klant",
        "gevalideerdOp",
        "authenticatieMoment",
        "middel",
        "betrouwbaarheidsniveau",
        "rang",
        "uitgever",
        "bron",
        "geauthenticeerde",
        "vertegenwoordigde",
        "machtiging",
        "applicatie",
        "medewerker",
        "gegevensBevestigd",
    }
    assert body["klant"] == klant_url(klant)
    assert body["bron"] == "id_token"
    assert body["middel"] == "digid"
    assert body["rang"] == 2
    assert body["betrouwbaarheidsniveau"] == MIDDEN
    assert body["uitgever"] == ISSUER
    assert moment(body["authenticatieMoment"]) == datetime.fromtimestamp(
        payload["auth_time"], tz=UTC
    )
    assert abs((moment(body["gevalideerdOp"]) - datetime.now(UTC)).total_seconds()) < 60
    assert body["geauthenticeerde"] == {"type": "bsn", "identificatie": BSN}
    assert body["vertegenwoordigde"] is None
    assert body["machtiging"] == ""
    assert body["gegevensBevestigd"] is True
    assert body["applicatie"]["weergave"] == "Applicatie portaal"
    assert body["medewerker"] == {"id": "medewerker-7", "weergave": "Meneer Portaal"}

    klant.refresh_from_db()
    assert klant.gevalideerd is True
    assert (klant.gevalideerde_sleutel_type, klant.gevalideerde_sleutel) == ("bsn", BSN)
    assert klant.registratie_rang == 2
    validatie = Validatie.objects.get(klant=klant)
    assert str(validatie.uuid) == body["uuid"]
    assert validatie.bron == "id_token"

    detail = valideerder.get(f"{BASE}/klanten/{klant.uuid}")
    assert detail.status_code == 200
    assert detail.json()["gevalideerd"] is True
    listed = valideerder.get(f"{BASE}/klanten/{klant.uuid}/validaties")
    assert listed.status_code == 200
    assert listed.json() == [body]


def test_token_without_kid_uses_the_issuers_key(uitgever, valideerder, klant, signing_key):
    response = validate(valideerder, klant, sign(claims(), signing_key, kid=None))
    assert response.status_code == 201, response.content


def test_digid_substantieel_gives_rank_3(uitgever, valideerder, klant, signing_key):
    response = validate(valideerder, klant, sign(claims(acr=SUBSTANTIEEL), signing_key))
    assert response.status_code == 201, response.content
    assert response.json()["rang"] == 3
    klant.refresh_from_db()
    assert klant.registratie_rang == 3


def test_klant_without_identifier_takes_the_bsn_from_the_token(
    uitgever, valideerder, make_klant, signing_key
):
    klant = make_klant(subject="https://personen.example.nl/api/personen/1")
    assert klant.subject_type is None
    response = validate(valideerder, klant, sign(claims(bsn=BSN_2), signing_key))
    assert response.status_code == 201, response.content

    body = valideerder.get(f"{BASE}/klanten/{klant.uuid}").json()
    assert body["gevalideerd"] is True
    assert body["subjectType"] == "natuurlijk_persoon"
    assert body["subjectIdentificatie"]["inpBsn"] == BSN_2


def test_the_validaties_scope_is_required(uitgever, make_client, klant, signing_key, jwks_server):
    reader = make_client(scopes=("klanten.lezen", "klanten.bijwerken"))
    response = validate(reader, klant, sign(claims(), signing_key))
    assert_refused(response, "permission_denied", klant)
    assert jwks_server.requests == 0


# --- issuer -------------------------------------------------------------------------------------
def test_unknown_issuer_is_untrusted(uitgever, valideerder, klant, signing_key, jwks_server):
    token = sign(claims(iss="https://evil.example.com/oidc"), signing_key)
    assert_refused(validate(valideerder, klant, token), "onvertrouwde-bron", klant)
    assert jwks_server.requests == 0


@pytest.mark.parametrize(
    "iss",
    [DROP, "", ["https://digid-broker.example.nl/oidc"], {"x": 1}, "https://x\x00y"],
    ids=["missing", "empty", "list", "object", "nul-character"],
)
def test_odd_issuer_claims_are_untrusted(uitgever, valideerder, klant, signing_key, iss):
    token = sign(claims(iss=iss), signing_key)
    assert_refused(validate(valideerder, klant, token), "onvertrouwde-bron", klant)


def test_issuer_matching_is_exact(uitgever, valideerder, klant, signing_key):
    token = sign(claims(iss=ISSUER + "/"), signing_key)
    assert_refused(validate(valideerder, klant, token), "onvertrouwde-bron", klant)


def test_inactive_issuer_is_untrusted(uitgever, valideerder, klant, signing_key, jwks_server):
    uitgever.actief = False
    uitgever.save()
    assert_refused(
        validate(valideerder, klant, sign(claims(), signing_key)), "onvertrouwde-bron", klant
    )
    assert jwks_server.requests == 0


# --- token verification -------------------------------------------------------------------------
def test_wrong_audience(uitgever, valideerder, klant, signing_key):
    token = sign(claims(aud="another-relying-party"), signing_key)
    assert_refused(validate(valideerder, klant, token), "token-audience-ongeldig", klant)


def test_expired_token(uitgever, valideerder, klant, signing_key):
    now = int(time.time())
    token = sign(claims(iat=now - 600, exp=now - 10, auth_time=now - 600), signing_key)
    assert_refused(validate(valideerder, klant, token), "token-verlopen", klant)


def test_token_without_expiry_is_refused(uitgever, valideerder, klant, signing_key):
    token = sign(claims(exp=DROP), signing_key)
    assert_refused(validate(valideerder, klant, token), "ongeldig-token", klant)


def test_signature_by_another_key_with_the_same_kid(uitgever, valideerder, klant, other_key):
    token = sign(claims(), other_key, kid="key-1")
    assert_refused(validate(valideerder, klant, token), "token-handtekening-ongeldig", klant)


def test_tampered_payload(uitgever, valideerder, klant, signing_key):
    header, _payload, signature = sign(claims(), signing_key).split(".")
    forged = _b64(json.dumps(claims(bsn=BSN_2)).encode())
    assert_refused(
        validate(valideerder, klant, f"{header}.{forged}.{signature}"),
        "token-handtekening-ongeldig",
        klant,
    )


def test_unsigned_token_alg_none(uitgever, valideerder, klant):
    token = jwt.encode(claims(), None, algorithm="none", headers={"kid": "key-1"})
    assert_refused(validate(valideerder, klant, token), "token-handtekening-ongeldig", klant)


def test_hs256_token_with_a_shared_secret(uitgever, valideerder, klant):
    token = jwt.encode(claims(), "x" * 32, algorithm="HS256", headers={"kid": "key-1"})
    assert_refused(validate(valideerder, klant, token), "token-handtekening-ongeldig", klant)


def test_hs256_token_keyed_with_the_public_key(uitgever, valideerder, klant, signing_key):
    """The classic algorithm confusion: HMAC keyed with the issuer's public key."""
    pem = signing_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    token = handmade_token({"alg": "HS256", "typ": "JWT", "kid": "key-1"}, claims(), pem)
    assert_refused(validate(valideerder, klant, token), "token-handtekening-ongeldig", klant)


@pytest.mark.parametrize(
    "token",
    ["not-a-jwt", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.bm90LWpzb24.c2ln", "...", "x" * 5000],
    ids=["text", "three-parts", "payload-not-json", "empty-parts", "long"],
)
def test_malformed_token(uitgever, valideerder, klant, token, jwks_server):
    assert_refused(validate(valideerder, klant, token), "ongeldig-token", klant)
    assert jwks_server.requests == 0


def test_payload_that_is_not_an_object(uitgever, valideerder, klant, signing_key):
    header = _b64(json.dumps({"alg": "RS256", "kid": "key-1"}).encode())
    payload = _b64(json.dumps([1, 2]).encode())
    token = f"{header}.{payload}.{_b64(b'sig')}"
    assert_refused(validate(valideerder, klant, token), "ongeldig-token", klant)


# --- authentication moment ----------------------------------------------------------------------
def test_stale_authentication(uitgever, valideerder, klant, signing_key):
    now = int(time.time())
    token = sign(claims(auth_time=now - 61 * 60), signing_key)
    assert_refused(validate(valideerder, klant, token), "verouderde-authenticatie", klant)


def test_authentication_just_within_the_window(uitgever, valideerder, klant, signing_key):
    now = int(time.time())
    token = sign(claims(auth_time=now - 58 * 60), signing_key)
    assert validate(valideerder, klant, token).status_code == 201


def test_window_follows_the_setting(uitgever, valideerder, klant, signing_key, settings):
    settings.KLANTEN_MAX_AUTHENTICATIE_LEEFTIJD_MINUTEN = 5
    now = int(time.time())
    token = sign(claims(auth_time=now - 10 * 60), signing_key)
    assert_refused(validate(valideerder, klant, token), "verouderde-authenticatie", klant)


def test_authentication_in_the_future(uitgever, valideerder, klant, signing_key):
    now = int(time.time())
    token = sign(claims(auth_time=now + 30 * 60), signing_key)
    assert_refused(validate(valideerder, klant, token), "verouderde-authenticatie", klant)


@pytest.mark.parametrize("auth_time", ["gisteren", 10**20, [1], None], ids=str)
def test_malformed_auth_time_is_refused_not_a_crash(
    uitgever, valideerder, klant, signing_key, auth_time
):
    token = sign(claims(auth_time=auth_time), signing_key)
    response = validate(valideerder, klant, token)
    assert response.status_code == 403, response.content
    assert response.json()["code"] in ("ongeldig-token", "verouderde-authenticatie")
    klant.refresh_from_db()
    assert klant.gevalideerd is False


# --- assurance level ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "acr", ["urn:unknown", "3", "", DROP, ["x"]], ids=["urn", "3", "empty", "absent", "list"]
)
def test_unknown_assurance_level(uitgever, valideerder, klant, signing_key, acr):
    token = sign(claims(acr=acr), signing_key)
    assert_refused(validate(valideerder, klant, token), "onbekend-betrouwbaarheidsniveau", klant)


def test_issuer_alias(uitgever, valideerder, klant, signing_key):
    uitgever.aliassen = {"midden": MIDDEN}
    uitgever.save()
    response = validate(valideerder, klant, sign(claims(acr="midden"), signing_key))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["rang"] == 2
    assert body["betrouwbaarheidsniveau"] == "midden"


def test_an_alias_belongs_to_its_own_issuer(uitgever, valideerder, klant, signing_key):
    VertrouwdeUitgever.objects.create(
        naam="Andere broker",
        issuer="https://other-broker.example.nl",
        jwks_url="http://127.0.0.1:9/jwks",
        audience=AUDIENCE,
        middel="digid",
        aliassen={"midden": MIDDEN},
    )
    token = sign(claims(acr="midden"), signing_key)
    assert_refused(validate(valideerder, klant, token), "onbekend-betrouwbaarheidsniveau", klant)


def test_digid_basis_is_not_enough(uitgever, valideerder, klant, signing_key):
    token = sign(claims(acr=BASIS), signing_key)
    assert_refused(validate(valideerder, klant, token), "onvoldoende-betrouwbaarheidsniveau", klant)


def test_minimum_rank_follows_the_setting(uitgever, valideerder, klant, signing_key, settings):
    settings.KLANTEN_MINIMUM_RANG = {**settings.KLANTEN_MINIMUM_RANG, "natuurlijk_persoon": 3}
    token = sign(claims(acr=MIDDEN), signing_key)
    assert_refused(validate(valideerder, klant, token), "onvoldoende-betrouwbaarheidsniveau", klant)


# --- identity -----------------------------------------------------------------------------------
def test_token_without_identity_claim(uitgever, valideerder, klant, signing_key):
    token = sign(claims(bsn=DROP), signing_key)
    assert_refused(validate(valideerder, klant, token), "identiteit-ontbreekt", klant)


def test_token_with_an_invalid_bsn(uitgever, valideerder, klant, signing_key):
    token = sign(claims(bsn="123456789"), signing_key)  # fails the 11-proef
    assert_refused(validate(valideerder, klant, token), "identiteit-ongeldig", klant)


def test_bsn_differs_from_the_klant(uitgever, valideerder, klant, signing_key):
    token = sign(claims(bsn=BSN_2), signing_key)
    assert_refused(validate(valideerder, klant, token), "identiteit-komt-niet-overeen", klant)


def test_a_numeric_bsn_claim_is_read_as_text(uitgever, valideerder, klant, signing_key):
    token = sign(claims(bsn=int(BSN)), signing_key)
    assert validate(valideerder, klant, token).status_code == 201


# --- DigiD Machtigen ----------------------------------------------------------------------------
@pytest.fixture
def machtigen(uitgever):
    uitgever.middel = "digid_machtigen"
    uitgever.vertegenwoordigde_claim = "representee.bsn"
    uitgever.machtiging_claim = "mandate"
    uitgever.save()
    return uitgever


def test_representee_without_mandate(machtigen, valideerder, klant, signing_key):
    # BSN_2 acts for BSN (the klant) but the token carries no mandate
    token = sign(claims(bsn=BSN_2, representee={"bsn": BSN}), signing_key)
    assert_refused(validate(valideerder, klant, token), "machtiging-ontbreekt", klant)


def test_representee_with_mandate_validates_the_representee(
    machtigen, valideerder, klant, signing_key
):
    mandate = {"services": [{"id": "urn:nl-eid-gdi:1.0:DV:00000001234567890000:services:1"}]}
    token = sign(claims(bsn=BSN_2, representee={"bsn": BSN}, mandate=mandate), signing_key)
    response = validate(valideerder, klant, token)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["middel"] == "digid_machtigen"
    assert body["geauthenticeerde"] == {"type": "bsn", "identificatie": BSN_2}
    assert body["vertegenwoordigde"] == {"type": "bsn", "identificatie": BSN}
    assert json.loads(body["machtiging"]) == mandate
    klant.refresh_from_db()
    assert klant.gevalideerd is True
    assert (klant.gevalideerde_sleutel_type, klant.gevalideerde_sleutel) == ("bsn", BSN)


def test_the_authorised_person_is_not_validated_as_the_klant(
    machtigen, valideerder, make_klant, signing_key
):
    """The klant of the representative (BSN_2) is not the subject of this evidence."""
    representative = make_klant(
        subject_type="natuurlijk_persoon", subject_identificatie={"inp_bsn": BSN_2}
    )
    token = sign(claims(bsn=BSN_2, representee={"bsn": BSN}, mandate="dienst-1"), signing_key)
    assert_refused(
        validate(valideerder, representative, token), "identiteit-komt-niet-overeen", representative
    )


# --- eHerkenning --------------------------------------------------------------------------------
@pytest.fixture
def eherkenning(db, jwks_server, jwks_service):
    return VertrouwdeUitgever.objects.create(
        naam="eHerkenning (broker)",
        issuer="https://eherkenning-broker.example.nl",
        jwks_url=jwks_server.url,
        audience=AUDIENCE,
        middel="eherkenning",
        niveau_claim="acr",
        bsn_claim="",
        kvk_claim=EH_KVK_CLAIM,
    )


def test_eherkenning_validates_an_organisation(eherkenning, valideerder, make_klant, signing_key):
    organisatie = make_klant(
        subject_type="niet_natuurlijk_persoon",
        subject_identificatie={"statutaire_naam": "Voorbeeld B.V."},
        bedrijfsnaam="Voorbeeld",
    )
    payload = claims(iss=eherkenning.issuer, acr=EH3, bsn=DROP, **{EH_KVK_CLAIM: KVK})
    response = validate(valideerder, organisatie, sign(payload, signing_key))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["middel"] == "eherkenning"
    assert body["rang"] == 3
    assert body["uitgever"] == eherkenning.issuer
    assert body["geauthenticeerde"] == {"type": "kvk", "identificatie": KVK}
    organisatie.refresh_from_db()
    assert organisatie.gevalideerd is True
    assert organisatie.subject_type == "niet_natuurlijk_persoon"
    assert (organisatie.gevalideerde_sleutel_type, organisatie.gevalideerde_sleutel) == (
        "kvk",
        KVK,
    )


def test_eherkenning_with_a_nested_claim_path(eherkenning, valideerder, make_klant, signing_key):
    eherkenning.kvk_claim = "organisation.kvk"
    eherkenning.save()
    organisatie = make_klant(
        subject_type="niet_natuurlijk_persoon", subject_identificatie={"statutaire_naam": "X"}
    )
    payload = claims(iss=eherkenning.issuer, acr=EH3, bsn=DROP, organisation={"kvk": KVK})
    assert validate(valideerder, organisatie, sign(payload, signing_key)).status_code == 201


def test_eherkenning_kvk_does_not_validate_a_natural_person(
    eherkenning, valideerder, klant, signing_key
):
    payload = claims(iss=eherkenning.issuer, acr=EH3, bsn=DROP, **{EH_KVK_CLAIM: KVK})
    assert_refused(
        validate(valideerder, klant, sign(payload, signing_key)),
        "identiteit-komt-niet-overeen",
        klant,
    )


def test_eherkenning_loa2_is_not_enough(eherkenning, valideerder, make_klant, signing_key):
    organisatie = make_klant(
        subject_type="niet_natuurlijk_persoon", subject_identificatie={"statutaire_naam": "X"}
    )
    payload = claims(
        iss=eherkenning.issuer,
        acr="urn:etoegang:core:assurance-class:loa2",
        bsn=DROP,
        **{EH_KVK_CLAIM: KVK},
    )
    assert_refused(
        validate(valideerder, organisatie, sign(payload, signing_key)),
        "onvoldoende-betrouwbaarheidsniveau",
        organisatie,
    )


# --- the JWKS: caching, rotation, outages -------------------------------------------------------
def test_jwks_is_cached(uitgever, valideerder, make_klant, signing_key, jwks_server):
    first = make_klant()
    second = make_klant(subject_type="natuurlijk_persoon", subject_identificatie={"inp_bsn": BSN_2})
    assert validate(valideerder, first, sign(claims(), signing_key)).status_code == 201
    assert jwks_server.requests == 1
    assert validate(valideerder, second, sign(claims(bsn=BSN_2), signing_key)).status_code == 201
    assert jwks_server.requests == 1


def test_key_rotation_refetches_once(
    uitgever, valideerder, make_klant, signing_key, other_key, jwks_server
):
    klanten = [
        make_klant(subject_type="natuurlijk_persoon", subject_identificatie={"inp_bsn": BSN}),
        make_klant(subject_type="natuurlijk_persoon", subject_identificatie={"inp_bsn": BSN_2}),
    ]
    assert validate(valideerder, klanten[0], sign(claims(), signing_key)).status_code == 201
    assert jwks_server.requests == 1

    # the issuer rotates to key-2; the cached set does not know it yet
    jwks_server.publish(public_jwk(other_key, "key-2"))
    token = sign(claims(bsn=BSN_2), other_key, kid="key-2")
    response = validate(valideerder, klanten[1], token)
    assert response.status_code == 201, response.content
    assert jwks_server.requests == 2

    # the refreshed set is cached in turn
    assert validate(valideerder, klanten[1], token).status_code == 201
    assert jwks_server.requests == 2


def test_unknown_kid_refetches_once_then_refuses(
    uitgever, valideerder, klant, other_key, jwks_server
):
    token = sign(claims(), other_key, kid="key-unknown")
    assert_refused(validate(valideerder, klant, token), "token-handtekening-ongeldig", klant)
    # the first fetch plus exactly one refetch for the unknown kid
    assert jwks_server.requests == 2


def test_jwks_endpoint_down(uitgever, valideerder, klant, signing_key, closed_port_url, caplog):
    uitgever.jwks_url = closed_port_url
    uitgever.save()
    with caplog.at_level("INFO"):
        assert_refused(
            validate(valideerder, klant, sign(claims(), signing_key)),
            "uitgever-onbereikbaar",
            klant,
        )
    assert [e["reason"] for e in jwks_events(caplog)] == ["connection-failed"]


@pytest.mark.parametrize(
    "status, body",
    [
        (500, b'{"keys": []}'),
        (404, b"not found"),
        (200, b"<html>maintenance</html>"),
        (200, b'{"keys": []}'),
        (200, b'{"keys": "none"}'),
        (200, b"[1, 2]"),
        (200, b'"keys"'),
        (200, b"null"),
    ],
    ids=["500", "404", "html", "no-keys", "keys-not-a-list", "list", "string", "null"],
)
def test_jwks_endpoint_broken(uitgever, valideerder, klant, signing_key, jwks_server, status, body):
    jwks_server.status = status
    jwks_server.body = body
    assert_refused(
        validate(valideerder, klant, sign(claims(), signing_key)), "uitgever-onbereikbaar", klant
    )


def test_a_failed_fetch_is_not_cached(uitgever, valideerder, klant, signing_key, jwks_server):
    jwks_server.status = 503
    jwks_server.body = b"unavailable"
    assert_refused(
        validate(valideerder, klant, sign(claims(), signing_key)), "uitgever-onbereikbaar", klant
    )
    jwks_server.status = 200
    jwks_server.body = None
    response = validate(valideerder, klant, sign(claims(), signing_key))
    assert response.status_code == 201, response.content


# --- the JWKS is an outbound call: internal addresses, deadline, size -----------------------------
def test_the_jwks_is_fetched_through_the_configured_service(
    uitgever, valideerder, klant, signing_key, jwks_server, jwks_service
):
    """The happy path: an issuer on an internal address, under a configured service's api_root."""
    assert uitgever.jwks_url.startswith(jwks_service.api_root)
    response = validate(valideerder, klant, sign(claims(), signing_key))
    assert response.status_code == 201, response.content
    assert jwks_server.requests == 1


@pytest.mark.parametrize(
    "service_root",
    [None, "{base}/elders/", "http://127.0.0.2:{port}/"],
    ids=["no-service", "service-for-another-path", "service-for-another-host"],
)
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_an_internal_jwks_url_without_a_covering_service_is_refused(
    db, jwks_server, valideerder, klant, signing_key, caplog, service_root, host
):
    if service_root is not None:
        make_service(service_root.format(base=jwks_server.base, port=jwks_server.port))
    VertrouwdeUitgever.objects.create(
        naam="Keycloak (intern)",
        issuer=ISSUER,
        jwks_url=f"http://{host}:{jwks_server.port}/.well-known/jwks.json",
        audience=AUDIENCE,
        middel="digid",
        niveau_claim="acr",
        bsn_claim="bsn",
    )
    with caplog.at_level("INFO"):
        response = validate(valideerder, klant, sign(claims(), signing_key))
    assert_refused(response, "uitgever-onbereikbaar", klant)
    assert jwks_server.requests == 0  # refused before connecting
    assert [e["reason"] for e in jwks_events(caplog)] == ["internal-address"]
    # the log names the issuer's id and the reason, never the URL
    logged = json.dumps([r.msg for r in caplog.records], default=str)
    assert str(jwks_server.port) not in logged
    assert "jwks.json" not in logged


def test_a_jwks_trickling_past_the_deadline_is_refused(
    uitgever, valideerder, klant, signing_key, jwks_server, settings, caplog
):
    settings.OUTBOUND_DEADLINE = 1
    jwks_server.trickle = True  # the whole set would take minutes
    started = time.monotonic()
    with caplog.at_level("INFO"):
        response = validate(valideerder, klant, sign(claims(), signing_key))
    elapsed = time.monotonic() - started
    assert_refused(response, "uitgever-onbereikbaar", klant)
    assert 0.9 < elapsed < 4, elapsed
    assert jwks_server.requests == 1
    assert [e["reason"] for e in jwks_events(caplog)] == ["deadline-exceeded"]

    # nothing was cached: once the issuer answers normally, the token is accepted
    jwks_server.trickle = False
    assert validate(valideerder, klant, sign(claims(), signing_key)).status_code == 201


def test_a_jwks_over_the_maximum_size_is_refused(
    uitgever, valideerder, klant, signing_key, jwks_server, settings, caplog
):
    settings.OUTBOUND_MAX_RESPONSE_BYTES = 64  # the set is some 450 bytes
    with caplog.at_level("INFO"):
        response = validate(valideerder, klant, sign(claims(), signing_key))
    assert_refused(response, "uitgever-onbereikbaar", klant)
    assert [e["reason"] for e in jwks_events(caplog)] == ["response-too-large"]
