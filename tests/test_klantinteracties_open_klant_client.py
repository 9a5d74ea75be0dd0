"""The real client: ``open-klant-client`` (what Open Forms and Open Inwoner use to talk to Open
Klant) against our live server, through every partij-side call those two make (research
section 2.1 and 2.3): the configuration check, find or create a partij by BSN and by KvK,
read and write digital addresses, make an existing address the preferred one.

The klantcontacten calls (``maak-klantcontact``, klantcontacten, onderwerpobjecten) are the
other half of the API (``klantcontacten/``) and tested there."""

import pytest
from openklant_client import OpenKlantClient
from openklant_client.exceptions import BadRequest

from klanten.config import tokens
from klanten.config.clients import APIClient, save_api_client
from klanten.datamodel.models import Klant

from .conftest import BASE, BSN, SECRET, make_token

KVK = "69599084"

pytestmark = [pytest.mark.django_db(transaction=True)]


def client_for(live_server, *, vertrouwd: bool) -> OpenKlantClient:
    client_id = f"okc-{'vertrouwd' if vertrouwd else 'gewoon'}"
    applicatie = save_api_client(
        APIClient(
            client_id=client_id,
            secret=SECRET,
            label=client_id,
            klantinteracties_scopes=(
                "klantinteracties.lezen",
                "klantinteracties.aanmaken",
                "klantinteracties.bijwerken",
            ),
            maximale_rang=2 if vertrouwd else None,
            vertrouwde_bron_klantinteracties=vertrouwd,
            scopes=("klanten.lezen",),
        )
    )
    _token, sleutel = tokens.maak_token(applicatie)
    return OpenKlantClient(f"{live_server.url}/klantinteracties/api/v1/", token=sleutel)


def bsn_params(bsn=BSN, prefix="partijIdentificator__") -> dict:
    return {
        f"{prefix}codeSoortObjectId": "bsn",
        f"{prefix}codeRegister": "brp",
        f"{prefix}codeObjecttype": "natuurlijk_persoon",
        f"{prefix}objectId": bsn,
    }


def kvk_params(kvk=KVK, prefix="partijIdentificator__") -> dict:
    return {
        f"{prefix}codeSoortObjectId": "kvk_nummer",
        f"{prefix}codeRegister": "hr",
        f"{prefix}codeObjecttype": "niet_natuurlijk_persoon",
        f"{prefix}objectId": kvk,
    }


def open_forms_get_or_create(client: OpenKlantClient, *, bsn=None, kvk=None) -> str:
    """Open Forms' ``get_or_create_partij`` (find by identifier; more than one result is a
    StandardViolation; else create with the body Open Forms sends)."""
    params = bsn_params(bsn) if bsn else kvk_params(kvk)
    found = client.partij.list(params=params)
    assert found["count"] <= 1, "Open Forms raises StandardViolation on more than one partij"
    if found["results"]:
        return found["results"][0]["uuid"]
    common = {
        "voorkeurstaal": "nld",
        "indicatieActief": True,
        "indicatieGeheimhouding": False,
        "digitaleAdressen": None,
        "voorkeursDigitaalAdres": None,
        "rekeningnummers": None,
        "voorkeursRekeningnummer": None,
    }
    if bsn:
        partij = client.partij.create_persoon(
            data={
                **common,
                "soortPartij": "persoon",
                "partijIdentificatoren": [{"partijIdentificator": bsn_params(bsn, "")}],
                "partijIdentificatie": {"contactnaam": None},
            }
        )
    else:
        partij = client.partij.create_organisatie(
            data={
                **common,
                "soortPartij": "organisatie",
                "partijIdentificatoren": [{"partijIdentificator": kvk_params(kvk, "")}],
                "partijIdentificatie": {"naam": ""},
            }
        )
    return partij["uuid"]


def test_open_forms_configuration_check(live_server):
    client = client_for(live_server, vertrouwd=True)
    response = client.get("")
    assert response.status_code == 200


def test_open_forms_find_or_create_by_bsn_and_write_addresses(live_server):
    client = client_for(live_server, vertrouwd=True)
    uuid = open_forms_get_or_create(client, bsn=BSN)
    assert open_forms_get_or_create(client, bsn=BSN) == uuid  # found the second time
    klant = Klant.objects.get(uuid=uuid)
    assert klant.gevalideerd  # a trusted asserter (K4)

    # "new preferred" address: on the partij, standaard
    adres = client.digitaal_adres.create(
        data={
            "adres": "inwoner@example.nl",
            "soortDigitaalAdres": "email",
            "isStandaardAdres": True,
            "verstrektDoorPartij": {"uuid": uuid},
            "verstrektDoorBetrokkene": None,
            "omschrijving": "",
        }
    )
    assert adres["verstrektDoorPartij"]["uuid"] == uuid
    client.digitaal_adres.create(
        data={
            "adres": "0612345678",
            "soortDigitaalAdres": "telefoonnummer",
            "isStandaardAdres": False,
            "verstrektDoorPartij": {"uuid": uuid},
            "verstrektDoorBetrokkene": None,
            "omschrijving": "",
        }
    )
    # prefill: all pages of the partij's addresses by its identifier
    pagina = client.digitaal_adres.list(
        params=bsn_params(prefix="verstrektDoorPartij__partijIdentificator__")
    )
    rows = list(client.digitaal_adres._paginator(pagina))
    assert {(r["adres"], r["soortDigitaalAdres"], r["isStandaardAdres"]) for r in rows} == {
        ("inwoner@example.nl", "email", True),
        ("0612345678", "telefoonnummer", False),
    }
    # an existing address becomes the preferred one
    bestaand = client.digitaal_adres.list(
        params={"verstrektDoorPartij__uuid": uuid, "soortDigitaalAdres": "telefoonnummer"}
    )["results"][0]
    bijgewerkt = client.digitaal_adres.partial_update(
        bestaand["uuid"], data={"isStandaardAdres": True}
    )
    assert bijgewerkt["isStandaardAdres"] is True
    klant.refresh_from_db()
    assert klant.telefoonnummer == "0612345678"
    assert klant.emailadres == "inwoner@example.nl"


def test_open_forms_find_or_create_by_kvk(live_server):
    client = client_for(live_server, vertrouwd=True)
    uuid = open_forms_get_or_create(client, kvk=KVK)
    assert open_forms_get_or_create(client, kvk=KVK) == uuid
    partij = client.partij.retrieve(uuid)
    assert partij["soortPartij"] == "organisatie"


def test_a_bad_request_is_a_bad_request_for_the_client(live_server):
    client = client_for(live_server, vertrouwd=True)
    with pytest.raises(BadRequest):
        client.digitaal_adres.create(
            data={"adres": "geen e-mail", "soortDigitaalAdres": "email", "isStandaardAdres": False}
        )


def test_open_inwoner_profile_calls(live_server):
    client = client_for(live_server, vertrouwd=True)
    uuid = open_forms_get_or_create(client, bsn=BSN)
    # Open Inwoner finds the persoon with soortPartij and reads it with its addresses
    found = client.partij.list(params={**bsn_params(), "soortPartij": "persoon"})
    assert [p["uuid"] for p in found["results"]] == [uuid]
    partij = client.partij.retrieve(uuid, params={"expand": "digitaleAdressen"})
    assert partij["_expand"]["digitaleAdressen"] == []
    client.digitaal_adres.create(
        data={
            "adres": "0201234567",
            "soortDigitaalAdres": "telefoonnummer",
            "isStandaardAdres": True,
            "omschrijving": "OIP profiel",
            "verstrektDoorPartij": {"uuid": uuid},
        }
    )
    adressen = client.digitaal_adres.list(params={"verstrektDoorPartij__uuid": uuid})
    assert [a["adres"] for a in adressen["results"]] == ["0201234567"]

    # an organisation: the partij, then its KvK identifier
    organisatie = client.partij.create_organisatie(
        data={
            "soortPartij": "organisatie",
            "indicatieActief": True,
            "partijIdentificatie": {"naam": "Bakkerij"},
        }
    )
    ident = client.partij_identificator.create(
        data={
            "identificeerdePartij": {"uuid": organisatie["uuid"]},
            "partijIdentificator": kvk_params(prefix=""),
        }
    )
    lijst = client.partij_identificator.list(
        params={
            "partijIdentificatorCodeSoortObjectId": "kvk_nummer",
            "partijIdentificatorCodeRegister": "hr",
            "partijIdentificatorCodeObjecttype": "niet_natuurlijk_persoon",
            "partijIdentificatorObjectId": KVK,
        }
    )
    assert [i["uuid"] for i in lijst["results"]] == [ident["uuid"]]
    assert lijst["results"][0]["identificeerdePartij"]["uuid"] == organisatie["uuid"]


def test_the_klanten_api_sees_the_same_klant(live_server, client):
    ki = client_for(live_server, vertrouwd=True)
    uuid = open_forms_get_or_create(ki, bsn=BSN)
    response = client.get(
        f"{BASE}/klanten/{uuid}",
        HTTP_AUTHORIZATION=f"Bearer {make_token('okc-vertrouwd')}",
    )
    assert response.status_code == 200, response.content
    assert response.json()["subjectIdentificatie"]["inpBsn"] == BSN
