"""The klant pages of the admin as a data manager reads them: one readable vocabulary, levels
and applications by name, the klant's name as heading, no raw data structures or Python
values, a linked error summary, one history (the audit trail), messages that say what was
and was not saved, the product's name. The browser tests show the same in Chromium
(tests/browser/test_admin_paginas_browser.py)."""

import json
import re

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.utils import timezone
from vng_api_common.audittrails.models import AuditTrail

from klanten.background.models import VernietigdeKlant
from klanten.config.clients import APIClient, save_api_client
from klanten.datamodel import rules
from klanten.datamodel.models import Klant, NatuurlijkPersoon

from .admin_helpers import KLANTEN_ADMIN, change_form_data, valideer
from .conftest import BASE, BSN, BSN_2, RSIN, SECRET, ApiClient, make_token

pytest_plugins = ("tests.admin_fixtures",)
pytestmark = pytest.mark.usefixtures("fresh_cache")

API_NAMEN = (
    "Inp bsn",
    "Anp identificatie",
    "Inp a nummer",
    "Woonplaats naam",
    "Sub verblijf buitenland",
    "Gevalideerde sleutel",
    "Registratie rang",
)


def _page(response) -> str:
    return response.content.decode()


def _zichtbaar(page: str) -> str:
    """The page's text without tags, scripts and the folded technical values."""
    page = re.sub(r"<details class=\"technisch\">.*?</details>", "", page, flags=re.S)
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


@pytest.fixture
def gevalideerde_klant(make_klant):
    """A klant validated at DigiD Midden, registered by the application "Klantportaal"."""
    applicatie = save_api_client(APIClient("portaal", SECRET, "Klantportaal"))
    klant = make_klant(
        voornaam="Henk",
        achternaam="Jansen",
        emailadres="henk@example.nl",
        subject_type="natuurlijk_persoon",
        subject_identificatie={"inp_bsn": BSN, "geslachtsnaam": "Jansen"},
    )
    klant = valideer(klant, rules.Identiteit("bsn", BSN))
    Klant.objects.filter(pk=klant.pk).update(geregistreerd_door=applicatie.uuid)
    NatuurlijkPersoon.objects.filter(klant=klant).update(inp_a_nummer="1234567890")
    klant.refresh_from_db()
    return klant


@pytest.mark.parametrize("rol", ["beheerder_client", "raadpleger_client"])
def test_detail_page_in_one_readable_vocabulary(request, rol, gevalideerde_klant):
    client = request.getfixturevalue(rol)
    page = _page(client.get(f"{KLANTEN_ADMIN}{gevalideerde_klant.pk}/change/"))
    tekst = _zichtbaar(page)
    for label in ("BSN", "A-nummer", "ANP-identificatie", "Gevalideerde identificatie"):
        assert f"{label}:" in tekst, label
    for naam in API_NAMEN:
        assert naam not in page, naam
    # levels and applications by name; the technical value folded away
    assert "DigiD Midden" in tekst
    assert "rang 2" not in tekst and "MobileTwoFactorContract" not in tekst
    assert "Klantportaal" in tekst and str(gevalideerde_klant.geregistreerd_door) not in page
    # heading, breadcrumb and title: the klant's name and klantnummer
    kop = f"Henk Jansen (klantnummer {gevalideerde_klant.klantnummer})"
    assert f"<h1>{kop}</h1>" in page
    assert re.search(rf"&rsaquo;\s*{re.escape(kop)}\s*</div>", page)
    assert f"<title>{kop} |" in page
    assert str(gevalideerde_klant) not in tekst  # never "002220647 - 1"
    # no raw data structures or Python values
    assert "null" not in tekst and "None" not in tekst


def test_raadpleger_sees_only_what_they_can_do(raadpleger_client, gevalideerde_klant):
    page = _page(raadpleger_client.get(f"{KLANTEN_ADMIN}{gevalideerde_klant.pk}/change/"))
    assert "Corrigeren" not in page and "corrigeer-subject" not in page
    assert "Toelichting" not in page
    assert "*****2333" in page and BSN not in page


def test_beheerder_sees_the_correction_link(beheerder_client, gevalideerde_klant):
    page = _page(beheerder_client.get(f"{KLANTEN_ADMIN}{gevalideerde_klant.pk}/change/"))
    assert f"{KLANTEN_ADMIN}{gevalideerde_klant.pk}/corrigeer-subject/" in page


def test_one_date_format(beheerder_client, gevalideerde_klant):
    page = _zichtbaar(
        _page(beheerder_client.get(f"{KLANTEN_ADMIN}{gevalideerde_klant.pk}/change/"))
    )
    vandaag = timezone.localdate().strftime("%d-%m-%Y")
    assert re.search(rf"Aangemaakt op:\s+{vandaag} \d\d:\d\d", page)
    maand = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus")
    assert not any(f" {m} " in page for m in (*maand, "september", "oktober", "november"))
    assert not re.search(r"\d{4}-\d\d-\d\d", page)


# --- errors where they are ---------------------------------------------------------------------


def test_failing_save_starts_with_a_summary_linking_to_each_field(beheerder_client, make_klant):
    klant = make_klant(achternaam="Jansen")
    change_url = f"{KLANTEN_ADMIN}{klant.pk}/change/"
    data = change_form_data(beheerder_client.get(change_url))
    data.update(
        {
            "bronorganisatie": "123456789",
            "emailadres": "geen-adres",
            "natuurlijk_persoon-0-inp_bsn": "123456789",
        }
    )
    response = beheerder_client.post(change_url, data)
    assert response.status_code == 200
    page = _page(response)
    summary = page[page.index('id="foutoverzicht"') :]
    summary = summary[: summary.index("</div>")]
    assert 'href="#id_bronorganisatie"' in summary and "Bronorganisatie:" in summary
    assert 'href="#id_emailadres"' in summary and "E-mailadres:" in summary
    assert 'href="#id_natuurlijk_persoon-0-inp_bsn"' in summary and "BSN:" in summary
    assert "Er zijn 3 fouten" in summary
    assert "Corrigeer de onderstaande fouten" not in page
    assert "<title>Fout:" in page
    # every link points at a field on the page
    for anker in re.findall(r'href="#([^"]+)"', summary):
        assert f'id="{anker}"' in page, anker


# --- one history ------------------------------------------------------------------------------


def test_history_is_the_audit_trail(beheerder_client, make_klant):
    save_api_client(APIClient("zaaksysteem", SECRET, "Zaaksysteem", heeft_alle_autorisaties=True))
    api = ApiClient(make_token("zaaksysteem", user_id="mdw-4", user_representation="K. de Vries"))
    created = api.post_json(
        f"{BASE}/klanten",
        {
            "bronorganisatie": RSIN,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": BSN_2},
            "achternaam": "Bakker",
        },
    )
    assert created.status_code == 201
    klant = Klant.objects.get()
    change_url = f"{KLANTEN_ADMIN}{klant.pk}/change/"
    data = change_form_data(beheerder_client.get(change_url))
    # a save that changes nothing leaves no trace, in either history
    response = beheerder_client.post(change_url, data, follow=True)
    assert "Er is niets gewijzigd" in _page(response)
    # the klant's create (and its partij's, K10)
    assert AuditTrail.objects.filter(bron="kc").count() == 1
    assert not LogEntry.objects.exists()
    data.update({"emailadres": "bakker@example.nl", "toelichting": "Telefonisch doorgegeven"})
    response = beheerder_client.post(change_url, data, follow=True)
    assert "De wijzigingen zijn opgeslagen (E-mailadres)." in _page(response)
    assert AuditTrail.objects.filter(bron="kc").count() == 2
    assert not LogEntry.objects.exists()  # the audit trail is the one history

    history = _zichtbaar(_page(beheerder_client.get(f"{KLANTEN_ADMIN}{klant.pk}/history/")))
    assert "Geschiedenis van Bakker" in history
    assert "Nog geen wijzigingen" not in history
    assert history.index("Telefonisch doorgegeven") < history.index("Aangemaakt")  # newest first
    assert "Zaaksysteem" in history and "K. de Vries" in history
    assert "E-mailadres" in history and "emailadres" not in history


# --- say what was not changed ----------------------------------------------------------------


def test_a_forged_change_is_reported_as_not_changed(beheerder_client, gevalideerde_klant):
    change_url = f"{KLANTEN_ADMIN}{gevalideerde_klant.pk}/change/"
    data = change_form_data(beheerder_client.get(change_url))
    data.update(
        {
            "natuurlijk_persoon-0-inp_bsn": BSN_2,
            "gevalideerd": "",
            "telefoonnummer": "0612345678",
        }
    )
    response = beheerder_client.post(change_url, data, follow=True)
    page = _page(response)
    assert "De wijzigingen zijn opgeslagen (Telefoonnummer)." in page
    assert "Niet gewijzigd: " in page
    assert "Gevalideerd (een gevalideerde klant blijft gevalideerd)" in page
    assert "BSN (de identificatie van een gevalideerde klant verandert alleen via" in page
    assert "met succes gewijzigd" not in page
    gevalideerde_klant.refresh_from_db()
    assert gevalideerde_klant.natuurlijk_persoon.inp_bsn == BSN
    assert gevalideerde_klant.telefoonnummer == "0612345678"


# --- fields, not data structures ---------------------------------------------------------------


def test_an_address_abroad_as_fields_and_as_a_line(beheerder_client, raadpleger, make_klant):
    klant = make_klant(achternaam="Jansen")
    change_url = f"{KLANTEN_ADMIN}{klant.pk}/change/"
    data = change_form_data(beheerder_client.get(change_url))
    prefix = "natuurlijk_persoon-0-sub_verblijf_buitenland"
    data.update(
        {
            f"{prefix}_lnd_landcode": "5010",
            f"{prefix}_lnd_landnaam": "België",
            f"{prefix}_sub_adres_buitenland_1": "Grote Markt 1",
            f"{prefix}_sub_adres_buitenland_2": "1000 Brussel",
        }
    )
    assert beheerder_client.post(change_url, data).status_code == 302
    stored = NatuurlijkPersoon.objects.get(klant=klant).sub_verblijf_buitenland
    assert stored == {
        "lndLandcode": "5010",
        "lndLandnaam": "België",
        "subAdresBuitenland1": "Grote Markt 1",
        "subAdresBuitenland2": "1000 Brussel",
        "subAdresBuitenland3": "",
    }
    page = _page(beheerder_client.get(change_url))
    assert f'name="{prefix}_lnd_landnaam"' in page and 'value="België"' in page
    # a reader sees the group as one line
    lezer = Client()
    lezer.force_login(raadpleger)
    tekst = _zichtbaar(_page(lezer.get(change_url)))
    assert "Grote Markt 1, 1000 Brussel, België" in tekst


def test_one_address_is_added_not_another(beheerder_client, make_klant):
    klant = make_klant(achternaam="Jansen")
    page = _page(beheerder_client.get(f"{KLANTEN_ADMIN}{klant.pk}/change/"))
    formset = re.search(r'id="adres-group"[^>]*data-inline-formset="([^"]+)"', page).group(1)
    options = json.loads(formset.replace("&quot;", '"'))["options"]
    assert options["addText"] == "Adres toevoegen"


def test_the_export_names_its_fields(beheerder_client, gevalideerde_klant):
    response = beheerder_client.get(f"{KLANTEN_ADMIN}{gevalideerde_klant.pk}/exporteren/")
    veldnamen = json.loads(response.content)["veldnamen"]
    assert veldnamen["inpBsn"] == "BSN"
    assert veldnamen["inpANummer"] == "A-nummer"
    assert veldnamen["subVerblijfBuitenland"] == "Adres in het buitenland"


# --- branding and details ----------------------------------------------------------------------


def test_the_product_and_the_organisation_are_named(beheerder_client, settings):
    settings.KLANTEN_ORGANISATIE_NAAM = "Gemeente Zeist"
    settings.KLANTEN_BRONORGANISATIE_NAMEN = {"002220647": "Gemeente Zeist"}
    page = _page(beheerder_client.get(KLANTEN_ADMIN))
    assert "Klantgegevens – Gemeente Zeist" in page
    assert "Django" not in _zichtbaar(page)
    assert "Website bekijken" not in page
    assert "Gemeente Zeist (002220647)" not in page  # no klanten, no filter choices yet


def test_the_bronorganisatie_filter_names_organisations(beheerder_client, make_klant, settings):
    settings.KLANTEN_BRONORGANISATIE_NAMEN = {RSIN: "Gemeente Zeist"}
    make_klant(achternaam="Jansen")
    page = _page(beheerder_client.get(KLANTEN_ADMIN))
    assert f"Gemeente Zeist ({RSIN})" in page  # the filter
    assert re.search(r'class="field-bronorganisatie_weergave">Gemeente Zeist<', page)


def test_the_access_log_names_the_person(beheerder_client, gevalideerde_klant):
    beheerder_client.get(f"{KLANTEN_ADMIN}{gevalideerde_klant.pk}/change/")  # logged view
    page = _page(beheerder_client.get("/admin/beheer/beheergebeurtenis/"))
    assert "Beheerder" in page  # the person (first name of the test user), not the account


def test_the_beheerder_sees_the_tombstones(beheerder_client, make_klant):
    klant = make_klant()
    beheerder_client.post(f"{KLANTEN_ADMIN}{klant.pk}/delete/", {"post": "yes", "reden": "AVG 1"})
    assert VernietigdeKlant.objects.filter(uuid=klant.uuid).exists()
    response = beheerder_client.get("/admin/background/vernietigdeklant/")
    assert response.status_code == 200
    assert str(klant.uuid) in _page(response)
