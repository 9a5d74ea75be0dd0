"""Sign-in in a real browser (Chromium, headless) against the live server and the real
OpenID Connect test provider."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from klanten.datamodel import services
from klanten.datamodel.models import Bevestigingsverzoek, Klant
from tests.conftest import BSN, RSIN
from tests.oidc_fixtures import DIGID_BASIS, DIGID_MIDDEN

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_login_lands_in_the_admin_with_groups(web, oidc_provider, page, screenshot):
    from django.contrib.auth import get_user_model

    oidc_provider.next_login(
        "medewerker-7",
        None,
        {
            "email": "j.bakker@gemeente.example",
            "given_name": "Jan",
            "family_name": "Bakker",
            "roles": ["klanten-beheerders"],
        },
    )
    page.goto(f"{web.url}/admin/")
    screenshot(page, "admin-inloggen")
    page.get_by_role("link", name="Inloggen met organisatie-account").click()
    page.wait_for_url(f"{web.url}/admin/")
    assert page.get_by_text("Jan").first.is_visible() or "Jan" in page.content()
    user = get_user_model().objects.get(username="medewerker-7")
    assert user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == ["klanten-beheerders"]
    screenshot(page, "admin-na-inloggen")


def sign_in(page, web, oidc_provider, acr=DIGID_MIDDEN, bsn=BSN, start="/mijn-gegevens/"):
    oidc_provider.next_login(f"burger-{bsn}", acr, {"bsn": bsn})
    page.goto(f"{web.url}{start}")
    page.get_by_role("link", name="Inloggen").click()


def test_resident_registers_sees_edits_and_deletes(web, oidc_provider, page, screenshot):
    page.goto(f"{web.url}/mijn-gegevens/")
    screenshot(page, "mijn-gegevens-start")
    sign_in(page, web, oidc_provider)
    page.wait_for_url(f"{web.url}/mijn-gegevens/")
    expect(page.get_by_text("nog geen contactgegevens")).to_be_visible()
    screenshot(page, "mijn-gegevens-leeg")

    page.get_by_role("link", name="Gegevens opgeven").click()
    page.get_by_label("Voornaam of voorletters").fill("Hendrika")
    page.get_by_label("Tussenvoegsel").fill("van")
    page.get_by_label("Achternaam").fill("Dijk")
    page.get_by_label("Telefoonnummer").fill("06 12345678")
    page.get_by_label("E-mailadres").fill("h.vandijk@example.nl")
    page.get_by_label("Straat").fill("Lindelaan")
    page.get_by_label("Huisnummer").fill("7")
    page.get_by_label("Postcode").fill("3701 AB")
    page.get_by_label("Woonplaats").fill("Zeist")
    screenshot(page, "mijn-gegevens-registreren")
    page.get_by_role("button", name="Gegevens opslaan").click()
    page.wait_for_url(f"{web.url}/mijn-gegevens/")
    expect(page.get_by_text("Uw gegevens zijn vastgelegd.")).to_be_visible()
    expect(page.get_by_text("h.vandijk@example.nl")).to_be_visible()
    screenshot(page, "mijn-gegevens-overzicht")
    klant = Klant.objects.get()
    assert klant.gevalideerd and klant.registratie_rang == 2

    page.get_by_role("link", name="Gegevens wijzigen").click()
    page.get_by_label("E-mailadres").fill("hendrika@example.nl")
    page.get_by_role("button", name="Wijzigingen opslaan").click()
    page.wait_for_url(f"{web.url}/mijn-gegevens/")
    expect(page.get_by_text("hendrika@example.nl")).to_be_visible()
    klant.refresh_from_db()
    assert klant.emailadres == "hendrika@example.nl"

    # mobile-sized
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "mijn-gegevens-overzicht-mobiel")
    page.set_viewport_size({"width": 1024, "height": 800})

    page.get_by_role("link", name="Gegevens verwijderen").click()
    screenshot(page, "mijn-gegevens-verwijderen")
    page.get_by_role("button", name="Ja, verwijder mijn gegevens").click()
    page.wait_for_url(f"{web.url}/mijn-gegevens/")
    expect(page.get_by_text("Uw gegevens zijn verwijderd.")).to_be_visible()
    assert not Klant.objects.exists()

    # sign out here and at the provider, back on our page
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url(f"{web.url}/mijn-gegevens/uitgelogd", timeout=20_000)
    expect(page.get_by_text("U bent uitgelogd")).to_be_visible()


def test_resident_at_basis_is_refused(web, oidc_provider, page, screenshot):
    sign_in(page, web, oidc_provider, acr=DIGID_BASIS)
    page.wait_for_url(f"{web.url}/mijn-gegevens/")
    expect(page.get_by_role("heading", name="Log opnieuw in op een hoger niveau")).to_be_visible()
    expect(page.get_by_text("DigiD Basis")).to_be_visible()
    screenshot(page, "mijn-gegevens-hoger-niveau")
    page.goto(f"{web.url}/mijn-gegevens/registreren")
    expect(page.get_by_role("heading", name="Log opnieuw in op een hoger niveau")).to_be_visible()
    assert not Klant.objects.exists()


def link_for_klant():
    klant = services.create_klant(
        {
            "bronorganisatie": RSIN,
            "subject_type": "natuurlijk_persoon",
            "subject_identificatie": {"inp_bsn": BSN},
            "voornaam": "Henk",
            "achternaam": "Jansen",
            "emailadres": "henk@example.nl",
        }
    )
    token, _ = services.create_bevestigingsverzoek(klant)
    return klant, token


def test_confirmation_link_promotes_a_non_validated_klant(web, oidc_provider, page, screenshot):
    klant, token = link_for_klant()
    oidc_provider.next_login(f"burger-{BSN}", DIGID_MIDDEN, {"bsn": BSN})
    page.goto(f"{web.url}/mijn-gegevens/bevestigen/{token}")
    assert token not in page.url  # the token leaves the address bar at once
    screenshot(page, "bevestigen-start")
    page.get_by_role("link", name="Inloggen").click()
    page.wait_for_url(f"{web.url}/mijn-gegevens/bevestigen/")
    assert page.get_by_label("Achternaam").input_value() == "Jansen"
    page.get_by_label("Achternaam").fill("Janssen")
    page.get_by_label("Telefoonnummer").fill("0612345678")
    screenshot(page, "bevestigen-formulier")
    page.get_by_role("button", name="Gegevens bevestigen").click()
    expect(page.get_by_text("Bevestig dat de gegevens kloppen").first).to_be_visible()
    page.get_by_label("Ik bevestig dat deze gegevens van mij zijn en kloppen.").check()
    page.get_by_role("button", name="Gegevens bevestigen").click()
    page.wait_for_url(f"{web.url}/mijn-gegevens/")
    expect(page.get_by_text("Uw gegevens zijn bevestigd")).to_be_visible()
    klant.refresh_from_db()
    assert klant.gevalideerd and klant.achternaam == "Janssen"
    assert klant.validaties.get().gegevens_bevestigd


def test_expired_link_is_refused(web, page, screenshot):
    klant, token = link_for_klant()
    Bevestigingsverzoek.objects.update(verloopt_op=timezone.now() - timedelta(minutes=1))
    response = page.goto(f"{web.url}/mijn-gegevens/bevestigen/{token}")
    assert response.status == 410
    expect(page.get_by_role("heading", name="Deze link is verlopen")).to_be_visible()
    screenshot(page, "bevestigen-verlopen")
    klant.refresh_from_db()
    assert not klant.gevalideerd
