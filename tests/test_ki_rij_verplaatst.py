"""A write of an identifier or a digital address whose row moved to another partij between the
view's read and the service's lock: the partij it belongs to when locked is the one the write
locks and records (never the one of the stale read)."""

import pytest
from vng_api_common.audittrails.models import AuditTrail

from klanten.datamodel.models import Klant
from klanten.datamodel.partijen import DigitaalAdres, PartijIdentificator
from klanten.klantinteracties.partijen import DigitaalAdresViewSet, PartijIdentificatorViewSet

from .ki_fixtures import KI_BASE

pytestmark = pytest.mark.zichtbaarheid_applicatie

PARTIJEN = f"{KI_BASE}/partijen"
ADRESSEN = f"{KI_BASE}/digitaleadressen"
IDENTIFICATOREN = f"{KI_BASE}/partij-identificatoren"


@pytest.fixture
def kiss(make_ki_client):
    return make_ki_client()


def partij(kiss, naam: str, soort: str = "organisatie") -> dict:
    identificatie = (
        {"naam": naam} if soort == "organisatie" else {"contactnaam": {"achternaam": naam}}
    )
    response = kiss.post_json(
        PARTIJEN,
        {"soortPartij": soort, "indicatieActief": True, "partijIdentificatie": identificatie},
    )
    assert response.status_code == 201, response.content
    return response.json()


def kvk(partij: dict | None) -> dict:
    return {
        "identificeerdePartij": {"uuid": partij["uuid"]} if partij else None,
        "partijIdentificator": {
            "codeObjecttype": "niet_natuurlijk_persoon",
            "codeSoortObjectId": "kvk_nummer",
            "objectId": "69599084",
            "codeRegister": "hr",
        },
    }


def email_van(kiss, partij: dict) -> dict:
    response = kiss.post_json(
        ADRESSEN,
        {
            "verstrektDoorPartij": {"uuid": partij["uuid"]},
            "adres": "info@example.nl",
            "soortDigitaalAdres": "email",
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def partij_records(partij: dict) -> int:
    """The records of the partij itself (its addresses' have it as hoofdObject too)."""
    return AuditTrail.objects.filter(
        bron="ki", resource="partij", hoofd_object__endswith=partij["uuid"]
    ).count()


def test_a_patch_of_an_address_moved_meanwhile_keeps_it_where_it_is(kiss, monkeypatch):
    a, b = partij(kiss, "A"), partij(kiss, "B")
    adres = email_van(kiss, a)
    verouderd = DigitaalAdres.objects.get(uuid=adres["uuid"])  # the view's read: partij A
    response = kiss.patch_json(
        f"{ADRESSEN}/{adres['uuid']}", {"verstrektDoorPartij": {"uuid": b["uuid"]}}
    )
    assert response.status_code == 200, response.content
    records_a, records_b = partij_records(a), partij_records(b)

    monkeypatch.setattr(DigitaalAdresViewSet, "object_of_404", lambda self: verouderd)
    response = kiss.patch_json(f"{ADRESSEN}/{adres['uuid']}", {"omschrijving": "werk"})

    assert response.status_code == 200, response.content
    assert response.json()["verstrektDoorPartij"]["uuid"] == b["uuid"]
    rij = DigitaalAdres.objects.get(uuid=adres["uuid"])
    assert rij.klant == Klant.objects.get(uuid=b["uuid"])
    assert rij.omschrijving == "werk"
    # nothing changed for A; B's representation lists the same address as before
    assert (partij_records(a), partij_records(b)) == (records_a, records_b)
    # the address changed: its record, of partij B
    record = AuditTrail.objects.filter(resource="digitaaladres").latest("pk")
    assert (record.actie, record.resource_url) == ("partial_update", response.json()["url"])
    assert record.hoofd_object.endswith(b["uuid"])
    assert (record.oud["omschrijving"], record.nieuw) == ("", response.json())


def test_a_put_of_an_identifier_moved_meanwhile_records_the_partij_it_leaves(kiss, monkeypatch):
    # a KvK number: detaching it from a non-validated partij is allowed (an anchor's BSN is
    # its subject key and stays, see tests/test_ki_hr_losmaken.py)
    b = partij(kiss, "Bakker")
    ident = kiss.post_json(IDENTIFICATOREN, kvk(None)).json()
    # the view's read: an identifier of no partij
    verouderd = PartijIdentificator.objects.get(uuid=ident["uuid"])
    response = kiss.put_json(f"{IDENTIFICATOREN}/{ident['uuid']}", kvk(b))
    assert response.status_code == 200, response.content
    records_b = partij_records(b)

    monkeypatch.setattr(PartijIdentificatorViewSet, "object_of_404", lambda self: verouderd)
    response = kiss.put_json(f"{IDENTIFICATOREN}/{ident['uuid']}", kvk(None))

    assert response.status_code == 200, response.content
    assert PartijIdentificator.objects.get(uuid=ident["uuid"]).klant_id is None
    # B lost its identifier: one record of B's change
    assert partij_records(b) == records_b + 1


def test_a_patch_of_an_address_detached_meanwhile_leaves_it_detached(kiss, monkeypatch):
    a = partij(kiss, "A")
    adres = email_van(kiss, a)
    verouderd = DigitaalAdres.objects.get(uuid=adres["uuid"])  # the view's read: partij A
    response = kiss.patch_json(f"{ADRESSEN}/{adres['uuid']}", {"verstrektDoorPartij": None})
    assert response.status_code == 200, response.content
    records_a = partij_records(a)

    monkeypatch.setattr(DigitaalAdresViewSet, "object_of_404", lambda self: verouderd)
    response = kiss.patch_json(f"{ADRESSEN}/{adres['uuid']}", {"omschrijving": "werk"})

    assert response.status_code == 200, response.content
    assert response.json()["verstrektDoorPartij"] is None
    assert DigitaalAdres.objects.get(uuid=adres["uuid"]).klant_id is None
    assert partij_records(a) == records_a
