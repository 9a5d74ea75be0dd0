"""Mijn klantgegevens in Chromium at the edges: the two confirmation-link pages that stop a
resident ("Deze link is niet voor u bedoeld", "Wij hebben al gecontroleerde gegevens van u")
offer "Uitloggen" (a shared computer), and an idle sign-out while editing says that nothing
was saved and puts the typed input back after signing in again.
``KLANTEN_SCREENSHOTS=1`` writes the screenshots of docs/sign-in.md."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from playwright.sync_api import expect

from klanten.datamodel import services
from klanten.datamodel.models import Klant
from klanten.mijn.context import SESSION_KEY
from tests.conftest import BSN, BSN_2, RSIN
from tests.oidc_fixtures import DIGID_MIDDEN

pytestmark = pytest.mark.django_db(transaction=True)


def niet_gevalideerde_klant_met_link(bsn: str):
    klant = services.create_klant(
        {
            "bronorganisatie": RSIN,
            "subject_type": "natuurlijk_persoon",
            "subject_identificatie": {"inp_bsn": bsn},
            "voornaam": "Henk",
            "achternaam": "Jansen",
        }
    )
    token, _ = services.create_bevestigingsverzoek(klant)
    return klant, token


def open_link_and_sign_in(page, web, oidc_provider, token: str, bsn: str = BSN):
    oidc_provider.next_login(f"burger-{bsn}", DIGID_MIDDEN, {"bsn": bsn})
    page.goto(f"{web.url}/mijn-gegevens/bevestigen/{token}")
    page.get_by_role("link", name="Inloggen").click()
    page.wait_for_url(f"{web.url}/mijn-gegevens/bevestigen/")


def sign_out_from_here(page, web):
    uitloggen = page.get_by_role("button", name="Uitloggen")
    expect(uitloggen).to_be_visible()
    uitloggen.click()
    page.wait_for_url(f"{web.url}/mijn-gegevens/uitgelogd", timeout=20_000)
    expect(page.get_by_role("heading", name="U bent uitgelogd")).to_be_visible()


def register(page, web, oidc_provider, bsn: str = BSN):
    oidc_provider.next_login(f"burger-{bsn}", DIGID_MIDDEN, {"bsn": bsn})
    page.goto(f"{web.url}/mijn-gegevens/")
    page.get_by_role("link", name="Inloggen").click()
    page.wait_for_url(f"{web.url}/mijn-gegevens/")
    page.get_by_role("link", name="Gegevens opgeven").click()
    page.get_by_label("Achternaam").fill("Dijk")
    page.get_by_label("E-mailadres").fill("h.vandijk@example.nl")
    page.get_by_role("button", name="Gegevens opslaan").click()
    page.wait_for_url(f"{web.url}/mijn-gegevens/")
    return Klant.objects.get(achternaam="Dijk")


def test_a_link_for_someone_else_offers_sign_out(web, oidc_provider, page, screenshot):
    klant, token = niet_gevalideerde_klant_met_link(BSN_2)
    open_link_and_sign_in(page, web, oidc_provider, token, bsn=BSN)
    expect(page.get_by_role("heading", name="Deze link is niet voor u bedoeld")).to_be_visible()
    assert "Jansen" not in page.content()
    screenshot(page, "bevestigen-andere-persoon")
    sign_out_from_here(page, web)
    klant.refresh_from_db()
    assert not klant.gevalideerd


def test_existing_validated_data_offers_sign_out(web, oidc_provider, page, screenshot):
    register(page, web, oidc_provider)
    _klant, token = niet_gevalideerde_klant_met_link(BSN)
    page.goto(f"{web.url}/mijn-gegevens/bevestigen/{token}")
    page.wait_for_url(f"{web.url}/mijn-gegevens/bevestigen/")
    heading = page.get_by_role("heading", name="Wij hebben al gecontroleerde gegevens van u")
    expect(heading).to_be_visible()
    screenshot(page, "bevestigen-bestaande-klant")
    sign_out_from_here(page, web)


def verloop_sessie(page) -> None:
    """Make the resident's session idle for 20 minutes (beyond the 15 allowed)."""
    key = next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    store = SessionStore(session_key=key)
    context = dict(store[SESSION_KEY])
    context["laatst_actief"] = (timezone.now() - timedelta(minutes=20)).isoformat()
    store[SESSION_KEY] = context
    store.save()


def test_idle_sign_out_while_editing(web, oidc_provider, page, screenshot):
    klant = register(page, web, oidc_provider)
    page.get_by_role("link", name="Gegevens wijzigen").click()
    page.get_by_label("E-mailadres").fill("hendrika@example.nl")
    page.get_by_label("Telefoonnummer").fill("06 12345678")
    verloop_sessie(page)
    page.get_by_role("button", name="Wijzigingen opslaan").click()

    expect(page.get_by_role("heading", name="U bent automatisch uitgelogd")).to_be_visible()
    melding = page.get_by_role("alert")
    expect(
        melding.get_by_role("heading", name="Uw wijzigingen zijn niet opgeslagen")
    ).to_be_visible()
    expect(melding.get_by_text("staat dan weer in het formulier")).to_be_visible()
    assert page.get_by_role("button", name="Uitloggen").count() == 0  # signed out
    screenshot(page, "mijn-gegevens-sessie-verlopen")
    klant.refresh_from_db()
    assert klant.emailadres == "h.vandijk@example.nl"

    # sign in again: the typed input is back, to check and save
    oidc_provider.next_login(f"burger-{BSN}", DIGID_MIDDEN, {"bsn": BSN})
    page.get_by_role("link", name="Opnieuw inloggen").click()
    page.wait_for_url(f"{web.url}/mijn-gegevens/{klant.uuid}/wijzigen")
    assert page.get_by_label("E-mailadres").input_value() == "hendrika@example.nl"
    assert page.get_by_label("Telefoonnummer").input_value() == "06 12345678"
    expect(
        page.get_by_role("heading", name="Wat u had ingevuld, staat weer in het formulier")
    ).to_be_visible()
    screenshot(page, "mijn-gegevens-teruggezet")
    page.get_by_role("button", name="Wijzigingen opslaan").click()
    page.wait_for_url(f"{web.url}/mijn-gegevens/")
    expect(page.get_by_text("Uw wijzigingen zijn opgeslagen.")).to_be_visible()
    klant.refresh_from_db()
    assert klant.emailadres == "hendrika@example.nl"
