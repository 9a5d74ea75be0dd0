"""K5 on data written before its rule: an identifier whose ``subIdentificatorVan`` names a BSN
(or another row that is not a KvK number, or itself). Migration 0017 clears such references,
recording each changed partij once; a deletion that still meets one (an old instance during a
rolling deploy) repairs it first instead of failing on the protected reference (a 500, and
the retention batch on every run)."""

import threading
import time
from datetime import date

import pytest
from django.db import connection
from vng_api_common.audittrails.models import AuditTrail

from klanten.background import retention
from klanten.background.models import RunStatus
from klanten.datamodel.models import Klant
from klanten.datamodel.partijen import PartijIdentificator
from klanten.datamodel.partijherstel import HERSTEL_WEERGAVE
from klanten.datamodel.partijrepresentatie import KIContext, partij
from klanten.notificaties.models import UitgaandeNotificatie

from .admin_helpers import KLANTEN_ADMIN
from .conftest import BASE, BSN, RSIN, RSIN_2
from .ki_fixtures import KI_BASE
from .migratie_helpers import teruggezet

pytest_plugins = ("tests.admin_fixtures",)

KVK = "69599084"
VESTIGING = "000012345678"
BEFORE = [("datamodel", "0015_een_partij_per_hr_sleutel")]
AFTER = [("datamodel", "0017_sub_identificator_van_herstel")]


def _rij(model, klant, soort, object_id, sub=None):
    """An identifier row written directly (bypassing K5's rule, as data from before it)."""
    return model.objects.create(
        bronorganisatie=RSIN,
        klant=klant,
        code_register="brp" if soort == "bsn" else "hr",
        code_objecttype="natuurlijk_persoon" if soort == "bsn" else "niet_natuurlijk_persoon",
        code_soort_object_id=soort,
        object_id=object_id,
        sub_identificator_van=sub,
    )


def _vastgelegd():
    """(bron, resource, actie, url) of the audit records and (kanaal, resource, actie, url)
    of the outbox notifications, sorted."""
    records = sorted(
        (r.bron, r.resource, r.actie, r.resource_url) for r in AuditTrail.objects.all()
    )
    meldingen = sorted(
        (n.bericht["kanaal"], n.bericht["resource"], n.bericht["actie"], n.bericht["resourceUrl"])
        for n in UitgaandeNotificatie.objects.all()
    )
    return records, meldingen


# --- the migration ------------------------------------------------------------------------------


@pytest.fixture
def migrate_back():
    with teruggezet(BEFORE) as executor:
        yield executor


def _legacy_bij_0015(executor):
    """At 0015: a persoon with a BSN named by the vestigingsnummer of an organisation, by a
    loose identifier and by two rows of a third partij (its RSIN names the BSN, its
    vestigingsnummer its own RSIN: two repairs, one partij); a KvK number naming itself; and
    a valid vestiging of a KvK number. Returns klanten and rows by name (0015's models)."""
    apps = executor.loader.project_state(BEFORE).apps
    klant_model = apps.get_model("datamodel", "Klant")
    ident = apps.get_model("datamodel", "PartijIdentificator")
    klanten = {
        naam: klant_model.objects.create(bronorganisatie=RSIN, klantnummer=str(nummer))
        for nummer, naam in enumerate(
            ["persoon", "filiaal", "dubbel", "zelf", "holding", "vestiging"], start=1
        )
    }
    rijen = {"bsn": _rij(ident, klanten["persoon"], "bsn", BSN)}
    rijen["filiaal"] = _rij(ident, klanten["filiaal"], "vestigingsnummer", VESTIGING, rijen["bsn"])
    rijen["los"] = _rij(ident, None, "vestigingsnummer", "000087654321", rijen["bsn"])
    rijen["dubbel rsin"] = _rij(ident, klanten["dubbel"], "rsin", RSIN_2, rijen["bsn"])
    rijen["dubbel vestiging"] = _rij(
        ident, klanten["dubbel"], "vestigingsnummer", "000011112222", rijen["dubbel rsin"]
    )
    rijen["zelf"] = _rij(ident, klanten["zelf"], "kvk_nummer", "12345678")
    ident.objects.filter(pk=rijen["zelf"].pk).update(sub_identificator_van=rijen["zelf"].pk)
    rijen["kvk"] = _rij(ident, klanten["holding"], "kvk_nummer", KVK)
    rijen["geldig"] = _rij(
        ident, klanten["vestiging"], "vestigingsnummer", "000033334444", rijen["kvk"]
    )
    return klanten, rijen


@pytest.mark.django_db(transaction=True)
def test_the_migration_clears_references_to_no_kvk_number_recording_each_partij_once(
    migrate_back, notificaties
):
    klanten, rijen = _legacy_bij_0015(migrate_back)
    assert _vastgelegd() == ([], [])

    migrate_back.migrate(AFTER)

    def sub(naam):
        return PartijIdentificator.objects.get(pk=rijen[naam].pk).sub_identificator_van_id

    for naam in ("filiaal", "los", "dubbel rsin", "dubbel vestiging", "zelf"):
        assert sub(naam) is None, naam
    assert sub("geldig") == rijen["kvk"].pk  # a KvK number stays named
    assert PartijIdentificator.objects.count() == len(rijen)  # nothing deleted

    ctx = KIContext.zonder_request()
    url = {naam: ctx.url("partijen", k.uuid) for naam, k in klanten.items()}
    los_url = ctx.url("partij-identificatoren", rijen["los"].uuid)
    gewijzigd = ("filiaal", "dubbel", "zelf")
    records, meldingen = _vastgelegd()
    # one record each for the changed partijen (not the persoon whose BSN was named, not the
    # valid vestiging nor its holding), one for the loose identifier
    assert records == sorted(
        [("ki", "partij", "partial_update", url[naam]) for naam in gewijzigd]
        + [("ki", "partijidentificator", "partial_update", los_url)]
    )
    assert meldingen == sorted(
        [("partijen", "partij", "partial_update", url[naam]) for naam in gewijzigd]
        + [("partijen", "partijidentificator", "partial_update", los_url)]
    )
    for naam in gewijzigd:
        record = AuditTrail.objects.get(resource_url=url[naam])
        assert record.applicatie_weergave == "Klanten (migratie 0017)"
        assert record.nieuw == partij(Klant.objects.get(uuid=klanten[naam].uuid), ctx)
        voor = [i["subIdentificatorVan"] for i in record.oud["partijIdentificatoren"]]
        na = [i["subIdentificatorVan"] for i in record.nieuw["partijIdentificatoren"]]
        assert any(voor) and not any(na)
        assert {k: v for k, v in record.oud.items() if k != "partijIdentificatoren"} == {
            k: v for k, v in record.nieuw.items() if k != "partijIdentificatoren"
        }
    los = AuditTrail.objects.get(resource_url=los_url)
    assert los.oud["subIdentificatorVan"] is not None
    assert los.nieuw == {**los.oud, "subIdentificatorVan": None}


@pytest.mark.django_db(transaction=True)
def test_the_migration_records_nothing_when_nothing_is_repaired(migrate_back, notificaties):
    apps = migrate_back.loader.project_state(BEFORE).apps
    klant_model = apps.get_model("datamodel", "Klant")
    ident = apps.get_model("datamodel", "PartijIdentificator")
    holding = klant_model.objects.create(bronorganisatie=RSIN, klantnummer="1")
    vestiging = klant_model.objects.create(bronorganisatie=RSIN, klantnummer="2")
    kvk = _rij(ident, holding, "kvk_nummer", KVK)
    geldig = _rij(ident, vestiging, "vestigingsnummer", VESTIGING, kvk)
    _rij(ident, None, "vestigingsnummer", "000087654321", kvk)
    _rij(ident, vestiging, "bsn", BSN)

    migrate_back.migrate(AFTER)

    assert _vastgelegd() == ([], [])
    assert PartijIdentificator.objects.get(pk=geldig.pk).sub_identificator_van_id == kvk.pk


# --- deletion meeting such a reference (written after the migration by an old instance) -------


@pytest.fixture
def legacy(make_klant):
    """A persoon whose BSN an organisation's vestigingsnummer names (as written before K5)."""
    persoon = make_klant()
    organisatie = make_klant(
        subject_type="niet_natuurlijk_persoon", subject_identificatie={"inn_nnp_id": RSIN_2}
    )
    bsn = PartijIdentificator.objects.get(klant=persoon, code_soort_object_id="bsn")
    filiaal = _rij(PartijIdentificator, organisatie, "vestigingsnummer", VESTIGING, bsn)
    AuditTrail.objects.all().delete()
    UitgaandeNotificatie.objects.all().delete()
    return persoon, organisatie, filiaal


def _hersteld(persoon, organisatie, filiaal):
    """The deletion went through after the repair: the persoon and its BSN are gone, the
    filiaal stays without its reference, and the organisation's partij got one record of
    the repair (the system's, with its before and after)."""
    assert not Klant.objects.filter(pk=persoon.pk).exists()
    assert not PartijIdentificator.objects.filter(object_id=BSN).exists()
    filiaal.refresh_from_db()
    assert filiaal.klant_id == organisatie.pk and filiaal.sub_identificator_van_id is None
    [record] = AuditTrail.objects.filter(resource_url__endswith=f"/partijen/{organisatie.uuid}")
    assert (record.bron, record.actie) == ("ki", "partial_update")
    assert record.applicatie_weergave == HERSTEL_WEERGAVE
    [oud] = [i for i in record.oud["partijIdentificatoren"] if i["uuid"] == str(filiaal.uuid)]
    [nieuw] = [i for i in record.nieuw["partijIdentificatoren"] if i["uuid"] == str(filiaal.uuid)]
    assert oud["subIdentificatorVan"] is not None and nieuw["subIdentificatorVan"] is None
    # the repair is the system's: its URLs are those of the configured site
    assert record.nieuw == partij(Klant.objects.get(pk=organisatie.pk), KIContext.zonder_request())


@pytest.mark.django_db(transaction=True)
def test_a_klanten_api_delete_repairs_the_reference_and_deletes(api, legacy, notificaties):
    persoon, organisatie, filiaal = legacy

    response = api.delete(f"{BASE}/klanten/{persoon.uuid}")

    assert response.status_code == 204, response.content
    _hersteld(persoon, organisatie, filiaal)
    meldingen = sorted(
        (n.bericht["kanaal"], n.bericht["actie"], n.bericht["resourceUrl"].rsplit("/", 1)[1])
        for n in UitgaandeNotificatie.objects.all()
    )
    assert meldingen == sorted(
        [
            ("klanten", "destroy", str(persoon.uuid)),
            ("partijen", "destroy", str(persoon.uuid)),
            ("partijen", "partial_update", str(organisatie.uuid)),
        ]
    )


@pytest.mark.django_db(transaction=True)
def test_a_klantinteracties_delete_repairs_the_reference_and_deletes(ki_api, legacy):
    persoon, organisatie, filiaal = legacy

    response = ki_api.delete(f"{KI_BASE}/partijen/{persoon.uuid}")

    assert response.status_code == 204, response.content
    _hersteld(persoon, organisatie, filiaal)


@pytest.mark.django_db(transaction=True)
def test_the_admin_destroys_after_the_repair(beheerder_client, legacy):
    persoon, organisatie, filiaal = legacy

    response = beheerder_client.post(
        f"{KLANTEN_ADMIN}{persoon.pk}/delete/", {"post": "yes", "reden": "AVG-verzoek"}
    )

    assert response.status_code == 302
    _hersteld(persoon, organisatie, filiaal)


@pytest.mark.django_db(transaction=True)
def test_the_retention_run_repairs_and_destroys_instead_of_failing(legacy):
    persoon, organisatie, filiaal = legacy
    Klant.objects.filter(pk=persoon.pk).update(vernietigingsdatum=date(2000, 1, 1))
    Klant.objects.filter(pk=organisatie.pk).update(vernietigingsdatum=date(2100, 1, 1))

    run = retention.voer_uit(vandaag=date(2099, 1, 1))

    assert run.status == RunStatus.geslaagd
    assert not Klant.objects.filter(pk=persoon.pk).exists()
    assert run.aantal_vernietigd == 1
    _hersteld(persoon, organisatie, filiaal)


def test_nested_in_a_transaction_that_cannot_repair_it_is_a_409(api, legacy):
    """Inside an outer transaction (here the test's) the write cannot roll back and repair:
    a conflict with a fixed code, never a 500; nothing changed."""
    persoon, _, filiaal = legacy

    response = api.delete(f"{BASE}/klanten/{persoon.uuid}")

    assert response.status_code == 409, response.content
    assert response.json()["code"] == "sub-identificator-herstel-nodig"
    assert Klant.objects.filter(pk=persoon.pk).exists()
    filiaal.refresh_from_db()
    assert filiaal.sub_identificator_van is not None


@pytest.mark.django_db(transaction=True)
def test_an_hr_row_named_so_is_still_detached_without_a_repair(make_klant):
    """The HR case (K5, ``services._hr_sleutels_los``) is unchanged: a KvK number named by
    another partij's vestiging stays without a partij, the reference kept."""
    from klanten.datamodel import services

    holding = make_klant(
        subject_type="niet_natuurlijk_persoon", subject_identificatie={"inn_nnp_id": RSIN_2}
    )
    filiaal = make_klant(subject_type="vestiging", subject_identificatie={})
    kvk = _rij(PartijIdentificator, holding, "kvk_nummer", KVK)
    vestiging = _rij(PartijIdentificator, filiaal, "vestigingsnummer", VESTIGING, kvk)

    services.delete_klant(holding)

    kvk.refresh_from_db()
    vestiging.refresh_from_db()
    assert kvk.klant_id is None and vestiging.sub_identificator_van_id == kvk.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM datamodel_klant WHERE id = %s", [holding.pk])
        assert cursor.fetchone() == (0,)


@pytest.mark.django_db(transaction=True)
def test_a_kvk_number_naming_itself_goes_with_its_klant(make_klant):
    """A row naming itself is repaired too (not kept without a partij, naming itself)."""
    from klanten.datamodel import services

    holding = make_klant(
        subject_type="niet_natuurlijk_persoon", subject_identificatie={"inn_nnp_id": RSIN_2}
    )
    kvk = _rij(PartijIdentificator, holding, "kvk_nummer", KVK)
    PartijIdentificator.objects.filter(pk=kvk.pk).update(sub_identificator_van=kvk.pk)

    services.delete_klant(holding)

    assert not Klant.objects.filter(pk=holding.pk).exists()
    assert not PartijIdentificator.objects.filter(object_id=KVK).exists()


# --- the repair runs holding no lock: it cannot deadlock -----------------------------------------


def _een_ander_wacht_op_een_lock(timeout: float = 10) -> None:
    """Until another connection to this database waits for a lock."""
    eind = time.monotonic() + timeout
    while time.monotonic() < eind:
        with connection.cursor() as cursor:
            # the statistics are a snapshot per transaction: a fresh one each time
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.02)
    raise AssertionError("no connection waits for a lock")


@pytest.mark.django_db(transaction=True)
def test_the_repair_waits_for_the_referrer_holding_no_lock_of_the_deleted_klant(make_klant):
    """The referrer's klant has the lower id. Another write holds it and then wants the klant
    being deleted (id order). The deletion met the reference and rolled back before locking
    the referrer, so while its repair waits for the referrer it holds nothing: the other
    write gets the deleted klant at once (NOWAIT), no deadlock, and then the deletion repairs
    and deletes."""
    from klanten.datamodel import services, transactions

    from .test_concurrency import race

    organisatie = make_klant(
        subject_type="niet_natuurlijk_persoon", subject_identificatie={"inn_nnp_id": RSIN_2}
    )
    persoon = make_klant()
    assert organisatie.pk < persoon.pk
    bsn = PartijIdentificator.objects.get(klant=persoon, code_soort_object_id="bsn")
    filiaal = _rij(PartijIdentificator, organisatie, "vestigingsnummer", VESTIGING, bsn)
    houdt = threading.Event()

    def ander():
        def work():
            Klant.objects.select_for_update().get(pk=organisatie.pk)
            houdt.set()
            _een_ander_wacht_op_een_lock()  # the repair, for the organisation
            Klant.objects.select_for_update(nowait=True).get(pk=persoon.pk)
            return "ander"

        return transactions.uitvoeren(work)

    def verwijder():
        assert houdt.wait(timeout=10)
        services.delete_klant(Klant.objects.get(pk=persoon.pk))
        return "verwijderd"

    assert race(ander, verwijder) == ("ander", "verwijderd")
    assert not Klant.objects.filter(pk=persoon.pk).exists()
    filiaal.refresh_from_db()
    assert filiaal.klant_id == organisatie.pk and filiaal.sub_identificator_van_id is None


# --- the write transaction's repair hook ---------------------------------------------------------


class _Herstelbaar(Exception):
    def __init__(self, calls):
        super().__init__("herstel nodig")
        self.calls = calls

    def herstel_eerst(self):
        self.calls.append(("herstel", connection.in_atomic_block))


@pytest.mark.django_db(transaction=True)
def test_an_error_with_a_repair_is_rolled_back_repaired_outside_it_and_run_again():
    from klanten.datamodel import transactions

    calls = []

    def write():
        calls.append(("write", connection.in_atomic_block))
        if len(calls) < 3:
            raise _Herstelbaar(calls)
        return "klaar"

    assert transactions.uitvoeren(write) == "klaar"
    assert calls == [("write", True), ("herstel", False), ("write", True)]


@pytest.mark.django_db(transaction=True)
def test_a_repair_that_does_not_help_is_tried_a_bounded_number_of_times():
    from klanten.datamodel import transactions

    calls = []

    def write():
        calls.append(("write", True))
        raise _Herstelbaar(calls)

    with pytest.raises(_Herstelbaar):
        transactions.uitvoeren(write)
    assert [c for c, _ in calls].count("write") == transactions.POGINGEN
    assert [c for c, _ in calls].count("herstel") == transactions.POGINGEN - 1


@pytest.fixture
def herstel_helpt_niet(monkeypatch):
    """The repair changes nothing (a referrer that keeps moving): the write gives up after
    ``POGINGEN`` attempts."""
    from klanten.datamodel.partijherstel import HerstelNodig

    monkeypatch.setattr(HerstelNodig, "herstel_eerst", lambda self: None)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("pad", ["klanten", "klantinteracties"])
def test_a_repair_that_keeps_failing_is_a_409_in_the_apis(
    api, ki_api, legacy, herstel_helpt_niet, pad
):
    persoon, _, filiaal = legacy
    if pad == "klanten":
        response = api.delete(f"{BASE}/klanten/{persoon.uuid}")
    else:
        response = ki_api.delete(f"{KI_BASE}/partijen/{persoon.uuid}")

    assert response.status_code == 409, response.content
    assert response.json()["code"] == "sub-identificator-herstel-nodig"
    assert Klant.objects.filter(pk=persoon.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_a_repair_that_keeps_failing_is_a_message_in_the_admin(
    beheerder_client, legacy, herstel_helpt_niet
):
    persoon, _, _ = legacy

    response = beheerder_client.post(
        f"{KLANTEN_ADMIN}{persoon.pk}/delete/", {"post": "yes", "reden": "AVG-verzoek"}, follow=True
    )

    assert response.status_code == 200
    assert "subIdentificatorVan" in response.content.decode()
    assert Klant.objects.filter(pk=persoon.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_emptying_a_named_bsn_removes_it_after_the_repair_not_keeping_it_loose(api, legacy):
    """``partijsync`` keeps an HR key others name without its partij; a BSN named so (legacy)
    is not kept so (personal data without a partij): the reference is cleared first and the
    row goes with the klant's BSN."""
    persoon, organisatie, filiaal = legacy

    response = api.patch_json(
        f"{BASE}/klanten/{persoon.uuid}", {"subjectIdentificatie": {"inpBsn": ""}}
    )

    assert response.status_code == 200, response.content
    assert not PartijIdentificator.objects.filter(object_id=BSN).exists()
    filiaal.refresh_from_db()
    assert filiaal.klant_id == organisatie.pk and filiaal.sub_identificator_van_id is None
    [record] = AuditTrail.objects.filter(resource_url__endswith=f"/partijen/{organisatie.uuid}")
    assert record.applicatie_weergave == HERSTEL_WEERGAVE
