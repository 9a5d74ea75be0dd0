"""The klanten admin in a real browser (Chromium, headless) against the live server; staff
sign in at the real OpenID Connect test provider, which sends their group as a role.

A data manager (``Klantgegevens beheerder``) searches a klant by BSN, opens it, sees its
evidence and audit trail, exports it, and destroys a non-validated klant; a read-only user
(``Klantgegevens raadpleger``) cannot change anything. ``KLANTEN_SCREENSHOTS=1`` writes the
screenshots of docs/admin.md."""

import json
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from klanten.background.models import VernietigdeKlant
from klanten.beheer.groups import BEHEERDER, RAADPLEGER
from klanten.beheer.models import BeheerGebeurtenis
from klanten.config.clients import APIClient, save_api_client
from klanten.datamodel import rules, services
from klanten.datamodel.models import Interactie, Klant
from tests.conftest import BASE, BSN, BSN_2, RSIN, SECRET, ApiClient, make_token
from tests.oidc_fixtures import DIGID_MIDDEN

pytestmark = pytest.mark.django_db(transaction=True)

ADMIN = "/admin/datamodel/klant/"


def sign_in(page, web, oidc_provider, username: str, group: str, name: tuple[str, str]):
    oidc_provider.next_login(
        username,
        None,
        {
            "email": f"{username}@gemeente.example",
            "given_name": name[0],
            "family_name": name[1],
            "roles": [group],
        },
    )
    page.goto(f"{web.url}/admin/")
    page.get_by_role("link", name="Inloggen met organisatie-account").click()
    page.wait_for_url(f"{web.url}/admin/")
    page.set_viewport_size({"width": 1440, "height": 900})  # the admin's lists are wide


def scroll_to(page, selector: str) -> None:
    page.locator(selector).first.evaluate("el => el.scrollIntoView({block: 'start'})")


def klanten():
    """A validated klant with evidence, an interaction and an audit trail, a non-validated
    klant and a few others to fill the list."""
    save_api_client(APIClient("zaaksysteem", SECRET, "Zaaksysteem", heeft_alle_autorisaties=True))
    api = ApiClient(make_token("zaaksysteem", user_id="mdw-4", user_representation="K. de Vries"))
    response = api.post_json(
        f"{BASE}/klanten",
        {
            "bronorganisatie": RSIN,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": BSN, "geslachtsnaam": "Jansen"},
            "voornaam": "Henk",
            "achternaam": "Jansen",
            "emailadres": "henk.jansen@example.nl",
            "telefoonnummer": "0612345678",
            "aanmaakkanaal": "balie",
            "adres": {"straatnaam": "Lindelaan", "huisnummer": 7, "woonplaatsnaam": "Zeist"},
        },
    )
    assert response.status_code == 201, response.content
    gevalideerd = Klant.objects.get(uuid=response.json()["url"].rsplit("/", 1)[1])
    services.valideer_klant(
        gevalideerd,
        rules.Bewijs(
            middel="digid",
            betrouwbaarheidsniveau=DIGID_MIDDEN,
            rang=2,
            uitgever="DigiD",
            bron="applicatie",
            authenticatie_moment=timezone.now() - timedelta(minutes=2),
            geauthenticeerde=rules.Identiteit("bsn", BSN),
            gegevens_bevestigd=True,
        ),
        services.Actor(applicatie_weergave="Klantportaal", medewerker_weergave="K. de Vries"),
    )
    patched = api.patch_json(
        response.json()["url"],
        {"emailadres": "h.jansen@example.nl"},
        HTTP_X_AUDIT_TOELICHTING="Nieuw adres doorgegeven",
    )
    assert patched.status_code == 200, patched.content
    services.add_interactie(
        gevalideerd, soort="zaak", url="https://zaken.example.nl/zaken/Z-2024-001", rol="initiator"
    )
    los = services.create_klant(
        {
            "bronorganisatie": RSIN,
            "subject_type": "natuurlijk_persoon",
            "subject_identificatie": {"inp_bsn": BSN_2, "geslachtsnaam": "Bakker"},
            "voornaam": "Anna",
            "achternaam": "Bakker",
            "aanmaakkanaal": "telefoon",
        }
    )
    for i, (naam, kanaal) in enumerate(
        [("De Groot", "web"), ("Visser", "balie"), ("Smit", "web"), ("Mulder", "telefoon")]
    ):
        services.create_klant(
            {
                "bronorganisatie": RSIN,
                "subject": f"https://brp.example.nl/personen/{i}",
                "achternaam": naam,
                "aanmaakkanaal": kanaal,
            }
        )
    services.create_klant(
        {
            "bronorganisatie": RSIN,
            "subject_type": "niet_natuurlijk_persoon",
            "subject_identificatie": {"inn_nnp_id": "517439943", "statutaire_naam": "Bakkerij BV"},
            "bedrijfsnaam": "Bakkerij Bakker",
            "aanmaakkanaal": "web",
        }
    )
    return gevalideerd, los


def test_beheerder_searches_opens_exports_and_destroys(web, oidc_provider, page, screenshot):
    gevalideerd, los = klanten()
    sign_in(page, web, oidc_provider, "medewerker-12", BEHEERDER, ("Fatima", "El Amrani"))
    page.goto(f"{web.url}{ADMIN}")
    expect(page.get_by_role("heading", name="Klanten", exact=True)).to_be_visible()
    expect(page.get_by_text("*****2333").first).to_be_visible()
    assert BSN not in page.content()

    # search by BSN: exactly the one klant
    page.locator("#searchbar").fill(BSN)
    page.locator("#searchbar").press("Enter")
    page.wait_for_url(f"**{ADMIN}?q={BSN}&zoek_in=")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "Henk Jansen" in rows.first.inner_text()
    screenshot(page, "admin-klanten-zoeken-bsn")

    # open it: full BSN (logged), evidence, interaction, audit trail
    rows.first.get_by_role("link", name="Henk Jansen").click()
    page.wait_for_url(re.compile(rf"{ADMIN}{gevalideerd.pk}/change/"))
    assert page.locator("input[name='achternaam']").input_value() == "Jansen"
    expect(page.get_by_text(BSN).first).to_be_visible()
    assert BeheerGebeurtenis.objects.filter(actie="inzage_identificatie").count() == 1
    evidence = page.locator("#validaties-group")
    expect(evidence.get_by_text("DigiD Midden").first).to_be_visible()
    assert DIGID_MIDDEN in evidence.inner_html()  # folded away under "Technische waarde"
    assert evidence.locator("input:not([type=hidden])").count() == 0  # read-only
    expect(page.locator(".field-validatie_uitleg").get_by_text("Gevalideerd op")).to_be_visible()
    expect(page.locator("input[value='https://zaken.example.nl/zaken/Z-2024-001']")).to_be_visible()
    trail = page.locator("#audittrail")
    expect(trail.get_by_text("Nieuw adres doorgegeven")).to_be_visible()
    expect(trail.get_by_text("Zaaksysteem").first).to_be_visible()
    expect(trail.get_by_role("cell", name="E-mailadres", exact=True)).to_be_visible()
    # (the screenshots of this page: test_admin_paginas_browser.py)

    # export it
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporteren (JSON)").click()
    data = json.loads(download.value.path().read_text(encoding="utf-8"))
    [export] = data["klanten"]
    assert export["klant"]["subjectIdentificatie"]["inpBsn"] == BSN
    assert export["klant"]["emailadres"] == "h.jansen@example.nl"
    assert export["validaties"][0]["middel"] == "digid"
    assert [r["actie"] for r in export["audittrail"]] == ["create", "partial_update"]
    assert export["interacties"][0]["url"] == "https://zaken.example.nl/zaken/Z-2024-001"
    assert BeheerGebeurtenis.objects.filter(actie="export", klant_uuid=gevalideerd.uuid).exists()

    # destroy the non-validated klant
    page.goto(f"{web.url}{ADMIN}?q={BSN_2}")
    row = page.locator("#result_list tbody tr")
    assert row.count() == 1 and "Anna Bakker" in row.inner_text()
    row.locator("input.action-select").check()
    page.locator("select[name='action']").select_option("vernietig")
    page.get_by_role("button", name="Uitvoeren").click()
    expect(page.get_by_text("definitief te").first).to_be_visible()
    page.get_by_label("Reden of kenmerk van het verzoek").fill("AVG-verzoek Z-2024-17")
    screenshot(page, "admin-klant-vernietigen")
    page.get_by_role("button", name="Ja, vernietig definitief").click()
    page.wait_for_url(f"**{ADMIN}")
    expect(page.get_by_text("1 klant(en) vernietigd.")).to_be_visible()
    assert not Klant.objects.filter(pk=los.pk).exists()
    assert VernietigdeKlant.objects.get().uuid == los.uuid
    assert (
        BeheerGebeurtenis.objects.get(actie="vernietiging").toelichting == "AVG-verzoek Z-2024-17"
    )
    assert Klant.objects.filter(pk=gevalideerd.pk).exists()
    assert Interactie.objects.filter(klant=gevalideerd).exists()

    page.goto(f"{web.url}/admin/beheer/beheergebeurtenis/")
    expect(page.get_by_text("Gegevens geëxporteerd (privacyverzoek)").first).to_be_visible()


def test_raadpleger_cannot_change_anything(web, oidc_provider, page):
    gevalideerd, los = klanten()
    sign_in(page, web, oidc_provider, "medewerker-30", RAADPLEGER, ("Jan", "Bos"))
    page.goto(f"{web.url}{ADMIN}")
    assert page.locator("#result_list tbody tr").count() == 7
    assert page.locator("select[name='action']").count() == 0  # no export, no destruction
    assert page.get_by_role("link", name="Klant toevoegen").count() == 0

    page.goto(f"{web.url}{ADMIN}?q={BSN}")
    page.locator("#result_list tbody tr").first.get_by_role("link", name="Henk Jansen").click()
    page.wait_for_url(re.compile(rf"{ADMIN}{gevalideerd.pk}/change/"))
    # everything is text: no inputs, no save, no delete, no export, identifiers masked
    form = page.locator("#klant_form")
    assert form.locator("input:not([type=hidden]), select, textarea").count() == 0
    assert page.get_by_role("button", name="Opslaan").count() == 0
    assert page.get_by_role("link", name="Verwijderen").count() == 0
    assert page.get_by_role("link", name="Exporteren (JSON)").count() == 0
    assert BSN not in form.inner_text()  # (the search term itself is kept in the links)
    expect(page.get_by_text("*****2333").first).to_be_visible()
    expect(page.locator("#validaties-group").get_by_text("DigiD Midden").first).to_be_visible()
    expect(page.locator("#audittrail").get_by_text("Zaaksysteem").first).to_be_visible()
    assert not BeheerGebeurtenis.objects.exists()

    # direct URLs are refused
    for path in ("add/", f"{los.pk}/delete/", f"{los.pk}/exporteren/"):
        response = page.goto(f"{web.url}{ADMIN}{path}")
        assert response.status == 403, path
    assert Klant.objects.filter(pk=los.pk).exists()


@pytest.mark.zichtbaarheid_applicatie  # the default settings, for the screenshot
def test_functional_administrator_sees_the_settings(web, oidc_provider, page, screenshot):
    sign_in(page, web, oidc_provider, "medewerker-1", "klanten-superbeheer", ("Eva", "Smits"))
    page.goto(f"{web.url}/admin/beheer/instellingen/")
    expect(page.get_by_role("heading", name="Instellingen (omgeving)")).to_be_visible()
    expect(page.get_by_text("MIN_RANK_NATUURLIJK_PERSOON")).to_be_visible()
    expect(page.get_by_text("PROMOTION_MODE")).to_be_visible()
    page.get_by_role("button", name="Registratie controleren").click()
    expect(page.get_by_text("Er is geen Notificaties API ingesteld.").first).to_be_visible()
    screenshot(page, "admin-instellingen")
