"""The per-process authorization cache: fewer queries, never a stale or expired grant."""

import time

from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from klanten.config.clients import APIClient, save_api_client

from .conftest import BASE, SECRET, ApiClient, make_token


def _queries(client, path):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    return response, len(ctx.captured_queries)


def test_a_repeated_token_needs_no_authorization_queries(make_client, make_klant):
    klant = make_klant()
    client = make_client(scopes=("klanten.lezen",))
    first, first_count = _queries(client, f"{BASE}/klanten/{klant.uuid}")
    second, second_count = _queries(client, f"{BASE}/klanten/{klant.uuid}")
    assert first.status_code == second.status_code == 200
    # the first request reads the secret, the application and its scopes; the second only
    # the klant
    assert first_count == second_count + 3
    assert second_count == 1


def test_a_scope_change_applies_at_once(make_client, make_klant):
    klant = make_klant()
    client = make_client(scopes=("klanten.lezen",), client_id="wisselend")
    assert client.get(f"{BASE}/klanten/{klant.uuid}").status_code == 200
    save_api_client(
        APIClient(client_id="wisselend", secret=SECRET, label="X", scopes=("klanten.aanmaken",))
    )
    assert client.get(f"{BASE}/klanten/{klant.uuid}").status_code == 403


def test_a_secret_change_applies_at_once(make_client, make_klant):
    klant = make_klant()
    client = make_client(scopes=("klanten.lezen",), client_id="geheim")
    assert client.get(f"{BASE}/klanten/{klant.uuid}").status_code == 200
    save_api_client(
        APIClient(client_id="geheim", secret="b" * 40, label="X", scopes=("klanten.lezen",))
    )
    response = client.get(f"{BASE}/klanten/{klant.uuid}")
    assert response.status_code == 403
    assert response.json()["code"] == "invalid-jwt-signature"


def test_a_cached_token_still_expires(make_client, make_klant, settings):
    klant = make_klant()
    settings.AUTH_CACHE_SECONDS = 10_000
    make_client(scopes=("klanten.lezen",), client_id="verloopt")
    issued = int(time.time())
    client = ApiClient(make_token("verloopt", iat=issued))
    assert client.get(f"{BASE}/klanten/{klant.uuid}").status_code == 200
    with freeze_time(time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(issued + 3601))):
        response = client.get(f"{BASE}/klanten/{klant.uuid}")
    assert response.status_code == 403
    assert response.json()["code"] == "jwt-expired"


def test_the_cache_can_be_switched_off(make_client, make_klant, settings):
    settings.AUTH_CACHE_SECONDS = 0
    klant = make_klant()
    client = make_client(scopes=("klanten.lezen",))
    _, first_count = _queries(client, f"{BASE}/klanten/{klant.uuid}")
    _, second_count = _queries(client, f"{BASE}/klanten/{klant.uuid}")
    assert first_count == second_count == 4
