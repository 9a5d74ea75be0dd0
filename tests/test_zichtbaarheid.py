"""V7: a non-validated klant stays with the application that registered it.

It is visible (list, detail, audit trail, validaties, interacties) to that application, to
applications with ``klanten.beheer`` and to applications with all rights; to any other
application it does not exist (404, absent from lists and counts). Once validated, every
application with ``klanten.lezen`` sees it. The ``iedereen`` setting restores the legacy mode.
"""

import uuid

import pytest
from django.utils import timezone
from vng_api_common.audittrails.models import AuditTrail
from vng_api_common.authorizations.models import Applicatie

from klanten.config.models import ValidatieRecht
from klanten.datamodel import rules, services
from klanten.datamodel.models import Interactie, Klant

from .conftest import ALL_SCOPES, BASE, BSN, BSN_2, RSIN

pytestmark = pytest.mark.zichtbaarheid_applicatie

MIDDEN = "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract"
BODY = {
    "bronorganisatie": RSIN,
    "subjectType": "natuurlijk_persoon",
    "subjectIdentificatie": {"inpBsn": BSN, "geslachtsnaam": "Jansen"},
    "achternaam": "Jansen",
    "emailadres": "jansen@example.nl",
}
INTERACTIE = {
    "soort": "contactmoment",
    "url": "https://contactmomenten.example.nl/api/v1/contactmomenten/1",
    "rol": "gesprekspartner",
}


@pytest.fixture
def apps(make_client):
    """Four applications: the registering one, another, a data manager and a superuser."""
    return {
        "a": make_client(scopes=(*ALL_SCOPES, "klanten.valideren"), client_id="app-a"),
        "b": make_client(scopes=(*ALL_SCOPES, "klanten.valideren"), client_id="app-b"),
        "beheer": make_client(scopes=(*ALL_SCOPES, "klanten.beheer"), client_id="app-beheer"),
        "alles": make_client(all_rights=True, client_id="app-alles"),
    }


@pytest.fixture
def registered(apps):
    """A non-validated klant registered by application A, with one interaction."""
    response = apps["a"].post_json(f"{BASE}/klanten", BODY)
    assert response.status_code == 201, response.content
    url = response.json()["url"]
    klant = Klant.objects.get(uuid=url.rsplit("/", 1)[1])
    assert klant.gevalideerd is False
    interactie = apps["a"].post_json(f"{url}/interacties", INTERACTIE)
    assert interactie.status_code == 201, interactie.content
    return klant


def path(klant: Klant, suffix: str = "") -> str:
    return f"{BASE}/klanten/{klant.uuid}{suffix}"


def listed_urls(client, query: str = "") -> list[str]:
    response = client.get(f"{BASE}/klanten{query}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["results"])
    return [item["url"] for item in body["results"]]


def valideer(klant: Klant, bsn: str = BSN) -> None:
    bewijs = rules.Bewijs(
        middel="digid",
        betrouwbaarheidsniveau=MIDDEN,
        rang=2,
        uitgever="test",
        bron="applicatie",
        authenticatie_moment=timezone.now(),
        geauthenticeerde=rules.Identiteit("bsn", bsn),
        gegevens_bevestigd=True,
    )
    services.valideer_klant(klant, bewijs, services.Actor())


def assert_sees(client, klant: Klant) -> None:
    url = f"http://testserver{path(klant)}"
    assert url in listed_urls(client)
    assert url in listed_urls(client, f"?subjectNatuurlijkPersoon__inpBsn={BSN}")

    detail = client.get(path(klant))
    assert detail.status_code == 200, detail.content
    assert detail.json()["url"] == url
    assert client.head(path(klant)).status_code == 200

    trail = client.get(path(klant, "/audittrail"))
    assert trail.status_code == 200, trail.content
    assert len(trail.json()) >= 1
    entry = trail.json()[0]["uuid"]
    assert client.get(path(klant, f"/audittrail/{entry}")).status_code == 200

    validaties = client.get(path(klant, "/validaties"))
    assert validaties.status_code == 200, validaties.content
    interacties = client.get(path(klant, "/interacties"))
    assert interacties.status_code == 200, interacties.content
    assert [i["objectUrl"] for i in interacties.json()] == [INTERACTIE["url"]]


def assert_not_found(response) -> None:
    assert response.status_code == 404, response.content
    if response.request["REQUEST_METHOD"] != "HEAD":
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "not_found"


def assert_does_not_see(client, klant: Klant) -> None:
    url = f"http://testserver{path(klant)}"
    assert url not in listed_urls(client)
    assert url not in listed_urls(client, f"?subjectNatuurlijkPersoon__inpBsn={BSN}")
    assert url not in listed_urls(client, "?achternaam=Jansen")

    assert_not_found(client.get(path(klant)))
    assert_not_found(client.head(path(klant)))
    assert_not_found(client.get(path(klant, "/audittrail")))
    entry = AuditTrail.objects.filter(hoofd_object=url).first()
    assert entry is not None
    assert_not_found(client.get(path(klant, f"/audittrail/{entry.uuid}")))
    assert_not_found(client.get(path(klant, "/validaties")))
    assert_not_found(client.get(path(klant, "/interacties")))


# --- reads --------------------------------------------------------------------------------------
@pytest.mark.parametrize("reader", ["a", "beheer", "alles"])
def test_visible_to_the_registering_application_and_managers(apps, registered, reader):
    assert_sees(apps[reader], registered)


def test_invisible_to_another_application(apps, registered):
    assert_does_not_see(apps["b"], registered)


def test_list_counts_only_visible_klanten(apps, registered):
    own = apps["b"].post_json(f"{BASE}/klanten", {**BODY, "achternaam": "Bakker"})
    assert own.status_code == 201
    body = apps["b"].get(f"{BASE}/klanten").json()
    assert body["count"] == 1
    assert [k["url"] for k in body["results"]] == [own.json()["url"]]
    # and A does not see B's klant
    assert own.json()["url"] not in listed_urls(apps["a"])
    assert apps["a"].get(f"{BASE}/klanten").json()["count"] == 1


def test_the_404_is_the_same_as_for_an_unknown_klant(apps, registered):
    hidden = apps["b"].get(path(registered)).json()
    unknown = apps["b"].get(f"{BASE}/klanten/{uuid.uuid4()}").json()
    assert {k: hidden[k] for k in ("type", "code", "title", "status", "detail")} == {
        k: unknown[k] for k in ("type", "code", "title", "status", "detail")
    }


def test_klant_without_registering_application(apps, make_klant):
    """Made outside the API (no registering application): only managers see it."""
    klant = make_klant(achternaam="Jansen")
    Interactie.objects.create(
        klant=klant, soort="contactmoment", url=INTERACTIE["url"], rol=INTERACTIE["rol"]
    )
    for name in ("a", "b"):
        assert_not_found(apps[name].get(path(klant)))
        assert f"http://testserver{path(klant)}" not in listed_urls(apps[name])
    for name in ("beheer", "alles"):
        assert apps[name].get(path(klant)).status_code == 200


# --- writes by another application --------------------------------------------------------------
def test_another_application_cannot_write(apps, registered):
    b = apps["b"]
    before = apps["a"].get(path(registered)).json()

    assert_not_found(b.patch_json(path(registered), {"achternaam": "Gewijzigd"}))
    assert_not_found(b.put_json(path(registered), {**BODY, "achternaam": "Gewijzigd"}))
    assert_not_found(b.delete(path(registered)))
    assert_not_found(b.post_json(path(registered, "/interacties"), INTERACTIE))
    interactie = registered.interacties.get()
    assert_not_found(b.delete(path(registered, f"/interacties/{interactie.uuid}")))
    assert_not_found(b.post_json(path(registered, "/bevestigingsverzoek"), {}))
    assert_not_found(
        b.post_json(
            path(registered, "/validaties"),
            {
                "middel": "digid",
                "betrouwbaarheidsniveau": MIDDEN,
                "authenticatieMoment": timezone.now().isoformat(),
                "geauthenticeerde": {"type": "bsn", "identificatie": BSN},
                "gegevensBevestigd": True,
            },
        )
    )

    assert apps["a"].get(path(registered)).json() == before
    assert registered.interacties.count() == 1
    assert not registered.bevestigingsverzoeken.exists()
    assert not registered.validaties.exists()


# --- validation makes it visible ----------------------------------------------------------------
def test_visible_to_every_application_once_validated(apps, registered):
    valideer(registered)
    assert_sees(apps["b"], registered)
    assert apps["b"].get(path(registered)).json()["gevalideerd"] is True
    assert len(apps["b"].get(path(registered, "/validaties")).json()) == 1


def test_validated_through_the_api_by_the_registering_application(apps, registered):
    applicatie = Applicatie.objects.get(client_ids__contains=["app-a"])
    ValidatieRecht.objects.create(applicatie=applicatie, maximale_rang=2)
    response = apps["a"].post_json(
        path(registered, "/validaties"),
        {
            "middel": "digid",
            "betrouwbaarheidsniveau": MIDDEN,
            "authenticatieMoment": timezone.now().isoformat(),
            "geauthenticeerde": {"type": "bsn", "identificatie": BSN},
            "gegevensBevestigd": True,
        },
    )
    assert response.status_code == 201, response.content
    assert_sees(apps["b"], registered)


def test_other_klanten_stay_hidden_when_one_is_validated(apps, registered):
    other = (
        apps["a"]
        .post_json(
            f"{BASE}/klanten",
            {**BODY, "subjectIdentificatie": {"inpBsn": BSN_2}, "achternaam": "Bakker"},
        )
        .json()["url"]
    )
    valideer(registered)
    urls = listed_urls(apps["b"])
    assert f"http://testserver{path(registered)}" in urls
    assert other not in urls


# --- the legacy setting -------------------------------------------------------------------------
def test_iedereen_setting_shows_every_klant(apps, registered, settings):
    settings.KLANTEN_ZICHTBAARHEID_NIET_GEVALIDEERD = "iedereen"
    assert_sees(apps["b"], registered)
    response = apps["b"].patch_json(path(registered), {"voornaam": "Jan"})
    assert response.status_code == 200, response.content


def test_iedereen_setting_does_not_grant_scopes(apps, registered, settings, make_client):
    settings.KLANTEN_ZICHTBAARHEID_NIET_GEVALIDEERD = "iedereen"
    schrijver = make_client(scopes=("klanten.aanmaken",))
    response = schrijver.get(path(registered))
    assert response.status_code == 403


# --- the record of a deletion (item 7 of issue 11) ---------------------------------------------


def deletion_record(client, klant: Klant):
    response = client.get(path(klant, "/audittrail"))
    if response.status_code != 200:
        return response.status_code
    [record] = response.json()
    assert client.get(path(klant, f"/audittrail/{record['uuid']}")).json() == record
    return record["actie"]


def test_the_deletion_of_a_non_validated_klant_stays_in_its_context(apps, registered):
    assert apps["a"].delete(path(registered)).status_code == 204
    # the application that deleted it (through the API: the one that registered it, V7) and
    # those that see every non-validated klant read the record of the deletion; another
    # application gets the same 404 as for an unknown klant
    assert deletion_record(apps["a"], registered) == "destroy"
    assert deletion_record(apps["beheer"], registered) == "destroy"
    assert deletion_record(apps["alles"], registered) == "destroy"
    assert deletion_record(apps["b"], registered) == 404
    hidden = apps["b"].get(path(registered, "/audittrail")).json()
    unknown = apps["b"].get(f"{BASE}/klanten/{uuid.uuid4()}/audittrail").json()
    assert {**hidden, "instance": ""} == {**unknown, "instance": ""}


def test_the_deletion_of_a_validated_klant_is_readable_by_every_auditor(apps, registered):
    valideer(registered)
    assert apps["beheer"].delete(path(registered)).status_code == 204
    assert deletion_record(apps["b"], registered) == "destroy"
    reader = apps["b"].get(path(registered, "/audittrail")).json()[0]
    assert reader["wijzigingen"] == {
        "oud": {"url": f"http://testserver{path(registered)}", "gevalideerd": True},
        "nieuw": None,
    }
