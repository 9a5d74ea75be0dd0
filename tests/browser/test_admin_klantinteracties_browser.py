"""The partij view of a klant in Chromium (issue 14): a data manager opens a validated klant
and sees its partij block, its partij-identificatoren (in full for a beheerder, masked for a
raadpleger), its digital addresses with the standaard one and the verification date, and its
klantcontacten, each linking to the contactmoment page; and the interne taken list, from
which an actor's page is one click. ``KLANTEN_SCREENSHOTS=1`` writes the screenshots of
docs/admin.md."""

import re
from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import expect

from klanten.beheer.groups import BEHEERDER, RAADPLEGER
from klanten.datamodel import contacten
from klanten.datamodel.klantcontacten import Actor, ActorKlantcontact, InterneTaak
from klanten.datamodel.models import Klant
from klanten.datamodel.partijen import DigitaalAdres, PartijIdentificator, normaliseer_adres
from tests.conftest import BSN, RSIN

from .test_admin_klanten_browser import ADMIN, klanten, scroll_to, sign_in
from .test_admin_paginas_browser import assert_geen_zijwaarts_scrollen

pytestmark = pytest.mark.django_db(transaction=True)


def adres(klant, soort, waarde, *, standaard=False, **velden):
    """The klant's address (the services may have made it from the Klanten API's fields)."""
    if standaard:
        klant.digitale_adressen.filter(soort_digitaal_adres=soort).update(is_standaard_adres=False)
    DigitaalAdres.objects.update_or_create(
        klant=klant,
        soort_digitaal_adres=soort,
        adres_genormaliseerd=normaliseer_adres(soort, waarde),
        defaults={"adres": waarde, "is_standaard_adres": standaard, **velden},
    )


def partij_gegevens(klant):
    Klant.objects.filter(pk=klant.pk).update(voorkeurstaal="nld", indicatie_geheimhouding=False)
    PartijIdentificator.objects.update_or_create(
        klant=klant,
        code_soort_object_id="bsn",
        defaults={
            "bronorganisatie": RSIN,
            "code_register": "brp",
            "code_objecttype": "natuurlijk_persoon",
            "object_id": BSN,
        },
    )
    adres(
        klant,
        "email",
        "h.jansen@example.nl",
        standaard=True,
        verificatie_datum=date(2025, 1, 15),
        omschrijving="privé",
    )
    adres(klant, "email", "henk@werk.example", omschrijving="werk")
    adres(klant, "telefoonnummer", "0612345678", standaard=True)
    contact = contacten.create_klantcontact(
        {
            "bronorganisatie": RSIN,
            "plaatsgevonden_op": datetime(2025, 2, 3, 8, 15, tzinfo=UTC),
            "kanaal": "telefoon",
            "onderwerp": "Vraag over de parkeervergunning",
            "inhoud": "Teruggebeld; formulier per e-mail gestuurd.",
        }
    )
    contacten.add_betrokkene(contact, klant=klant, rol="klant")
    medewerker = Actor.objects.create(
        naam="Petra de Vries", soort_actor="medewerker", object_id="mdw-7"
    )
    ActorKlantcontact.objects.create(actor=medewerker, klantcontact=contact)
    team = Actor.objects.create(naam="Team Parkeren", soort_actor="organisatorische_eenheid")
    taak = InterneTaak.objects.create(
        nummer="0000000042",
        gevraagde_handeling="Terugbellen over de parkeervergunning",
        aanleidinggevend_klantcontact=contact,
        status="te_verwerken",
        toegewezen_op=datetime(2025, 2, 3, 8, 20, tzinfo=UTC),
    )
    taak.toegewezen_aan_actoren.set([medewerker, team])
    return contact


@pytest.mark.parametrize(
    ("groep", "gebruiker", "naam"),
    [
        (BEHEERDER, "medewerker-12", ("Fatima", "El Amrani")),
        (RAADPLEGER, "medewerker-30", ("Jan", "Bos")),
    ],
)
def test_the_partij_view_of_a_klant(web, oidc_provider, page, screenshot, groep, gebruiker, naam):
    gevalideerd, _los = klanten()
    contact = partij_gegevens(gevalideerd)
    sign_in(page, web, oidc_provider, gebruiker, groep, naam)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{web.url}{ADMIN}{gevalideerd.pk}/change/")

    blok = page.locator(
        "fieldset", has=page.get_by_role("heading", name="Partij (Klantinteracties)")
    )
    tekst = blok.inner_text()
    for verwacht in ("Persoon (afgeleid van het subjecttype)", "Nederlands (nld)", "Actief"):
        assert verwacht in tekst, verwacht

    identificatoren = page.locator("#partij_identificatoren-group").inner_text()
    assert "Burgerservicenummer" in identificatoren
    if groep == BEHEERDER:
        assert BSN in identificatoren
    else:
        assert BSN not in identificatoren and "*****2333" in identificatoren

    adressen = page.locator("#digitale_adressen-group")
    eerste = adressen.locator("tbody tr").first.inner_text()
    assert "h.jansen@example.nl" in eerste and "Ja (het e-mailadres van de klant)" in eerste
    assert "15-01-2025" in eerste
    assert "henk@werk.example" in adressen.inner_text()

    if groep == BEHEERDER:
        scroll_to(page, "#partij_identificatoren-group")
        screenshot(page, "admin-klant-partij", full_page=False)
        # on a phone the tables scroll inside their own box, never the page
        page.set_viewport_size({"width": 390, "height": 844})
        page.reload()
        assert_geen_zijwaarts_scrollen(page, 390)
        page.set_viewport_size({"width": 1280, "height": 900})

    # the klantcontact links to the contactmoment's page
    page.get_by_role("link", name="03-02-2025 09:15").click()
    page.wait_for_url(re.compile(rf"/admin/datamodel/contactmoment/{contact.pk}/change/"))
    expect(
        page.get_by_role("heading", level=1, name=re.compile("Contactmoment van 03-02-2025"))
    ).to_be_visible()


def test_the_interne_taken_list(web, oidc_provider, page, screenshot):
    gevalideerd, _los = klanten()
    partij_gegevens(gevalideerd)
    sign_in(page, web, oidc_provider, "medewerker-30", RAADPLEGER, ("Jan", "Bos"))
    page.set_viewport_size({"width": 1280, "height": 600})
    page.goto(f"{web.url}/admin/datamodel/internetaak/?q=parkeren")
    rij = page.locator("#result_list tbody tr").first
    tekst = rij.inner_text()
    for verwacht in ("0000000042", "Terugbellen over de parkeervergunning", "Te verwerken"):
        assert verwacht in tekst, verwacht
    assert "Petra de Vries" in tekst and "Team Parkeren" in tekst
    screenshot(page, "admin-interne-taken", full_page=False)
    rij.get_by_role("link", name="Petra de Vries").click()
    page.wait_for_url(re.compile(r"/admin/datamodel/actor/\d+/change/"))
    expect(page.get_by_role("heading", level=1, name="Petra de Vries (medewerker)")).to_be_visible()
    assert "Terugbellen over de parkeervergunning" in page.locator("#content").inner_text()
