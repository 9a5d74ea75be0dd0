"""The klant pages of the admin in Chromium: the detail page of a validated klant for a
beheerder and a raadpleger (readable labels, the level by name, the registering application's
label, the klant's name as heading), a save that fails (a summary at the top whose links lead
to the fields), the list at 1280 px and a detail page at 390 px without sideways scrolling.
``KLANTEN_SCREENSHOTS=1`` writes the screenshots of docs/admin.md."""

import re

import pytest
from playwright.sync_api import expect

from klanten.beheer.groups import BEHEERDER, RAADPLEGER
from klanten.datamodel.models import Klant
from tests.conftest import BSN

from .test_admin_klanten_browser import ADMIN, klanten, scroll_to, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

API_NAMEN = (
    "Inp bsn",
    "Anp identificatie",
    "Inp a nummer",
    "Woonplaats naam",
    "Gevalideerde sleutel",
)


def breedte(page, selector: str = "html") -> dict:
    """The scroll width and the visible width of an element (the document by default)."""
    return page.locator(selector).first.evaluate(
        "el => ({scroll: el.scrollWidth, client: el.clientWidth})"
    )


def assert_geen_zijwaarts_scrollen(page, viewport: int):
    document = breedte(page)
    assert document["scroll"] <= viewport, document
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport


@pytest.mark.parametrize(
    ("groep", "gebruiker", "naam"),
    [
        (BEHEERDER, "medewerker-12", ("Fatima", "El Amrani")),
        (RAADPLEGER, "medewerker-30", ("Jan", "Bos")),
    ],
)
def test_detail_page_of_a_validated_klant(
    web, oidc_provider, page, screenshot, groep, gebruiker, naam
):
    gevalideerd, _los = klanten()
    sign_in(page, web, oidc_provider, gebruiker, groep, naam)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{web.url}{ADMIN}?q={BSN}")
    page.get_by_role("link", name="Henk Jansen").click()
    page.wait_for_url(re.compile(rf"{ADMIN}{gevalideerd.pk}/change/"))

    kop = f"Henk Jansen (klantnummer {gevalideerd.klantnummer})"
    expect(page.get_by_role("heading", level=1, name=kop)).to_be_visible()
    assert page.locator(".breadcrumbs").inner_text().endswith(kop)
    assert kop in page.title() and "Klantgegevens" in page.title()
    assert "Django" not in page.title()

    tekst = page.locator("#content").inner_text()
    for label in ("BSN:", "A-nummer:", "ANP-identificatie:", "Gevalideerde identificatie:"):
        assert label in tekst, label
    assert not any(naam_ in tekst for naam_ in API_NAMEN)
    assert "None" not in tekst and "null" not in tekst
    # the level by name, the URN folded away under "Technische waarde"
    validatie = page.locator(".field-niveau").first
    expect(validatie.get_by_text("DigiD Midden")).to_be_visible()
    assert "MobileTwoFactorContract" not in validatie.inner_text()
    bewijs = page.locator("#validaties-group")
    expect(bewijs.get_by_text("DigiD Midden").first).to_be_visible()
    technisch = bewijs.locator("details.technisch").first
    expect(technisch.locator("code")).to_be_hidden()
    technisch.locator("summary").click()
    expect(technisch.get_by_text("MobileTwoFactorContract")).to_be_visible()
    # the registering application by its label
    assert page.locator(".field-geregistreerd_door_weergave").inner_text().endswith("Zaaksysteem")
    # the history: the audit trail, with readable field names
    geschiedenis = page.locator("#audittrail")
    expect(geschiedenis.get_by_role("cell", name="E-mailadres", exact=True)).to_be_visible()
    expect(geschiedenis.get_by_text("Nieuw adres doorgegeven")).to_be_visible()

    correctie = page.get_by_role("link", name=re.compile("^Corrigeren"))
    if groep == BEHEERDER:
        expect(correctie).to_be_visible()
        assert page.locator("#id_achternaam").input_value() == "Jansen"
        page.evaluate("window.scrollTo(0, 0)")
        screenshot(page, "admin-klant-detail", full_page=False)
        scroll_to(page, "fieldset:has(.field-validatie_uitleg)")
        screenshot(page, "admin-klant-validatie", full_page=False)
        scroll_to(page, "#validaties-group")
        screenshot(page, "admin-klant-bewijs", full_page=False)
        scroll_to(page, "#interacties-group")
        screenshot(page, "admin-klant-audittrail", full_page=False)
        page.get_by_role("link", name="Geschiedenis", exact=True).click()
        expect(page.get_by_role("heading", name=f"Geschiedenis van {kop}")).to_be_visible()
        assert page.locator("#audittrail tbody tr").count() == 2
        screenshot(page, "admin-klant-geschiedenis")
    else:
        assert correctie.count() == 0  # no link that leads to a refusal
        expect(page.get_by_text("*****2333").first).to_be_visible()
        scroll_to(page, "#natuurlijk_persoon-group")
        screenshot(page, "admin-klant-raadpleger", full_page=False)


def test_a_failing_save_names_each_error_and_links_to_its_field(
    web, oidc_provider, page, screenshot
):
    gevalideerd, _los = klanten()
    sign_in(page, web, oidc_provider, "medewerker-12", BEHEERDER, ("Fatima", "El Amrani"))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{web.url}{ADMIN}{gevalideerd.pk}/change/")
    page.locator("#id_bronorganisatie").fill("123456789")
    page.locator("#id_emailadres").fill("geen-adres")
    page.locator("#interacties-group input[type=url]").first.fill("")
    with page.expect_navigation():
        page.get_by_role("button", name="Opslaan", exact=True).click()

    samenvatting = page.locator("#foutoverzicht")
    expect(samenvatting).to_be_visible()
    assert samenvatting.bounding_box()["y"] < 400  # at the top, where the eye is
    expect(
        samenvatting.get_by_role("heading", name="Er zijn 3 fouten; er is niets opgeslagen")
    ).to_be_visible()
    assert page.get_by_text("Corrigeer de onderstaande fouten").count() == 0
    links = samenvatting.get_by_role("link")
    assert links.count() == 3
    teksten = [links.nth(i).inner_text() for i in range(3)]
    assert teksten[0].startswith("Bronorganisatie:")
    assert teksten[1].startswith("E-mailadres:")
    assert teksten[2].startswith("Interactie, URL:")
    screenshot(page, "admin-klant-fouten", full_page=False)
    # each link leads to its field: after the click the field is on screen
    for i in (2, 1, 0):
        link = samenvatting.get_by_role("link").nth(i)
        doel = link.get_attribute("href")
        link.click()
        veld = page.locator(doel)
        expect(veld).to_be_visible()
        vak = veld.bounding_box()
        assert 0 <= vak["y"] <= 900 - vak["height"], (doel, vak)
        page.evaluate("window.scrollTo(0, 0)")
    assert Klant.objects.get(pk=gevalideerd.pk).emailadres == "h.jansen@example.nl"


def test_the_list_at_1280_and_a_detail_page_at_390_do_not_scroll_sideways(
    web, oidc_provider, page, screenshot
):
    gevalideerd, _los = klanten()
    sign_in(page, web, oidc_provider, "medewerker-12", BEHEERDER, ("Fatima", "El Amrani"))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{web.url}{ADMIN}")
    expect(page.get_by_role("heading", name="Klanten", exact=True)).to_be_visible()
    assert_geen_zijwaarts_scrollen(page, 1280)
    # no column hidden behind scrolling inside the list either
    resultaten = breedte(page, "#changelist .results")
    assert resultaten["scroll"] <= resultaten["client"], resultaten
    laatste = page.locator("#result_list thead th").last.bounding_box()
    assert laatste["x"] + laatste["width"] <= 1280
    # names stay on one line
    naam = page.locator("#result_list .field-naam a", has_text="Henk Jansen")
    regel = naam.evaluate("el => parseFloat(getComputedStyle(el).lineHeight) || 20")
    assert naam.bounding_box()["height"] < 1.5 * regel
    screenshot(page, "admin-klanten-lijst")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{web.url}{ADMIN}{gevalideerd.pk}/change/")
    assert_geen_zijwaarts_scrollen(page, 390)
    expect(page.locator("#audittrail")).to_be_visible()
    screenshot(page, "admin-klant-mobiel", full_page=False)
    page.goto(f"{web.url}{ADMIN}{gevalideerd.pk}/history/")
    assert_geen_zijwaarts_scrollen(page, 390)
    page.goto(f"{web.url}{ADMIN}")
    assert_geen_zijwaarts_scrollen(page, 390)
