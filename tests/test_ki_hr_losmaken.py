"""Detaching or moving an identifier through ``PUT /partij-identificatoren/{uuid}``: the row
being replaced is no holder of its own key (K5), a partij's subject key stays (V1/K5, HR and
BSN alike), and the Klanten API shows what the Klantinteracties API shows (K3)."""

import pytest
from vng_api_common.audittrails.models import AuditTrail

from klanten.datamodel.models import Klant
from klanten.datamodel.partijen import PartijIdentificator
from klanten.notificaties.models import UitgaandeNotificatie

from .conftest import BASE, BSN, RSIN, RSIN_2
from .ki_fixtures import KI_BASE, identificator, invalid_params

pytestmark = pytest.mark.zichtbaarheid_applicatie

PARTIJEN = f"{KI_BASE}/partijen"
IDENTIFICATOREN = f"{KI_BASE}/partij-identificatoren"
KVK = "69599084"
VESTIGINGSNUMMER = "000012345678"

# the Klanten API field that shows an identifier kind
KLANTEN_VELD = {"rsin": "innNnpId", "vestigingsnummer": "vestigingsNummer"}


@pytest.fixture
def kiss(make_ki_client):
    # a ZGW JWT and Klanten API scopes too: it reads (and writes) its non-validated klanten
    # through the Klanten API (V7: visible to the registering application)
    return make_ki_client(jwt=True, scopes_klanten=("klanten.lezen", "klanten.bijwerken"))


@pytest.fixture
def open_forms(make_ki_client):
    return make_ki_client(vertrouwd=True)


@pytest.fixture
def klanten_api(kiss):
    """The same application through the Klanten API (a non-validated klant is visible to the
    application that registered it)."""
    return kiss


def put(client, ident: dict, partij: dict | None, soort: str, object_id: str):
    return client.put_json(
        f"{IDENTIFICATOREN}/{ident['uuid']}",
        {
            "identificeerdePartij": {"uuid": partij["uuid"]} if partij else None,
            "partijIdentificator": identificator(soort, object_id),
        },
    )


def organisatie(client, *identificatoren: tuple[str, str], naam: str = "Bakkerij") -> dict:
    response = client.post_json(
        PARTIJEN,
        {
            "soortPartij": "organisatie",
            "indicatieActief": True,
            "partijIdentificatie": {"naam": naam},
            "partijIdentificatoren": [
                {"partijIdentificator": identificator(soort, waarde)}
                for soort, waarde in identificatoren
            ],
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def ident_van(client, partij: dict, soort: str) -> dict:
    """The partij's identifier of ``soort`` (as the API shows it)."""
    gelezen = client.get(f"{PARTIJEN}/{partij['uuid']}").json()
    for verwijzing in gelezen["partijIdentificatoren"]:
        ident = client.get(f"{IDENTIFICATOREN}/{verwijzing['uuid']}").json()
        if ident["partijIdentificator"]["codeSoortObjectId"] == soort:
            return ident
    raise AssertionError(f"no {soort} identifier")


def identificatoren(client, partij: dict) -> list[str]:
    gelezen = client.get(f"{PARTIJEN}/{partij['uuid']}").json()
    return [i["uuid"] for i in gelezen["partijIdentificatoren"]]


def subject_identificatie(klanten_api, partij: dict) -> dict:
    response = klanten_api.get(f"{BASE}/klanten/{partij['uuid']}")
    assert response.status_code == 200, response.content
    return response.json()["subjectIdentificatie"]


def kanalen(partij: dict) -> list[str]:
    return sorted(
        n.bericht["kanaal"]
        for n in UitgaandeNotificatie.objects.all()
        if n.bericht["resourceUrl"].endswith(partij["uuid"])
    )


def records(partij: dict) -> list[tuple[str, str]]:
    return sorted(
        AuditTrail.objects.filter(hoofd_object__endswith=partij["uuid"]).values_list(
            "bron", "actie"
        )
    )


# --- detaching from a non-validated partij ------------------------------------------------


@pytest.mark.parametrize(
    ("soort", "waarde"), [("rsin", RSIN_2), ("vestigingsnummer", VESTIGINGSNUMMER)]
)
def test_detaching_an_hr_identifier_the_klanten_api_shows_takes_it_out_of_both(
    kiss, klanten_api, notificaties, soort, waarde
):
    partij = organisatie(kiss, (soort, waarde))
    assert not Klant.objects.get(uuid=partij["uuid"]).gevalideerd
    veld = KLANTEN_VELD[soort]
    assert subject_identificatie(klanten_api, partij)[veld] == waarde
    ident = ident_van(kiss, partij, soort)
    AuditTrail.objects.all().delete()
    UitgaandeNotificatie.objects.all().delete()

    response = put(kiss, ident, None, soort, waarde)

    assert response.status_code == 200, response.content
    assert response.json()["identificeerdePartij"] is None
    assert kiss.get(f"{IDENTIFICATOREN}/{ident['uuid']}").json()["identificeerdePartij"] is None
    assert ident["uuid"] not in identificatoren(kiss, partij)
    # K3: the Klanten API no longer shows it; the rest of the identification stays
    assert subject_identificatie(klanten_api, partij)[veld] == ""
    # the partij and the klant changed: one record and one notification each
    assert records(partij) == [("kc", "partial_update"), ("ki", "partial_update")]
    assert kanalen(partij) == ["klanten", "partijen"]
    laatste = AuditTrail.objects.get(bron="ki", hoofd_object__endswith=partij["uuid"])
    assert laatste.nieuw == kiss.get(f"{PARTIJEN}/{partij['uuid']}").json()

    # a later write of the klant does not bring the identifier back (partijsync follows it)
    response = klanten_api.patch_json(
        f"{BASE}/klanten/{partij['uuid']}", {"telefoonnummer": "0612345678"}
    )
    assert response.status_code == 200, response.content
    assert identificatoren(kiss, partij) == []
    assert PartijIdentificator.objects.get(uuid=ident["uuid"]).klant_id is None


def test_detaching_a_kvk_number_changes_the_partij_only(kiss, klanten_api, notificaties):
    partij = organisatie(kiss, ("kvk_nummer", KVK))
    ident = ident_van(kiss, partij, "kvk_nummer")
    voor = klanten_api.get(f"{BASE}/klanten/{partij['uuid']}").json()
    AuditTrail.objects.all().delete()
    UitgaandeNotificatie.objects.all().delete()

    response = put(kiss, ident, None, "kvk_nummer", KVK)

    assert response.status_code == 200, response.content
    assert response.json()["identificeerdePartij"] is None
    assert identificatoren(kiss, partij) == []
    # the Klanten API shows no KvK number: nothing changed there, nothing recorded there
    assert klanten_api.get(f"{BASE}/klanten/{partij['uuid']}").json() == voor
    assert records(partij) == [("ki", "partial_update")]
    assert kanalen(partij) == ["partijen"]


def test_a_detached_identifier_is_attached_to_another_partij(kiss, klanten_api):
    a = organisatie(kiss, ("rsin", RSIN_2), naam="A")
    b = organisatie(kiss, naam="B")
    ident = ident_van(kiss, a, "rsin")
    assert put(kiss, ident, None, "rsin", RSIN_2).status_code == 200

    response = put(kiss, ident, b, "rsin", RSIN_2)

    assert response.status_code == 200, response.content
    assert response.json()["identificeerdePartij"]["uuid"] == b["uuid"]
    assert identificatoren(kiss, b) == [ident["uuid"]]
    assert subject_identificatie(klanten_api, b)["innNnpId"] == RSIN_2
    assert subject_identificatie(klanten_api, a)["innNnpId"] == ""


def test_an_identifier_moves_from_one_partij_to_another(kiss, klanten_api):
    a = organisatie(kiss, ("rsin", RSIN_2), naam="A")
    b = organisatie(kiss, naam="B")
    ident = ident_van(kiss, a, "rsin")
    records_a = AuditTrail.objects.filter(bron="ki", hoofd_object__endswith=a["uuid"]).count()

    response = put(kiss, ident, b, "rsin", RSIN_2)

    assert response.status_code == 200, response.content
    assert identificatoren(kiss, a) == []
    assert identificatoren(kiss, b) == [ident["uuid"]]
    assert subject_identificatie(klanten_api, a)["innNnpId"] == ""
    assert subject_identificatie(klanten_api, b)["innNnpId"] == RSIN_2
    # the partij it left is recorded
    assert AuditTrail.objects.filter(bron="ki", hoofd_object__endswith=a["uuid"]).count() == (
        records_a + 1
    )


# --- K5: another holder of the key -------------------------------------------------------------


def test_a_key_a_third_partij_holds_is_refused(kiss):
    a = organisatie(kiss, ("kvk_nummer", KVK), naam="A")
    b = organisatie(kiss, naam="B")
    ident = ident_van(kiss, a, "kvk_nummer")
    assert put(kiss, ident, None, "kvk_nummer", KVK).status_code == 200
    # meanwhile another partij is registered with that KvK number
    c = organisatie(kiss, ("kvk_nummer", KVK), naam="C")

    response = put(kiss, ident, b, "kvk_nummer", KVK)

    assert invalid_params(response) == [("partijIdentificator", "unique")]
    assert PartijIdentificator.objects.get(uuid=ident["uuid"]).klant_id is None
    assert identificatoren(kiss, b) == []
    assert len(identificatoren(kiss, c)) == 1


def test_moving_an_identifier_onto_a_key_a_third_partij_holds_is_refused(kiss):
    a = organisatie(kiss, ("rsin", RSIN_2), naam="A")
    b = organisatie(kiss, naam="B")
    organisatie(kiss, ("rsin", RSIN), naam="C")
    ident = ident_van(kiss, a, "rsin")

    response = put(kiss, ident, b, "rsin", RSIN)

    assert invalid_params(response) == [("partijIdentificator", "unique")]
    assert identificatoren(kiss, a) == [ident["uuid"]]


# --- V1/K5: a partij's subject key stays ---------------------------------------------------


def test_the_key_of_a_validated_partij_is_not_detached_nor_moved(open_forms):
    partij = organisatie(open_forms, ("kvk_nummer", KVK))
    assert Klant.objects.get(uuid=partij["uuid"]).gevalideerd
    ander = organisatie(open_forms, naam="Ander")
    ident = ident_van(open_forms, partij, "kvk_nummer")

    for doel in (None, ander):
        response = put(open_forms, ident, doel, "kvk_nummer", KVK)
        assert invalid_params(response) == [
            ("partijIdentificator", "gevalideerd-subject-ongewijzigd")
        ]
    assert identificatoren(open_forms, partij) == [ident["uuid"]]
    # the same identifier kept as it is: allowed
    assert put(open_forms, ident, partij, "kvk_nummer", KVK).status_code == 200


def test_the_bsn_of_an_anchor_is_not_detached_either(kiss, klanten_api):
    response = kiss.post_json(
        PARTIJEN,
        {
            "soortPartij": "persoon",
            "indicatieActief": True,
            "partijIdentificatie": {"contactnaam": {"achternaam": "Jansen"}},
            "partijIdentificatoren": [{"partijIdentificator": identificator("bsn", BSN)}],
        },
    )
    assert response.status_code == 201, response.content
    partij = response.json()
    assert Klant.objects.get(uuid=partij["uuid"]).anker
    ident = ident_van(kiss, partij, "bsn")

    response = put(kiss, ident, None, "bsn", BSN)

    assert invalid_params(response) == [("partijIdentificator", "gevalideerd-subject-ongewijzigd")]
    assert identificatoren(kiss, partij) == [ident["uuid"]]
    assert subject_identificatie(klanten_api, partij)["inpBsn"] == BSN
