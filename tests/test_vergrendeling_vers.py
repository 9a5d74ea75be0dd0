"""A write's lock reads the rows of what it locks after it holds the lock (``vergrendeling``).

Under READ COMMITTED a ``SELECT ... FOR UPDATE`` that waits for another writer's lock keeps
the snapshot of its start for everything but the locked row: its subqueries and joined rows
would miss what that writer committed, and a write that builds its answer and its audit record
from what it read with the lock would show them without it. Here writer A holds the lock and
changes related rows; writer B (a request in a thread of its own, with its own connection)
starts while A holds the lock; A commits once B waits for it (seen in ``pg_stat_activity``);
B's answer and records include what A did.
"""

import json
import threading
import time
from datetime import date

import pytest
from django.db import connection, connections, transaction
from django.db.models import F
from vng_api_common.audittrails.models import AuditTrail

from klanten.datamodel import contacten, kicontacten, partijstand, services
from klanten.datamodel.contactrepresentatie import MEDEWERKER
from klanten.datamodel.kicontactrepresentatie import klantcontact_referenties
from klanten.datamodel.klantcontacten import (
    Actor,
    ActorKlantcontact,
    Betrokkene,
    InterneTaak,
    Klantcontact,
)
from klanten.datamodel.models import Klant, KlantAdres
from klanten.datamodel.partijen import DigitaalAdres, PartijIdentificator, SoortDigitaalAdres
from klanten.datamodel.representation import KLANT_LIST_RELATIONS
from klanten.datamodel.wijzigingen import Actor as AuditActor
from klanten.datamodel.wijzigingen import Herkomst
from klanten.notificaties import outbox

from .conftest import BASE
from .ki_fixtures import KI_BASE
from .test_notifications import PERSONAL, configure

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _notificaties(monkeypatch):
    configure()
    monkeypatch.setattr(outbox, "na_commit", lambda ids: None)


def wacht_tot_b_wacht(thread: threading.Thread) -> None:
    """Until another backend of this database waits for a lock (B's, for A's row lock: the
    only lock A holds that B asks for)."""
    while thread.is_alive():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        time.sleep(0.01)


def a_houdt_vast(a, b, *, b_wacht: bool = False):
    """A (in this thread) runs ``a`` in a transaction it keeps open; B runs ``b`` in a thread
    of its own meanwhile; A commits once B waits for a lock (or B ended without waiting;
    ``b_wacht``: that fails). ``(a's result, b's result)``."""
    uitkomst: dict = {}

    def draai_b():
        try:
            uitkomst["antwoord"] = b()
        except Exception as exc:  # re-raised below
            uitkomst["fout"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=draai_b)
    with transaction.atomic():
        van_a = a()
        thread.start()
        wacht_tot_b_wacht(thread)
        if b_wacht:
            assert thread.is_alive(), f"B ended without waiting for A's lock: {uitkomst}"
    thread.join(timeout=60)
    assert not thread.is_alive()
    if "fout" in uitkomst:
        raise uitkomst["fout"]
    return van_a, uitkomst["antwoord"]


def terwijl_a_vergrendelt(rij, wijziging, schrijf):
    """A locks ``rij`` and makes ``wijziging``; B runs ``schrijf`` meanwhile; A commits once B
    waits for its lock. B's result."""

    def a():
        type(rij).objects.select_for_update().get(pk=rij.pk)
        wijziging()

    return a_houdt_vast(a, schrijf, b_wacht=True)[1]


def adres_van(klant: Klant, adres: str) -> DigitaalAdres:
    return DigitaalAdres.objects.create(
        klant=klant,
        soort_digitaal_adres=SoortDigitaalAdres.telefoonnummer,
        adres=adres,
        adres_genormaliseerd=adres,
    )


def partij_record(uuid) -> AuditTrail:
    return AuditTrail.objects.filter(
        bron="ki", resource="partij", hoofd_object__endswith=str(uuid)
    ).latest("pk")


def uuids(refs) -> set[str]:
    return {ref["uuid"] for ref in refs}


def test_a_klanten_api_patch_after_a_wait_sees_the_other_writers_rows(api):
    """K10: the Klanten API's lock (``wijzigingen.vergrendel_vorm``)."""
    klant_data = api.post_json(f"{BASE}/klanten", PERSONAL).json()
    klant = Klant.objects.get(uuid=klant_data["url"].rsplit("/", 1)[1])
    nieuw: dict = {}

    def wijziging():
        nieuw["adres"] = adres_van(klant, "+31612345678")
        KlantAdres.objects.filter(klant=klant).update(huisnummer=99)

    response = terwijl_a_vergrendelt(
        klant,
        wijziging,
        lambda: api.patch_json(klant_data["url"], {"voornaam": "Piet"}),
    )
    assert response.status_code == 200, response.content
    # the one-to-one row A changed, as the answer (built from the rows in hand) shows it
    assert response.json()["adres"]["huisnummer"] == 99
    record = partij_record(klant.uuid)
    assert str(nieuw["adres"].uuid) in uuids(record.oud["digitaleAdressen"])
    assert str(nieuw["adres"].uuid) in uuids(record.nieuw["digitaleAdressen"])


def test_a_ki_address_after_a_wait_sees_the_other_writers_rows(make_ki_client):
    """kipartij: the Klantinteracties partij's lock (``partijstand.vergrendel_uit``): the
    partij's record of POST /digitaleadressen shows the address A added, before and after."""
    kiss = make_ki_client(vertrouwd=True)
    response = kiss.post_json(
        f"{KI_BASE}/partijen",
        {
            "soortPartij": "persoon",
            "indicatieActief": True,
            "voorkeurstaal": "nld",
            "partijIdentificatie": {"contactnaam": {"voornaam": "Jan", "achternaam": "Jansen"}},
        },
    )
    assert response.status_code == 201, response.content
    partij = response.json()
    klant = Klant.objects.get(uuid=partij["uuid"])
    nieuw: dict = {}

    def wijziging():
        nieuw["adres"] = adres_van(klant, "+31687654321")

    response = terwijl_a_vergrendelt(
        klant,
        wijziging,
        lambda: kiss.post_json(
            f"{KI_BASE}/digitaleadressen",
            {
                "verstrektDoorPartij": {"uuid": partij["uuid"]},
                "adres": "jan@example.nl",
                "soortDigitaalAdres": "email",
                "isStandaardAdres": False,
            },
        ),
    )
    assert response.status_code == 201, response.content
    record = partij_record(klant.uuid)
    assert str(nieuw["adres"].uuid) in uuids(record.oud["digitaleAdressen"])
    assert uuids(record.nieuw["digitaleAdressen"]) == {
        str(nieuw["adres"].uuid),
        response.json()["uuid"],
    }


@pytest.fixture
def kiss(make_ki_client):
    return make_ki_client()


def gemaakt(client, collectie: str, body: dict, model):
    """A row made through the Klantinteracties API (201), as stored."""
    response = client.post_json(f"{KI_BASE}/{collectie}", body)
    assert response.status_code == 201, response.content
    return model.objects.get(uuid=response.json()["uuid"])


@pytest.fixture
def klantcontact_en_actoren(kiss):
    """A klantcontact and two medewerkers, made through the Klantinteracties API."""
    klantcontact = gemaakt(
        kiss,
        "klantcontacten",
        {"kanaal": "telefoon", "onderwerp": "Afval", "taal": "nld", "vertrouwelijk": False},
        Klantcontact,
    )
    actoren = [
        gemaakt(
            kiss,
            "actoren",
            {
                "naam": f"Medewerker {n}",
                "soortActor": "medewerker",
                "actoridentificator": {
                    "objectId": f"mdw-{n}",
                    "codeObjecttype": "mdw",
                    "codeRegister": "handmatig",
                    "codeSoortObjectId": "idf",
                },
            },
            Actor,
        )
        for n in (1, 2)
    ]
    return klantcontact, actoren


def post_link(client, klantcontact, actor):
    return client.post_json(
        f"{KI_BASE}/actorklantcontacten",
        {"actor": {"uuid": str(actor.uuid)}, "klantcontact": {"uuid": str(klantcontact.uuid)}},
    )


def test_the_same_link_made_meanwhile_is_a_400(kiss, klantcontact_en_actoren):
    """kiauth: the klantcontact's lock (``contacten.vergrendel_klantcontact``) reads its links
    after the wait: the duplicate is refused (400), not a unique violation (500)."""
    klantcontact, (actor, _) = klantcontact_en_actoren
    response = terwijl_a_vergrendelt(
        klantcontact,
        lambda: ActorKlantcontact.objects.create(actor=actor, klantcontact=klantcontact),
        lambda: post_link(kiss, klantcontact, actor),
    )
    assert response.status_code == 400, response.content
    assert ActorKlantcontact.objects.filter(klantcontact=klantcontact).count() == 1


def test_a_link_after_a_wait_sees_the_medewerker_linked_meanwhile(kiss, klantcontact_en_actoren):
    """The contactmoment's medewerker is the first one linked (by A): B's second medewerker
    changes nothing of it, so no contactmoment record."""
    klantcontact, (eerste, tweede) = klantcontact_en_actoren
    voor = AuditTrail.objects.filter(bron="cmc").count()
    response = terwijl_a_vergrendelt(
        klantcontact,
        lambda: ActorKlantcontact.objects.create(actor=eerste, klantcontact=klantcontact),
        lambda: post_link(kiss, klantcontact, tweede),
    )
    assert response.status_code == 201, response.content
    assert AuditTrail.objects.filter(bron="cmc").count() == voor


def test_an_interne_taak_after_a_wait_records_the_klantcontact_with_what_came_meanwhile(
    kiss, klantcontact_en_actoren
):
    """K10: ``POST /internetaken`` records its klantcontact (``leiddeTotInterneTaken``
    changed) from the references its lock statement reads after the lock is held
    (``contacten.vergrendel_klantcontact``, no read of its own): A's betrokkene, actor link
    and interne taak are in both ``oud`` and ``nieuw``, ``nieuw`` is what a read answers."""
    klantcontact, (actor, _) = klantcontact_en_actoren
    van_a: dict = {}

    def a():
        van_a["betrokkene"] = Betrokkene.objects.create(klantcontact=klantcontact, rol="klant")
        ActorKlantcontact.objects.create(actor=actor, klantcontact=klantcontact)
        van_a["taak"] = InterneTaak.objects.create(
            aanleidinggevend_klantcontact=klantcontact,
            nummer="A-1",
            gevraagde_handeling="Bellen",
            status="te_verwerken",
        )

    response = terwijl_a_vergrendelt(
        klantcontact,
        a,
        lambda: kiss.post_json(
            f"{KI_BASE}/internetaken",
            {
                "nummer": "",
                "gevraagdeHandeling": "Terugbellen",
                "aanleidinggevendKlantcontact": {"uuid": str(klantcontact.uuid)},
                "toegewezenAanActor": {"uuid": str(actor.uuid)},
                "status": "te_verwerken",
            },
        ),
    )
    assert response.status_code == 201, response.content
    record = AuditTrail.objects.filter(
        bron="kic", resource="klantcontact", resource_url__endswith=str(klantcontact.uuid)
    ).latest("pk")
    assert record.actie == "partial_update"
    taak_a, betrokkene_a = str(van_a["taak"].uuid), str(van_a["betrokkene"].uuid)
    for kant in (record.oud, record.nieuw):
        assert [ref["uuid"] for ref in kant["hadBetrokkenen"]] == [betrokkene_a]
        assert [a["uuid"] for a in kant["hadBetrokkenActoren"]] == [str(actor.uuid)]
    assert [ref["uuid"] for ref in record.oud["leiddeTotInterneTaken"]] == [taak_a]
    assert [ref["uuid"] for ref in record.nieuw["leiddeTotInterneTaken"]] == [
        taak_a,
        response.json()["uuid"],
    ]
    assert record.nieuw == kiss.get(record.resource_url).json()


@pytest.fixture
def partij_en_klantcontacten(kiss):
    """A non-validated partij (its retention date follows its interactions, R1) and two
    klantcontacten, made through the Klantinteracties API."""
    partij = {
        "soortPartij": "persoon",
        "indicatieActief": True,
        "partijIdentificatie": {"contactnaam": {"voornaam": "Anna", "achternaam": "Bos"}},
    }
    klant = gemaakt(kiss, "partijen", partij, Klant)
    assert not klant.gevalideerd
    klantcontacten = [gemaakt(kiss, "klantcontacten", KLANTCONTACT, Klantcontact) for _ in (1, 2)]
    return klant, klantcontacten


def post_betrokkene(client, klant, klantcontact):
    return client.post_json(
        f"{KI_BASE}/betrokkenen",
        {
            "wasPartij": {"uuid": str(klant.uuid)},
            "hadKlantcontact": {"uuid": str(klantcontact.uuid)},
            "rol": "klant",
            "initiator": True,
        },
    )


def test_a_betrokkene_after_a_wait_counts_the_interaction_added_meanwhile(
    kiss, partij_en_klantcontacten
):
    """R1: ``POST /betrokkenen`` of a non-validated partij derives its retention date from its
    interactions read after the partij's lock: A's betrokkene (a later date) is one of them."""
    klant, (eerste, tweede) = partij_en_klantcontacten
    later = date(2099, 1, 1)
    response = terwijl_a_vergrendelt(
        klant,
        lambda: Betrokkene.objects.create(
            klantcontact=eerste, klant=klant, rol="klant", vernietigingsdatum=later
        ),
        lambda: post_betrokkene(kiss, klant, tweede),
    )
    assert response.status_code == 201, response.content
    klant.refresh_from_db()
    assert klant.vernietigingsdatum == later == services.vernietiging_van(klant).datum
    assert klant.betrokkenheden.count() == 2


def test_a_betrokkene_after_a_wait_records_the_partij_with_the_betrokkene_added_meanwhile(
    kiss, partij_en_klantcontacten
):
    """K10: the partij's ``betrokkenen`` before and after, as recorded, come from the rows its
    lock statement reads after the lock is held: A's betrokkene is in both lists."""
    klant, (eerste, tweede) = partij_en_klantcontacten
    van_a: dict = {}

    def a():
        van_a["betrokkene"] = Betrokkene.objects.create(
            klantcontact=eerste, klant=klant, rol="klant"
        )

    response = terwijl_a_vergrendelt(klant, a, lambda: post_betrokkene(kiss, klant, tweede))
    assert response.status_code == 201, response.content
    record = partij_record(klant.uuid)
    assert record.actie == "partial_update"
    a_uuid = str(van_a["betrokkene"].uuid)
    assert [ref["uuid"] for ref in record.oud["betrokkenen"]] == [a_uuid]
    assert [ref["uuid"] for ref in record.nieuw["betrokkenen"]] == [
        a_uuid,
        response.json()["uuid"],
    ]


def test_the_same_betrokkene_made_meanwhile_is_a_400(kiss, partij_en_klantcontacten):
    """The duplicate check of ``POST /betrokkenen`` (read with the partij's interactions)
    sees the betrokkene A made in the same role of the same klantcontact."""
    klant, (klantcontact, _) = partij_en_klantcontacten
    response = terwijl_a_vergrendelt(
        klant,
        lambda: Betrokkene.objects.create(klantcontact=klantcontact, klant=klant, rol="klant"),
        lambda: post_betrokkene(kiss, klant, klantcontact),
    )
    assert response.status_code == 400, response.content
    assert klant.betrokkenheden.count() == 1


# --- the functions read what the ORM reads ----------------------------------------------------

HERKOMST = Herkomst(
    AuditActor(applicatie_id="kiss", applicatie_weergave="KISS"),
    "http://testserver/klanten/api/v1/klanten/",
)
KLANTCONTACT = {"kanaal": "telefoon", "onderwerp": "Afval", "taal": "nld", "vertrouwelijk": False}


def kolommen(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_the_klantcontact_function_reads_what_the_orm_annotations_read():
    """``datamodel_klantcontact_vers`` (SQL of its own) gives what the representations'
    ORM expressions give: previous/next, medewerker, references, actoren."""
    vraag = kicontacten.create_klantcontact(dict(KLANTCONTACT), herkomst=HERKOMST)
    antwoord = kicontacten.create_klantcontact(dict(KLANTCONTACT), herkomst=HERKOMST)
    Klantcontact.objects.filter(pk=antwoord.pk).update(vorig_klantcontact=vraag)
    kicontacten.add_onderwerpobject(antwoord, was_klantcontact=vraag, herkomst=HERKOMST)
    kicontacten.add_betrokkene(
        antwoord, rol="klant", initiator=True, voornaam="Anna", herkomst=HERKOMST
    )
    eenheid = kicontacten.create_actor(
        {"naam": "Afval", "soort_actor": "organisatorische_eenheid"}, herkomst=HERKOMST
    )
    medewerker = kicontacten.create_actor(
        {"naam": "Mw", "soort_actor": "medewerker", "object_id": "m-1"}, herkomst=HERKOMST
    )
    for actor in (eenheid, medewerker):
        kicontacten.add_actorklantcontact(antwoord, actor, herkomst=HERKOMST)
    kicontacten.create_interne_taak(
        antwoord,
        {"gevraagde_handeling": "Bellen", "status": "te_verwerken"},
        nummer="",
        actoren_=[eenheid],
        herkomst=HERKOMST,
    )
    namen = (
        "repr_vorig_uuid",
        "repr_volgend_uuid",
        "repr_medewerker",
        *klantcontact_referenties(),
    )
    for klantcontact in (vraag, antwoord):
        orm = Klantcontact.objects.annotate(
            repr_vorig_uuid=F("vorig_klantcontact__uuid"),
            repr_volgend_uuid=F("volgend_klantcontact__uuid"),
            repr_medewerker=MEDEWERKER,
            **klantcontact_referenties(),
        ).get(pk=klantcontact.pk)
        with transaction.atomic():
            vers = contacten.vergrendel_klantcontact(pk=klantcontact.pk)
        assert kolommen(vers) == kolommen(orm)
        assert {n: getattr(vers, n) for n in namen} == {n: getattr(orm, n) for n in namen}
    assert vers.repr_medewerker["identificatie"] == "m-1"
    assert len(vers.ki_actoren) == 2 and vers.ki_internetaken and vers.ki_betrokkenen


def test_the_klant_function_reads_what_the_orm_reads(api):
    """``datamodel_klant_vers`` gives the one-to-one rows as ``select_related`` does and the
    partij rows as their tables hold them."""
    data = api.post_json(f"{BASE}/klanten", PERSONAL).json()
    klant = Klant.objects.get(uuid=data["url"].rsplit("/", 1)[1])
    adres_van(klant, "+31611111111")
    orm = Klant.objects.select_related(*KLANT_LIST_RELATIONS).get(pk=klant.pk)
    with transaction.atomic():
        vers = partijstand.vergrendel(klant.pk)
    assert kolommen(vers) == kolommen(orm)
    for naam in KLANT_LIST_RELATIONS:
        gelezen, verwacht = getattr(vers, naam, None), getattr(orm, naam, None)
        assert (gelezen and kolommen(gelezen)) == (verwacht and kolommen(verwacht)), naam
    assert any(getattr(vers, naam, None) for naam in KLANT_LIST_RELATIONS)
    for naam, model in (
        ("partij_identificatoren", PartijIdentificator),
        ("digitale_adressen", DigitaalAdres),
    ):
        rijen = [kolommen(r) for r in partijstand.rijen(vers, naam)]
        assert rijen == [kolommen(r) for r in model.objects.filter(klant=klant).order_by("id")]
        assert rijen, naam


def _rij_uit_per_veld(model, data: dict):
    """``rij_uit`` as it was: every value through its field's ``to_python``, the instance
    made by keyword."""
    waarden = {}
    for field in model._meta.concrete_fields:
        if field.column in data:
            waarde = data[field.column]
            waarden[field.attname] = None if waarde is None else field.to_python(waarde)
    rij = model(**waarden)
    rij._state.adding = False
    return rij


def test_rij_uit_makes_what_to_python_per_field_makes(api, kiss):
    """``vergrendeling.rij_uit`` leaves a value of a type its field's ``to_python`` returns
    unchanged as it is: the same instances (values and their types, a column not in the data
    at its default) as converting every value, for every row ``datamodel_klant_vers`` reads."""
    from klanten.datamodel.models import NatuurlijkPersoon
    from klanten.datamodel.vergrendeling import rij_uit

    response = api.post_json(f"{BASE}/klanten", PERSONAL)
    assert response.status_code == 201, response.content
    klant = Klant.objects.get(uuid=response.json()["url"].rsplit("/", 1)[1])
    NatuurlijkPersoon.objects.filter(klant=klant).update(
        geboortedatum=date(1970, 1, 2),
        verblijfsadres={"aoaIdentificatie": "0344200000123456", "aoaHuisnummer": 7},
    )
    DigitaalAdres.objects.filter(klant=klant).update(verificatie_datum=date(2026, 1, 2))
    klantcontact = gemaakt(kiss, "klantcontacten", KLANTCONTACT, Klantcontact)
    Betrokkene.objects.create(klantcontact=klantcontact, klant=klant, rol="klant")
    with connection.cursor() as cursor:
        cursor.execute("SELECT datamodel_klant_vers(%s)", [klant.pk])
        vers = cursor.fetchone()[0]
    vers = json.loads(vers) if isinstance(vers, str) else vers
    rijen = [
        (KlantAdres, vers["adres"]),
        (NatuurlijkPersoon, vers["natuurlijk_persoon"]),
        *((PartijIdentificator, r) for r in vers["partij_identificatoren"]),
        *((DigitaalAdres, r) for r in vers["digitale_adressen"]),
        *((Betrokkene, r) for r in vers["betrokkenheden"]),
        (Klant, vers["werkte_voor"] or {"id": klant.pk, "uuid": str(klant.uuid)}),
    ]
    assert all(r is not None for _, r in rijen) and len(rijen) >= 6
    for model, rij in rijen:
        nieuw, oud = rij_uit(model, rij), _rij_uit_per_veld(model, rij)
        assert kolommen(nieuw) == kolommen(oud), model
        assert {k: type(v) for k, v in kolommen(nieuw).items()} == {
            k: type(v) for k, v in kolommen(oud).items()
        }, model
        assert not nieuw._state.adding
