"""The configuration screens: the read-only overview of the environment settings (assurance
minimums, promotion mode, retention, notifications) with the kanaal registration status, and
the access log of data managers."""

import re

import pytest
from django.contrib.auth.models import Permission
from notifications_api_common.models import NotificationsConfig
from zgw_consumers.constants import APITypes, AuthTypes
from zgw_consumers.models import Service

from klanten.beheer.models import BeheerGebeurtenis

from .admin_helpers import staff_user

pytest_plugins = ("tests.admin_fixtures",)  # fixtures: beheerder_client, raadpleger_client
pytestmark = pytest.mark.usefixtures("fresh_cache")

INSTELLINGEN = "/admin/beheer/instellingen/"
NRC = "https://notificaties.example/api/v1/"
KANAAL = {
    "url": f"{NRC}kanaal/7",
    "naam": "klanten",
    "documentatieLink": "https://klanten.example/ref/kanalen/#klanten",
    "filters": ["subject_type"],
}


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("super", "s@example.nl", "x"))
    return client


def configure_nrc() -> Service:
    service = Service.objects.create(
        label="Notificaties API",
        slug="notificaties",
        api_type=APITypes.nrc,
        api_root=NRC,
        auth_type=AuthTypes.no_auth,
    )
    config = NotificationsConfig.get_solo()
    config.notifications_api_service = service
    config.save()
    return service


def test_settings_are_shown_read_only(superuser_client, settings):
    settings.KLANTEN_MINIMUM_RANG = {
        "natuurlijk_persoon": 3,
        "niet_natuurlijk_persoon": 2,
        "vestiging": 2,
    }
    settings.KLANTEN_PROMOTIE_MODUS = "forbid"
    response = superuser_client.get(INSTELLINGEN)
    assert response.status_code == 200
    page = response.content.decode()
    assert "MIN_RANK_NATUURLIJK_PERSOON" in page
    assert "3 – DigiD Substantieel, eHerkenning EH3, eIDAS substantieel" in page
    assert "PROMOTION_MODE" in page and "Verboden: een niet-gevalideerde klant" in page
    assert "RETENTION_PERIOD_DAYS" in page
    assert "Notificaties API" in page and "niet ingesteld" in page
    assert "0 te versturen (0 achterstallig), 0 mislukt" in page
    # the only inputs are the kanaal buttons
    inputs = re.findall(r'<input[^>]*name="([^"]+)"', page)
    assert set(inputs) <= {"csrfmiddlewaretoken", "controleer", "registreer"}
    # nothing to change here: no add, change or delete
    assert superuser_client.post(f"{INSTELLINGEN}add/").status_code == 404
    assert "/admin/klanten_config/apiclientapplicatie/" in page
    assert "/admin/klanten_config/vertrouwdeuitgever/" in page


def test_settings_page_needs_its_permission(client, django_user_model, raadpleger_client):
    assert raadpleger_client.get(INSTELLINGEN).status_code == 403
    user = staff_user(django_user_model, "functioneelbeheer")
    user.user_permissions.add(Permission.objects.get(codename="view_instellingen"))
    client.force_login(user)
    response = client.get(INSTELLINGEN)
    assert response.status_code == 200
    # checking the kanaal is reading; registering needs the notification configuration right
    assert 'name="controleer"' in response.content.decode()
    assert 'name="registreer"' not in response.content.decode()
    assert client.post(INSTELLINGEN, {"registreer": "1"}).status_code == 403


def test_kanaal_status_without_service(superuser_client):
    response = superuser_client.post(INSTELLINGEN, {"controleer": "1"}, follow=True)
    assert "Er is geen Notificaties API ingesteld." in response.content.decode()


def test_kanaal_status_registered(superuser_client, requests_mock):
    configure_nrc()
    requests_mock.get(f"{NRC}kanaal?naam=klanten", json=[KANAAL])
    response = superuser_client.post(INSTELLINGEN, {"controleer": "1"}, follow=True)
    page = response.content.decode()
    assert "Kanaal &#x27;klanten&#x27; is geregistreerd." in page
    assert f"{NRC}kanaal/7" in page and "Filters: subject_type" in page
    assert "registreer opnieuw" not in page


def test_kanaal_status_outdated_filters(superuser_client, requests_mock):
    configure_nrc()
    requests_mock.get(f"{NRC}kanaal?naam=klanten", json=[{**KANAAL, "filters": []}])
    page = superuser_client.post(INSTELLINGEN, {"controleer": "1"}, follow=True)
    assert "registreer opnieuw" in page.content.decode()


def test_kanaal_not_registered_then_registered(superuser_client, requests_mock):
    configure_nrc()
    requests_mock.get(f"{NRC}kanaal?naam=klanten", [{"json": []}, {"json": []}, {"json": [KANAAL]}])
    create = requests_mock.post(f"{NRC}kanaal", status_code=201, json=KANAAL)
    checked = superuser_client.post(INSTELLINGEN, {"controleer": "1"}, follow=True)
    assert "is niet geregistreerd" in checked.content.decode()
    registered = superuser_client.post(INSTELLINGEN, {"registreer": "1"}, follow=True)
    assert "is geregistreerd" in registered.content.decode()
    assert create.call_count == 1
    assert create.last_request.json()["naam"] == "klanten"
    assert create.last_request.json()["filters"] == ["subject_type"]


def test_kanaal_status_error(superuser_client, requests_mock):
    configure_nrc()
    requests_mock.get(f"{NRC}kanaal?naam=klanten", status_code=500, json={})
    response = superuser_client.post(INSTELLINGEN, {"controleer": "1"}, follow=True)
    assert f"Opvragen mislukt bij {NRC}" in response.content.decode()


def test_access_log_is_read_only(beheerder_client, make_klant):
    klant = make_klant()
    beheerder_client.get(f"/admin/datamodel/klant/{klant.pk}/change/")
    gebeurtenis = BeheerGebeurtenis.objects.get()
    listing = beheerder_client.get("/admin/beheer/beheergebeurtenis/")
    assert listing.status_code == 200
    assert "Volledige identificatie bekeken" in listing.content.decode()
    change = f"/admin/beheer/beheergebeurtenis/{gebeurtenis.pk}/change/"
    assert beheerder_client.post(change, {"gebruiker": "iemand"}).status_code == 403
    assert (
        beheerder_client.get(
            f"/admin/beheer/beheergebeurtenis/{gebeurtenis.pk}/delete/"
        ).status_code
        == 403
    )
    searched = beheerder_client.get(f"/admin/beheer/beheergebeurtenis/?q={klant.uuid}")
    assert len(searched.context["cl"].result_list) == 1


def test_api_client_secret_can_be_replaced(superuser_client):
    from django.contrib.messages import get_messages
    from vng_api_common.authorizations.models import Applicatie
    from vng_api_common.models import JWTSecret

    clients = "/admin/klanten_config/apiclientapplicatie/"
    add = superuser_client.get(f"{clients}add/").content.decode()
    assert 'name="nieuw_secret"' not in add  # a new client always gets a fresh secret
    superuser_client.post(
        f"{clients}add/",
        {"client_id": "portaal", "label": "Portaal", "scopes": ["klanten.lezen"], "secret": ""},
    )
    oud = JWTSecret.objects.get(identifier="portaal").secret
    applicatie = Applicatie.objects.get(client_ids__contains=["portaal"])
    change = f"{clients}{applicatie.pk}/change/"
    assert 'name="nieuw_secret"' in superuser_client.get(change).content.decode()
    body = {"label": "Portaal", "scopes": ["klanten.lezen"], "secret": ""}
    superuser_client.post(change, body)
    assert JWTSecret.objects.get(identifier="portaal").secret == oud  # kept
    response = superuser_client.post(change, {**body, "nieuw_secret": "on"}, follow=True)
    nieuw = JWTSecret.objects.get(identifier="portaal").secret
    assert nieuw != oud and len(nieuw) >= 32
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any(nieuw in m and "niet opnieuw getoond" in m for m in messages)
    assert nieuw not in superuser_client.get(change).content.decode()
