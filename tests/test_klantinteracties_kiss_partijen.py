"""KISS's partij-side calls (research section 2.2), each with its method, path, query, body
shape, expected status and the response fields KISS reads. KISS is no trusted asserter: the
persons it creates are unconfirmed anchors (K5)."""

import pytest

from klanten.datamodel.models import Klant

from .conftest import BSN
from .ki_fixtures import KI_BASE, identificator

pytestmark = pytest.mark.zichtbaarheid_applicatie

KVK = "69599084"


@pytest.fixture
def kiss(make_ki_client):
    return make_ki_client(
        scopes=(
            "klantinteracties.lezen",
            "klantinteracties.aanmaken",
            "klantinteracties.bijwerken",
            "klantinteracties.adressen_zoeken",
        )
    )


def ensure_ok2_klant_body(soort: str) -> dict:
    """``ensureOk2Klant``'s POST /partijen body."""
    return {
        "digitaleAdressen": [],
        "betrokkenen": [],
        "categorieRelaties": [],
        "vertegenwoordigden": [],
        "rekeningnummers": [],
        "partijIdentificatoren": [],
        "voorkeursDigitaalAdres": None,
        "voorkeursRekeningnummer": None,
        "indicatieGeheimhouding": False,
        "indicatieActief": True,
        "partijIdentificatie": {"contactnaam": None} if soort == "persoon" else {"naam": ""},
        "soortPartij": soort,
    }


def test_create_a_person_then_find_it(kiss):
    # POST /partijen (201; KISS reads uuid, url)
    response = kiss.post_json(f"{KI_BASE}/partijen", ensure_ok2_klant_body("persoon"))
    assert response.status_code == 201, response.content
    partij = response.json()
    assert {"uuid", "url"} <= set(partij)
    # POST /partij-identificatoren with identificeerdePartij {url, uuid} (201)
    response = kiss.post_json(
        f"{KI_BASE}/partij-identificatoren",
        {
            "identificeerdePartij": {"url": partij["url"], "uuid": partij["uuid"]},
            "partijIdentificator": identificator("bsn", BSN),
        },
    )
    assert response.status_code == 201, response.content
    assert Klant.objects.get(uuid=partij["uuid"]).anker
    # find: GET /partijen?expand=digitaleAdressen&soortPartij=persoon&
    #   partijIdentificator__codeSoortObjectId=bsn&partijIdentificator__objectId=
    response = kiss.get(
        f"{KI_BASE}/partijen",
        {
            "expand": "digitaleAdressen",
            "soortPartij": "persoon",
            "partijIdentificator__codeSoortObjectId": "bsn",
            "partijIdentificator__objectId": BSN,
        },
    )
    assert response.status_code == 200
    (gevonden,) = response.json()["results"]
    for veld in ("uuid", "url", "nummer", "partijIdentificatie", "partijIdentificatoren"):
        assert veld in gevonden
    assert gevonden["_expand"]["digitaleAdressen"] == []
    # GET /partijen/{uuid}?expand=digitaleAdressen, then each identifier
    detail = kiss.get(f"{KI_BASE}/partijen/{partij['uuid']}", {"expand": "digitaleAdressen"})
    assert detail.status_code == 200
    for ident in detail.json()["partijIdentificatoren"]:
        response = kiss.get(f"{KI_BASE}/partij-identificatoren/{ident['uuid']}")
        assert response.status_code == 200
        assert response.json()["partijIdentificator"]["objectId"] == BSN
        assert "subIdentificatorVan" in response.json()


def test_an_organisation_with_an_orphan_kvk_identifier_attached_by_put(kiss):
    # GET /partij-identificatoren?partijIdentificatorCodeSoortObjectId=kvk_nummer&...ObjectId=
    query = {
        "partijIdentificatorCodeSoortObjectId": "kvk_nummer",
        "partijIdentificatorObjectId": KVK,
    }
    assert kiss.get(f"{KI_BASE}/partij-identificatoren", query).json()["count"] == 0
    # POST /partij-identificatoren with identificeerdePartij null (an orphan)
    response = kiss.post_json(
        f"{KI_BASE}/partij-identificatoren",
        {"identificeerdePartij": None, "partijIdentificator": identificator("kvk_nummer", KVK)},
    )
    assert response.status_code == 201, response.content
    orphan = response.json()
    assert kiss.get(f"{KI_BASE}/partij-identificatoren", query).json()["count"] == 1
    partij = kiss.post_json(f"{KI_BASE}/partijen", ensure_ok2_klant_body("organisatie")).json()
    # PUT /partij-identificatoren/{uuid} attaches it (200)
    response = kiss.put_json(
        f"{KI_BASE}/partij-identificatoren/{orphan['uuid']}",
        {
            "identificeerdePartij": {"url": partij["url"], "uuid": partij["uuid"]},
            "partijIdentificator": identificator("kvk_nummer", KVK),
        },
    )
    assert response.status_code == 200, response.content
    response = kiss.get(
        f"{KI_BASE}/partijen",
        {
            "expand": "digitaleAdressen",
            "soortPartij": "organisatie",
            "partijIdentificator__codeSoortObjectId": "kvk_nummer",
            "partijIdentificator__objectId": KVK,
        },
    )
    # KISS is no trusted asserter: the organisation is not validated, so not found by search
    assert response.status_code == 200
    assert not Klant.objects.get(uuid=partij["uuid"]).gevalideerd


def test_address_of_a_betrokkene_by_uuid_and_search(kiss):
    # POST /digitaleadressen {verstrektDoorBetrokkene, verstrektDoorPartij null, ...} needs a
    # betrokkene (the klantcontacten side); an address without either is still KISS's own
    response = kiss.post_json(
        f"{KI_BASE}/digitaleadressen",
        {
            "verstrektDoorBetrokkene": None,
            "verstrektDoorPartij": None,
            "adres": "kcc@example.nl",
            "soortDigitaalAdres": "email",
            "omschrijving": "onbekend",
        },
    )
    assert response.status_code == 201, response.content
    adres = response.json()
    # GET /digitaleadressen/{uuid} (KISS reads adres, soortDigitaalAdres)
    response = kiss.get(f"{KI_BASE}/digitaleadressen/{adres['uuid']}")
    assert response.status_code == 200
    assert response.json()["adres"] == "kcc@example.nl"
    # GET /digitaleadressen?adres=<exact>&page=1 (K7: with the search permission)
    response = kiss.get(f"{KI_BASE}/digitaleadressen", {"adres": "KCC@example.nl", "page": 1})
    assert response.status_code == 200
