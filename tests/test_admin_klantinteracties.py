"""The Klantinteracties data in the admin (issue 14): the partij view of a klant (its fields,
its identifiers masked like every identifier, its digital addresses with the standaard one and
the verification date, its klantcontacten), and the actoren and interne taken pages (list with
search and filters, detail). All read-only, for both groups; a constant number of queries."""

import json
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from vng_api_common.audittrails.models import AuditTrail
from vng_api_common.authorizations.models import Applicatie

from klanten.beheer.models import BeheerActie, BeheerGebeurtenis
from klanten.datamodel import contacten, partijservices
from klanten.datamodel.klantcontacten import Actor, ActorKlantcontact, InterneTaak
from klanten.datamodel.models import Klant
from klanten.datamodel.partijen import DigitaalAdres, PartijIdentificator, normaliseer_adres
from klanten.notificaties.models import UitgaandeNotificatie

from .admin_helpers import add_form_data, change_form_data, staff_user
from .conftest import BSN, BSN_2, RSIN

pytest_plugins = ("tests.admin_fixtures",)
pytestmark = pytest.mark.usefixtures("fresh_cache")

KLANT = "/admin/datamodel/klant/{}/change/"
ACTOREN = "/admin/datamodel/actor/"
TAKEN = "/admin/datamodel/internetaak/"
KVK = "69599084"


def identificator(klant, soort, object_id, register="brp", objecttype="natuurlijk_persoon"):
    """The klant's identifier of this soort (the services may have made it already)."""
    rij, _ = PartijIdentificator.objects.update_or_create(
        klant=klant,
        code_soort_object_id=soort,
        defaults={
            "bronorganisatie": klant.bronorganisatie,
            "code_register": register,
            "code_objecttype": objecttype,
            "object_id": object_id,
        },
    )
    return rij


def adres(klant=None, soort="email", waarde="", *, betrokkene=None, **velden):
    return DigitaalAdres.objects.create(
        klant=klant,
        betrokkene=betrokkene,
        soort_digitaal_adres=soort,
        adres=waarde,
        adres_genormaliseerd=normaliseer_adres(soort, waarde),
        **velden,
    )


def klantcontact(**data):
    data.setdefault("bronorganisatie", RSIN)
    return contacten.create_klantcontact(data, medewerker=data.pop("medewerker", None))


@pytest.fixture
def partij(make_klant):
    """A persoon partij with its BSN, two e-mail addresses (one standaard, verified), a phone
    number and a klantcontact through KISS; plus an address given only in that contact."""
    klant = make_klant(
        voornaam="Henk",
        achternaam="Jansen",
        emailadres="henk@example.nl",
        telefoonnummer="0612345678",
    )
    klant.voorkeurstaal = "nld"
    klant.indicatie_geheimhouding = False
    klant.save()
    identificator(klant, "bsn", BSN)
    # the standaard addresses are the klant's emailadres and telefoonnummer (K8)
    klant.digitale_adressen.filter(soort_digitaal_adres="email").update(
        verificatie_datum=date(2025, 1, 15), omschrijving="privé"
    )
    partijservices.maak_digitaal_adres(
        {"soort_digitaal_adres": "email", "adres": "h.jansen@werk.example", "omschrijving": "werk"},
        klant=klant,
        betrokkene=None,
    )
    contact = klantcontact(
        plaatsgevonden_op=datetime(2025, 2, 3, 8, 15, tzinfo=UTC),
        kanaal="telefoon",
        onderwerp="Vraag over de parkeervergunning",
        inhoud="Teruggebeld.",
    )
    betrokkene, _ = contacten.add_betrokkene(contact, klant=klant, rol="klant")
    adres(None, "email", "alleen-in-dit-contact@example.nl", betrokkene=betrokkene)
    return klant, contact


# --- the partij view of a klant ---------------------------------------------------------


def test_the_klants_page_shows_the_partij(raadpleger_client, partij):
    klant, contact = partij
    html = raadpleger_client.get(KLANT.format(klant.pk)).content.decode()
    for tekst in (
        "Partij (Klantinteracties)",
        "Persoon (afgeleid van het subjecttype)",
        "Nederlands (nld)",
        # identifiers: masked for the raadpleger
        "Partij-identificatoren (Klantinteracties)",
        "Burgerservicenummer",
        "*****2333",
        # digital addresses: the standaard one with its verification date
        "Digitale adressen",
        "henk@example.nl",
        "Ja (het e-mailadres van de klant)",
        "15-01-2025",
        "privé",
        "h.jansen@werk.example",
        "0612345678",
        "Ja (het telefoonnummer van de klant)",
        # klantcontacten: when, kanaal, onderwerp, a link to the contactmoment page
        "Contactmomenten (klantcontacten)",
        "03-02-2025 09:15",
        "Vraag over de parkeervergunning",
        f"/admin/datamodel/contactmoment/{contact.pk}/change/",
    ):
        assert tekst in html, tekst
    assert BSN not in html
    # an address given only in one contact is not the partij's (K6)
    assert "alleen-in-dit-contact@example.nl" not in html
    # the standaard e-mail address before the other one
    assert html.index("henk@example.nl") < html.index("h.jansen@werk.example")
    assert "None" not in html.split('id="content"')[1]


def test_identifiers_in_full_for_the_beheerder_and_logged(beheerder_client, partij):
    klant, _ = partij
    html = beheerder_client.get(KLANT.format(klant.pk)).content.decode()
    assert BSN in html
    assert BeheerGebeurtenis.objects.filter(
        actie=BeheerActie.inzage_identificatie, klant_uuid=klant.uuid
    ).exists()


def test_a_partij_with_only_partij_identifiers_logs_the_full_view(beheerder_client, make_klant):
    """A KvK number has no Klanten API field: seeing it in full is logged too."""
    klant = make_klant(bedrijfsnaam="Bakkerij", subject="https://hr.example/1", subject_type=None)
    identificator(klant, "kvk_nummer", KVK, "hr", "niet_natuurlijk_persoon")
    html = beheerder_client.get(KLANT.format(klant.pk)).content.decode()
    assert KVK in html
    assert (
        BeheerGebeurtenis.objects.filter(
            actie=BeheerActie.inzage_identificatie, klant_uuid=klant.uuid
        ).count()
        == 1
    )


def test_organisatie_contactpersoon_and_anchor(raadpleger_client, make_klant):
    organisatie = make_klant(
        bedrijfsnaam="Bakkerij De Korf",
        subject_type="niet_natuurlijk_persoon",
        subject_identificatie={"inn_nnp_id": RSIN},
    )
    persoon = make_klant(achternaam="Smit", subject="https://brp.example/1", subject_type=None)
    persoon.werkte_voor_partij = organisatie
    persoon.indicatie_actief = False
    persoon.bezoekadres = {
        "adresregel1": "Dorpsstraat 1",
        "adresregel2": "1234 AB Ons Dorp",
        "land": "NL",
    }
    persoon.save()
    html = raadpleger_client.get(KLANT.format(organisatie.pk)).content.decode()
    assert "Organisatie (afgeleid van het subjecttype)" in html
    html = raadpleger_client.get(KLANT.format(persoon.pk)).content.decode()
    assert "Contactpersoon (afgeleid van het subjecttype)" in html
    assert KLANT.format(organisatie.pk) in html and "Bakkerij De Korf" in html
    assert "Dorpsstraat 1, 1234 AB Ons Dorp, NL" in html
    anker = make_klant(achternaam="Anker")
    anker.anker = True
    anker.gevalideerde_sleutel_type = "bsn"
    anker.gevalideerde_sleutel = BSN
    anker.save()
    html = raadpleger_client.get(KLANT.format(anker.pk)).content.decode()
    assert "Onbevestigd anker" in html and "zonder dat de persoon inlogde" in html


def test_saving_the_klant_keeps_the_partij_and_records_nothing_for_no_change(
    beheerder_client, partij, notificaties
):
    """The partij blocks are read-only: an unchanged save of the klant's form (with the new
    inlines on the page) changes and records nothing; the identifiers and addresses stay."""
    klant, _ = partij
    url = KLANT.format(klant.pk)
    data = change_form_data(beheerder_client.get(url))
    data["partij_actief"] = "Nee"  # a forged value for a read-only field
    vastgelegd = UitgaandeNotificatie.objects.count() + AuditTrail.objects.count()
    response = beheerder_client.post(url, data, follow=True)
    assert response.status_code == 200
    assert "Er is niets gewijzigd" in response.content.decode()
    assert UitgaandeNotificatie.objects.count() + AuditTrail.objects.count() == vastgelegd
    klant.refresh_from_db()
    assert klant.indicatie_actief is True
    assert klant.partij_identificatoren.count() == 1
    assert klant.digitale_adressen.count() == 3


def test_the_klants_page_is_constant_in_queries(raadpleger_client, partij, make_klant):
    klant, _ = partij

    def measure(pk):
        raadpleger_client.get(KLANT.format(pk))
        with CaptureQueriesContext(connection) as queries:
            assert raadpleger_client.get(KLANT.format(pk)).status_code == 200
        return len(queries.captured_queries)

    few = measure(klant.pk)
    ander = make_klant(voornaam="Veel", achternaam="Adressen")
    identificator(ander, "bsn", BSN)
    adres(ander, "email", "veel0@example.nl", is_standaard_adres=True)
    for index in range(1, 30):
        adres(ander, ("email", "telefoonnummer", "overig")[index % 3], f"veel{index}@example.nl")
    for index in range(10):
        contact = klantcontact(kanaal="telefoon", onderwerp=f"vraag {index}")
        contacten.add_betrokkene(contact, klant=ander, rol="klant")
    assert measure(ander.pk) == few


# --- actoren -------------------------------------------------------------------------------


@pytest.fixture
def actoren(partij):
    klant, contact = partij
    medewerker = Actor.objects.create(
        naam="Petra de Vries",
        soort_actor="medewerker",
        object_id="mdw-7",
        code_register="obj",
        code_objecttype="mdw",
        code_soort_object_id="idf",
        actor_identificatie={"functie": "KCC-medewerker", "emailadres": "p.devries@gemeente.nl"},
    )
    afdeling = Actor.objects.create(
        naam="Team Parkeren", soort_actor="organisatorische_eenheid", object_id="parkeren"
    )
    oud = Actor.objects.create(naam="Oud systeem", soort_actor="geautomatiseerde_actor")
    oud.indicatie_actief = False
    oud.save()
    ActorKlantcontact.objects.create(actor=medewerker, klantcontact=contact)
    taak = InterneTaak.objects.create(
        nummer="0000000042",
        gevraagde_handeling="Terugbellen over de parkeervergunning",
        aanleidinggevend_klantcontact=contact,
        toelichting="Graag voor vrijdag.",
        status="te_verwerken",
        toegewezen_op=datetime(2025, 2, 3, 9, 0, tzinfo=UTC),
    )
    taak.toegewezen_aan_actoren.set([medewerker, afdeling])
    klaar = InterneTaak.objects.create(
        nummer="0000000043",
        gevraagde_handeling="Formulier nasturen",
        aanleidinggevend_klantcontact=contact,
        status="verwerkt",
        toegewezen_op=datetime(2025, 1, 10, 9, 0, tzinfo=UTC),
        afgehandeld_op=datetime(2025, 1, 11, 12, 0, tzinfo=UTC),
    )
    klaar.toegewezen_aan_actoren.set([afdeling])
    return medewerker, afdeling, oud, taak, klaar


def listed(client, url, rows, query=""):
    response = client.get(f"{url}{query}")
    assert response.status_code == 200
    html = response.content.decode()
    return [row.pk for row in rows if f"{url}{row.pk}/change/" in html]


def test_the_actoren_list_with_search_and_filters(raadpleger_client, actoren):
    medewerker, afdeling, oud, _taak, _klaar = actoren
    alle = (medewerker, afdeling, oud)
    html = raadpleger_client.get(ACTOREN).content.decode()
    for kop in (
        "Naam",
        "Soort actor",
        "Identificator",
        "Actief",
        "Klantcontacten",
        "Interne taken",
    ):
        assert kop in html, kop
    assert listed(raadpleger_client, ACTOREN, alle) == [medewerker.pk, afdeling.pk, oud.pk]
    assert listed(raadpleger_client, ACTOREN, alle, "?q=vries") == [medewerker.pk]
    assert listed(raadpleger_client, ACTOREN, alle, "?q=mdw-7") == [medewerker.pk]
    assert listed(raadpleger_client, ACTOREN, alle, "?q=mdw") == []  # identificator: exact
    query = "?soort_actor__exact=organisatorische_eenheid"
    assert listed(raadpleger_client, ACTOREN, alle, query) == [afdeling.pk]
    assert listed(raadpleger_client, ACTOREN, alle, "?indicatie_actief__exact=0") == [oud.pk]
    rijen = {a.pk: a for a in raadpleger_client.get(ACTOREN).context["cl"].result_list}
    assert (
        rijen[medewerker.pk].klantcontacten_aantal,
        rijen[medewerker.pk].interne_taken_aantal,
    ) == (1, 1)
    assert (rijen[afdeling.pk].klantcontacten_aantal, rijen[afdeling.pk].interne_taken_aantal) == (
        0,
        2,
    )


def test_an_actors_page(raadpleger_client, actoren, partij):
    medewerker, _afdeling, _oud, taak, _klaar = actoren
    _klant, contact = partij
    html = raadpleger_client.get(f"{ACTOREN}{medewerker.pk}/change/").content.decode()
    for tekst in (
        "Petra de Vries (medewerker)",
        "Functie: KCC-medewerker",
        "E-mailadres: p.devries@gemeente.nl",
        "mdw-7",
        "03-02-2025 09:15 (telefoon)",
        f"/admin/datamodel/contactmoment/{contact.pk}/change/",
        "Vraag over de parkeervergunning",
        f"{TAKEN}{taak.pk}/change/",
        "Terugbellen over de parkeervergunning",
        "Te verwerken",
    ):
        assert tekst in html, tekst


# --- interne taken -------------------------------------------------------------------------


def test_the_interne_taken_list_with_search_and_filters(raadpleger_client, actoren):
    _medewerker, _afdeling, _oud, taak, klaar = actoren
    alle = (taak, klaar)
    html = raadpleger_client.get(TAKEN).content.decode()
    for kop in ("Nummer", "Gevraagde handeling", "Status", "Toegewezen aan", "Klantcontact"):
        assert kop in html, kop
    assert "Petra de Vries" in html and "Team Parkeren" in html
    assert listed(raadpleger_client, TAKEN, alle) == [taak.pk, klaar.pk]  # newest first
    assert html.index(f"{TAKEN}{taak.pk}/change/") < html.index(f"{TAKEN}{klaar.pk}/change/")
    assert listed(raadpleger_client, TAKEN, alle, "?q=0000000043") == [klaar.pk]
    assert listed(raadpleger_client, TAKEN, alle, "?q=terugbellen") == [taak.pk]
    assert listed(raadpleger_client, TAKEN, alle, "?q=parkeren") == [taak.pk, klaar.pk]
    assert listed(raadpleger_client, TAKEN, alle, "?q=petra") == [taak.pk]
    assert listed(raadpleger_client, TAKEN, alle, "?status__exact=verwerkt") == [klaar.pk]


def test_an_interne_taak_page(raadpleger_client, actoren, partij, make_client):
    _medewerker, afdeling, _oud, taak, _klaar = actoren
    klant, contact = partij
    make_client(client_id="kiss")
    applicatie = Applicatie.objects.get(client_ids__contains=["kiss"])
    InterneTaak.objects.filter(pk=taak.pk).update(geregistreerd_door=applicatie.uuid)
    html = raadpleger_client.get(f"{TAKEN}{taak.pk}/change/").content.decode()
    for tekst in (
        "Interne taak 0000000042: Terugbellen over de parkeervergunning",
        "Graag voor vrijdag.",
        "Te verwerken",
        "03-02-2025 10:00",
        f"{ACTOREN}{afdeling.pk}/change/",
        f"/admin/datamodel/contactmoment/{contact.pk}/change/",
        KLANT.format(klant.pk),
        "Henk Jansen",
        "Applicatie kiss",
    ):
        assert tekst in html, tekst


# --- access and query budget --------------------------------------------------------------


@pytest.mark.parametrize("url", [ACTOREN, TAKEN])
def test_read_only_for_both_groups(beheerder_client, actoren, url):
    medewerker, _afdeling, _oud, taak, _klaar = actoren
    pk = medewerker.pk if url == ACTOREN else taak.pk
    assert beheerder_client.get(f"{url}{pk}/change/").status_code == 200
    assert beheerder_client.get(f"{url}add/").status_code == 403
    assert (
        beheerder_client.post(f"{url}{pk}/change/", {"naam": "x", "status": "verwerkt"}).status_code
        == 403
    )
    assert beheerder_client.post(f"{url}{pk}/delete/", {"post": "yes"}).status_code == 403
    medewerker.refresh_from_db()
    taak.refresh_from_db()
    assert (medewerker.naam, taak.status) == ("Petra de Vries", "te_verwerken")


@pytest.mark.parametrize("url", [ACTOREN, TAKEN])
def test_staff_without_a_group_sees_nothing(client, django_user_model, url):
    client.force_login(staff_user(django_user_model, "nieuw"))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [ACTOREN, TAKEN, f"{TAKEN}?q=team", f"{ACTOREN}?q=actor"])
def test_the_lists_are_a_constant_number_of_queries(raadpleger_client, partij, url):
    _klant, contact = partij

    def seed(start, aantal):
        for index in range(start, start + aantal):
            actor = Actor.objects.create(naam=f"Actor {index}", soort_actor="medewerker")
            ActorKlantcontact.objects.create(actor=actor, klantcontact=contact)
            taak = InterneTaak.objects.create(
                gevraagde_handeling=f"Taak {index}",
                aanleidinggevend_klantcontact=contact,
                status="te_verwerken",
            )
            team = Actor.objects.create(
                naam=f"Team {index}", soort_actor="organisatorische_eenheid"
            )
            taak.toegewezen_aan_actoren.set([actor, team])

    def measure():
        raadpleger_client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert raadpleger_client.get(url).status_code == 200
        return len(queries.captured_queries)

    seed(0, 3)
    few = measure()
    seed(3, 60)
    assert measure() == few
    assert few <= 10


def test_the_contactmoments_page_shows_its_interne_taken(raadpleger_client, actoren, partij):
    _medewerker, afdeling, _oud, taak, klaar = actoren
    _klant, contact = partij
    html = raadpleger_client.get(f"/admin/datamodel/contactmoment/{contact.pk}/change/")
    html = html.content.decode()
    assert "Interne taken" in html
    for tekst in (
        f"{TAKEN}{taak.pk}/change/",
        "Terugbellen over de parkeervergunning",
        f"{TAKEN}{klaar.pk}/change/",
        "Verwerkt",
        f"{ACTOREN}{afdeling.pk}/change/",
    ):
        assert tekst in html, tekst
    # read-only: no controls to add or delete a task there
    assert "interne_taken-empty" not in html and "DELETE" not in html


def test_the_privacy_export_holds_the_partij_and_its_klantcontacten(beheerder_client, partij):
    """A privacy request gets everything: the partij's own fields, its identifiers and
    addresses, and the klantcontacten it took part in with the addresses given there."""
    klant, contact = partij
    response = beheerder_client.get(f"/admin/datamodel/klant/{klant.pk}/exporteren/")
    data = json.loads(response.content)
    [export] = data["klanten"]
    assert export["partij"]["soortPartij"] == "persoon"
    assert export["partij"]["voorkeurstaal"] == "nld"
    assert export["partij"]["indicatieGeheimhouding"] is False
    assert [i["objectId"] for i in export["partijIdentificatoren"]] == [BSN]
    adressen = {a["adres"]: a for a in export["digitaleAdressen"]}
    assert set(adressen) == {"henk@example.nl", "h.jansen@werk.example", "0612345678"}
    assert adressen["henk@example.nl"]["isStandaardAdres"] is True
    assert adressen["henk@example.nl"]["verificatieDatum"] == "2025-01-15"
    [klantcontact] = export["klantcontacten"]
    assert klantcontact["uuid"] == str(contact.uuid)
    assert klantcontact["onderwerp"] == "Vraag over de parkeervergunning"
    assert klantcontact["rol"] == "klant"
    assert [a["adres"] for a in klantcontact["digitaleAdressen"]] == [
        "alleen-in-dit-contact@example.nl"
    ]
    for sleutel in ("partij", "partijIdentificatoren", "digitaleAdressen", "klantcontacten"):
        assert sleutel in data["veldnamen"], sleutel


# --- making another address the standaard one (through the service) ------------------------


@pytest.fixture
def twee_adressen(make_klant, notificaties):
    """A klant whose e-mail address (the Klanten API's) is its standaard one, and a second
    e-mail address given through Klantinteracties."""
    klant = make_klant(achternaam="Jansen", emailadres="oud@example.nl")
    standaard = klant.digitale_adressen.get(soort_digitaal_adres="email")
    assert standaard.is_standaard_adres
    ander = partijservices.maak_digitaal_adres(
        {"soort_digitaal_adres": "email", "adres": "nieuw@example.nl", "omschrijving": "werk"},
        klant=klant,
        betrokkene=None,
    )
    return klant, standaard, ander


def records():
    return (
        sorted(AuditTrail.objects.values_list("resource", flat=True)),
        sorted(n.bericht["kanaal"] for n in UitgaandeNotificatie.objects.all()),
    )


def test_a_beheerder_makes_another_address_the_standaard_one(beheerder_client, twee_adressen):
    klant, standaard, ander = twee_adressen
    url = f"/admin/datamodel/klant/{klant.pk}/digitale-adressen/{ander.pk}/standaard/"
    page = beheerder_client.get(KLANT.format(klant.pk)).content.decode()
    assert url in page and "standaard maken" in page
    # a confirmation first: nothing changes on GET
    vooraf = records()
    bevestiging = beheerder_client.get(url).content.decode()
    assert "nieuw@example.nl" in bevestiging and "oud@example.nl" in bevestiging
    assert "e-mailadres van de klant in de Klanten API" in bevestiging
    assert records() == vooraf

    response = beheerder_client.post(url, {"toelichting": "Op verzoek"}, follow=True)
    melding = "Het standaard e-mailadres is nu nieuw@example.nl (ook het e-mailadres van de klant)"
    assert melding in response.content.decode()
    klant.refresh_from_db()
    standaard.refresh_from_db()
    ander.refresh_from_db()
    assert klant.emailadres == "nieuw@example.nl"
    assert (standaard.is_standaard_adres, ander.is_standaard_adres) == (False, True)
    # one audit record and one notification per representation that changed (K8, K10): the
    # klant, the partij (its voorkeursDigitaalAdres) and both addresses
    audit, kanalen = records()
    assert audit == sorted([*vooraf[0], "klant", "partij", "digitaaladres", "digitaaladres"])
    assert kanalen == sorted([*vooraf[1], "klanten", "partijen", "partijen", "partijen"])
    adressen = AuditTrail.objects.filter(resource="digitaaladres").order_by("-pk")[:2]
    assert sorted(
        (r.resource_url.rsplit("/", 1)[1], r.actie, r.nieuw["isStandaardAdres"]) for r in adressen
    ) == sorted(
        [(str(ander.uuid), "partial_update", True), (str(standaard.uuid), "partial_update", False)]
    )
    assert {r.hoofd_object.rsplit("/", 1)[1] for r in adressen} == {str(klant.uuid)}
    regel = AuditTrail.objects.filter(resource="klant").order_by("-pk").first()
    assert (regel.gebruikers_id, regel.toelichting) == ("beheerder", "Op verzoek")

    # the standaard one again: nothing changes, nothing is recorded
    nogmaals = beheerder_client.post(url, {"toelichting": ""}, follow=True)
    assert "Er is niets gewijzigd" in nogmaals.content.decode()
    assert records() == (audit, kanalen)


def test_a_raadpleger_cannot_make_an_address_standaard(raadpleger_client, twee_adressen):
    klant, standaard, ander = twee_adressen
    url = f"/admin/datamodel/klant/{klant.pk}/digitale-adressen/{ander.pk}/standaard/"
    assert url not in raadpleger_client.get(KLANT.format(klant.pk)).content.decode()
    assert raadpleger_client.get(url).status_code == 403
    assert raadpleger_client.post(url, {}).status_code == 403
    klant.refresh_from_db()
    assert klant.emailadres == "oud@example.nl"


def test_an_address_of_another_klant_is_not_made_standaard(
    beheerder_client, twee_adressen, make_klant
):
    _klant, _standaard, ander = twee_adressen
    ander_klant = make_klant(achternaam="Ander")
    url = f"/admin/datamodel/klant/{ander_klant.pk}/digitale-adressen/{ander.pk}/standaard/"
    vooraf = records()
    response = beheerder_client.post(url, {}, follow=True)
    assert "hoort (niet meer) bij deze klant" in response.content.decode()
    ander.refresh_from_db()
    assert not ander.is_standaard_adres and records() == vooraf


def test_the_klants_form_keeps_the_partij_in_step(beheerder_client, make_klant):
    """K8, as through the Klanten API: the e-mail address changed on the klant's form is the
    partij's standaard address (unverified again); a BSN given on the form is its identifier."""
    klant = make_klant(achternaam="Jansen", emailadres="oud@example.nl")
    klant.digitale_adressen.filter(is_standaard_adres=True).update(
        verificatie_datum=date(2025, 1, 15)
    )
    url = KLANT.format(klant.pk)
    data = change_form_data(beheerder_client.get(url))
    data["emailadres"] = "nieuw@example.nl"
    response = beheerder_client.post(url, data, follow=True)
    assert "De wijzigingen zijn opgeslagen (E-mailadres)" in response.content.decode()
    [standaard] = klant.digitale_adressen.filter(soort_digitaal_adres="email")
    assert (standaard.adres, standaard.is_standaard_adres) == ("nieuw@example.nl", True)
    assert standaard.verificatie_datum is None
    # the address kept its uuid: its own record (K10), with the partij as main object
    record = AuditTrail.objects.filter(resource="digitaaladres").latest("pk")
    assert (record.actie, record.resource_url.rsplit("/", 1)[1]) == (
        "partial_update",
        str(standaard.uuid),
    )
    assert record.hoofd_object.endswith(f"/partijen/{klant.uuid}")
    assert (record.oud["adres"], record.nieuw["adres"]) == ("oud@example.nl", "nieuw@example.nl")
    assert record.nieuw["verificatieDatum"] is None

    data = add_form_data(
        beheerder_client,
        achternaam="Nieuw",
        **{"natuurlijk_persoon-TOTAL_FORMS": "1", "natuurlijk_persoon-0-inp_bsn": BSN_2},
    )
    response = beheerder_client.post("/admin/datamodel/klant/add/", data, follow=True)
    assert response.status_code == 200
    nieuw = Klant.objects.get(achternaam="Nieuw")
    assert list(nieuw.partij_identificatoren.values_list("code_soort_object_id", "object_id")) == [
        ("bsn", BSN_2)
    ]


def test_a_failing_save_shows_the_partij_again(beheerder_client, partij):
    """A save with errors comes back with the read-only blocks as they were (each row posts
    its hidden key, as Django's own inlines do)."""
    klant, contact = partij
    url = KLANT.format(klant.pk)
    page = beheerder_client.get(url)
    html = page.content.decode()
    # what a browser posts: the inputs on the page, no others
    data = {
        naam: waarde for naam, waarde in change_form_data(page).items() if f'name="{naam}"' in html
    }
    data["bronorganisatie"] = "123"
    response = beheerder_client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "foutoverzicht" in html
    for tekst in (
        "henk@example.nl",
        "h.jansen@werk.example",
        BSN,
        "Vraag over de parkeervergunning",
    ):
        assert tekst in html, tekst
    assert f"/admin/datamodel/contactmoment/{contact.pk}/change/" in html
