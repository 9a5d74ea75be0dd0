# ruff: noqa: F811 (the fixtures of ki_helpers and test_contactmoment_relaties, imported)
"""K10: a partij lists its betrokkenen (``betrokkenen``), so a betrokkene with ``wasPartij``
created or removed, through whichever API (Klantinteracties ``POST /betrokkenen`` and
``maak-klantcontact``, the Contactmomenten API's klantcontactmomenten and the deletion of a
contactmoment, an E2 interaction with a local contactmoment), changes the partij: one audit
record (bron ``ki``, resource ``partij``, ``partial_update``, the lists before and after) and
one notification on kanaal ``partijen`` per partij whose list changed, in the write's
statement, next to the betrokkene's own record. A write that leaves the list as it was (a
betrokkene without a partij, a registration again, a change of other fields) records no
partij; a partij destroyed with its betrokkenen is recorded as destroyed only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from vng_api_common.audittrails.models import AuditTrail

from klanten.datamodel import contacten, partijstand, services
from klanten.datamodel.klantcontacten import Betrokkene, Klantcontact
from klanten.datamodel.models import Klant
from klanten.datamodel.wijzigingen import Herkomst

from .conftest import BASE, BSN_2, RSIN, klant_url
from .ki_helpers import KI, kiss, open_forms, partij_voor  # noqa: F401
from .test_contactmoment_relaties import KCM, contactmoment  # noqa: F401
from .test_contactmomenten import cm_url, path
from .test_partij_k10 import KI as KI_URL
from .test_partij_k10 import _notificaties, meldingen, nu_gelezen  # noqa: F401 (autouse)

KLANTCONTACT = {
    "kanaal": "telefoon",
    "onderwerp": "Afval",
    "inhoud": "Vraag over de container",
    "taal": "nld",
    "vertrouwelijk": False,
}


def partij_records(uuid=None) -> list[AuditTrail]:
    records = AuditTrail.objects.filter(bron="ki", resource="partij").order_by("pk")
    if uuid is not None:
        records = records.filter(resource_url=f"{KI_URL}partijen/{uuid}")
    return list(records)


def ref(betrokkene_uuid) -> dict:
    return {"uuid": str(betrokkene_uuid), "url": f"{KI_URL}betrokkenen/{betrokkene_uuid}"}


def assert_partij_gewijzigd(voor: int, uuid, oud: list, nieuw: list) -> AuditTrail:
    """Exactly one partij record and one partijen notification since ``voor`` (the partijen
    notifications then), for partij ``uuid``: its betrokkenen went from ``oud`` to ``nieuw``
    (uuids), and what was recorded is what a read answers now."""
    [bericht] = meldingen("partijen")[voor:]
    assert (bericht["resource"], bericht["actie"]) == ("partij", "partial_update")
    assert bericht["resourceUrl"] == f"{KI_URL}partijen/{uuid}"
    assert bericht["hoofdObject"] == bericht["resourceUrl"]
    assert bericht["kenmerken"] == {"soortPartij": "persoon"}
    record = partij_records(uuid)[-1]
    assert (record.actie, record.resource_url) == ("partial_update", bericht["resourceUrl"])
    assert record.oud["betrokkenen"] == [ref(u) for u in oud]
    assert record.nieuw["betrokkenen"] == [ref(u) for u in nieuw]
    # only the list changed
    assert {k: v for k, v in record.oud.items() if k != "betrokkenen"} == {
        k: v for k, v in record.nieuw.items() if k != "betrokkenen"
    }
    assert record.nieuw == nu_gelezen(uuid)
    return record


# --- Klantinteracties ---------------------------------------------------------------------------


@pytest.fixture
def klantcontact(kiss):
    response = kiss.post_json(f"{KI}/klantcontacten", KLANTCONTACT)
    assert response.status_code == 201, response.content
    return response.json()


def betrokkene_body(klantcontact: dict, partij: dict | None, rol: str = "klant") -> dict:
    return {
        "wasPartij": {"uuid": partij["uuid"]} if partij else None,
        "hadKlantcontact": {"uuid": klantcontact["uuid"]},
        "rol": rol,
        "initiator": True,
        "contactnaam": {"voornaam": "Jan", "achternaam": "Jansen"},
    }


def test_post_betrokkene_with_a_partij_records_the_partij(kiss, klantcontact):
    partij = partij_voor(kiss)
    voor, records_voor = len(meldingen("partijen")), len(partij_records())
    response = kiss.post_json(f"{KI}/betrokkenen", betrokkene_body(klantcontact, partij))
    assert response.status_code == 201, response.content
    betrokkene = response.json()
    assert len(partij_records()) == records_voor + 1
    assert_partij_gewijzigd(voor, partij["uuid"], [], [betrokkene["uuid"]])
    # the betrokkene's own record and notification as before (under the klantcontact)
    [eigen] = AuditTrail.objects.filter(bron="kic", resource="betrokkene")
    assert eigen.hoofd_object == klantcontact["url"]
    assert [m["resource"] for m in meldingen("klantcontacten")][-1] == "betrokkene"

    # a second one (another role): appended, the list before is the one recorded after
    voor = len(meldingen("partijen"))
    tweede = kiss.post_json(
        f"{KI}/betrokkenen", betrokkene_body(klantcontact, partij, rol="vertegenwoordiger")
    )
    assert tweede.status_code == 201, tweede.content
    assert_partij_gewijzigd(
        voor, partij["uuid"], [betrokkene["uuid"]], [betrokkene["uuid"], tweede.json()["uuid"]]
    )


def test_post_betrokkene_locks_the_partij_first(kiss, klantcontact):
    """The lock order of the write paths: the partij row (read with its partij rows in the same
    statement), then the klantcontact; the partij's representations then come from memory."""
    partij = partij_voor(kiss)
    with CaptureQueriesContext(connection) as queries:
        response = kiss.post_json(f"{KI}/betrokkenen", betrokkene_body(klantcontact, partij))
    assert response.status_code == 201, response.content
    statements = [q["sql"] for q in queries.captured_queries]
    partij_lock = next(i for i, s in enumerate(statements) if "datamodel_klant_vers" in s)
    klantcontact_lock = next(
        i
        for i, s in enumerate(statements)
        if 'FROM "datamodel_klantcontact"' in s and "FOR UPDATE" in s
    )
    assert partij_lock < klantcontact_lock
    assert "FOR UPDATE" in statements[partij_lock]
    # no read of the partij's rows of its own
    assert not any('FROM "datamodel_partijidentificator"' in s for s in statements)


def test_post_betrokkene_without_a_partij_records_no_partij(kiss, klantcontact):
    partij_voor(kiss)
    voor, records_voor = len(meldingen("partijen")), len(partij_records())
    response = kiss.post_json(f"{KI}/betrokkenen", betrokkene_body(klantcontact, None))
    assert response.status_code == 201, response.content
    assert (len(meldingen("partijen")), len(partij_records())) == (voor, records_voor)
    assert AuditTrail.objects.filter(bron="kic", resource="betrokkene").count() == 1


def test_a_refused_betrokkene_records_nothing(kiss, klantcontact):
    """The same partij in the same role twice: 400, no record of the partij."""
    partij = partij_voor(kiss)
    body = betrokkene_body(klantcontact, partij)
    assert kiss.post_json(f"{KI}/betrokkenen", body).status_code == 201
    voor, records_voor = len(meldingen("partijen")), len(partij_records())
    response = kiss.post_json(f"{KI}/betrokkenen", body)
    assert response.status_code == 400, response.content
    assert (len(meldingen("partijen")), len(partij_records())) == (voor, records_voor)


def test_a_partij_gone_is_a_400_and_records_nothing(kiss, klantcontact):
    partij = partij_voor(kiss)
    Klant.objects.filter(uuid=partij["uuid"]).delete()
    voor = len(meldingen("partijen"))
    response = kiss.post_json(f"{KI}/betrokkenen", betrokkene_body(klantcontact, partij))
    assert response.status_code == 400, response.content
    assert response.json()["invalidParams"][0]["name"] == "wasPartij"
    assert len(meldingen("partijen")) == voor


def maak_body(partij: dict | None) -> dict:
    betrokkene = {
        "rol": "klant",
        "initiator": True,
        "organisatienaam": "",
        "contactnaam": {"voornaam": "Anna", "achternaam": "Bos"},
    }
    if partij is not None:
        betrokkene["wasPartij"] = {"uuid": partij["uuid"]}
    return {
        "klantcontact": {
            "kanaal": "Webformulier",
            "onderwerp": "Melding openbare ruimte",
            "taal": "dut",
            "vertrouwelijk": True,
        },
        "betrokkene": betrokkene,
    }


def test_maak_klantcontact_with_a_partij_records_the_partij(open_forms):
    partij = partij_voor(open_forms)
    voor = len(meldingen("partijen"))
    response = open_forms.post_json(f"{KI}/maak-klantcontact", maak_body(partij))
    assert response.status_code == 201, response.content
    betrokkene = response.json()["betrokkene"]
    assert betrokkene["wasPartij"]["uuid"] == partij["uuid"]
    assert_partij_gewijzigd(voor, partij["uuid"], [], [betrokkene["uuid"]])


def test_maak_klantcontact_anonymous_records_no_partij(open_forms):
    partij_voor(open_forms)
    voor, records_voor = len(meldingen("partijen")), len(partij_records())
    response = open_forms.post_json(f"{KI}/maak-klantcontact", maak_body(None))
    assert response.status_code == 201, response.content
    assert (len(meldingen("partijen")), len(partij_records())) == (voor, records_voor)


# --- the Contactmomenten API ----------------------------------------------------------------


def test_a_klantcontactmoment_created_and_deleted_records_the_partij(
    cm_api, contactmoment, make_klant
):
    klant = make_klant(voornaam="Jan", achternaam="Jansen")
    voor = len(meldingen("partijen"))
    body = {
        "contactmoment": cm_url(contactmoment),
        "klant": klant_url(klant),
        "rol": "belanghebbende",
    }
    response = cm_api.post_json(KCM, body)
    assert response.status_code == 201, response.content
    betrokkene = Betrokkene.objects.get()
    assert_partij_gewijzigd(voor, klant.uuid, [], [betrokkene.uuid])

    voor = len(meldingen("partijen"))
    response = cm_api.delete(path(response.json()["url"]))
    assert response.status_code == 204, response.content
    assert_partij_gewijzigd(voor, klant.uuid, [betrokkene.uuid], [])
    # and the betrokkene's own destroy, as before
    assert AuditTrail.objects.filter(bron="kic", resource="betrokkene").latest("pk").actie == (
        "destroy"
    )


def test_a_klantcontactmoment_of_a_klant_elsewhere_records_no_partij(
    cm_api, contactmoment, requests_mock
):
    elders = "https://klanten.elders.nl/api/v1/klanten/951e4660-3835-4643-8f9c-e523e364a30f"
    requests_mock.get(elders, json={})
    voor = len(meldingen("partijen"))
    body = {"contactmoment": cm_url(contactmoment), "klant": elders, "rol": "belanghebbende"}
    response = cm_api.post_json(KCM, body)
    assert response.status_code == 201, response.content
    assert len(meldingen("partijen")) == voor
    assert cm_api.delete(path(response.json()["url"])).status_code == 204
    assert len(meldingen("partijen")) == voor
    assert partij_records() == []


def test_deleting_a_contactmoment_records_each_partij_once(cm_api, contactmoment, make_klant):
    """Its betrokkenen go with it: each partij that had one (or two) records its new list
    once; a partij with a betrokkene elsewhere keeps that one."""
    jan = make_klant(voornaam="Jan")
    piet = make_klant(voornaam="Piet", subject_identificatie={"inp_bsn": BSN_2})
    ander = contacten.create_klantcontact({"bronorganisatie": RSIN, "kanaal": "telefoon"})
    blijft, _ = contacten.add_betrokkene(ander, klant=jan, klantcontactmoment_rol="gesprekspartner")
    eerste, _ = contacten.add_betrokkene(
        contactmoment, klant=jan, klantcontactmoment_rol="belanghebbende"
    )
    tweede, _ = contacten.add_betrokkene(
        contactmoment, klant=jan, klantcontactmoment_rol="gesprekspartner"
    )
    van_piet, _ = contacten.add_betrokkene(
        contactmoment, klant=piet, klantcontactmoment_rol="belanghebbende"
    )
    voor, records_voor = len(meldingen("partijen")), len(partij_records())
    response = cm_api.delete(path(cm_url(contactmoment)))
    assert response.status_code == 204, response.content
    assert len(partij_records()) == records_voor + 2
    berichten = meldingen("partijen")[voor:]
    assert sorted(b["resourceUrl"] for b in berichten) == sorted(
        f"{KI_URL}partijen/{k.uuid}" for k in (jan, piet)
    )
    assert {(b["resource"], b["actie"]) for b in berichten} == {("partij", "partial_update")}
    [van_jan] = partij_records(jan.uuid)
    assert van_jan.oud["betrokkenen"] == [ref(b.uuid) for b in (blijft, eerste, tweede)]
    assert van_jan.nieuw["betrokkenen"] == [ref(blijft.uuid)]
    assert van_jan.nieuw == nu_gelezen(jan.uuid)
    [van_piet_record] = partij_records(piet.uuid)
    assert (van_piet_record.oud["betrokkenen"], van_piet_record.nieuw["betrokkenen"]) == (
        [ref(van_piet.uuid)],
        [],
    )
    assert not Klantcontact.objects.filter(pk=contactmoment.pk).exists()


def test_deleting_a_contactmoment_without_partijen_records_none(cm_api, contactmoment):
    voor = len(meldingen("partijen"))
    assert cm_api.delete(path(cm_url(contactmoment))).status_code == 204
    assert len(meldingen("partijen")) == voor


def test_a_change_of_a_contactmoment_records_no_partij(cm_api, contactmoment, make_klant):
    klant = make_klant()
    contacten.add_betrokkene(contactmoment, klant=klant, klantcontactmoment_rol="belanghebbende")
    voor = len(meldingen("partijen"))
    response = cm_api.patch_json(path(cm_url(contactmoment)), {"tekst": "Anders"})
    assert response.status_code == 200, response.content
    assert len(meldingen("partijen")) == voor
    assert meldingen("contactmomenten")[-1]["actie"] == "partial_update"


# --- E2 interactions -------------------------------------------------------------------------


def test_an_e2_interaction_records_the_partij_once(api, contactmoment, make_klant):
    klant = make_klant()
    body = {"soort": "contactmoment", "url": cm_url(contactmoment), "rol": "belanghebbende"}
    voor = len(meldingen("partijen"))
    response = api.post_json(f"{BASE}/klanten/{klant.uuid}/interacties", body)
    assert response.status_code == 201, response.content
    betrokkene = Betrokkene.objects.get()
    assert_partij_gewijzigd(voor, klant.uuid, [], [betrokkene.uuid])
    # registered again: the same betrokkene, the list as it was: no partij record
    voor, records_voor = len(meldingen("partijen")), len(partij_records())
    again = api.post_json(f"{BASE}/klanten/{klant.uuid}/interacties", body)
    assert again.status_code == 201, again.content
    assert (len(meldingen("partijen")), len(partij_records())) == (voor, records_voor)
    # removed
    response = api.delete(path(response.json()["url"]))
    assert response.status_code == 204, response.content
    assert_partij_gewijzigd(voor, klant.uuid, [betrokkene.uuid], [])


# --- without an API: services, retention ---------------------------------------------------


def test_a_write_without_herkomst_records_nothing(contactmoment, make_klant):
    klant = make_klant()
    betrokkene, _ = contacten.add_betrokkene(
        contactmoment, klant=klant, klantcontactmoment_rol="belanghebbende"
    )
    contacten.remove_betrokkene(betrokkene)
    assert partij_records() == []


def test_removing_a_betrokkene_whose_partij_went_meanwhile(contactmoment, make_klant, monkeypatch):
    """The partij deleted between the read of the betrokkene's partij and its lock: the
    betrokkene goes, no partij is recorded (no 500)."""
    klant = make_klant()
    betrokkene, _ = contacten.add_betrokkene(
        contactmoment, klant=klant, klantcontactmoment_rol="belanghebbende"
    )
    vergrendel = partijstand.vergrendel

    def weg_en_vergrendel(pk):
        Klant.objects.filter(pk=pk).delete()  # K9: the betrokkene stays without it
        return vergrendel(pk)

    monkeypatch.setattr(partijstand, "vergrendel", weg_en_vergrendel)
    voor = len(meldingen("partijen"))
    contacten.remove_betrokkene(betrokkene, herkomst=Herkomst.systeem("test"))
    assert len(meldingen("partijen")) == voor
    assert not Betrokkene.objects.filter(pk=betrokkene.pk).exists()


def test_destruction_records_the_partij_destroyed_only(contactmoment, make_klant):
    """Retention takes the klant with its betrokkenen: the partij is recorded as destroyed,
    not also as changed."""
    klant = make_klant()
    contacten.add_betrokkene(contactmoment, klant=klant, klantcontactmoment_rol="belanghebbende")
    voor = len(meldingen("partijen"))
    locked = list(Klant.objects.select_for_update().filter(pk=klant.pk))
    services.verwijder_klanten(
        locked, Herkomst.systeem("Bewaartermijn"), {klant.pk: "R2"}, vernietiging=True
    )
    assert [(b["resource"], b["actie"]) for b in meldingen("partijen")[voor:]] == [
        ("partij", "destroy")
    ]
    assert not Betrokkene.objects.exists()
