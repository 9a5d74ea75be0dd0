"""One lock order for every write (klant rows in id order, then the klantcontact, ``contacten``),
and what a write reads to decide is read after a lock the other write takes too. Real threads on
real PostgreSQL (each its own connection): the gaps of the review of the lock order.
"""

import importlib
import re
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from vng_api_common.audittrails.models import AuditTrail

from klanten.background import retention
from klanten.datamodel import contacten, rules, services, transactions
from klanten.datamodel.constants import VernietigingsGrond
from klanten.datamodel.klantcontacten import Betrokkene, Klantcontact
from klanten.datamodel.models import Klant
from klanten.datamodel.partijen import DigitaalAdres, PartijIdentificator
from klanten.notificaties import outbox
from klanten.notificaties.models import UitgaandeNotificatie

from .conftest import RSIN
from .ki_fixtures import KI_BASE, identificator, invalid_params
from .migratie_helpers import teruggezet
from .test_ki_hr_uniek import AFTER, BEFORE, _duplicaten_bij_0014
from .test_ki_sub_identificator import KVK, nieuwe_partij, nieuwe_vestiging, post_identificator
from .test_klantcontact_adreshouders import vergrendelt_klant
from .test_notifications import configure
from .test_vergrendeling_vers import (
    HERKOMST,
    KLANTCONTACT,
    a_houdt_vast,
    gemaakt,
    partij_record,
    terwijl_a_vergrendelt,
)
from .threads import start_thread

pytestmark = pytest.mark.django_db(transaction=True)

VESTIGING = "000012345678"

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


def gedeeld_adres(kiss):
    """A klantcontact, partij K and an anonymous betrokkene of the klantcontact that gave K's
    e-mail address: (klantcontact, K, betrokkene, address)."""
    klantcontact = gemaakt(kiss, "klantcontacten", KLANTCONTACT, Klantcontact)
    k = gemaakt(kiss, "partijen", PARTIJ, Klant)
    anoniem, _ = contacten.add_betrokkene(klantcontact, rol="klant", herkomst=HERKOMST)
    gedeeld = DigitaalAdres.objects.create(
        betrokkene=anoniem,
        klant=k,
        adres="info@example.nl",
        adres_genormaliseerd="info@example.nl",
        soort_digitaal_adres="email",
    )
    return klantcontact, k, anoniem, gedeeld


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


def test_delete_records_an_address_holder_that_became_a_betrokkenes_partij_meanwhile(kiss):
    """Partij K only holds an address an anonymous betrokkene of the klantcontact gave when the
    delete reads whom to lock; A (``add_betrokkene``: K's lock, then the klantcontact's) makes
    K a betrokkene's partij before the delete gets K's lock. The delete sees A's betrokkene
    once it holds the klantcontact and records K's change (its ``betrokkenen`` lose it) once,
    with a notification, as it does for any betrokkene's partij; the address once."""
    klantcontact, k, anoniem, gedeeld = gedeeld_adres(kiss)
    laatste = AuditTrail.objects.order_by("-pk").values_list("pk", flat=True).first()

    def a():
        return contacten.add_betrokkene(klantcontact, klant=k, rol="klant", herkomst=HERKOMST)[0]

    nieuw, _ = a_houdt_vast(
        a,
        lambda: contacten.delete_klantcontact(klantcontact, herkomst=HERKOMST),
        b_wacht=True,
    )
    assert not Klantcontact.objects.filter(pk=klantcontact.pk).exists()
    records = AuditTrail.objects.filter(pk__gt=laatste, bron="ki")
    partij = records.filter(resource="partij", actie="partial_update")
    assert partij.count() == 2  # A's (its betrokkene added) and the delete's
    record = partij.latest("pk")
    assert record.resource_url.endswith(str(k.uuid))
    assert [ref["uuid"] for ref in record.oud["betrokkenen"]] == [str(nieuw.uuid)]
    assert record.nieuw["betrokkenen"] == []
    assert (
        UitgaandeNotificatie.objects.filter(
            actie="partial_update", resource_url=record.resource_url
        ).count()
        == 2
    )
    assert_vrijgegeven_aan(gedeeld.uuid, k)
    assert records.filter(resource="digitaaladres").count() == 1


# --- 2. subIdentificatorVan: its kind checked under a lock the other write takes too ---------


def assert_vrijgegeven_aan(uuid, k: Klant) -> None:
    """The address ``uuid`` stayed with partij ``k`` without its betrokkene, recorded so."""
    adres = DigitaalAdres.objects.get(uuid=uuid)
    assert (adres.klant_id, adres.betrokkene_id) == (k.pk, None)
    record = AuditTrail.objects.filter(
        resource="digitaaladres", resource_url__endswith=str(adres.uuid)
    ).latest("pk")
    assert record.actie == "partial_update"
    assert record.nieuw["verstrektDoorBetrokkene"] is None


def assert_geen_sub_van_een_andere_soort() -> None:
    """K5 holds in what was committed: every row named as subIdentificatorVan is a KvK number."""
    assert (
        not PartijIdentificator.objects.filter(sub_identificatoren__isnull=False)
        .exclude(code_soort_object_id="kvk_nummer")
        .exists()
    )


def wordt_rsin(ki_api, kvk: str):
    return ki_api.put_json(
        f"{KI_BASE}/partij-identificatoren/{kvk}",
        {"identificeerdePartij": None, "partijIdentificator": identificator("rsin", RSIN)},
    )


def vestiging_van(ki_api, kvk: str, partij: str):
    return post_identificator(ki_api, "vestigingsnummer", VESTIGING, sub=kvk, partij=partij)


def test_a_kvk_number_changed_meanwhile_is_no_sub_identificator_van_of_a_new_row(ki_api):
    """A changes K's kind (PUT, not committed); B names K as the subIdentificatorVan of a new
    identifier, having read K as a KvK number: B checks K's kind under K's lock (after A's
    commit) and is refused, where both passed before."""
    kvk = post_identificator(ki_api, "kvk_nummer", KVK).json()["uuid"]
    partij = nieuwe_partij(ki_api)
    a, b = a_houdt_vast(lambda: wordt_rsin(ki_api, kvk), lambda: vestiging_van(ki_api, kvk, partij))
    assert a.status_code == 200, a.content
    assert invalid_params(b) == [("subIdentificatorVan", "sub-identificator-geen-kvk")]
    assert_geen_sub_van_een_andere_soort()


def test_a_kvk_number_changed_meanwhile_is_no_sub_identificator_van_in_a_put(ki_api):
    kvk = post_identificator(ki_api, "kvk_nummer", KVK).json()["uuid"]
    vestiging = post_identificator(
        ki_api, "vestigingsnummer", VESTIGING, partij=nieuwe_partij(ki_api)
    ).json()

    def noem_kvk():
        return ki_api.put_json(
            vestiging["url"],
            {
                "identificeerdePartij": vestiging["identificeerdePartij"],
                "partijIdentificator": identificator("vestigingsnummer", VESTIGING),
                "subIdentificatorVan": {"uuid": kvk},
            },
        )

    a, b = a_houdt_vast(lambda: wordt_rsin(ki_api, kvk), noem_kvk)
    assert a.status_code == 200, a.content
    assert invalid_params(b) == [("subIdentificatorVan", "sub-identificator-geen-kvk")]
    assert_geen_sub_van_een_andere_soort()


def test_a_kvk_number_changed_meanwhile_is_no_sub_identificator_van_in_a_new_partij(ki_api):
    kvk = post_identificator(ki_api, "kvk_nummer", KVK).json()["uuid"]

    a, b = a_houdt_vast(lambda: wordt_rsin(ki_api, kvk), naamt(ki_api, "partij", kvk))
    assert a.status_code == 200, a.content
    assert b.status_code == 400, b.content
    assert (
        "partijIdentificatoren.subIdentificatorVan",
        "sub-identificator-geen-kvk",
    ) in invalid_params(b)
    assert_geen_sub_van_een_andere_soort()


def test_the_kind_of_a_kvk_number_named_meanwhile_does_not_change(ki_api):
    """A names K (not committed); B changes K's kind: B's lock of K waits for A, and B looks
    for the rows naming K after it: refused. Before, B did not wait (the foreign key is
    checked at commit) and both passed."""
    kvk = post_identificator(ki_api, "kvk_nummer", KVK).json()["uuid"]
    partij = nieuwe_partij(ki_api)
    a, b = a_houdt_vast(lambda: vestiging_van(ki_api, kvk, partij), lambda: wordt_rsin(ki_api, kvk))
    assert a.status_code == 201, a.content
    assert invalid_params(b) == [("subIdentificatorVan", "sub-identificatoren-gekoppeld")]
    assert PartijIdentificator.objects.get(uuid=kvk).code_soort_object_id == "kvk_nummer"
    assert_geen_sub_van_een_andere_soort()


# --- 3. the retention run of anonymous betrokkenen: the partij's klant row first -------------


def test_the_retention_run_locks_the_partij_of_an_address_it_releases(kiss):
    """An anonymous betrokkene due for destruction gave an address partij K also holds; the run
    releases it (``verstrektDoorBetrokkene`` gone, recorded ``partial_update``). A holds K's
    lock and changes that address; the run waits for K's lock before it reads anything, so its
    record shows the address as A left it (before, the run's statement waited for the address
    row only and its record kept the value from before A's change)."""
    klantcontact, k, anoniem, gedeeld = gedeeld_adres(kiss)
    Betrokkene.objects.filter(pk=anoniem.pk).update(
        vernietigingsdatum=timezone.localdate() - timedelta(days=1)
    )

    def a():
        DigitaalAdres.objects.filter(pk=gedeeld.pk).update(
            adres="balie@example.nl", adres_genormaliseerd="balie@example.nl"
        )

    aantal = terwijl_a_vergrendelt(
        k, a, lambda: retention.vernietig_anonieme_betrokkenen(timezone.localdate(), 100)
    )
    assert aantal == 1
    assert not Betrokkene.objects.filter(pk=anoniem.pk).exists()
    record = AuditTrail.objects.filter(
        resource="digitaaladres", actie="partial_update", resource_url__endswith=str(gedeeld.uuid)
    ).get()
    assert record.oud["adres"] == record.nieuw["adres"] == "balie@example.nl"
    assert record.nieuw["verstrektDoorBetrokkene"] is None


def test_the_retention_run_leaves_a_betrokkene_whose_address_a_partij_got_meanwhile(kiss):
    """An address of a partij the run did not lock (given after it chose its partijen): that
    betrokkene waits for the next batch, which locks the partij."""
    klantcontact = gemaakt(kiss, "klantcontacten", KLANTCONTACT, Klantcontact)
    k = gemaakt(kiss, "partijen", PARTIJ, Klant)
    anoniem, _ = contacten.add_betrokkene(klantcontact, rol="klant", herkomst=HERKOMST)
    Betrokkene.objects.filter(pk=anoniem.pk).update(
        vernietigingsdatum=timezone.localdate() - timedelta(days=1)
    )
    gegeven: list = []

    def na_de_klant_locks(execute, sql, params, many, context):
        resultaat = execute(sql, params, many, context)
        if not gegeven and sql.startswith('SELECT "datamodel_klant"') and "FOR UPDATE" in sql:
            # the run chose and locked its partijen: now the address comes (as if another
            # write committed it between two of the run's statements)
            gegeven.append(
                DigitaalAdres.objects.create(
                    betrokkene=anoniem,
                    klant=k,
                    adres="info@example.nl",
                    adres_genormaliseerd="info@example.nl",
                    soort_digitaal_adres="email",
                )
            )
        return resultaat

    with connection.execute_wrapper(na_de_klant_locks):
        assert retention.vernietig_anonieme_betrokkenen(timezone.localdate(), 100) == 0
    assert gegeven
    assert Betrokkene.objects.filter(pk=anoniem.pk).exists()
    assert retention.vernietig_anonieme_betrokkenen(timezone.localdate(), 100) == 1
    assert DigitaalAdres.objects.get(pk=gegeven[0].pk).betrokkene_id is None


# --- 4. migration 0015: the table lock and then klant rows, without waiting for one ----------

MIGRATIE_0015 = importlib.import_module(
    "klanten.datamodel.migrations.0015_een_partij_per_hr_sleutel"
)


@pytest.fixture
def bij_0014():
    with teruggezet(BEFORE) as executor:
        yield executor


def test_migration_0015_does_not_deadlock_with_a_write_holding_a_klant(bij_0014, monkeypatch):
    """During a rolling deploy a write of the old version holds a klant the migration changes
    and then inserts an identifier (which waits for the migration's table lock). The
    migration no longer waits for that klant holding the table lock (a deadlock, one of the
    two cancelled): it gives its locks back, pauses, tries again; both succeed."""
    monkeypatch.setattr(MIGRATIE_0015, "PAUZE", 0.05)
    klanten, _ = _duplicaten_bij_0014(bij_0014)
    apps = bij_0014.loader.project_state(BEFORE).apps
    klant_model = apps.get_model("datamodel", "Klant")
    ident_model = apps.get_model("datamodel", "PartijIdentificator")
    jongere = klanten["jongere"]
    vergrendeld, gepauzeerd = threading.Event(), threading.Event()

    class Klok:
        """The migration's ``time``: its pause after an attempt that met a held klant."""

        @staticmethod
        def sleep(seconden):
            gepauzeerd.set()
            time.sleep(seconden)

    monkeypatch.setattr(MIGRATIE_0015, "time", Klok)

    def schrijver():
        with transaction.atomic():
            klant_model.objects.select_for_update().get(pk=jongere.pk)
            vergrendeld.set()
            # the migration has met this klant held (and let go of its table lock) at least once
            assert gepauzeerd.wait(timeout=30)
            return ident_model.objects.create(
                bronorganisatie=RSIN,
                klant_id=jongere.pk,
                code_register="hr",
                code_objecttype="vestiging",
                code_soort_object_id="vestigingsnummer",
                object_id=VESTIGING,
            )

    thread = start_thread(schrijver)
    assert vergrendeld.wait(timeout=10)
    bij_0014.migrate(AFTER)
    rij = thread.outcome(timeout=60)
    ident_na = bij_0014.loader.project_state(AFTER).apps.get_model(
        "datamodel", "PartijIdentificator"
    )
    assert ident_na.objects.get(pk=rij.pk).klant_id == jongere.pk
    # and the migration did its work: the younger klant's RSIN row detached
    assert not ident_na.objects.filter(klant_id=jongere.pk, code_soort_object_id="rsin").exists()


def test_migration_0015_gives_up_with_a_clear_message_and_changes_nothing(bij_0014, monkeypatch):
    monkeypatch.setattr(MIGRATIE_0015, "PAUZE", 0.01)
    monkeypatch.setattr(MIGRATIE_0015, "POGINGEN", 3)
    klanten, rijen = _duplicaten_bij_0014(bij_0014)
    apps = bij_0014.loader.project_state(BEFORE).apps
    klant_model = apps.get_model("datamodel", "Klant")
    ident_model = apps.get_model("datamodel", "PartijIdentificator")
    vergrendeld, klaar = threading.Event(), threading.Event()

    def houder():
        with transaction.atomic():
            klant_model.objects.select_for_update().get(pk=klanten["jongere"].pk)
            vergrendeld.set()
            assert klaar.wait(timeout=30)

    thread = start_thread(houder)
    try:
        assert vergrendeld.wait(timeout=10)
        with pytest.raises(MIGRATIE_0015.VergrendelingMislukt, match="run the migration again"):
            bij_0014.migrate(AFTER)
    finally:
        klaar.set()
        thread.outcome(timeout=30)
    # nothing half done: the rows as they were
    assert ident_model.objects.get(pk=rijen["rsin jongere"].pk).klant_id == klanten["jongere"].pk


# --- 5. an address given by a betrokkene the retention (or a deletion) destroys meanwhile ----


def anonieme_betrokkene(kiss, *, klant=None):
    """A klantcontact KISS registered with a betrokkene (anonymous unless ``klant``), due for
    destruction."""
    klantcontact = gemaakt(kiss, "klantcontacten", KLANTCONTACT, Klantcontact)
    body = {
        "wasPartij": {"uuid": str(klant.uuid)} if klant is not None else None,
        "hadKlantcontact": {"uuid": str(klantcontact.uuid)},
        "rol": "klant",
        "initiator": True,
    }
    betrokkene = gemaakt(kiss, "betrokkenen", body, Betrokkene)
    Betrokkene.objects.filter(pk=betrokkene.pk).update(
        vernietigingsdatum=timezone.localdate() - timedelta(days=1)
    )
    return klantcontact, betrokkene


def adres_van_betrokkene(kiss, betrokkene, partij=None):
    body = {
        "adres": "info@example.nl",
        "soortDigitaalAdres": "email",
        "verstrektDoorBetrokkene": {"uuid": str(betrokkene.uuid)},
        "verstrektDoorPartij": {"uuid": str(partij.uuid)} if partij is not None else None,
    }
    return kiss.post_json(f"{KI_BASE}/digitaleadressen", body)


def vernietig_anoniemen():
    return retention.vernietig_anonieme_betrokkenen(timezone.localdate(), 100)


@pytest.mark.parametrize("met_partij", [False, True])
def test_an_address_for_a_betrokkene_destroyed_meanwhile_is_refused(kiss, met_partij):
    """A (the retention run) destroys betrokkene B, not committed; B's address is posted
    meanwhile: it waits for A's lock of B and is refused (400 on verstrektDoorBetrokkene).
    Before, it did not wait until its commit, where the foreign key to B failed: a 500."""
    _, betrokkene = anonieme_betrokkene(kiss)
    partij = gemaakt(kiss, "partijen", PARTIJ, Klant) if met_partij else None
    aantal, antwoord = a_houdt_vast(
        vernietig_anoniemen, lambda: adres_van_betrokkene(kiss, betrokkene, partij)
    )
    assert aantal == 1
    assert invalid_params(antwoord) == [("verstrektDoorBetrokkene", "does_not_exist")]
    assert not DigitaalAdres.objects.exists()


def test_the_retention_run_leaves_a_betrokkene_an_address_is_given_to_meanwhile(kiss):
    """A gives betrokkene B an address, not committed; the retention run meanwhile skips B
    (locked) where before it destroyed B and A's commit failed on the foreign key (a 500).
    The next run destroys B, its address with it."""
    _, betrokkene = anonieme_betrokkene(kiss)
    antwoord, aantal = a_houdt_vast(
        lambda: adres_van_betrokkene(kiss, betrokkene), vernietig_anoniemen
    )
    assert antwoord.status_code == 201, antwoord.content
    assert aantal == 0
    assert DigitaalAdres.objects.get(uuid=antwoord.json()["uuid"]).betrokkene_id == betrokkene.pk
    assert vernietig_anoniemen() == 1
    assert not DigitaalAdres.objects.exists()
    record = AuditTrail.objects.filter(
        resource="digitaaladres", resource_url__endswith=antwoord.json()["uuid"]
    ).latest("pk")
    assert record.actie == "destroy"


def test_the_destruction_of_a_klant_waits_for_an_address_its_betrokkene_gets(kiss):
    """A gives partij K an address also given by betrokkene B of klant X, not committed; X is
    destroyed meanwhile (R2: its betrokkenen go): the destruction waits for A (its lock of B,
    before it reads B's addresses) and releases the address from B, recorded; before, it read
    the addresses without A's row and its commit failed on the foreign key."""
    x = gemaakt(kiss, "partijen", PARTIJ, Klant)
    k = gemaakt(kiss, "partijen", PARTIJ, Klant)
    _, betrokkene = anonieme_betrokkene(kiss, klant=x)

    def vernietig_x():
        with transaction.atomic():
            klant = Klant.objects.select_for_update().get(pk=x.pk)
            services.verwijder_klanten([klant], HERKOMST, vernietiging=True)
        return True

    antwoord, _ = a_houdt_vast(lambda: adres_van_betrokkene(kiss, betrokkene, k), vernietig_x)
    assert antwoord.status_code == 201, antwoord.content
    assert not Klant.objects.filter(pk=x.pk).exists()
    assert not Betrokkene.objects.filter(pk=betrokkene.pk).exists()
    assert_vrijgegeven_aan(antwoord.json()["uuid"], k)


@pytest.mark.parametrize("met_partij", [False, True])
@pytest.mark.parametrize("verwijdering", ["klantcontact", "betrokkene"])
def test_a_deletion_of_a_betrokkene_waits_for_an_address_it_gets(kiss, verwijdering, met_partij):
    """A gives betrokkene B an address (of partij K, ``met_partij``), not committed; B's
    klantcontact (or B) is deleted meanwhile: the deletion waits for A and no commit fails on
    the foreign key (before: the deletion's, a 500). An address only B held goes with B
    (``destroy``; it stayed, held by nobody and unrecorded); K's address stays with K
    without B (``partial_update``; unrecorded before). K was not locked by the deletion's
    first round (A's address was not there yet): once it holds B it sees the address, changes
    nothing and takes its locks again with K's before the klantcontact's (the klantcontact's
    delete: back to its savepoint; the betrokkene's: the write runs again); before, K was never
    locked."""
    klantcontact, betrokkene = anonieme_betrokkene(kiss)
    partij = gemaakt(kiss, "partijen", PARTIJ, Klant) if met_partij else None

    def verwijder():
        with CaptureQueriesContext(connection) as queries:
            if verwijdering == "klantcontact":
                contacten.delete_klantcontact(klantcontact, herkomst=HERKOMST)
            else:
                contacten.remove_betrokkene(betrokkene, herkomst=HERKOMST)
        return [q["sql"] for q in queries.captured_queries]

    antwoord, statements = a_houdt_vast(
        lambda: adres_van_betrokkene(kiss, betrokkene, partij), verwijder
    )
    assert antwoord.status_code == 201, antwoord.content
    assert not Betrokkene.objects.filter(pk=betrokkene.pk).exists()
    uuid = antwoord.json()["uuid"]
    records = AuditTrail.objects.filter(resource="digitaaladres", resource_url__endswith=uuid)
    if not met_partij:
        assert not DigitaalAdres.objects.filter(uuid=uuid).exists()
        assert list(records.values_list("actie", flat=True)) == ["destroy"]
        return
    adres = DigitaalAdres.objects.get(uuid=uuid)
    assert (adres.klant_id, adres.betrokkene_id) == (partij.pk, None)
    record = records.latest("pk")
    assert records.filter(actie="partial_update").count() == 1
    assert record.actie == "partial_update"
    assert record.oud["verstrektDoorBetrokkene"]["uuid"] == str(betrokkene.uuid)
    assert record.nieuw["verstrektDoorBetrokkene"] is None
    # K's lock, in the last round, before the klantcontact's
    k_lock = max(i for i, s in enumerate(statements) if vergrendelt_klant(s, partij.pk))
    klantcontact_locks = [
        i
        for i, s in enumerate(statements)
        if 'FROM "datamodel_klantcontact"' in s and "FOR UPDATE" in s
    ]
    assert len(klantcontact_locks) == 2  # a round given back, then one with K
    assert k_lock < klantcontact_locks[-1]
    if verwijdering == "klantcontact":
        assert any("ROLLBACK TO SAVEPOINT" in s for s in statements)


# --- 6. a klant deleted while a write names its KvK number as subIdentificatorVan ------------


def partij_met_kvk(ki_api) -> tuple[str, str]:
    """An organisatie partij holding a KvK number: (its uuid, the KvK row's uuid)."""
    partij = nieuwe_partij(ki_api)
    kvk = post_identificator(ki_api, "kvk_nummer", KVK, partij=partij)
    assert kvk.status_code == 201, kvk.content
    return partij, kvk.json()["uuid"]


def naamt(ki_api, schrijver: str, kvk: str):
    """A write naming ``kvk`` as subIdentificatorVan: a new identifier (POST), a changed one
    (PUT) or a new partij's."""
    if schrijver == "post":
        return lambda: vestiging_van(ki_api, kvk, nieuwe_partij(ki_api))
    if schrijver == "put":
        vestiging = post_identificator(ki_api, "vestigingsnummer", VESTIGING).json()
        return lambda: ki_api.put_json(
            vestiging["url"],
            {
                "identificeerdePartij": None,
                "partijIdentificator": identificator("vestigingsnummer", VESTIGING),
                "subIdentificatorVan": {"uuid": kvk},
            },
        )
    return lambda: nieuwe_vestiging(ki_api, kvk, VESTIGING)


@pytest.mark.parametrize("schrijver", ["post", "put", "partij"])
def test_a_klant_deleted_while_its_kvk_number_is_named_keeps_it_detached(ki_api, schrijver):
    """A names partij X's KvK number K as subIdentificatorVan (not committed); X is deleted
    meanwhile: the deletion waits for A (its lock of X's HR identifiers, before it looks for
    the rows naming them), sees A's row and detaches K (``_hr_sleutels_los``). Before, it did
    not see A's row, deleted K and its commit failed on the foreign key: a 500."""
    partij, kvk = partij_met_kvk(ki_api)
    schrijf = naamt(ki_api, schrijver, kvk)
    a, b = a_houdt_vast(schrijf, lambda: ki_api.delete(f"{KI_BASE}/partijen/{partij}"))
    assert a.status_code in (200, 201), a.content
    assert b.status_code == 204, b.content
    assert not Klant.objects.filter(uuid=partij).exists()
    rij = PartijIdentificator.objects.get(uuid=kvk)
    assert rij.klant_id is None
    assert PartijIdentificator.objects.filter(sub_identificator_van=rij).count() == 1


@pytest.mark.parametrize("schrijver", ["post", "put", "partij"])
def test_a_kvk_number_deleted_meanwhile_is_no_sub_identificator_van(ki_api, schrijver):
    """X is deleted (not committed) with its KvK number K; a write naming K meanwhile waits
    for K's lock and is refused: 400 on subIdentificatorVan, nothing written."""
    partij, kvk = partij_met_kvk(ki_api)
    schrijf = naamt(ki_api, schrijver, kvk)
    voor = PartijIdentificator.objects.count()
    a, b = a_houdt_vast(lambda: ki_api.delete(f"{KI_BASE}/partijen/{partij}"), schrijf)
    assert a.status_code == 204, a.content
    assert b.status_code == 400, b.content
    veld = (
        "partijIdentificatoren.subIdentificatorVan"
        if schrijver == "partij"
        else ("subIdentificatorVan")
    )
    assert (veld, "does_not_exist") in invalid_params(b)
    assert not PartijIdentificator.objects.filter(uuid=kvk).exists()
    assert PartijIdentificator.objects.count() == voor - 1


# --- 7. R2 of a klant: the partijen holding an address its betrokkenen gave, locked first ----


@pytest.mark.parametrize("partij_eerst", [False, True])
def test_the_destruction_of_a_klant_locks_the_partij_of_an_address_it_releases(
    kiss, monkeypatch, partij_eerst
):
    """Klant X's betrokkene B gave an address partij K also holds; the retention run destroys
    X and releases the address from B (recorded ``partial_update``). A holds K's lock and
    changes that address: the run waits for K's lock before it reads anything, so its record
    shows the address as A left it (before, it waited for the address row only and its
    record kept the value from before A's change). K made before X (a lower id): the run
    gives its locks back and takes them again in id order."""
    k = gemaakt(kiss, "partijen", PARTIJ, Klant) if partij_eerst else None
    x = gemaakt(kiss, "partijen", PARTIJ, Klant)
    k = k or gemaakt(kiss, "partijen", PARTIJ, Klant)
    assert (k.pk < x.pk) == partij_eerst
    _, betrokkene = anonieme_betrokkene(kiss, klant=x)
    gedeeld = adres_van_betrokkene(kiss, betrokkene, k)
    assert gedeeld.status_code == 201, gedeeld.content
    gedeeld = DigitaalAdres.objects.get(uuid=gedeeld.json()["uuid"])
    gisteren = timezone.localdate() - timedelta(days=1)
    Klant.objects.filter(pk=x.pk).update(vernietigingsdatum=gisteren)
    monkeypatch.setattr(
        services,
        "vernietiging_van",
        lambda klant, termijnen: rules.Vernietiging(gisteren, VernietigingsGrond.bewaartermijn),
    )

    def a():
        DigitaalAdres.objects.filter(pk=gedeeld.pk).update(
            adres="balie@example.nl", adres_genormaliseerd="balie@example.nl"
        )

    gezien, vernietigd = terwijl_a_vergrendelt(
        k, a, lambda: retention.vernietig_batch(timezone.localdate(), 100)
    )
    assert vernietigd == 1
    assert not Klant.objects.filter(pk=x.pk).exists()
    record = AuditTrail.objects.filter(
        resource="digitaaladres", actie="partial_update", resource_url__endswith=str(gedeeld.uuid)
    ).latest("pk")
    assert record.oud["adres"] == record.nieuw["adres"] == "balie@example.nl"
    assert record.nieuw["verstrektDoorBetrokkene"] is None
    assert DigitaalAdres.objects.get(pk=gedeeld.pk).betrokkene_id is None


def test_the_destruction_of_a_klant_takes_its_locks_again_for_an_address_given_meanwhile(kiss):
    """An address given to partij K by a betrokkene of X after the destruction read the
    partijen to lock (before it locked the betrokkenen): seen once the betrokkenen are locked,
    the locks are taken again with K's, and the address released with K locked."""
    x = gemaakt(kiss, "partijen", PARTIJ, Klant)
    k = gemaakt(kiss, "partijen", PARTIJ, Klant)
    _, betrokkene = anonieme_betrokkene(kiss, klant=x)
    gegeven: list = []

    def geef():
        gegeven.append(adres_van_betrokkene(kiss, betrokkene, k))

    def na_de_partijen(execute, sql, params, many, context):
        resultaat = execute(sql, params, many, context)
        if not gegeven and 'FROM "datamodel_digitaaladres"' in sql and "DISTINCT" in sql:
            # the destruction read the partijen to lock: now another write gives the address
            # and commits
            start_thread(geef).outcome(timeout=60)
        return resultaat

    with transaction.atomic():
        with connection.execute_wrapper(na_de_partijen), CaptureQueriesContext(connection) as q:
            klanten = services.vergrendel_te_vernietigen(
                lambda: list(Klant.objects.select_for_update().filter(pk=x.pk))
            )
        assert [klant.pk for klant in klanten] == [x.pk]
        assert any("ROLLBACK TO SAVEPOINT" in query["sql"] for query in q.captured_queries)
        services.verwijder_klanten(klanten, HERKOMST, vernietiging=True)
    assert gegeven[0].status_code == 201, gegeven[0].content
    assert_vrijgegeven_aan(gegeven[0].json()["uuid"], k)


# --- 8. a new date of a klantcontact: a betrokkene added before its lock ---------------------

NIEUWE_DATUM = {"plaatsgevonden_op": timezone.now() - timedelta(days=3)}


def klant_vergrendelingen(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith('SELECT "datamodel_klant"') and "FOR UPDATE" in q["sql"]
    ]


def test_a_new_date_locks_the_klant_of_a_betrokkene_added_before_the_klantcontacts_lock(kiss):
    """The update reads and locks the klanten of the klantcontact's betrokkenen, then the
    klantcontact; A adds a betrokkene of klant X in between (holding the klantcontact). The
    update sees it once it holds the klantcontact and, changing nothing, runs again from its
    start: X locked before the klantcontact (in order), before the date changes (which changes
    X's retention date). Before, X was not locked at all, then locked after the
    klantcontact."""
    klantcontact = gemaakt(kiss, "klantcontacten", KLANTCONTACT, Klantcontact)
    x = gemaakt(kiss, "partijen", PARTIJ, Klant)

    def a():
        Betrokkene.objects.create(klantcontact=klantcontact, klant=x, rol="klant")

    def b():
        with CaptureQueriesContext(connection) as queries:
            contacten.update_klantcontact(klantcontact, dict(NIEUWE_DATUM), herkomst=HERKOMST)
        return queries.captured_queries

    queries = terwijl_a_vergrendelt(klantcontact, a, b)
    vergrendelingen = klant_vergrendelingen(queries)
    assert len(vergrendelingen) == 2  # the klanten as read first (none), then with X
    assert_klanten_voor_het_klantcontact(queries)
    assert (
        Klantcontact.objects.get(pk=klantcontact.pk).plaatsgevonden_op
        == (NIEUWE_DATUM["plaatsgevonden_op"])
    )


def test_a_new_date_without_a_race_reads_nothing_more(kiss):
    """Every betrokkene one of the klanten locked first: no statement more (the klanten's
    betrokkenen are read by their lock statement)."""
    klantcontact = gemaakt(kiss, "klantcontacten", KLANTCONTACT, Klantcontact)
    x = gemaakt(kiss, "partijen", PARTIJ, Klant)
    contacten.add_betrokkene(klantcontact, klant=x, rol="klant", herkomst=HERKOMST)
    with CaptureQueriesContext(connection) as queries:
        contacten.update_klantcontact(klantcontact, dict(NIEUWE_DATUM), herkomst=HERKOMST)
    assert len(klant_vergrendelingen(queries.captured_queries)) == 1
    assert not any(
        'FROM "datamodel_betrokkene"' in q["sql"] and "DISTINCT" in q["sql"]
        for q in queries.captured_queries
    )


# --- 9. no lock out of order once the rounds are used up: the write again, or a 409 ----------


def klantcontact_vergrendelingen(queries) -> list[int]:
    return [
        i
        for i, q in enumerate(queries)
        if 'FROM "datamodel_klantcontact"' in q["sql"] and "FOR UPDATE" in q["sql"]
    ]


def assert_klanten_voor_het_klantcontact(queries) -> None:
    """Every klant lock comes before the last lock of the klantcontact (the attempt that
    wrote): none after it, out of order."""
    laatste = klantcontact_vergrendelingen(queries)[-1]
    klanten = [
        i
        for i, q in enumerate(queries)
        if '"datamodel_klant"' in q["sql"]
        and "FOR UPDATE" in q["sql"]
        and 'FROM "datamodel_klantcontact"' not in q["sql"]
    ]
    assert klanten and max(klanten) < laatste


def betrokkenen_ertussen(klantcontact, partijen: list):
    """An execute wrapper: before each lock of ``klantcontact`` (while ``partijen`` are left)
    another connection adds a betrokkene of the next partij and commits, as a concurrent
    ``add_betrokkene`` between the write's lock of the klanten and its lock of the
    klantcontact. Returns (wrapper, the betrokkenen added)."""
    toegevoegd: list = []

    def voeg_toe(partij):
        toegevoegd.append(
            Betrokkene.objects.create(klantcontact_id=klantcontact.pk, klant=partij, rol="klant")
        )

    def wrapper(execute, sql, params, many, context):
        if partijen and 'FROM "datamodel_klantcontact"' in sql and "FOR UPDATE" in sql:
            start_thread(voeg_toe, partijen.pop(0)).outcome(timeout=60)
        return execute(sql, params, many, context)

    return wrapper, toegevoegd


@pytest.fixture
def cm_kiss(make_client):
    from .conftest import CM_SCOPES

    return make_client(cm_scopes=CM_SCOPES, user_id="medewerker-1", user_representation="M")


def cm_pad(klantcontact) -> str:
    from .conftest import CM_BASE

    return f"{CM_BASE}/contactmomenten/{klantcontact.uuid}"


def test_a_delete_whose_rounds_are_used_up_runs_again_with_the_klant_locked_first(
    kiss, monkeypatch
):
    """The delete of a klantcontact (``contacten._vergrendel_met_klanten``) meets a betrokkene
    of partij X added between its lock of the partijen and of the klantcontact in its last
    round: it does not lock X after the klantcontact (out of order, as before) but gives every
    lock back and runs again from its start (``transactions.GelijktijdigeWijziging``), X
    locked before the klantcontact; X's change recorded once."""
    monkeypatch.setattr(contacten, "VERGRENDEL_POGINGEN", 1)
    klantcontact = gemaakt(kiss, "klantcontacten", KLANTCONTACT, Klantcontact)
    x = gemaakt(kiss, "partijen", PARTIJ, Klant)
    wrapper, toegevoegd = betrokkenen_ertussen(klantcontact, [x])
    with connection.execute_wrapper(wrapper), CaptureQueriesContext(connection) as queries:
        contacten.delete_klantcontact(klantcontact, herkomst=HERKOMST)
    assert len(toegevoegd) == 1
    assert not Klantcontact.objects.filter(pk=klantcontact.pk).exists()
    assert len(klantcontact_vergrendelingen(queries.captured_queries)) == 2  # run again
    assert_klanten_voor_het_klantcontact(queries.captured_queries)
    records = AuditTrail.objects.filter(
        bron="ki", resource="partij", hoofd_object__endswith=str(x.uuid), actie="partial_update"
    )
    assert records.count() == 1
    assert [ref["uuid"] for ref in records.get().oud["betrokkenen"]] == [str(toegevoegd[0].uuid)]
    assert (
        UitgaandeNotificatie.objects.filter(
            actie="partial_update", resource_url__endswith=str(x.uuid)
        ).count()
        == 1
    )


def test_a_delete_that_keeps_meeting_new_betrokkenen_is_a_409_with_nothing_deleted(
    kiss, cm_kiss, monkeypatch
):
    """Every attempt meets a betrokkene added between its locks: after the last one the
    DELETE answers 409 ``gelijktijdige-wijziging`` (before: the last round locked the klant
    after the klantcontact, out of order, and deleted); nothing deleted or recorded."""
    from klanten.datamodel import transactions

    monkeypatch.setattr(contacten, "VERGRENDEL_POGINGEN", 1)
    klantcontact = gemaakt(kiss, "klantcontacten", KLANTCONTACT, Klantcontact)
    partijen = [gemaakt(kiss, "partijen", PARTIJ, Klant) for _ in range(transactions.POGINGEN)]
    records = AuditTrail.objects.count()
    notificaties = UitgaandeNotificatie.objects.count()
    wrapper, toegevoegd = betrokkenen_ertussen(klantcontact, partijen)
    with connection.execute_wrapper(wrapper):
        response = cm_kiss.delete(cm_pad(klantcontact))
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "gelijktijdige-wijziging"
    assert len(toegevoegd) == transactions.POGINGEN
    assert Klantcontact.objects.filter(pk=klantcontact.pk).exists()
    assert Betrokkene.objects.filter(klantcontact=klantcontact).count() == len(toegevoegd)
    assert AuditTrail.objects.count() == records
    assert UitgaandeNotificatie.objects.count() == notificaties


def test_a_new_date_that_keeps_meeting_new_betrokkenen_is_a_409_with_nothing_changed(
    kiss, cm_kiss, monkeypatch
):
    """``update_klantcontact`` (a new date: the retention dates of its klanten follow): every
    attempt meets a betrokkene of a klant it did not lock, added between its lock of the
    klanten and of the klantcontact. Before, it locked that klant after the klantcontact (out
    of order) and wrote; now after its last attempt: 409 ``gelijktijdige-wijziging``, the
    date unchanged, nothing recorded."""
    from klanten.datamodel import transactions

    from .test_contactmomenten import MEDEWERKER

    # a contactmoment (a medewerker, as the Contactmomenten API requires)
    klantcontact = contacten.create_klantcontact(
        {"bronorganisatie": RSIN, "kanaal": "telefoon", "medewerker_url": MEDEWERKER}
    )
    partijen = [gemaakt(kiss, "partijen", PARTIJ, Klant) for _ in range(transactions.POGINGEN)]
    datum = Klantcontact.objects.get(pk=klantcontact.pk).plaatsgevonden_op
    records = AuditTrail.objects.count()
    notificaties = UitgaandeNotificatie.objects.count()
    wrapper, toegevoegd = betrokkenen_ertussen(klantcontact, partijen)
    with connection.execute_wrapper(wrapper):
        response = cm_kiss.patch_json(
            cm_pad(klantcontact), {"registratiedatum": "2020-01-01T12:00:00Z"}
        )
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "gelijktijdige-wijziging"
    assert len(toegevoegd) == transactions.POGINGEN
    assert Klantcontact.objects.get(pk=klantcontact.pk).plaatsgevonden_op == datum
    assert AuditTrail.objects.count() == records
    assert UitgaandeNotificatie.objects.count() == notificaties


def te_laat_gezien(monkeypatch, hoe_vaak: int | None = None):
    """``services._adreshouders`` as if each round's first read came before an address was
    given (it finds none), its second (after the betrokkenen's lock) after: the partij is
    missing from the locks. ``hoe_vaak``: only in that many rounds."""
    echt = services._adreshouders
    gelezen: list = []

    def adreshouders(klant_ids):
        gelezen.append(klant_ids)
        ronde = (len(gelezen) + 1) // 2
        if len(gelezen) % 2 and (hoe_vaak is None or ronde <= hoe_vaak):
            return set()
        return echt(klant_ids)

    monkeypatch.setattr(services, "VERGRENDEL_POGINGEN", 1)
    monkeypatch.setattr(services, "_adreshouders", adreshouders)


def vernietigbaar(kiss, monkeypatch):
    """Klant X due for destruction whose betrokkene gave an address partij K also holds, and
    klant Y due without one: (x, k, y, the address)."""
    y = gemaakt(kiss, "partijen", PARTIJ, Klant)
    x = gemaakt(kiss, "partijen", PARTIJ, Klant)
    k = gemaakt(kiss, "partijen", PARTIJ, Klant)  # after both: locked after them
    _, betrokkene = anonieme_betrokkene(kiss, klant=x)
    gedeeld = adres_van_betrokkene(kiss, betrokkene, k)
    assert gedeeld.status_code == 201, gedeeld.content
    gisteren = timezone.localdate() - timedelta(days=1)
    Klant.objects.filter(pk__in=[x.pk, y.pk]).update(vernietigingsdatum=gisteren)
    monkeypatch.setattr(
        services,
        "vernietiging_van",
        lambda klant, termijnen: rules.Vernietiging(gisteren, VernietigingsGrond.bewaartermijn),
    )
    return x, k, y, DigitaalAdres.objects.get(uuid=gedeeld.json()["uuid"])


def test_a_destruction_whose_rounds_are_used_up_runs_again_with_the_partij_locked_first(
    kiss, monkeypatch
):
    """R2's locks (``services.vergrendel_te_vernietigen``): an address given to partij K
    after the batch read the partijen to lock, seen in its last round. Before, K was locked
    after the betrokkenen (out of order); now the batch gives every lock back and runs again,
    K locked before the betrokkenen, and destroys X, the address released from it once."""
    x, k, y, adres = vernietigbaar(kiss, monkeypatch)
    te_laat_gezien(monkeypatch, hoe_vaak=1)
    with CaptureQueriesContext(connection) as queries:
        gezien, vernietigd = retention.vernietig_batch(timezone.localdate(), 100)
    assert (gezien, vernietigd) == (2, 2)
    assert not Klant.objects.filter(pk__in=[x.pk, y.pk]).exists()
    assert_vrijgegeven_aan(adres.uuid, k)
    statements = [q["sql"] for q in queries.captured_queries]
    # the attempt that destroyed: from its choice of the batch to its lock of the betrokkenen
    begin = max(i for i, sql in enumerate(statements) if "SKIP LOCKED" in sql)
    betrokkenen = next(
        i
        for i, sql in enumerate(statements)
        if i > begin and 'FROM "datamodel_betrokkene"' in sql and "FOR UPDATE" in sql
    )
    k_lock = re.compile(rf'"datamodel_klant"\."id" IN \(([0-9]+, )*{k.pk}(, [0-9]+)*\)')
    k_locks = [i for i, sql in enumerate(statements) if "FOR UPDATE" in sql and k_lock.search(sql)]
    # K's lock before the betrokkenen's, and none after it (out of order)
    assert any(begin < i < betrokkenen for i in k_locks)
    assert not any(i > betrokkenen for i in k_locks)


def test_a_retention_run_leaves_a_klant_it_cannot_lock_in_order_for_the_next_run(
    kiss, monkeypatch, caplog
):
    """Every attempt of the batch meets the address given to K too late: X (whose betrokkene
    gave it) is left for the next run, nothing of it changed, and the run goes on and destroys
    Y (before: K locked out of order and X destroyed). The log names the event and a count."""
    x, k, y, adres = vernietigbaar(kiss, monkeypatch)
    echt = services._adreshouders
    te_laat_gezien(monkeypatch)
    records = AuditTrail.objects.filter(resource_url__endswith=str(adres.uuid)).count()
    with caplog.at_level("INFO"):
        run = retention.voer_uit()
    logs = [r.msg for r in caplog.records if isinstance(r.msg, dict)]
    assert run.status == "geslaagd"
    assert run.aantal_vernietigd == 1
    assert Klant.objects.filter(pk=x.pk).exists()
    assert not Klant.objects.filter(pk=y.pk).exists()
    assert DigitaalAdres.objects.get(pk=adres.pk).betrokkene_id is not None
    assert AuditTrail.objects.filter(resource_url__endswith=str(adres.uuid)).count() == records
    [overgeslagen] = [log for log in logs if log["event"] == "retention_klanten_left_for_next_run"]
    assert set(overgeslagen) - {"event", "aantal"} <= {"level", "log_level", "logger", "timestamp"}
    assert overgeslagen["aantal"] == 1
    # the next run, the address no longer given meanwhile: X goes, the address released
    monkeypatch.setattr(services, "_adreshouders", echt)
    assert retention.voer_uit().aantal_vernietigd == 1
    assert not Klant.objects.filter(pk=x.pk).exists()
    assert_vrijgegeven_aan(adres.uuid, k)


def benoemt_de_klanten(sql: str) -> bool:
    """The statement reading which klanten of a destruction gave the addresses of the partijen
    it could not lock in order (``services._gelijktijdig``)."""
    return sql.startswith('SELECT "datamodel_betrokkene"."klant_id" AS "betrokkene__klant_id"')


def test_a_batch_that_cannot_lock_in_order_reads_the_klanten_to_leave_once(kiss, monkeypatch):
    """Every attempt of the batch meets the address given to K too late: the klanten it leaves
    for the next run (X, whose betrokkene gave it; not Y) are read once, after the last
    attempt, not by each of the ``transactions.POGINGEN`` attempts (before: one statement per
    attempt, all but the last one's ids thrown away)."""
    x, k, y, adres = vernietigbaar(kiss, monkeypatch)
    te_laat_gezien(monkeypatch)
    overslaan: set[int] = set()
    with CaptureQueriesContext(connection) as queries:
        assert retention.vernietig_batch(timezone.localdate(), 100, overslaan) == (1, 0)
    assert overslaan == {x.pk}
    pogingen = [q for q in queries.captured_queries if "SKIP LOCKED" in q["sql"]]
    assert len(pogingen) == transactions.POGINGEN
    assert len([q for q in queries.captured_queries if benoemt_de_klanten(q["sql"])]) == 1
    assert Klant.objects.filter(pk__in=[x.pk, y.pk]).count() == 2


@pytest.mark.parametrize(("batch_size", "achter", "vernietigd"), [(1, 1, 2), (2, 2, 1)])
def test_a_conflict_naming_no_klant_leaves_the_whole_batch_and_the_run_goes_on(
    kiss, monkeypatch, caplog, batch_size, achter, vernietigd
):
    """A ``GelijktijdigeWijziging`` after the last attempt that names no klant: every klant of
    that batch is left for the next run (counted), and the run goes on with the others. X
    (its batch fails) is due first, then Y and Z (no address): with batches of one, X is left
    and Y and Z go; of two, X and Y are left and Z goes. Before, the batch returned (0, 0)
    and the run ended as if nothing were due: Y and Z stayed."""
    x, k, y, adres = vernietigbaar(kiss, monkeypatch)
    z = gemaakt(kiss, "partijen", PARTIJ, Klant)
    gisteren = timezone.localdate() - timedelta(days=1)
    Klant.objects.filter(pk=z.pk).update(vernietigingsdatum=gisteren)
    Klant.objects.filter(pk=x.pk).update(vernietigingsdatum=gisteren - timedelta(days=1))
    te_laat_gezien(monkeypatch)
    monkeypatch.setattr(
        services, "_gelijktijdig", lambda klant_ids, houders: transactions.GelijktijdigeWijziging()
    )
    with caplog.at_level("INFO"):
        run = retention.voer_uit(batch_size=batch_size)
    logs = [r.msg for r in caplog.records if isinstance(r.msg, dict)]
    assert run.status == "geslaagd"
    assert run.aantal_vernietigd == vernietigd
    assert Klant.objects.filter(pk=x.pk).exists()
    assert Klant.objects.filter(pk=y.pk).exists() == (achter == 2)
    assert not Klant.objects.filter(pk=z.pk).exists()
    assert DigitaalAdres.objects.get(pk=adres.pk).betrokkene_id is not None
    [overgeslagen] = [log for log in logs if log["event"] == "retention_klanten_left_for_next_run"]
    assert set(overgeslagen) - {"event", "aantal"} <= {"level", "log_level", "logger", "timestamp"}
    assert overgeslagen["aantal"] == achter
