"""Item 6 of issue 11: every change of a klant's representation, by any path, writes exactly
one audit record and one notification; a write that changes nothing writes neither. The
resident pages: test_mijn_flow.py (registration, correction, an unchanged save, the
confirmation link); the admin: test_admin_klanten.py; deletions (item 7): test_audittrail.py
and test_retention.py."""

import pytest
from vng_api_common.audittrails.models import AuditTrail

from klanten.background.models import UitgaandeNotificatie
from klanten.datamodel.models import Klant

from .conftest import BSN, RSIN, klant_url
from .test_notifications import configure
from .validatie_helpers import (
    DIGID_HOOG,
    GEVALIDEERDE_KLANTEN,
    KLANTEN,
    assertion,
    np_klant,
    validatie_url,
    validating_client,
)


@pytest.fixture
def balie(make_client):
    configure()
    return validating_client(
        make_client, "balie", user_id="mw-7", user_representation="Medewerker Zeven"
    )


def records(klant) -> list[AuditTrail]:
    return list(AuditTrail.objects.filter(hoofd_object=klant_url(klant)).order_by("pk"))


def notifications(klant) -> list[dict]:
    rows = UitgaandeNotificatie.objects.filter(resource_url=klant_url(klant)).order_by("pk")
    return [row.bericht for row in rows]


def test_a_promotion_is_recorded_and_notified_once(balie, make_klant):
    klant = np_klant(make_klant, voornaam="Jan")
    response = balie.post_json(validatie_url(klant), assertion(), HTTP_X_AUDIT_TOELICHTING="Balie")
    assert response.status_code == 201, response.content

    [trail] = records(klant)
    assert trail.actie == "partial_update"
    assert trail.actie_weergave == "Gevalideerd met bewijs van authenticatie"
    assert (trail.oud["gevalideerd"], trail.nieuw["gevalideerd"]) == (False, True)
    assert {k: v for k, v in trail.nieuw.items() if k != "gevalideerd"} == {
        k: v for k, v in trail.oud.items() if k != "gevalideerd"
    }
    assert (trail.gebruikers_id, trail.toelichting) == ("mw-7", "Balie")
    assert trail.nieuw == balie.get(f"{KLANTEN}/{klant.uuid}").json()
    [bericht] = notifications(klant)
    assert bericht["actie"] == "partial_update"
    assert bericht["kenmerken"] == {"subjectType": "natuurlijk_persoon"}


def test_a_promotion_that_sets_the_subject_type_tells_the_subscribers(
    balie, make_klant, requests_mock
):
    """A klant known by its subject URL only takes subjectType and identification from the
    evidence (V4): the notification carries the new subjectType."""
    subject = "https://brp.example/ingeschrevenpersonen/1"
    klant = make_klant(subject=subject)
    assert klant.subject_type is None
    response = balie.post_json(validatie_url(klant), assertion())
    assert response.status_code == 201, response.content
    [trail] = records(klant)
    assert (trail.oud["subjectType"], trail.nieuw["subjectType"]) == (None, "natuurlijk_persoon")
    assert trail.oud["subjectIdentificatie"] is None
    assert trail.nieuw["subjectIdentificatie"]["inpBsn"] == BSN
    [bericht] = notifications(klant)
    assert bericht["kenmerken"] == {"subjectType": "natuurlijk_persoon"}


def test_more_evidence_for_a_validated_klant_changes_nothing(balie, make_klant):
    klant = np_klant(make_klant)
    assert balie.post_json(validatie_url(klant), assertion()).status_code == 201
    assert len(records(klant)) == 1
    again = balie.post_json(validatie_url(klant), assertion(niveau=DIGID_HOOG))
    assert again.status_code == 201, again.content
    assert len(records(klant)) == 1
    assert len(notifications(klant)) == 1


def test_registering_a_validated_klant_is_one_create(balie):
    body = {
        "klant": {
            "bronorganisatie": RSIN,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": BSN},
            "achternaam": "Dijk",
        },
        "validatie": {k: v for k, v in assertion().items() if k != "gegevensBevestigd"},
    }
    response = balie.post_json(GEVALIDEERDE_KLANTEN, body)
    assert response.status_code == 201, response.content
    klant = Klant.objects.get()
    [trail] = records(klant)
    assert (trail.actie, trail.resultaat, trail.oud) == ("create", 201, None)
    assert trail.nieuw == response.json()
    assert trail.nieuw["gevalideerd"] is True
    assert [b["actie"] for b in notifications(klant)] == ["create"]


def test_an_api_write_that_changes_nothing_records_nothing(balie, make_klant):
    klant = np_klant(make_klant, voornaam="Jan")
    url = f"{KLANTEN}/{klant.uuid}"
    current = balie.get(url).json()
    assert balie.patch_json(url, {"voornaam": "Jan"}).status_code == 200
    assert balie.patch_json(url, {}).status_code == 200
    put = {k: v for k, v in current.items() if k not in ("url", "gevalideerd")}
    response = balie.put_json(url, put)
    assert response.status_code == 200, response.content
    assert response.json() == current
    assert records(klant) == [] and notifications(klant) == []
    # a real change is recorded once
    assert balie.patch_json(url, {"voornaam": "Johan"}).status_code == 200
    [trail] = records(klant)
    assert (trail.oud["voornaam"], trail.nieuw["voornaam"]) == ("Jan", "Johan")
    assert [b["actie"] for b in notifications(klant)] == ["partial_update"]


def test_an_api_write_answers_what_it_recorded_without_building_it_again(make_client, monkeypatch):
    """POST, PATCH, PUT and a PATCH of nothing answer the klant's representation that the
    service built for its record (``services._leg_vast`` leaves it on the klant, with the
    collection URL it was built on); the view does not build it a second time. The answer is
    the record's ``nieuw`` and what a read answers."""
    from klanten.api import viewsets

    api = make_client()
    gebouwd = []
    echt = viewsets.klant_data
    monkeypatch.setattr(viewsets, "klant_data", lambda *a: gebouwd.append(a) or echt(*a))

    def laatste() -> AuditTrail:
        return AuditTrail.objects.filter(bron="kc", resource="klant").latest("pk")

    body = {
        "bronorganisatie": RSIN,
        "subjectType": "natuurlijk_persoon",
        "subjectIdentificatie": {"inpBsn": BSN, "geslachtsnaam": "Jansen"},
        "voornaam": "Jan",
        "achternaam": "Jansen",
        "emailadres": "jan@example.nl",
        "adres": {"straatnaam": "Lindelaan", "huisnummer": 7, "woonplaatsnaam": "Zeist"},
    }
    response = api.post_json(KLANTEN, body)
    assert response.status_code == 201, response.content
    url = response.json()["url"]
    assert response["Location"] == url
    assert response.json() == laatste().nieuw == api.get(url).json()
    for send in (
        lambda: api.patch_json(url, {"voornaam": "Piet", "adres": {"huisnummer": 8}}),
        lambda: api.put_json(url, {**body, "telefoonnummer": "0612345678"}),
    ):
        response = send()
        assert response.status_code == 200, response.content
        assert response.json() == laatste().nieuw == api.get(url).json()
    # a change of nothing: no record, the same answer
    voor = AuditTrail.objects.count()
    response = api.patch_json(url, {"voornaam": "Jan"})
    assert response.status_code == 200, response.content
    assert AuditTrail.objects.count() == voor
    assert response.json() == api.get(url).json() == laatste().nieuw
    assert gebouwd == []
