"""Shared fixtures: API clients with ZGW JWTs, and klanten made through the real services."""

import re
import time

import jwt
import pytest
from django.test import Client

from klanten.config.clients import APIClient, save_api_client
from klanten.datamodel import services

from .oidc_fixtures import oidc_provider  # noqa: F401  (the OpenID Connect test provider)

SECRET = "a-test-secret-that-is-long-enough-32b"
BASE = "/klanten/api/v1"
ALL_SCOPES = (
    "klanten.lezen",
    "klanten.aanmaken",
    "klanten.bijwerken",
    "klanten.verwijderen",
    "audittrails.lezen",
)
# the extension scopes (contract E5)
EXTENSION_SCOPES = ("klanten.valideren", "klanten.klantbeeld", "klanten.beheer")
# the Contactmomenten API (component cmc)
CM_BASE = "/contactmomenten/api/v1"
CM_SCOPES = (
    "contactmomenten.lezen",
    "contactmomenten.aanmaken",
    "contactmomenten.bijwerken",
    "contactmomenten.verwijderen",
    "audittrails.lezen",
)
# valid identifiers (11-proef)
RSIN = "002220647"
RSIN_2 = "517439943"
BSN = "111222333"
BSN_2 = "123456782"


def make_token(client_id: str, secret: str = SECRET, **claims) -> str:
    payload = {"client_id": client_id, "iat": int(time.time()), "iss": client_id, **claims}
    return jwt.encode(payload, secret, algorithm="HS256")


class ApiClient(Client):
    """Django test client speaking JSON with a bearer token.

    With ``mint`` (a function making a token for the current time), it makes a new token when
    the clock was moved (freezegun) before its token's ``iat`` or towards its expiry, as a real
    client mints its tokens by its own clock: the server refuses a token issued in the future
    (``JWT_CLOCK_SKEW``) as it refuses an expired one. Tests of expiry use a fixed token."""

    def __init__(self, token: str | None = None, *, mint=None, **defaults):
        if token:
            defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        self._mint = mint
        self._issued_at = time.time()
        super().__init__(**defaults)

    def request(self, **request):
        if self._mint is not None and not (
            self._issued_at - 30 <= time.time() <= self._issued_at + 1800
        ):
            self.defaults["HTTP_AUTHORIZATION"] = f"Bearer {self._mint()}"
            self._issued_at = time.time()
        return super().request(**request)

    def post_json(self, path, data, **extra):
        return self.post(path, data, content_type="application/json", **extra)

    def put_json(self, path, data, **extra):
        return self.put(path, data, content_type="application/json", **extra)

    def patch_json(self, path, data, **extra):
        return self.patch(path, data, content_type="application/json", **extra)


@pytest.fixture
def make_client(db):
    """``make_client(scopes=(...), all_rights=False, client_id=..., cm_scopes=(...))`` →
    ApiClient; ``scopes`` for the Klanten API, ``cm_scopes`` for the Contactmomenten API."""
    counter = iter(range(1, 10_000))

    def factory(scopes=ALL_SCOPES, all_rights=False, client_id=None, cm_scopes=(), **claims):
        client_id = client_id or f"client-{next(counter)}"
        save_api_client(
            APIClient(
                client_id=client_id,
                secret=SECRET,
                label=f"Applicatie {client_id}",
                heeft_alle_autorisaties=all_rights,
                scopes=tuple(scopes),
                contactmomenten_scopes=tuple(cm_scopes),
            )
        )
        return ApiClient(
            make_token(client_id, **claims), mint=lambda: make_token(client_id, **claims)
        )

    return factory


@pytest.fixture
def api(make_client):
    """A client holding every scope of the standard (not the extension scopes)."""
    return make_client(user_id="medewerker-1", user_representation="Mevrouw Medewerker")


# the medewerker registers the tests' contactmomenten point at (a new or changed medewerker
# URL must answer 200); any other URL goes out for real (the local stand-ins)
MEDEWERKER_REGISTERS = re.compile(
    r"^https?://(medewerkers\.example\.nl|example\.com/medewerker|testserver\.com/medewerker"
    r"|m\.example\.nl|m\.nl)/"
)


@pytest.fixture
def medewerkers(requests_mock):
    requests_mock.real_http = True
    requests_mock.get(MEDEWERKER_REGISTERS, status_code=200, json={})
    return requests_mock


@pytest.fixture
def cm_api(make_client):
    """A client holding every scope of the Contactmomenten API and of the Klanten API."""
    return make_client(
        cm_scopes=CM_SCOPES, user_id="medewerker-1", user_representation="Mevrouw Medewerker"
    )


@pytest.fixture(autouse=True)
def _fresh_auth_cache():
    """Each test starts with an empty per-process authorization cache (tests reuse client
    ids, and rolled-back applications must not linger), and so with the cached Notificaties
    API configuration."""
    from klanten.api.auth import auth_cache
    from klanten.notificaties.berichten import configuratie_cache

    auth_cache.clear()
    configuratie_cache.clear()
    yield
    auth_cache.clear()
    configuratie_cache.clear()


@pytest.fixture(autouse=True)
def _visibility(request, settings):
    """Tests of the standard API run in the legacy visibility mode (every application sees
    every klant), since their klanten are made without a registering application. Tests of
    V7 itself are marked ``zichtbaarheid_applicatie`` and run in the default mode."""
    if request.node.get_closest_marker("zichtbaarheid_applicatie"):
        settings.KLANTEN_ZICHTBAARHEID_NIET_GEVALIDEERD = "applicatie"
    else:
        settings.KLANTEN_ZICHTBAARHEID_NIET_GEVALIDEERD = "iedereen"


@pytest.fixture
def make_klant(db):
    """Create a klant through the service layer (snake_case data, like validated input)."""

    def factory(**data):
        data.setdefault("bronorganisatie", RSIN)
        if "subject" not in data and "subject_identificatie" not in data:
            data.setdefault("subject_type", "natuurlijk_persoon")
            data["subject_identificatie"] = {"inp_bsn": BSN}
        return services.create_klant(data)

    return factory


def klant_url(klant) -> str:
    return f"http://testserver{BASE}/klanten/{klant.uuid}"


@pytest.fixture
def notificaties(db):
    """A Notificaties API is configured: changes put their notifications in the outbox."""
    from notifications_api_common.models import NotificationsConfig
    from zgw_consumers.constants import APITypes, AuthTypes
    from zgw_consumers.models import Service

    service = Service.objects.create(
        label="NRC",
        slug="nrc",
        api_type=APITypes.nrc,
        api_root="https://nrc.example/api/v1/",
        auth_type=AuthTypes.no_auth,
    )
    config = NotificationsConfig.get_solo()
    config.notifications_api_service = service
    config.save()


# the Klantinteracties API's clients (Token keys, component ki): tests/ki_fixtures.py
from .ki_fixtures import ki_api, ki_vertrouwd, make_ki_client  # noqa: E402, F401
