"""K2 in the admin: an API client's ``Token`` keys for the Klantinteracties API. A key is made
on the client's page and shown once (in the message after saving), never again (only its
first characters); rotating gives a new key (shown once) and the old one stops working;
deactivating stops the key at once. Both after a confirmation page, only for who may change
the client. The Klantinteracties scopes and the trusted-asserter setting (K4) are on the
client's form too."""

import hashlib
import re

import pytest
from django.contrib.messages import get_messages
from vng_api_common.authorizations.models import Applicatie, Autorisatie

from klanten.config.models import APIToken, ValidatieRecht
from klanten.config.tokens import applicatie_voor_sleutel, maak_token

from .admin_helpers import staff_user
from .ki_fixtures import KI_BASE

ADD_URL = "/admin/klanten_config/apiclientapplicatie/add/"
CHANGE_URL = "/admin/klanten_config/apiclientapplicatie/{}/change/"
TOKEN_URL = "/admin/klanten_config/apiclientapplicatie/{}/tokens/{}/{}/"
KI_SCOPES = ["klantinteracties.lezen", "klantinteracties.aanmaken"]


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("beheer", "beheer@example.com", "x")
    client.force_login(user)
    return client


def berichten(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def sleutel_uit(response, begin: str) -> str:
    bericht = next(m for m in berichten(response) if m.startswith(begin))
    return re.search(r" is: (\S+) ", bericht).group(1)


def maak_client(admin_client, client_id="open-forms", **extra):
    data = {
        "client_id": client_id,
        "label": "Open Forms",
        "klantinteracties_scopes": KI_SCOPES,
        "secret": "",
        "nieuwe_token": "on",
        "token_omschrijving": "Open Forms productie",
        **extra,
    }
    response = admin_client.post(ADD_URL, data, follow=True)
    assert response.status_code == 200
    applicatie = Applicatie.objects.get(client_ids__contains=[client_id])
    return applicatie, response


def ki_get(client, sleutel):
    return client.get(f"{KI_BASE}/partijen", HTTP_AUTHORIZATION=f"Token {sleutel}")


def test_a_new_client_with_klantinteracties_scopes_and_a_token_shown_once(admin_client, client):
    applicatie, response = maak_client(admin_client)
    sleutel = sleutel_uit(response, "De token van client open-forms")
    assert "Authorization: Token <sleutel>" in " ".join(berichten(response))
    # the scopes of component ki
    assert Autorisatie.objects.get(applicatie=applicatie, component="ki").scopes == KI_SCOPES
    # only the hash and the first characters are stored
    [token] = APIToken.objects.filter(applicatie=applicatie)
    assert token.sleutel_hash == hashlib.sha256(sleutel.encode()).hexdigest()
    assert token.voorvoegsel == sleutel[:8] and token.omschrijving == "Open Forms productie"
    assert applicatie_voor_sleutel(sleutel) == applicatie
    # the key works on the Klantinteracties API
    assert ki_get(client, sleutel).status_code == 200
    # the client's page never shows the key again, only its first characters
    page = admin_client.get(CHANGE_URL.format(applicatie.pk)).content.decode()
    assert sleutel not in page
    assert f"{sleutel[:8]}…" in page and "Open Forms productie" in page and "Actief" in page
    # the list names the Klantinteracties scopes and counts the active tokens
    lijst = admin_client.get("/admin/klanten_config/apiclientapplicatie/").content.decode()
    assert "klantinteracties.lezen" in lijst


def test_a_second_token_on_the_clients_page_keeps_the_first(admin_client):
    applicatie, response = maak_client(admin_client)
    eerste = sleutel_uit(response, "De token van client open-forms")
    response = admin_client.post(
        CHANGE_URL.format(applicatie.pk),
        {
            "label": "Open Forms",
            "klantinteracties_scopes": KI_SCOPES,
            "nieuwe_token": "on",
            "token_omschrijving": "Open Forms acceptatie",
        },
        follow=True,
    )
    tweede = sleutel_uit(response, "De token van client open-forms")
    assert tweede != eerste
    assert applicatie_voor_sleutel(eerste) == applicatie == applicatie_voor_sleutel(tweede)
    assert APIToken.objects.filter(applicatie=applicatie).count() == 2


def test_saving_the_client_without_a_new_token_makes_none(admin_client):
    applicatie, _ = maak_client(admin_client)
    response = admin_client.post(
        CHANGE_URL.format(applicatie.pk),
        {"label": "Open Forms (nieuw label)", "klantinteracties_scopes": KI_SCOPES},
        follow=True,
    )
    assert not any("De token van" in m for m in berichten(response))
    assert APIToken.objects.filter(applicatie=applicatie).count() == 1


def test_rotating_a_token(admin_client, client):
    applicatie, response = maak_client(admin_client)
    oud = sleutel_uit(response, "De token van client open-forms")
    token = APIToken.objects.get(applicatie=applicatie)
    url = TOKEN_URL.format(applicatie.pk, token.pk, "roteren")
    # the change page links to the confirmation; the confirmation changes nothing yet
    assert url in admin_client.get(CHANGE_URL.format(applicatie.pk)).content.decode()
    bevestiging = admin_client.get(url)
    assert bevestiging.status_code == 200
    assert "Token roteren?" in bevestiging.content.decode()
    assert applicatie_voor_sleutel(oud) == applicatie

    response = admin_client.post(url, follow=True)
    nieuw = sleutel_uit(response, f"De nieuwe sleutel van token {token.voorvoegsel}")
    assert nieuw != oud
    assert applicatie_voor_sleutel(oud) is None
    assert applicatie_voor_sleutel(nieuw) == applicatie
    assert ki_get(client, oud).status_code == 403
    assert ki_get(client, nieuw).status_code == 200
    assert nieuw not in admin_client.get(CHANGE_URL.format(applicatie.pk)).content.decode()


def test_deactivating_a_token(admin_client, client):
    applicatie, response = maak_client(admin_client)
    sleutel = sleutel_uit(response, "De token van client open-forms")
    token = APIToken.objects.get(applicatie=applicatie)
    url = TOKEN_URL.format(applicatie.pk, token.pk, "deactiveren")
    assert "Token deactiveren?" in admin_client.get(url).content.decode()
    assert applicatie_voor_sleutel(sleutel) == applicatie

    response = admin_client.post(url, follow=True)
    assert any("is gedeactiveerd" in m for m in berichten(response))
    token.refresh_from_db()
    assert not token.actief
    assert applicatie_voor_sleutel(sleutel) is None
    assert ki_get(client, sleutel).status_code == 403
    page = admin_client.get(CHANGE_URL.format(applicatie.pk)).content.decode()
    assert "Gedeactiveerd" in page and url not in page
    # an inactive token is neither rotated (a key that would not work) nor deactivated again
    for actie in ("roteren", "deactiveren"):
        response = admin_client.post(TOKEN_URL.format(applicatie.pk, token.pk, actie), follow=True)
        assert any("kan niet meer worden" in m for m in berichten(response))
    token.refresh_from_db()
    assert token.sleutel_hash == hashlib.sha256(sleutel.encode()).hexdigest()


def test_token_actions_need_the_right_to_change_the_client(admin_client, client, django_user_model):
    applicatie, _ = maak_client(admin_client)
    token = APIToken.objects.get(applicatie=applicatie)
    url = TOKEN_URL.format(applicatie.pk, token.pk, "roteren")
    lezer = staff_user(django_user_model, "lezer")
    lezer.user_permissions.add(
        *django_user_model._meta.get_field("user_permissions").related_model.objects.filter(
            codename="view_apiclientapplicatie"
        )
    )
    client.force_login(lezer)
    assert client.get(CHANGE_URL.format(applicatie.pk)).status_code == 200
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    token.refresh_from_db()
    assert token.actief


def test_a_token_of_another_client_or_an_unknown_action_is_not_found(admin_client):
    applicatie, _ = maak_client(admin_client)
    ander, _ = maak_client(admin_client, client_id="kiss")
    token = APIToken.objects.get(applicatie=ander)
    assert (
        admin_client.post(TOKEN_URL.format(applicatie.pk, token.pk, "roteren")).status_code == 404
    )
    assert admin_client.get(TOKEN_URL.format(ander.pk, token.pk, "wissen")).status_code == 404
    assert admin_client.get(TOKEN_URL.format(987654, token.pk, "roteren")).status_code == 404
    token.refresh_from_db()
    assert token.actief


def test_klantinteracties_scopes_alone_are_enough_and_are_shown_again(admin_client):
    applicatie, _ = maak_client(admin_client, nieuwe_token="")
    page = admin_client.get(CHANGE_URL.format(applicatie.pk)).content.decode()
    assert re.search(r'value="klantinteracties.lezen"[^>]*checked', page)
    assert not re.search(r'value="klantinteracties.verwijderen"[^>]*checked', page)
    assert "Nog geen tokens" in page


def test_a_trusted_asserter_needs_a_maximum_rank(admin_client):
    response = admin_client.post(
        ADD_URL,
        {
            "client_id": "of",
            "label": "Open Forms",
            "klantinteracties_scopes": KI_SCOPES,
            "vertrouwde_bron_klantinteracties": "on",
        },
    )
    assert response.status_code == 200
    assert "Een vertrouwde bron heeft een maximale rang" in response.content.decode()
    assert not Applicatie.objects.filter(client_ids__contains=["of"]).exists()

    applicatie, _ = maak_client(
        admin_client, client_id="of", maximale_rang="2", vertrouwde_bron_klantinteracties="on"
    )
    recht = ValidatieRecht.objects.get(applicatie=applicatie)
    assert (recht.maximale_rang, recht.vertrouwde_bron_klantinteracties) == (2, True)
    page = admin_client.get(CHANGE_URL.format(applicatie.pk)).content.decode()
    assert re.search(r'name="vertrouwde_bron_klantinteracties"[^>]*checked', page)
    # unticked on the form: no longer a trusted asserter
    admin_client.post(
        CHANGE_URL.format(applicatie.pk),
        {"label": "Open Forms", "klantinteracties_scopes": KI_SCOPES, "maximale_rang": "2"},
    )
    recht.refresh_from_db()
    assert not recht.vertrouwde_bron_klantinteracties


def test_tokens_made_elsewhere_are_listed(admin_client, make_client):
    make_client(client_id="kiss")
    applicatie = Applicatie.objects.get(client_ids__contains=["kiss"])
    maak_token(applicatie, omschrijving="setup_configuration")
    page = admin_client.get(CHANGE_URL.format(applicatie.pk)).content.decode()
    assert "setup_configuration" in page and "Actief" in page
