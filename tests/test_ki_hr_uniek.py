"""K5: one partij per HR key (KvK number, RSIN, vestigingsnummer) per organisation, checked by
a query and decided by the unique index ``een_partij_per_hr_sleutel`` when two writes both
passed the query at once."""

import threading

import pytest
from django.db import IntegrityError, transaction
from vng_api_common.audittrails.models import AuditTrail

from klanten.datamodel import partijservices, partijsync
from klanten.datamodel.models import Klant
from klanten.datamodel.partijen import PartijIdentificator
from klanten.datamodel.partijrepresentatie import KIContext, partij
from klanten.notificaties.models import UitgaandeNotificatie

from .conftest import BASE, RSIN, RSIN_2
from .ki_fixtures import KI_BASE, assert_problem, invalid_params
from .migratie_helpers import teruggezet
from .test_concurrency import race, status

PARTIJEN = f"{KI_BASE}/partijen"
IDENTIFICATOREN = f"{KI_BASE}/partij-identificatoren"
KVK = "69599084"
KVK_IDENT = {
    "codeObjecttype": "niet_natuurlijk_persoon",
    "codeSoortObjectId": "kvk_nummer",
    "objectId": KVK,
    "codeRegister": "hr",
}


def organisatie(client, naam: str) -> dict:
    response = client.post_json(
        PARTIJEN,
        {
            "soortPartij": "organisatie",
            "indicatieActief": True,
            "partijIdentificatie": {"naam": naam},
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def na_de_eerste_twee(monkeypatch, module, naam: str) -> None:
    """``module.naam`` waits, on its first two calls, until both have been made: two writes
    both pass the query check before either writes (a later call, of a write run again, does
    not wait)."""
    origineel = getattr(module, naam)
    barrier = threading.Barrier(2)
    aanroepen = iter(range(2))
    slot = threading.Lock()

    def wachtend(*args, **kwargs):
        resultaat = origineel(*args, **kwargs)
        with slot:
            wacht = next(aanroepen, None) is not None
        if wacht:
            barrier.wait(timeout=10)
        return resultaat

    monkeypatch.setattr(module, naam, wachtend)


@pytest.mark.django_db(transaction=True)
def test_two_partijen_attaching_one_kvk_number_at_once_one_wins(ki_api, monkeypatch):
    eerste, tweede = organisatie(ki_api, "Bakkerij"), organisatie(ki_api, "Bakker")
    na_de_eerste_twee(monkeypatch, partijservices, "_controleer_identificator")

    def koppel(partij):
        return lambda: ki_api.post_json(
            IDENTIFICATOREN,
            {"identificeerdePartij": {"uuid": partij["uuid"]}, "partijIdentificator": KVK_IDENT},
        )

    antwoorden = race(koppel(eerste), koppel(tweede))

    assert sorted(status(a) for a in antwoorden) == [201, 400]
    verloren = next(a for a in antwoorden if a.status_code == 400)
    # the query check's answer (a ZGW problem, as the API sends every 400), never a 500
    assert_problem(verloren, 400, "invalid")
    assert invalid_params(verloren) == [("partijIdentificator", "unique")]
    houders = PartijIdentificator.objects.filter(object_id=KVK, klant__isnull=False)
    assert houders.count() == 1
    gewonnen = next(a for a in antwoorden if a.status_code == 201)
    assert str(houders.get().uuid) == gewonnen.json()["uuid"]


@pytest.mark.django_db(transaction=True)
def test_two_klanten_with_one_rsin_at_once_one_holds_it(api, make_client, monkeypatch):
    """The Klanten API allows many klanten per RSIN; K5 shows one as the organisatie partij:
    the klant that lost the race ends as it would have after the other, a contactpersoon of
    the holder (its write ran again)."""
    na_de_eerste_twee(monkeypatch, partijsync, "houder")
    # two applications: their klanten count in different KlantTeller rows (a shared shard's
    # row, one time in 16, would make the second insert wait for the first transaction,
    # which waits for it in ``houder``: the barrier would break)
    andere = make_client()

    def maak(naam, client):
        # a klantnummer of the client's: the counter's row would make the two wait in turn
        return lambda: client.post_json(
            f"{BASE}/klanten",
            {
                "bronorganisatie": RSIN,
                "klantnummer": naam,
                "bedrijfsnaam": naam,
                "subjectType": "niet_natuurlijk_persoon",
                "subjectIdentificatie": {"innNnpId": RSIN_2, "statutaireNaam": naam},
            },
        )

    antwoorden = race(maak("Bakkerij", api), maak("Bakker", andere))

    assert [status(a) for a in antwoorden] == [201, 201]
    houder = PartijIdentificator.objects.get(object_id=RSIN_2, klant__isnull=False).klant
    ander = Klant.objects.exclude(pk=houder.pk).get()
    assert ander.werkte_voor_partij_id == houder.pk
    assert ander.subject_identificatie.inn_nnp_id == RSIN_2  # the Klanten API view unchanged


def test_a_klant_changing_its_rsin_to_a_held_one_works_for_the_holder(api):
    """Sequentially too, a changed RSIN another klant holds is not attached twice."""

    def maak(rsin):
        response = api.post_json(
            f"{BASE}/klanten",
            {
                "bronorganisatie": RSIN,
                "bedrijfsnaam": "Bakkerij",
                "subjectType": "niet_natuurlijk_persoon",
                "subjectIdentificatie": {"innNnpId": rsin, "statutaireNaam": "Bakkerij"},
            },
        )
        assert response.status_code == 201, response.content
        return response.json()

    eerste, tweede = maak(RSIN_2), maak(RSIN)
    response = api.patch_json(tweede["url"], {"subjectIdentificatie": {"innNnpId": RSIN_2}})

    assert response.status_code == 200, response.content
    houder = PartijIdentificator.objects.get(object_id=RSIN_2, klant__isnull=False).klant
    assert eerste["url"].endswith(str(houder.uuid))
    uuid = tweede["url"].rsplit("/", 1)[-1]
    assert Klant.objects.get(uuid=uuid).werkte_voor_partij_id == houder.pk
    assert not PartijIdentificator.objects.filter(klant__uuid=uuid).exists()


def _rij(klant, soort="kvk_nummer", object_id=KVK, bronorganisatie=RSIN):
    return PartijIdentificator.objects.create(
        bronorganisatie=bronorganisatie,
        klant=klant,
        code_register="hr",
        code_objecttype="niet_natuurlijk_persoon",
        code_soort_object_id=soort,
        object_id=object_id,
    )


@pytest.mark.parametrize("soort", ["kvk_nummer", "rsin", "vestigingsnummer"])
def test_the_database_refuses_a_second_partij_for_an_hr_key(make_klant, soort):
    eerste = make_klant(subject="https://example.com/1")
    tweede = make_klant(subject="https://example.com/2")
    _rij(eerste, soort)

    with pytest.raises(IntegrityError, match="een_partij_per_hr_sleutel"), transaction.atomic():
        _rij(tweede, soort)


def test_the_database_allows_what_the_rule_does_not_forbid(make_klant):
    eerste = make_klant(subject="https://example.com/1")
    tweede = make_klant(subject="https://example.com/2")
    _rij(eerste)
    _rij(None)  # loose identifiers (KISS makes them first)
    _rij(None)
    _rij(tweede, bronorganisatie=RSIN_2)  # another organisation
    _rij(tweede, soort="bsn")  # a BSN: K5's anchors, not this index

    assert PartijIdentificator.objects.filter(object_id=KVK).count() == 5


BEFORE = [("datamodel", "0014_vergrendel_vers")]
AFTER = [("datamodel", "0015_een_partij_per_hr_sleutel")]


@pytest.fixture
def migrate_back():
    with teruggezet(BEFORE) as executor:
        yield executor


@pytest.mark.django_db(transaction=True)
def test_the_migration_detaches_duplicates_and_keeps_them(migrate_back):
    klanten, rijen = _duplicaten_bij_0014(migrate_back)
    oudste, jongere, gevalideerd, elders = (
        klanten[naam] for naam in ("oudste", "jongere", "gevalideerd", "elders")
    )
    rsin = [rijen["rsin oudste"], rijen["rsin jongere"]]
    kvk = [rijen["kvk oudste"], rijen["kvk gevalideerd"]]
    anders = rijen["elders"]

    migrate_back.migrate(AFTER)
    apps = migrate_back.loader.project_state(AFTER).apps
    Klant = apps.get_model("datamodel", "Klant")
    Ident = apps.get_model("datamodel", "PartijIdentificator")

    def houder(r):
        return Ident.objects.get(pk=r.pk).klant_id

    # the oldest row stays; a validated klant's row goes before an older one; nothing deleted
    assert [houder(r) for r in rsin] == [oudste.pk, None]
    assert [houder(r) for r in kvk] == [None, gevalideerd.pk]
    assert houder(anders) == elders.pk
    assert Ident.objects.count() == 5
    # the klant that lost its row works for the holder (as partijsync shows it)
    assert Klant.objects.get(pk=jongere.pk).werkte_voor_partij_id == oudste.pk
    assert Klant.objects.get(pk=oudste.pk).werkte_voor_partij_id == gevalideerd.pk
    assert Klant.objects.get(pk=gevalideerd.pk).werkte_voor_partij_id is None


def test_a_loose_identifier_of_a_held_kvk_number_is_not_attached_to_a_new_partij(ki_api):
    """KISS makes identifiers first; one attached by uuid to a new partij while another partij
    holds its KvK number is refused as a new one would be (the index decides it)."""
    los = ki_api.post_json(
        IDENTIFICATOREN, {"identificeerdePartij": None, "partijIdentificator": KVK_IDENT}
    )
    assert los.status_code == 201, los.content
    houder = ki_api.post_json(
        PARTIJEN,
        {
            "soortPartij": "organisatie",
            "indicatieActief": True,
            "partijIdentificatie": {"naam": "Bakkerij"},
            "partijIdentificatoren": [{"partijIdentificator": KVK_IDENT}],
        },
    )
    assert houder.status_code == 201, houder.content

    response = ki_api.post_json(
        PARTIJEN,
        {
            "soortPartij": "organisatie",
            "indicatieActief": True,
            "partijIdentificatie": {"naam": "Bakker"},
            "partijIdentificatoren": [
                {"uuid": los.json()["uuid"], "partijIdentificator": KVK_IDENT}
            ],
        },
    )

    assert invalid_params(response) == [("partijIdentificatoren", "unique")]
    assert PartijIdentificator.objects.filter(object_id=KVK, klant__isnull=False).count() == 1
    assert PartijIdentificator.objects.get(uuid=los.json()["uuid"]).klant_id is None
    assert Klant.objects.count() == 1


def _vastgelegd():
    """The audit records and outbox notifications written (as tuples that say what)."""
    records = sorted(
        (r.bron, r.resource, r.actie, r.resource_url) for r in AuditTrail.objects.all()
    )
    meldingen = sorted(
        (
            n.bericht["kanaal"],
            n.bericht["resource"],
            n.bericht["actie"],
            n.bericht["resourceUrl"],
            n.bericht["hoofdObject"],
            tuple(sorted(n.bericht["kenmerken"].items())),
        )
        for n in UitgaandeNotificatie.objects.all()
    )
    return records, meldingen


def _duplicaten_bij_0014(executor):
    """At 0014: two klanten with one RSIN (the older keeps it), two with one KvK number (the
    validated one keeps it), and a klant of another organisation with that RSIN (no
    duplicate). Returns the klanten and their identifier rows by name (0014's models)."""
    apps = executor.loader.project_state(BEFORE).apps
    Klant = apps.get_model("datamodel", "Klant")
    Ident = apps.get_model("datamodel", "PartijIdentificator")

    def klant(nummer, **velden):
        return Klant.objects.create(bronorganisatie=RSIN, klantnummer=nummer, **velden)

    klanten = {"oudste": klant("1"), "jongere": klant("2")}
    klanten["gevalideerd"] = klant(
        "3", gevalideerd=True, gevalideerde_sleutel_type="kvk", gevalideerde_sleutel=KVK
    )
    klanten["elders"] = klant("4")

    def rij(naam, soort, object_id, org=RSIN):
        return Ident.objects.create(
            bronorganisatie=org,
            klant=klanten[naam],
            code_register="hr",
            code_objecttype="niet_natuurlijk_persoon",
            code_soort_object_id=soort,
            object_id=object_id,
        )

    rijen = {
        "rsin oudste": rij("oudste", "rsin", RSIN_2),
        "rsin jongere": rij("jongere", "rsin", RSIN_2),
        "kvk oudste": rij("oudste", "kvk_nummer", KVK),
        "kvk gevalideerd": rij("gevalideerd", "kvk_nummer", KVK),
        "elders": rij("elders", "rsin", RSIN_2, org=RSIN_2),
    }
    return klanten, rijen


@pytest.mark.django_db(transaction=True)
def test_the_migration_records_each_partij_it_changes_as_the_api_would(migrate_back, notificaties):
    """K10: a detached row changes the partij of its klant (its identifiers, and it becomes a
    contactpersoon of the holder): one ``partial_update`` record and notification on
    ``partijen`` per such partij, as ``PUT /partij-identificatoren`` records a detach; the
    holders, the klanten without duplicates and the Klanten API's klanten (which show neither
    change) get nothing."""
    klanten, rijen = _duplicaten_bij_0014(migrate_back)
    uuids = {naam: k.uuid for naam, k in klanten.items()}
    losgemaakt = {"jongere": rijen["rsin jongere"].uuid, "oudste": rijen["kvk oudste"].uuid}
    assert not AuditTrail.objects.exists()
    assert not UitgaandeNotificatie.objects.exists()

    migrate_back.migrate(AFTER)
    # the representations below are the runtime's, over the latest schema (the later
    # migrations add a column and repair nothing here: no records of their own)
    migrate_back.loader.build_graph()
    migrate_back.migrate(migrate_back.loader.graph.leaf_nodes("datamodel"))

    ctx = KIContext.zonder_request()
    url = {naam: ctx.url("partijen", uuid) for naam, uuid in uuids.items()}
    records, meldingen = _vastgelegd()
    assert records == sorted(
        ("ki", "partij", "partial_update", url[naam]) for naam in ("oudste", "jongere")
    )
    assert meldingen == sorted(
        (
            "partijen",
            "partij",
            "partial_update",
            url[naam],
            url[naam],
            (("soortPartij", "contactpersoon"),),
        )
        for naam in ("oudste", "jongere")
    )
    houder = {"oudste": "gevalideerd", "jongere": "oudste"}
    for naam in ("oudste", "jongere"):
        record = AuditTrail.objects.get(resource_url=url[naam])
        # the partij after, as the API represents it now; before: with the row, a persoon
        klant = Klant.objects.get(uuid=uuids[naam])
        assert record.nieuw == partij(klant, ctx)
        assert record.hoofd_object == url[naam]
        assert record.resource_weergave == f"partij {uuids[naam]}"
        assert record.applicatie_weergave == "Klanten (migratie 0015)"
        voor = [i["uuid"] for i in record.oud["partijIdentificatoren"]]
        na = [i["uuid"] for i in record.nieuw["partijIdentificatoren"]]
        assert str(losgemaakt[naam]) in voor
        assert [u for u in voor if u != str(losgemaakt[naam])] == na
        assert (record.oud["soortPartij"], record.nieuw["soortPartij"]) == (
            "persoon",
            "contactpersoon",
        )
        werkte_voor = record.nieuw["partijIdentificatie"]["werkteVoorPartij"]
        assert werkte_voor["uuid"] == str(uuids[houder[naam]])
        assert {k: v for k, v in record.oud.items() if k not in VERANDERD} == {
            k: v for k, v in record.nieuw.items() if k not in VERANDERD
        }


VERANDERD = ("partijIdentificatoren", "soortPartij", "partijIdentificatie")


@pytest.mark.django_db(transaction=True)
def test_the_migration_records_without_notifications_when_none_are_configured(migrate_back):
    """As a write through the API: without a Notificaties API the audit records alone."""
    _duplicaten_bij_0014(migrate_back)

    migrate_back.migrate(AFTER)

    records, meldingen = _vastgelegd()
    assert [r[:3] for r in records] == [("ki", "partij", "partial_update")] * 2
    assert meldingen == []


@pytest.mark.django_db(transaction=True)
def test_the_migration_records_nothing_without_duplicates(migrate_back, notificaties):
    apps = migrate_back.loader.project_state(BEFORE).apps
    Klant0014 = apps.get_model("datamodel", "Klant")
    Ident = apps.get_model("datamodel", "PartijIdentificator")
    for nummer, (soort, object_id) in enumerate(
        [("rsin", RSIN_2), ("kvk_nummer", KVK), ("vestigingsnummer", "000012345678")]
    ):
        klant = Klant0014.objects.create(bronorganisatie=RSIN, klantnummer=str(nummer))
        for k in (klant, None):  # one attached row per key, and a loose one
            Ident.objects.create(
                bronorganisatie=RSIN,
                klant=k,
                code_register="hr",
                code_objecttype="niet_natuurlijk_persoon",
                code_soort_object_id=soort,
                object_id=object_id,
            )

    migrate_back.migrate(AFTER)

    assert _vastgelegd() == ([], [])
    assert PartijIdentificator.objects.filter(klant__isnull=False).count() == 3
