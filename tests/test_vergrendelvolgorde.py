"""One lock order for every write (klant rows in id order, then the klantcontact, ``contacten``),
and what a write reads to decide is read after a lock the other write takes too. Real threads on
real PostgreSQL (each its own connection): the gaps of the review of the lock order.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from vng_api_common.audittrails.models import AuditTrail

from klanten.datamodel import contacten
from klanten.datamodel.klantcontacten import Betrokkene, Klantcontact
from klanten.datamodel.models import Klant
from klanten.notificaties import outbox
from klanten.notificaties.models import UitgaandeNotificatie

from .test_notifications import configure
from .test_vergrendeling_vers import (
    HERKOMST,
    KLANTCONTACT,
    gemaakt,
    partij_record,
    terwijl_a_vergrendelt,
)

pytestmark = pytest.mark.django_db(transaction=True)

PARTIJ = {
    "soortPartij": "persoon",
    "indicatieActief": True,
    "partijIdentificatie": {"contactnaam": {"voornaam": "Anna", "achternaam": "Bos"}},
}


@pytest.fixture(autouse=True)
def _notificaties(monkeypatch):
    configure()
    monkeypatch.setattr(outbox, "na_commit", lambda ids: None)


@pytest.fixture
def kiss(make_ki_client):
    return make_ki_client()


# --- 1. deleting a klantcontact: a betrokkene added before its lock ---------------------------


@pytest.mark.parametrize("al_betrokken", [False, True])
def test_delete_records_the_partij_of_a_betrokkene_added_before_its_lock(kiss, al_betrokken):
    """The delete reads the klanten of the klantcontact's betrokkenen, locks them, then the
    klantcontact; A adds a betrokkene of partij X in between (holding the klantcontact). The
    delete sees it once it holds the klantcontact, takes its locks again with X's, and records
    X's change (its ``betrokkenen`` lose it) with a notification: no change goes unrecorded."""
    klantcontact = gemaakt(kiss, "klantcontacten", KLANTCONTACT, Klantcontact)
    x = gemaakt(kiss, "partijen", PARTIJ, Klant)
    if al_betrokken:  # a betrokkene of another partij, which the delete locks first
        y = gemaakt(kiss, "partijen", PARTIJ, Klant)
        contacten.add_betrokkene(klantcontact, klant=y, rol="klant", herkomst=HERKOMST)
    nieuw: dict = {}

    def a():
        nieuw["betrokkene"] = Betrokkene.objects.create(
            klantcontact=klantcontact, klant=x, rol="klant"
        )

    notificaties = UitgaandeNotificatie.objects.count()
    terwijl_a_vergrendelt(
        klantcontact,
        a,
        lambda: contacten.delete_klantcontact(klantcontact, herkomst=HERKOMST),
    )
    assert not Klantcontact.objects.filter(pk=klantcontact.pk).exists()
    record = partij_record(x.uuid)
    assert record.actie == "partial_update"
    assert [ref["uuid"] for ref in record.oud["betrokkenen"]] == [str(nieuw["betrokkene"].uuid)]
    assert record.nieuw["betrokkenen"] == []
    berichten = UitgaandeNotificatie.objects.filter(pk__gt=0).order_by("pk")[notificaties:]
    assert any(
        n.actie == "partial_update" and n.resource_url.endswith(str(x.uuid)) for n in berichten
    )
    if al_betrokken:
        assert partij_record(y.uuid).nieuw["betrokkenen"] == []


def test_delete_without_a_race_takes_its_locks_once(kiss):
    """Nothing added meanwhile: one round of locks (no rollback to the savepoint)."""
    klantcontact = gemaakt(kiss, "klantcontacten", KLANTCONTACT, Klantcontact)
    x = gemaakt(kiss, "partijen", PARTIJ, Klant)
    contacten.add_betrokkene(klantcontact, klant=x, rol="klant", herkomst=HERKOMST)
    with CaptureQueriesContext(connection) as queries:
        contacten.delete_klantcontact(klantcontact, herkomst=HERKOMST)
    assert not any("ROLLBACK TO SAVEPOINT" in q["sql"] for q in queries.captured_queries)
    assert partij_record(x.uuid).nieuw["betrokkenen"] == []
    assert AuditTrail.objects.filter(resource="partij", actie="partial_update").exists()
