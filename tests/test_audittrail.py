"""C12: the audit trail of a klant."""

import json
import uuid

import pytest
from freezegun import freeze_time
from vng_api_common.audittrails.models import AuditTrail
from vng_api_common.authorizations.models import Applicatie

from klanten.datamodel.models import Klant

from .conftest import BASE, BSN, BSN_2, RSIN, RSIN_2

CREATE_BODY = {
    "bronorganisatie": RSIN,
    "klantnummer": "1234",
    "subjectType": "natuurlijk_persoon",
    "subjectIdentificatie": {"inpBsn": BSN, "geslachtsnaam": "Jansen"},
    "achternaam": "Jansen",
    "emailadres": "jan@example.nl",
    "adres": {"straatnaam": "Dorpsstraat", "huisnummer": 1, "woonplaatsnaam": "Utrecht"},
}
PUT_BODY = {
    "bronorganisatie": RSIN,
    "klantnummer": "1234",
    "subjectType": "natuurlijk_persoon",
    "subjectIdentificatie": {"inpBsn": BSN, "geslachtsnaam": "Jansen-de Vries"},
    "achternaam": "Jansen-de Vries",
    "telefoonnummer": "0301234567",
    "adres": None,
}


@pytest.fixture
def applicatie(api):
    return Applicatie.objects.get(client_ids__contains=["client-1"])


@pytest.fixture
def history(api):
    """Create, PUT and PATCH one klant at fixed moments; returns the bodies seen."""
    with freeze_time("2024-03-01T10:00:00Z"):
        created = api.post_json(
            f"{BASE}/klanten", CREATE_BODY, HTTP_X_AUDIT_TOELICHTING="Balie: nieuwe klant"
        )
    assert created.status_code == 201, created.content
    url = created.json()["url"]
    with freeze_time("2024-03-02T10:00:00Z"):
        updated = api.put_json(url, PUT_BODY, HTTP_X_AUDIT_TOELICHTING="Verhuisd")
    assert updated.status_code == 200, updated.content
    with freeze_time("2024-03-03T10:00:00Z"):
        patched = api.patch_json(url, {"voornaam": "Jan"})
    assert patched.status_code == 200, patched.content
    return {"url": url, "created": created, "updated": updated, "patched": patched}


def _trail_url(klant_url: str, trail_uuid=None) -> str:
    path = klant_url.removeprefix("http://testserver") + "/audittrail"
    return f"{path}/{trail_uuid}" if trail_uuid else path


def _expected(url, applicatie, trail, **fields):
    return {
        "uuid": str(trail.uuid),
        "bron": "kc",
        "applicatieId": str(applicatie.uuid),
        "applicatieWeergave": "Applicatie client-1",
        "gebruikersId": "medewerker-1",
        "gebruikersWeergave": "Mevrouw Medewerker",
        "hoofdObject": url,
        "resource": "klant",
        "resourceUrl": url,
        "resourceWeergave": f"{RSIN} - 1234",
        **fields,
    }


def test_create_update_and_partial_update_are_recorded(api, history, applicatie):
    url = history["url"]
    response = api.get(_trail_url(url))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    trails = response.json()
    assert isinstance(trails, list)
    # the Klanten API's (bron kc); the partij's are recorded too (K10, bron ki)
    records = list(AuditTrail.objects.filter(bron="kc").order_by("aanmaakdatum"))
    assert len(records) == 3
    created = history["created"].json()
    updated = history["updated"].json()
    patched = history["patched"].json()
    assert trails == [
        _expected(
            url,
            applicatie,
            records[0],
            actie="create",
            actieWeergave="Object aangemaakt",
            resultaat=201,
            toelichting="Balie: nieuwe klant",
            aanmaakdatum="2024-03-01T11:00:00+01:00",
            wijzigingen={"oud": None, "nieuw": created},
        ),
        _expected(
            url,
            applicatie,
            records[1],
            actie="update",
            actieWeergave="Object bijgewerkt",
            resultaat=200,
            toelichting="Verhuisd",
            aanmaakdatum="2024-03-02T11:00:00+01:00",
            wijzigingen={"oud": created, "nieuw": updated},
        ),
        _expected(
            url,
            applicatie,
            records[2],
            actie="partial_update",
            actieWeergave="Object deels bijgewerkt",
            resultaat=200,
            toelichting="",
            aanmaakdatum="2024-03-03T11:00:00+01:00",
            wijzigingen={"oud": updated, "nieuw": patched},
        ),
    ]


def test_wijzigingen_are_full_representations(api, history):
    """oud/nieuw equal what a GET returned before and after, nested groups included."""
    trails = api.get(_trail_url(history["url"])).json()
    current = api.get(history["url"]).json()
    assert trails[-1]["wijzigingen"]["nieuw"] == current
    created = trails[0]["wijzigingen"]["nieuw"]
    assert created["adres"] == {
        "straatnaam": "Dorpsstraat",
        "huisnummer": 1,
        "huisletter": "",
        "huisnummertoevoeging": "",
        "postcode": "",
        "woonplaatsnaam": "Utrecht",
        "landcode": "",
    }
    assert created["subjectIdentificatie"]["geslachtsnaam"] == "Jansen"
    # the PUT with adres null removed it
    assert trails[1]["wijzigingen"]["nieuw"]["adres"] is None
    assert trails[1]["wijzigingen"]["oud"]["adres"] == created["adres"]


def test_resource_weergave_uses_the_generated_klantnummer(api):
    body = {key: value for key, value in CREATE_BODY.items() if key != "klantnummer"}
    created = api.post_json(f"{BASE}/klanten", body)
    assert created.status_code == 201
    klantnummer = created.json()["klantnummer"]
    assert klantnummer.isdigit()
    trail = api.get(_trail_url(created.json()["url"])).json()[0]
    assert trail["resourceWeergave"] == f"{RSIN} - {klantnummer}"


def test_resource_weergave_follows_a_changed_klantnummer(api, history):
    response = api.patch_json(history["url"], {"klantnummer": "5678"})
    assert response.status_code == 200
    trails = api.get(_trail_url(history["url"])).json()
    assert trails[-1]["resourceWeergave"] == f"{RSIN} - 5678"
    assert trails[-1]["wijzigingen"]["oud"]["klantnummer"] == "1234"
    assert trails[-1]["wijzigingen"]["nieuw"]["klantnummer"] == "5678"


def test_without_user_claims(make_client):
    client = make_client(client_id="systeem")
    created = client.post_json(f"{BASE}/klanten", CREATE_BODY)
    assert created.status_code == 201
    trail = client.get(_trail_url(created.json()["url"])).json()[0]
    assert (trail["gebruikersId"], trail["gebruikersWeergave"]) == ("", "")
    assert trail["applicatieWeergave"] == "Applicatie systeem"
    assert trail["toelichting"] == ""


def test_list_is_oldest_first_also_within_the_same_second(api):
    with freeze_time("2024-05-01T08:00:00Z"):
        created = api.post_json(f"{BASE}/klanten", CREATE_BODY)
        url = created.json()["url"]
        for name in ("Anna", "Bert", "Carla", "Dirk"):
            assert api.patch_json(url, {"voornaam": name}).status_code == 200
    trails = api.get(_trail_url(url)).json()
    assert [t["actie"] for t in trails] == ["create"] + ["partial_update"] * 4
    assert [t["wijzigingen"]["nieuw"]["voornaam"] for t in trails] == [
        "",
        "Anna",
        "Bert",
        "Carla",
        "Dirk",
    ]


def test_detail_by_uuid_with_etag(api, history):
    trails = api.get(_trail_url(history["url"])).json()
    for trail in trails:
        response = api.get(_trail_url(history["url"], trail["uuid"]))
        assert response.status_code == 200
        assert response.json() == trail
        assert response["ETag"].startswith('"') and response["ETag"].endswith('"')
        assert response["API-version"] == "1.0.0"
    etags = {api.get(_trail_url(history["url"], t["uuid"]))["ETag"] for t in trails}
    assert len(etags) == 3


def test_list_has_no_etag(api, history):
    response = api.get(_trail_url(history["url"]))
    assert "ETag" not in response


def test_failed_writes_are_not_recorded(api, history):
    before = AuditTrail.objects.count()
    bad = {**PUT_BODY, "bronorganisatie": "123"}
    assert api.put_json(history["url"], bad).status_code == 400
    assert api.patch_json(history["url"], {"emailadres": "geen-email"}).status_code == 400
    assert api.post_json(f"{BASE}/klanten", {"bronorganisatie": RSIN}).status_code == 400
    assert AuditTrail.objects.count() == before


def test_audit_endpoints_need_audittrails_lezen(make_client, history):
    reader = make_client(scopes=["klanten.lezen"])
    trail = AuditTrail.objects.first()
    for url in (_trail_url(history["url"]), _trail_url(history["url"], trail.uuid)):
        response = reader.get(url)
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    auditor = make_client(scopes=["audittrails.lezen"])
    assert auditor.get(_trail_url(history["url"])).status_code == 200
    assert auditor.get(_trail_url(history["url"], trail.uuid)).status_code == 200


def test_unknown_klant(api, history):
    unknown = f"{BASE}/klanten/{uuid.uuid4()}/audittrail"
    response = api.get(unknown)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    trail = AuditTrail.objects.first()
    assert api.get(f"{unknown}/{trail.uuid}").status_code == 404


def test_unknown_trail(api, history):
    response = api.get(_trail_url(history["url"], uuid.uuid4()))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_klant_without_trail_has_empty_list(api, make_klant):
    klant = make_klant()  # made by the service layer, not through the API
    response = api.get(f"{BASE}/klanten/{klant.uuid}/audittrail")
    assert response.status_code == 200
    assert response.json() == []


def test_trails_are_per_klant(api, history):
    other = api.post_json(
        f"{BASE}/klanten",
        {
            "bronorganisatie": RSIN_2,
            "klantnummer": "1234",
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": BSN_2},
        },
    )
    assert other.status_code == 201
    other_url = other.json()["url"]
    assert api.patch_json(other_url, {"voornaam": "Els"}).status_code == 200

    mine = api.get(_trail_url(history["url"])).json()
    theirs = api.get(_trail_url(other_url)).json()
    assert len(mine) == 3 and len(theirs) == 2
    assert {t["hoofdObject"] for t in mine} == {history["url"]}
    assert {t["hoofdObject"] for t in theirs} == {other_url}
    assert [t["resourceWeergave"] for t in theirs] == [f"{RSIN_2} - 1234"] * 2
    # a trail of one klant is not found under the other
    assert api.get(_trail_url(other_url, mine[0]["uuid"])).status_code == 404
    assert api.get(_trail_url(history["url"], theirs[0]["uuid"])).status_code == 404


def test_delete_keeps_one_record_of_the_deletion_without_personal_data(
    api, make_client, history, applicatie
):
    """Item 7 of issue 11: the trail with personal data goes, the record of the deletion stays
    (who, when, the URL), readable through both audit trail endpoints."""
    url = history["url"]
    other = api.post_json(
        f"{BASE}/klanten",
        {
            "bronorganisatie": RSIN_2,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": BSN_2},
        },
    )
    assert other.status_code == 201
    with freeze_time("2024-03-04T10:00:00Z"):
        deleted = api.delete(url, HTTP_X_AUDIT_TOELICHTING="Op verzoek van de klant")
    assert deleted.status_code == 204

    response = api.get(_trail_url(url))
    assert response.status_code == 200
    [record] = response.json()
    trail = AuditTrail.objects.get(hoofd_object=url)
    assert record == _expected(
        url,
        applicatie,
        trail,
        actie="destroy",
        actieWeergave="Object verwijderd",
        resultaat=204,
        toelichting="Op verzoek van de klant",
        aanmaakdatum="2024-03-04T11:00:00+01:00",
        resourceWeergave=f"{RSIN} - verwijderde klant",
        wijzigingen={"oud": {"url": url, "gevalideerd": False}, "nieuw": None},
    )
    for personal in (BSN, "Jansen", "jan@example.nl", "Dorpsstraat", "0301234567"):
        assert personal not in json.dumps(record)
    detail = api.get(_trail_url(url, record["uuid"]))
    assert detail.status_code == 200
    assert detail.json() == record
    # the scope is still required
    reader = make_client(scopes=["klanten.lezen"])
    assert reader.get(_trail_url(url)).status_code == 403
    # the other klant's trail is untouched; the klant itself is gone
    assert AuditTrail.objects.filter(hoofd_object=other.json()["url"]).count() == 1
    assert AuditTrail.objects.filter(bron="kc").count() == 2
    # as partijen (K10): the other's create, and of this one only the record of its deletion
    partij = url.replace("/klanten/api/v1/klanten/", "/klantinteracties/api/v1/partijen/")
    [verwijderd] = AuditTrail.objects.filter(bron="ki", resource="partij", hoofd_object=partij)
    assert (verwijderd.actie, verwijderd.oud) == (
        "destroy",
        {"url": partij, "soortPartij": "persoon"},
    )
    assert AuditTrail.objects.filter(bron="ki", resource="partij").count() == 2
    # and of its digital addresses only the records of their destruction, without the address
    adressen = AuditTrail.objects.filter(bron="ki", resource="digitaaladres")
    assert adressen.exists()
    for adres in adressen:
        assert (adres.actie, adres.hoofd_object, set(adres.oud)) == (
            "destroy",
            partij,
            {"url", "verstrektDoorPartij"},
        )
    assert Klant.objects.count() == 1
    assert api.get(url).status_code == 404


def test_an_over_long_logrecord_header_never_fails_the_write(api):
    response = api.post_json(f"{BASE}/klanten", CREATE_BODY, HTTP_X_NLX_LOGRECORD_ID="x" * 300)
    assert response.status_code == 201, response.content
    # the klant's record, its partij's and its e-mail address's (K10)
    assert [t.logrecord_id for t in AuditTrail.objects.all()] == ["x" * 255] * 3
