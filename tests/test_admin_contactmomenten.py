"""Contactmomenten in the admin (Dutch labels): on the klant's page (date, kanaal,
initiatiefnemer, medewerker, tekst) and a list of their own with search by date and kanaal;
read-only, for both groups of data managers; a constant number of queries."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klanten.datamodel import contacten
from klanten.datamodel.klantcontacten import Klantcontact

from .admin_helpers import staff_user
from .conftest import RSIN

pytest_plugins = ("tests.admin_fixtures",)
pytestmark = pytest.mark.usefixtures("fresh_cache")

LIJST = "/admin/datamodel/contactmoment/"


def contactmoment(**data):
    medewerker = data.pop("medewerker", None)
    data.setdefault("bronorganisatie", RSIN)
    return contacten.create_klantcontact(data, medewerker=medewerker)


@pytest.fixture
def klant_met_contacten(make_klant):
    klant = make_klant(achternaam="Jansen")
    telefoon = contactmoment(
        plaatsgevonden_op=datetime(2024, 3, 1, 9, 30, tzinfo=UTC),
        kanaal="telefoon",
        initiatiefnemer="klant",
        medewerker=contacten.MedewerkerIdentificatie("mdw-7", "Vries", "P.", "de"),
        inhoud="Vraag over de afvalpas; teruggebeld.",
    )
    balie = contactmoment(
        plaatsgevonden_op=datetime(2024, 5, 2, 14, 0, tzinfo=UTC),
        kanaal="balie",
        initiatiefnemer="gemeente",
        medewerker_url="https://medewerkers.example.nl/api/v1/medewerkers/42",
        inhoud="Paspoort opgehaald.",
    )
    contacten.add_betrokkene(telefoon, klant=klant, klantcontactmoment_rol="gesprekspartner")
    contacten.add_betrokkene(balie, klant=klant, klantcontactmoment_rol="belanghebbende")
    contacten.add_onderwerpobject(
        telefoon, **contacten.zaak_velden("https://zaken.example.nl/api/v1/zaken/9b1e", "zaak")
    )
    return klant, telefoon, balie


def test_the_klants_page_shows_its_contactmomenten(raadpleger_client, klant_met_contacten):
    klant, telefoon, balie = klant_met_contacten
    html = raadpleger_client.get(f"/admin/datamodel/klant/{klant.pk}/change/").content.decode()
    assert "Contactmomenten" in html
    for text in (
        "01-03-2024 10:30",
        "telefoon",
        "Klant",
        "P. de Vries (mdw-7)",
        "Vraag over de afvalpas; teruggebeld.",
        "gesprekspartner",
        "02-05-2024 16:00",
        "balie",
        "Gemeente",
        "https://medewerkers.example.nl/api/v1/medewerkers/42",
        "Paspoort opgehaald.",
        "belanghebbende",
    ):
        assert text in html, text
    # newest first, each linking to the contactmoment
    assert html.index("02-05-2024 16:00") < html.index("01-03-2024 10:30")
    assert f"/admin/datamodel/contactmoment/{telefoon.pk}/change/" in html


def test_the_list_with_search_by_date_and_kanaal(raadpleger_client, klant_met_contacten):
    _klant, telefoon, balie = klant_met_contacten

    def listed(query=""):
        response = raadpleger_client.get(f"{LIJST}{query}")
        assert response.status_code == 200
        return [
            pk
            for pk in (telefoon.pk, balie.pk)
            if f"/admin/datamodel/contactmoment/{pk}/change/" in response.content.decode()
        ]

    html = raadpleger_client.get(LIJST).content.decode()
    for label in (
        "Registratiedatum",
        "Kanaal",
        "Initiatiefnemer",
        "Medewerker",
        "Tekst",
        "Klanten",
    ):
        assert label in html
    assert listed() == [telefoon.pk, balie.pk]
    assert listed("?q=2024-03-01") == [telefoon.pk]
    assert listed("?q=2-5-2024") == [balie.pk]
    assert listed("?q=balie") == [balie.pk]
    assert listed("?q=2024-04-01") == []
    assert listed("?kanaal=telefoon") == [telefoon.pk]
    assert listed("?initiatiefnemer__exact=gemeente") == [balie.pk]


def test_the_detail_page_shows_klanten_and_zaken(beheerder_client, klant_met_contacten):
    klant, telefoon, _balie = klant_met_contacten
    html = beheerder_client.get(f"{LIJST}{telefoon.pk}/change/").content.decode()
    # heading, title and breadcrumb: when and through which kanaal
    assert "Contactmoment van 01-03-2024 10:30 (telefoon)" in html
    assert klant.unique_representation() in html
    assert "https://zaken.example.nl/api/v1/zaken/9b1e" in html
    assert "Vraag over de afvalpas; teruggebeld." in html


def test_read_only_for_both_groups(beheerder_client, klant_met_contacten):
    _klant, telefoon, _balie = klant_met_contacten
    assert beheerder_client.get(f"{LIJST}add/").status_code == 403
    response = beheerder_client.post(f"{LIJST}{telefoon.pk}/change/", {"kanaal": "x"})
    assert response.status_code == 403
    assert (
        beheerder_client.post(f"{LIJST}{telefoon.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    telefoon.refresh_from_db()
    assert telefoon.kanaal == "telefoon"
    assert Klantcontact.objects.count() == 2


def test_staff_without_a_group_sees_no_contactmomenten(
    client, django_user_model, klant_met_contacten
):
    client.force_login(staff_user(django_user_model, "nieuw"))
    assert client.get(LIJST).status_code == 403


def test_the_list_is_a_constant_number_of_queries(raadpleger_client, make_klant):
    def measure():
        raadpleger_client.get(LIJST)
        with CaptureQueriesContext(connection) as queries:
            assert raadpleger_client.get(LIJST).status_code == 200
        return len(queries.captured_queries)

    for index in range(3):
        contactmoment(kanaal="telefoon", medewerker=contacten.MedewerkerIdentificatie(str(index)))
    few = measure()
    klant = make_klant()
    for index in range(60):
        cm = contactmoment(kanaal=("telefoon", "balie")[index % 2], medewerker_url="https://m.nl/1")
        contacten.add_betrokkene(cm, klant=klant, klantcontactmoment_rol="belanghebbende")
    assert measure() == few
    # and the klant's page with its 60 contactmomenten
    with CaptureQueriesContext(connection) as queries:
        raadpleger_client.get(f"/admin/datamodel/klant/{klant.pk}/change/")
    with_many = len(queries.captured_queries)
    other = make_klant()
    cm = contactmoment(kanaal="telefoon", medewerker_url="https://m.nl/1")
    contacten.add_betrokkene(cm, klant=other, klantcontactmoment_rol="belanghebbende")
    with CaptureQueriesContext(connection) as queries:
        raadpleger_client.get(f"/admin/datamodel/klant/{other.pk}/change/")
    assert len(queries.captured_queries) == with_many
