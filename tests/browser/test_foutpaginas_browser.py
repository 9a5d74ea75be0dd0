"""The error pages in Chromium, as a resident and as staff meet them: 403 (a tampered form, a
page the role does not allow), 404 (an old or someone else's link), 410 (Back after deleting
or destroying) and 500, each in Dutch with the way back and the right status.
``KLANTEN_SCREENSHOTS=1`` writes the screenshots of docs/sign-in.md and docs/admin.md."""

import re

import pytest
from playwright.sync_api import expect

from klanten.beheer.groups import BEHEERDER, RAADPLEGER
from klanten.datamodel import services
from klanten.datamodel.models import Klant
from tests.conftest import BSN, BSN_2, RSIN
from tests.oidc_fixtures import DIGID_MIDDEN

from .test_admin_klanten_browser import ADMIN, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

ENGELS = ("Not Found", "Forbidden", "Server Error", "requested resource", "CSRF")


@pytest.fixture
def kapot(settings):
    """The URL configuration of tests/test_foutpaginas.py: every page of Klanten and two
    that crash (one of Mijn klantgegevens, one of the admin)."""
    settings.ROOT_URLCONF = "tests.test_foutpaginas"


def assert_foutpagina(page, response, status: int, titel: str, terug: str, knop: str):
    assert response.status == status
    expect(page.get_by_role("heading", name=titel)).to_be_visible()
    link = page.get_by_role("link", name=knop)
    expect(link).to_be_visible()
    assert link.get_attribute("href") == terug
    tekst = page.locator("body").inner_text()
    assert not any(woord in tekst for woord in ENGELS), tekst
    assert "Traceback" not in tekst


def resident_signs_in(page, web, oidc_provider, bsn=BSN):
    oidc_provider.next_login(f"burger-{bsn}", DIGID_MIDDEN, {"bsn": bsn})
    page.goto(f"{web.url}/mijn-gegevens/")
    page.get_by_role("link", name="Inloggen").click()
    page.wait_for_url(f"{web.url}/mijn-gegevens/")


def test_resident_error_pages(web, oidc_provider, page, screenshot, kapot):
    ander = services.create_klant(
        {
            "bronorganisatie": RSIN,
            "subject_type": "natuurlijk_persoon",
            "subject_identificatie": {"inp_bsn": BSN_2},
            "achternaam": "Bakker",
        }
    )
    resident_signs_in(page, web, oidc_provider)
    page.get_by_role("link", name="Gegevens opgeven").click()
    page.get_by_label("Achternaam").fill("Dijk")
    page.get_by_role("button", name="Gegevens opslaan").click()
    page.wait_for_url(f"{web.url}/mijn-gegevens/")
    eigen = Klant.objects.get(achternaam="Dijk")

    # 404: someone else's klant (tampered URL): nothing confirms it exists
    response = page.goto(f"{web.url}/mijn-gegevens/{ander.uuid}/wijzigen")
    assert_foutpagina(
        page,
        response,
        404,
        "Deze pagina bestaat niet (meer)",
        "/mijn-gegevens/",
        "Naar Mijn klantgegevens",
    )
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
    screenshot(page, "fout-404-bewoner")

    # 403: a tampered form
    page.goto(f"{web.url}/mijn-gegevens/{eigen.uuid}/wijzigen")
    page.locator("#inhoud input[name=csrfmiddlewaretoken]").evaluate("el => el.value = 'vervalst'")
    with page.expect_navigation() as navigation:
        page.get_by_role("button", name="Wijzigingen opslaan").click()
    assert_foutpagina(
        page,
        navigation.value,
        403,
        "Deze pagina is verlopen",
        "/mijn-gegevens/",
        "Naar Mijn klantgegevens",
    )

    # 410: Back after deleting
    page.goto(f"{web.url}/mijn-gegevens/")
    page.get_by_role("link", name="Gegevens verwijderen").click()
    page.get_by_role("button", name="Ja, verwijder mijn gegevens").click()
    page.wait_for_url(f"{web.url}/mijn-gegevens/")
    expect(page.get_by_text("Uw gegevens zijn verwijderd.")).to_be_visible()
    response = page.go_back()
    assert re.search(rf"/mijn-gegevens/{eigen.uuid}/verwijderen$", page.url)
    assert_foutpagina(
        page,
        response,
        410,
        "Deze gegevens heeft u verwijderd",
        "/mijn-gegevens/",
        "Naar Mijn klantgegevens",
    )
    screenshot(page, "fout-410-bewoner")

    # 500
    response = page.goto(f"{web.url}/mijn-gegevens/__kapot")
    assert_foutpagina(
        page,
        response,
        500,
        "Er ging bij ons iets mis",
        "/mijn-gegevens/",
        "Naar Mijn klantgegevens",
    )
    assert "een fout die niemand te zien krijgt" not in page.content()


def test_staff_error_pages(web, oidc_provider, page, screenshot, kapot):
    klant = services.create_klant(
        {
            "bronorganisatie": RSIN,
            "subject_type": "natuurlijk_persoon",
            "subject_identificatie": {"inp_bsn": BSN},
            "achternaam": "Jansen",
        }
    )
    sign_in(page, web, oidc_provider, "medewerker-30", RAADPLEGER, ("Jan", "Bos"))
    # 403: a page the role does not allow
    response = page.goto(f"{web.url}{ADMIN}add/")
    assert_foutpagina(
        page, response, 403, "U heeft geen toegang tot deze pagina", "/admin/", "Naar het beheer"
    )
    expect(page.get_by_text("Klantgegevens").first).to_be_visible()  # the admin's header
    screenshot(page, "fout-403-medewerker")
    # 404: an old link
    response = page.goto(f"{web.url}{ADMIN}999999/change/")
    assert_foutpagina(
        page, response, 404, "Deze pagina bestaat niet (meer)", "/admin/", "Naar het beheer"
    )
    # 500
    response = page.goto(f"{web.url}/admin/__kapot/")
    assert_foutpagina(page, response, 500, "Er ging iets mis", "/admin/", "Naar het beheer")

    # 410: Back after destroying a klant
    page.context.clear_cookies()
    sign_in(page, web, oidc_provider, "medewerker-12", BEHEERDER, ("Fatima", "El Amrani"))
    page.goto(f"{web.url}{ADMIN}{klant.pk}/change/")
    page.get_by_role("link", name="Verwijderen").click()
    page.get_by_label("Reden of kenmerk van het verzoek").fill("AVG-verzoek Z-2024-17")
    page.get_by_role("button", name="Ja, vernietig definitief").click()
    page.wait_for_url(f"**{ADMIN}")
    response = page.go_back()
    assert_foutpagina(page, response, 410, "Deze klant is vernietigd", "/admin/", "Naar het beheer")
    expect(
        page.get_by_text(f"De klant met klantnummer {klant.klantnummer} van {RSIN}")
    ).to_be_visible()
    screenshot(page, "fout-410-medewerker")
