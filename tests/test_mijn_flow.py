"""Mijn klantgegevens end to end with the Django test client and the real OpenID provider:
sign-in, register, view, correct, delete, sign-out; V9 rank checks; the confirmation link."""

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone
from freezegun import freeze_time
from notifications_api_common.models import NotificationsConfig
from vng_api_common.audittrails.models import AuditTrail

from klanten.datamodel import services
from klanten.datamodel.models import Bevestigingsverzoek, Klant, Validatie
from klanten.mijn.models import Gebeurtenis

from .conftest import BSN, BSN_2, RSIN
from .oidc_fixtures import DIGID_BASIS, DIGID_MIDDEN, DIGID_SUBSTANTIEEL, EH3, configure_oidc

pytestmark = pytest.mark.django_db

KVK = "69599084"
FORM = {
    "voornaam": "Hendrika",
    "voorvoegsel_achternaam": "van",
    "achternaam": "Dijk",
    "telefoonnummer": "06 12345678",
    "emailadres": "h.vandijk@example.nl",
    "straatnaam": "Lindelaan",
    "huisnummer": "7",
    "huisletter": "",
    "huisnummertoevoeging": "",
    "postcode": "3701 AB",
    "woonplaats_naam": "Zeist",
}


@pytest.fixture
def op(oidc_provider, settings):
    settings.MIJN_GEGEVENS_BRONORGANISATIE = RSIN
    configure_oidc(oidc_provider)
    return oidc_provider


def sign_in(client, op, *, bsn=BSN, acr=DIGID_MIDDEN, claims=None, start="/mijn-gegevens/"):
    """Open ``start`` via the sign-in: returns the response of the callback."""
    op.next_login(f"sub-{bsn or 'x'}", acr, claims if claims is not None else {"bsn": bsn})
    response = client.get("/mijn-gegevens/inloggen", {"volgende": start})
    assert response.status_code == 302, response.content
    authorize = response["Location"]
    assert authorize.startswith(op.issuer)
    callback = op.authorize(authorize, "http://testserver/")
    return client.get(callback.removeprefix("http://testserver"))


def test_start_page_without_session(client, op):
    response = client.get("/mijn-gegevens/")
    assert response.status_code == 200
    assert "Inloggen" in response.content.decode()
    assert response["Cache-Control"].startswith("max-age=0")


def test_authorization_request_asks_for_openid_with_pkce_state_and_nonce(client, op):
    response = client.get("/mijn-gegevens/inloggen", {"volgende": "/mijn-gegevens/"})
    query = parse_qs(urlparse(response["Location"]).query)
    assert query["client_id"] == ["klanten-mijn"]
    assert query["scope"] == ["openid"]
    assert query["redirect_uri"] == ["http://testserver/oidc/callback/"]
    assert {"state", "nonce", "code_challenge"} <= set(query)


@pytest.mark.parametrize("niveau", ["\u00b2", "\u0663", "x"])
def test_a_niveau_of_other_than_ascii_digits_is_ignored(client, op, niveau):
    """``"²".isdigit()`` is true but ``int("²")`` fails, and ``int("٣")`` is 3: only ASCII
    digits are a rank."""
    configure_oidc(op, mijn_options={"acr_values": {"3": DIGID_SUBSTANTIEEL}})
    response = client.get(
        "/mijn-gegevens/inloggen", {"volgende": "/mijn-gegevens/", "niveau": niveau}
    )
    assert response.status_code == 302
    assert "acr_values" not in parse_qs(urlparse(response["Location"]).query)
    response = client.get("/mijn-gegevens/inloggen", {"volgende": "/mijn-gegevens/", "niveau": "3"})
    assert parse_qs(urlparse(response["Location"]).query)["acr_values"] == [DIGID_SUBSTANTIEEL]


def test_register_view_edit_delete(client, op, django_capture_on_commit_callbacks):
    response = sign_in(client, op)
    assert response.status_code == 302
    assert response["Location"] == "/mijn-gegevens/"
    overview = client.get("/mijn-gegevens/")
    assert "nog geen contactgegevens" in overview.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/mijn-gegevens/registreren", FORM)
    assert response.status_code == 302, response.content.decode()
    klant = Klant.objects.get()
    assert klant.gevalideerd and klant.bronorganisatie == RSIN
    assert (klant.gevalideerde_sleutel_type, klant.gevalideerde_sleutel) == ("bsn", BSN)
    assert klant.registratie_rang == 2
    assert klant.natuurlijk_persoon.inp_bsn == BSN
    assert (klant.achternaam, klant.adres.postcode) == ("Dijk", "3701AB")
    validatie = Validatie.objects.get(klant=klant)
    assert validatie.middel == "digid"
    assert validatie.betrouwbaarheidsniveau == DIGID_MIDDEN
    assert validatie.rang == 2
    assert validatie.uitgever == op.issuer
    assert validatie.bron == "id_token"
    assert validatie.gegevens_bevestigd is True
    assert validatie.applicatie_id == "mijn-gegevens"
    trail = AuditTrail.objects.get(actie="create", bron="kc")
    assert trail.applicatie_id == "mijn-gegevens"
    assert BSN not in trail.gebruikers_id + trail.gebruikers_weergave
    # K10: and the partij it is, with its two standaard addresses
    assert sorted(
        AuditTrail.objects.filter(actie="create", bron="ki").values_list("resource", flat=True)
    ) == ["digitaaladres", "digitaaladres", "partij"]

    page = client.get("/mijn-gegevens/").content.decode()
    assert "h.vandijk@example.nl" in page and "Lindelaan 7" in page

    # a second registration is not offered
    assert client.get("/mijn-gegevens/registreren")["Location"] == "/mijn-gegevens/"

    response = client.post(
        f"/mijn-gegevens/{klant.uuid}/wijzigen", {**FORM, "emailadres": "nieuw@example.nl"}
    )
    assert response.status_code == 302
    klant.refresh_from_db()
    assert klant.emailadres == "nieuw@example.nl"
    assert klant.gevalideerde_sleutel == BSN  # the identifier is not a form field (V9)
    # the klant's, and its e-mail address's (the same uuid, K10); the partij lists the same
    assert sorted(
        AuditTrail.objects.filter(actie="partial_update").values_list("resource", flat=True)
    ) == ["digitaaladres", "klant"]

    assert client.get(f"/mijn-gegevens/{klant.uuid}/verwijderen").status_code == 200
    response = client.post(f"/mijn-gegevens/{klant.uuid}/verwijderen")
    assert response.status_code == 302
    assert not Klant.objects.exists()

    acties = list(Gebeurtenis.objects.order_by("id").values_list("actie", flat=True))
    assert acties[0] == "inloggen"
    assert {"registreren", "wijzigen", "verwijderen", "bekijken"} <= set(acties)
    assert all(BSN not in g.pseudoniem for g in Gebeurtenis.objects.all())


def test_invalid_form_shows_errors_and_writes_nothing(client, op):
    sign_in(client, op)
    response = client.post(
        "/mijn-gegevens/registreren", {**FORM, "postcode": "12", "emailadres": "geen-email"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Controleer de volgende gegevens" in page
    assert 'aria-invalid="true"' in page
    assert not Klant.objects.exists()


def test_notifications_for_resident_writes(
    client, op, requests_mock, django_capture_on_commit_callbacks
):
    from zgw_consumers.constants import APITypes, AuthTypes
    from zgw_consumers.models import Service

    requests_mock.real_http = True  # the provider is real
    nrc = "https://notificaties.example/api/v1/"
    service = Service.objects.create(
        label="NRC", slug="nrc", api_type=APITypes.nrc, api_root=nrc, auth_type=AuthTypes.no_auth
    )
    config = NotificationsConfig.get_solo()
    config.notifications_api_service = service
    config.save()
    requests_mock.post(f"{nrc}notificaties", status_code=201, json={})
    sign_in(client, op)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/mijn-gegevens/registreren", FORM)
    klant = Klant.objects.get()
    # saving the form unchanged changes nothing: no audit record, no notification
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/mijn-gegevens/{klant.uuid}/wijzigen", FORM).status_code == 302
    assert AuditTrail.objects.filter(actie="partial_update").count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/mijn-gegevens/{klant.uuid}/wijzigen", {**FORM, "achternaam": "Dijkstra"})
    # the klant's and (K10) the partij's: the achternaam is in both
    assert AuditTrail.objects.filter(actie="partial_update", bron="kc").count() == 1
    assert AuditTrail.objects.filter(actie="partial_update", bron="ki").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/mijn-gegevens/{klant.uuid}/verwijderen")
    sent = [r.json() for r in requests_mock.request_history if r.url == f"{nrc}notificaties"]
    # each on kanaal klanten and (K10) on kanaal partijen, with the standaard addresses
    # (e-mail, phone) made and destroyed with the klant
    assert [(m["kanaal"], m["resource"], m["actie"]) for m in sent] == [
        ("klanten", "klant", "create"),
        ("partijen", "partij", "create"),
        ("partijen", "digitaaladres", "create"),
        ("partijen", "digitaaladres", "create"),
        ("klanten", "klant", "partial_update"),
        ("partijen", "partij", "partial_update"),
        ("partijen", "digitaaladres", "destroy"),
        ("partijen", "digitaaladres", "destroy"),
        ("klanten", "klant", "destroy"),
        ("partijen", "partij", "destroy"),
    ]
    for message in sent:
        assert message["kenmerken"] in (
            {"subjectType": "natuurlijk_persoon"},
            {"soortPartij": "persoon"},
            {},
        )
        assert BSN not in str(message) and "Dijk" not in str(message)


def test_basis_is_refused(client, op):
    response = sign_in(client, op, acr=DIGID_BASIS)
    assert response.status_code == 302
    response = client.get("/mijn-gegevens/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Log opnieuw in op een hoger niveau" in page
    assert "DigiD Midden" in page
    assert client.post("/mijn-gegevens/registreren", FORM).status_code == 403
    assert not Klant.objects.exists()
    assert Gebeurtenis.objects.filter(
        actie="geweigerd", reden="onvoldoende-betrouwbaarheidsniveau"
    ).exists()


def test_higher_registration_rank_needs_a_higher_session(client, op):
    sign_in(client, op, acr=DIGID_SUBSTANTIEEL)
    client.post("/mijn-gegevens/registreren", FORM)
    klant = Klant.objects.get()
    assert klant.registratie_rang == 3
    client.post("/mijn-gegevens/uitloggen")

    sign_in(client, op, acr=DIGID_MIDDEN)
    page = client.get("/mijn-gegevens/").content.decode()
    assert "hoger niveau" in page
    assert "minimaal <strong>DigiD Substantieel</strong>" in page  # the level is named
    assert "Lindelaan" not in page
    assert client.get(f"/mijn-gegevens/{klant.uuid}/wijzigen").status_code == 403
    assert client.post(f"/mijn-gegevens/{klant.uuid}/verwijderen").status_code == 403
    assert Klant.objects.filter(pk=klant.pk).exists()


def test_someone_elses_klant_is_not_found(client, op, make_klant):
    other = services.create_klant(
        {"bronorganisatie": RSIN, "subject_type": "natuurlijk_persoon", "voornaam": "Ander"}
    )
    other.gevalideerd = True
    other.gevalideerde_sleutel_type = "bsn"
    other.gevalideerde_sleutel = BSN_2
    other.registratie_rang = 2
    other.save()
    sign_in(client, op)
    assert "Ander" not in client.get("/mijn-gegevens/").content.decode()
    assert client.get(f"/mijn-gegevens/{other.uuid}/wijzigen").status_code == 404
    assert client.post(f"/mijn-gegevens/{other.uuid}/verwijderen").status_code == 404


def test_kvk_sign_in_registers_an_organisation(client, op):
    sign_in(client, op, bsn=None, acr=EH3, claims={"kvk": KVK})
    response = client.post("/mijn-gegevens/registreren", {**FORM, "bedrijfsnaam": "Bakkerij"})
    assert response.status_code == 302
    klant = Klant.objects.get()
    assert klant.subject_type == "niet_natuurlijk_persoon"
    assert (klant.gevalideerde_sleutel_type, klant.gevalideerde_sleutel) == ("kvk", KVK)
    assert klant.validaties.get().middel == "eherkenning"
    assert klant.bedrijfsnaam == "Bakkerij"


def test_session_expires_after_inactivity(client, op, settings):
    sign_in(client, op)
    with freeze_time(timezone.now() + timedelta(minutes=16)):
        response = client.get("/mijn-gegevens/")
    assert "automatisch uitgelogd" in response.content.decode()
    assert client.get("/mijn-gegevens/").content.decode().count("Inloggen") >= 1
    assert Gebeurtenis.objects.filter(actie="sessie_verlopen").exists()


def test_idle_sign_out_while_editing_saves_nothing_and_keeps_the_input(client, op):
    """A form sent after the idle time is not processed, the page says so, and after signing
    in again the typed values are back in the form (for the same person only)."""
    sign_in(client, op)
    client.post("/mijn-gegevens/registreren", FORM)
    klant = Klant.objects.get()
    wijzigen = f"/mijn-gegevens/{klant.uuid}/wijzigen"
    with freeze_time(timezone.now() + timedelta(minutes=16)):
        response = client.post(wijzigen, {**FORM, "emailadres": "nieuw@example.nl"})
    page = response.content.decode()
    assert "U bent automatisch uitgelogd" in page
    assert "Uw wijzigingen zijn niet opgeslagen" in page
    assert "staat dan weer in het formulier" in page
    klant.refresh_from_db()
    assert klant.emailadres == "h.vandijk@example.nl"
    assert AuditTrail.objects.filter(actie="partial_update").count() == 0

    response = sign_in(client, op, start=wijzigen)
    assert response["Location"] == wijzigen
    page = client.get(wijzigen).content.decode()
    assert 'value="nieuw@example.nl"' in page
    assert "Wat u had ingevuld, staat weer in het formulier" in page
    # shown once: a second visit shows the stored data
    assert 'value="h.vandijk@example.nl"' in client.get(wijzigen).content.decode()


def test_input_kept_at_an_idle_sign_out_is_never_shown_to_someone_else(client, op):
    sign_in(client, op)
    client.post("/mijn-gegevens/registreren", FORM)
    with freeze_time(timezone.now() + timedelta(minutes=16)):
        client.post("/mijn-gegevens/registreren", {**FORM, "voornaam": "Geheim"})
    sign_in(client, op, bsn=BSN_2, start="/mijn-gegevens/registreren")
    page = client.get("/mijn-gegevens/registreren").content.decode()
    assert "Geheim" not in page
    assert "Wat u had ingevuld" not in page


def test_logout_here_and_at_the_provider(client, op):
    sign_in(client, op)
    response = client.post("/mijn-gegevens/uitloggen")
    assert response.status_code == 200
    logout_url = response.context["logout_url"]
    assert logout_url.startswith(op.configuration["end_session_endpoint"])
    query = parse_qs(urlparse(logout_url).query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/mijn-gegevens/uitgelogd"]
    assert query["id_token_hint"][0].count(".") == 2
    assert "Inloggen" in client.get("/mijn-gegevens/").content.decode()
    assert Gebeurtenis.objects.filter(actie="uitloggen").exists()


def test_logout_needs_post_and_csrf(op):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    assert client.get("/mijn-gegevens/uitloggen").status_code == 405
    assert client.post("/mijn-gegevens/uitloggen").status_code == 403


def test_session_key_changes_at_sign_in(client, op):
    client.get("/mijn-gegevens/inloggen", {"volgende": "/mijn-gegevens/"})
    before = client.session.session_key
    sign_in(client, op)
    assert client.session.session_key != before


# --- confirmation link (E4/V5) ---------------------------------------------------------


def link_for(make_klant, **data):
    klant = make_klant(
        voornaam="Henk",
        achternaam="Jansen",
        emailadres="henk@example.nl",
        **data,
    )
    token, _verzoek = services.create_bevestigingsverzoek(klant)
    return klant, token


def test_confirmation_link_promotes_the_klant(client, op, make_klant):
    klant, token = link_for(make_klant)
    response = client.get(f"/mijn-gegevens/bevestigen/{token}")
    assert response["Location"] == "/mijn-gegevens/bevestigen/"
    start = client.get("/mijn-gegevens/bevestigen/")
    assert "link gekregen" in start.content.decode()
    assert "Jansen" not in start.content.decode()  # nothing before sign-in

    response = sign_in(client, op, start="/mijn-gegevens/bevestigen/")
    assert response["Location"] == "/mijn-gegevens/bevestigen/"
    page = client.get("/mijn-gegevens/bevestigen/").content.decode()
    assert "Jansen" in page and "henk@example.nl" in page

    # confirming is required
    response = client.post("/mijn-gegevens/bevestigen/", {**FORM, "achternaam": "Jansen"})
    assert response.status_code == 200
    assert "Bevestig dat de gegevens kloppen" in response.content.decode()

    response = client.post(
        "/mijn-gegevens/bevestigen/", {**FORM, "achternaam": "Janssen", "bevestigd": "on"}
    )
    assert response.status_code == 302
    klant.refresh_from_db()
    assert klant.gevalideerd and klant.achternaam == "Janssen"
    assert klant.validaties.get().gegevens_bevestigd
    assert Bevestigingsverzoek.objects.get().gebruikt_op is not None
    assert Gebeurtenis.objects.filter(actie="bevestigen", klant_uuid=klant.uuid).exists()
    # one audit record of the change and the promotion together (item 6 of issue 11), and
    # one of the partij's change (K10: the achternaam is in it), and one of each address the
    # form changed: the e-mail address's new value, the phone number it gave
    assert AuditTrail.objects.get(bron="ki", resource="partij").actie == "partial_update"
    assert sorted(
        AuditTrail.objects.filter(bron="ki", resource="digitaaladres").values_list(
            "actie", "nieuw__adres"
        )
    ) == [("create", "06 12345678"), ("partial_update", "h.vandijk@example.nl")]
    [trail] = AuditTrail.objects.filter(bron="kc")
    assert trail.actie == "partial_update"
    assert (trail.oud["gevalideerd"], trail.nieuw["gevalideerd"]) == (False, True)
    assert (trail.oud["achternaam"], trail.nieuw["achternaam"]) == ("Jansen", "Janssen")
    assert trail.applicatie_id == "mijn-gegevens"
    # the link works once
    response = client.get(f"/mijn-gegevens/bevestigen/{token}")
    assert response.status_code == 410
    assert "al gebruikt" in response.content.decode()


def test_confirmation_link_of_someone_else_shows_nothing(client, op, make_klant):
    klant, token = link_for(
        make_klant, subject_type="natuurlijk_persoon", subject_identificatie={"inp_bsn": BSN_2}
    )
    client.get(f"/mijn-gegevens/bevestigen/{token}")
    sign_in(client, op, start="/mijn-gegevens/bevestigen/")
    response = client.get("/mijn-gegevens/bevestigen/")
    assert response.status_code == 403
    assert "Jansen" not in response.content.decode()
    assert "Uitloggen" in response.content.decode()  # a shared computer: sign out from here
    assert client.post("/mijn-gegevens/bevestigen/", {**FORM, "bevestigd": "on"}).status_code == 403
    klant.refresh_from_db()
    assert not klant.gevalideerd


def test_confirmation_link_when_a_validated_klant_exists(client, op, make_klant):
    sign_in(client, op)
    client.post("/mijn-gegevens/registreren", FORM)
    _klant, token = link_for(make_klant)
    client.get(f"/mijn-gegevens/bevestigen/{token}")
    response = client.get("/mijn-gegevens/bevestigen/")
    assert response.status_code == 409
    assert "al gecontroleerde gegevens" in response.content.decode()
    assert "Uitloggen" in response.content.decode()
    assert Bevestigingsverzoek.objects.get().gebruikt_op is None


def test_confirmation_link_at_basis_is_refused(client, op, make_klant):
    klant, token = link_for(make_klant)
    client.get(f"/mijn-gegevens/bevestigen/{token}")
    sign_in(client, op, acr=DIGID_BASIS, start="/mijn-gegevens/bevestigen/")
    response = client.get("/mijn-gegevens/bevestigen/")
    assert response.status_code == 403
    assert "Jansen" not in response.content.decode()


@pytest.mark.parametrize("state", ["verlopen", "gebruikt", "onbekend"])
def test_unusable_links(client, op, make_klant, state):
    klant, token = link_for(make_klant)
    if state == "verlopen":
        Bevestigingsverzoek.objects.update(verloopt_op=timezone.now() - timedelta(minutes=1))
    elif state == "gebruikt":
        services.redeem_bevestigingsverzoek(token)
    else:
        token = "niet-bestaand-token"
    response = client.get(f"/mijn-gegevens/bevestigen/{token}")
    assert response.status_code == (404 if state == "onbekend" else 410)
    titles = {"verlopen": "verlopen", "gebruikt": "al gebruikt", "onbekend": "niet geldig"}
    assert titles[state] in response.content.decode()
    assert Gebeurtenis.objects.filter(reden=f"link-{state}").exists()


def test_link_expiring_during_the_sign_in(client, op, make_klant):
    klant, token = link_for(make_klant)
    client.get(f"/mijn-gegevens/bevestigen/{token}")
    Bevestigingsverzoek.objects.update(verloopt_op=timezone.now() - timedelta(seconds=1))
    sign_in(client, op, start="/mijn-gegevens/bevestigen/")
    response = client.get("/mijn-gegevens/bevestigen/")
    assert response.status_code == 410


def test_promotion_forbidden_mode(client, op, make_klant, settings):
    settings.KLANTEN_PROMOTIE_MODUS = "forbid"
    klant, token = link_for(make_klant)
    client.get(f"/mijn-gegevens/bevestigen/{token}")
    sign_in(client, op, start="/mijn-gegevens/bevestigen/")
    response = client.post("/mijn-gegevens/bevestigen/", {**FORM, "bevestigd": "on"})
    assert response.status_code == 409
    klant.refresh_from_db()
    assert not klant.gevalideerd
    assert Bevestigingsverzoek.objects.get().gebruikt_op is None


def test_admin_finds_a_persons_actions_by_bsn_without_storing_it(client, op, admin_client):
    sign_in(client, op)
    client.post("/mijn-gegevens/registreren", FORM)
    klant_uuid = str(Klant.objects.get().uuid)
    assert klant_uuid in admin_client.get("/admin/mijn/gebeurtenis/", {"q": BSN}).content.decode()
    other = admin_client.get("/admin/mijn/gebeurtenis/", {"q": BSN_2}).content.decode()
    assert klant_uuid not in other
    assert not Gebeurtenis.objects.filter(pseudoniem__contains=BSN).exists()
