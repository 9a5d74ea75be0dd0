"""K5: a ``subIdentificatorVan`` names a KvK number (a vestiging's organisation, as KISS sends
it and Open Klant requires), never a BSN or the identifier itself; the kind of an identifier
others name so does not change. (A BSN named so could not be kept when its klant is
deleted: the deletion would be refused by the database.)"""

import pytest

from klanten.datamodel.models import Klant
from klanten.datamodel.partijen import PartijIdentificator

from .conftest import BSN, RSIN
from .ki_fixtures import KI_BASE, identificator, invalid_params

KVK = "69599084"


def post_identificator(ki_api, soort, object_id, sub=None, partij=None):
    body = {
        "identificeerdePartij": {"uuid": partij} if partij else None,
        "partijIdentificator": identificator(soort, object_id),
    }
    if sub is not None:
        body["subIdentificatorVan"] = {"uuid": sub}
    return ki_api.post_json(f"{KI_BASE}/partij-identificatoren", body)


def nieuwe_partij(ki_api, soort="organisatie") -> str:
    response = ki_api.post_json(
        f"{KI_BASE}/partijen",
        {"soortPartij": soort, "indicatieActief": True, "partijIdentificatie": {"naam": "X"}},
    )
    assert response.status_code == 201, response.content
    return response.json()["uuid"]


def test_a_vestiging_of_a_kvk_number_as_kiss_sends_it(ki_api):
    kvk = post_identificator(ki_api, "kvk_nummer", KVK).json()["uuid"]
    response = post_identificator(
        ki_api, "vestigingsnummer", "000012345678", sub=kvk, partij=nieuwe_partij(ki_api)
    )
    assert response.status_code == 201, response.content
    assert response.json()["subIdentificatorVan"]["uuid"] == kvk


@pytest.mark.parametrize(("soort", "object_id"), [("bsn", BSN), ("rsin", RSIN)])
def test_another_kind_is_no_sub_identificator_van(ki_api, soort, object_id):
    persoon = nieuwe_partij(ki_api, "persoon") if soort == "bsn" else nieuwe_partij(ki_api)
    andere = post_identificator(ki_api, soort, object_id, partij=persoon)
    assert andere.status_code == 201, andere.content
    voor = PartijIdentificator.objects.count()

    response = post_identificator(
        ki_api,
        "vestigingsnummer",
        "000012345678",
        sub=andere.json()["uuid"],
        partij=nieuwe_partij(ki_api),
    )

    assert invalid_params(response) == [("subIdentificatorVan", "sub-identificator-geen-kvk")]
    assert PartijIdentificator.objects.count() == voor


def nieuwe_vestiging(ki_api, sub_uuid, vestigingsnummer: str = "000012345678"):
    """POST /partijen: an organisation whose vestigingsnummer names ``sub_uuid`` as its
    subIdentificatorVan."""
    return ki_api.post_json(
        f"{KI_BASE}/partijen",
        {
            "soortPartij": "organisatie",
            "indicatieActief": True,
            "partijIdentificatie": {"naam": "Filiaal"},
            "partijIdentificatoren": [
                {
                    "partijIdentificator": identificator("vestigingsnummer", vestigingsnummer),
                    "subIdentificatorVan": {"uuid": str(sub_uuid)},
                }
            ],
        },
    )


def test_a_bsn_is_no_sub_identificator_van_in_a_new_partij_either(ki_api):
    persoon = nieuwe_partij(ki_api, "persoon")
    bsn = post_identificator(ki_api, "bsn", BSN, partij=persoon).json()["uuid"]
    voor = Klant.objects.count()

    response = nieuwe_vestiging(ki_api, bsn)

    assert ("subIdentificatorVan", "sub-identificator-geen-kvk") in invalid_params(response)
    assert Klant.objects.count() == voor
    # and the person can still be deleted (nothing names its BSN)
    assert ki_api.delete(f"{KI_BASE}/partijen/{persoon}").status_code == 204


def test_an_identifier_is_no_sub_identificator_van_of_itself(ki_api):
    kvk = post_identificator(ki_api, "kvk_nummer", KVK).json()["uuid"]
    response = ki_api.put_json(
        f"{KI_BASE}/partij-identificatoren/{kvk}",
        {
            "identificeerdePartij": None,
            "partijIdentificator": identificator("kvk_nummer", KVK),
            "subIdentificatorVan": {"uuid": kvk},
        },
    )
    assert invalid_params(response) == [("subIdentificatorVan", "sub-identificator-zichzelf")]
    assert PartijIdentificator.objects.get(uuid=kvk).sub_identificator_van_id is None


def test_the_kind_of_a_named_kvk_number_does_not_change(ki_api):
    kvk = post_identificator(ki_api, "kvk_nummer", KVK).json()["uuid"]
    vestiging = post_identificator(
        ki_api, "vestigingsnummer", "000012345678", sub=kvk, partij=nieuwe_partij(ki_api)
    )
    assert vestiging.status_code == 201, vestiging.content

    response = ki_api.put_json(
        f"{KI_BASE}/partij-identificatoren/{kvk}",
        {"identificeerdePartij": None, "partijIdentificator": identificator("rsin", RSIN)},
    )

    assert invalid_params(response) == [("subIdentificatorVan", "sub-identificatoren-gekoppeld")]
    assert PartijIdentificator.objects.get(uuid=kvk).code_soort_object_id == "kvk_nummer"
    # its number may change (it stays a KvK number)
    response = ki_api.put_json(
        f"{KI_BASE}/partij-identificatoren/{kvk}",
        {
            "identificeerdePartij": None,
            "partijIdentificator": identificator("kvk_nummer", "12345678"),
        },
    )
    assert response.status_code == 200, response.content


def test_a_new_partij_keeps_the_sub_identificator_van_of_its_vestigingsnummer(ki_api):
    """The vestigingsnummer of a new partij is made from its identification (partijsync):
    it keeps the subIdentificatorVan given for it (it was dropped)."""
    kvk = post_identificator(ki_api, "kvk_nummer", KVK).json()["uuid"]
    response = nieuwe_vestiging(ki_api, kvk)
    assert response.status_code == 201, response.content
    [gegeven] = response.json()["partijIdentificatoren"]
    assert gegeven["subIdentificatorVan"]["uuid"] == kvk
    rij = PartijIdentificator.objects.get(uuid=gegeven["uuid"])
    assert str(rij.sub_identificator_van.uuid) == kvk
    assert ki_api.get(gegeven["url"]).json() == gegeven
