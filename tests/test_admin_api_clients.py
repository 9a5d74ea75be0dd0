import re

import pytest
from django.contrib.messages import get_messages
from vng_api_common.authorizations.models import Applicatie, Autorisatie
from vng_api_common.models import JWTSecret

from .conftest import BASE, ApiClient, make_token

ADD_URL = "/admin/klanten_config/apiclientapplicatie/add/"


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("beheer", "beheer@example.com", "x")
    client.force_login(user)
    return client


def test_admin_creates_client_with_scopes_and_shows_generated_secret_once(admin_client):
    response = admin_client.post(
        ADD_URL,
        {
            "client_id": "zaaksysteem",
            "label": "Zaaksysteem",
            "scopes": ["klanten.lezen"],
            "secret": "",
        },
        follow=True,
    )
    assert response.status_code == 200
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    secret_message = next(m for m in messages if "secret van client zaaksysteem" in m)
    secret = re.search(r"is: (\S+) ", secret_message).group(1)
    assert JWTSecret.objects.get(identifier="zaaksysteem").secret == secret
    applicatie = Applicatie.objects.get(client_ids__contains=["zaaksysteem"])
    assert list(
        Autorisatie.objects.filter(applicatie=applicatie).values_list("scopes", flat=True)
    ) == [["klanten.lezen"]]

    api = ApiClient(make_token("zaaksysteem", secret=secret))
    assert api.get(f"{BASE}/klanten").status_code == 200
    assert api.post(f"{BASE}/klanten", {}, content_type="application/json").status_code == 403

    # the change page never shows the secret again
    change = admin_client.get(f"/admin/klanten_config/apiclientapplicatie/{applicatie.pk}/change/")
    assert secret not in change.content.decode()


def test_admin_warns_about_short_secret(admin_client):
    response = admin_client.post(
        ADD_URL,
        {"client_id": "kort", "label": "Kort", "heeft_alle_autorisaties": "on", "secret": "abc"},
        follow=True,
    )
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("korter dan 32 bytes" in m for m in messages)
    assert JWTSecret.objects.get(identifier="kort").secret == "abc"


def test_admin_requires_scopes_or_all_rights(admin_client):
    response = admin_client.post(ADD_URL, {"client_id": "leeg", "label": "Leeg", "secret": ""})
    assert response.status_code == 200  # form redisplayed with an error
    assert "Kies scopes of geef alle autorisaties." in response.content.decode()
    assert not JWTSecret.objects.filter(identifier="leeg").exists()


def test_admin_refuses_duplicate_client_id(admin_client, make_client):
    make_client(client_id="bestaand")
    response = admin_client.post(
        ADD_URL, {"client_id": "bestaand", "label": "X", "heeft_alle_autorisaties": "on"}
    )
    assert "Deze client ID is al in gebruik." in response.content.decode()


def test_admin_grants_contactmomenten_scopes(admin_client):
    response = admin_client.post(
        ADD_URL,
        {
            "client_id": "kcc",
            "label": "Klantcontactcentrum",
            "contactmomenten_scopes": ["contactmomenten.lezen", "audittrails.lezen"],
            "secret": "s" * 40,
        },
        follow=True,
    )
    assert response.status_code == 200
    applicatie = Applicatie.objects.get(client_ids__contains=["kcc"])
    assert sorted(
        (a.component, sorted(a.scopes)) for a in Autorisatie.objects.filter(applicatie=applicatie)
    ) == [("cmc", ["audittrails.lezen", "contactmomenten.lezen"])]
    api = ApiClient(make_token("kcc", secret="s" * 40))
    assert api.get("/contactmomenten/api/v1/contactmomenten").status_code == 200
    assert api.get(f"{BASE}/klanten").status_code == 403

    change = admin_client.get(f"/admin/klanten_config/apiclientapplicatie/{applicatie.pk}/change/")
    html = change.content.decode()
    assert "Scopes Contactmomenten API" in html
    assert re.search(r'value="contactmomenten.lezen"[^>]*checked', html)
    listing = admin_client.get("/admin/klanten_config/apiclientapplicatie/").content.decode()
    assert "contactmomenten: audittrails.lezen" in listing
