"""Deleting a klantcontact (``contacten.delete_klantcontact``: the Contactmomenten API's DELETE,
the admin) and the partijen that only hold a digital address one of its betrokkenen gave
(address-only holders, partij K here): K's klant row is locked with the others (id order,
before the klantcontact), its address stays with it without the betrokkene (the address's
``partial_update``, K its main object), and K's own representation does not change (it lists
its addresses by reference only, and its betrokkenen are not the klantcontact's): no record
or notification of partij K. A K that is also a partij of one of the betrokkenen is recorded
once (its ``betrokkenen`` changed).

The records and notifications per case are pinned here, and how much the delete does for K:
its statements and how often a partij representation is built."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from vng_api_common.audittrails.models import AuditTrail

from klanten.datamodel import contacten, partijwijzigingen
from klanten.datamodel.klantcontacten import Klantcontact
from klanten.datamodel.partijen import DigitaalAdres

from .conftest import CM_BASE, CM_SCOPES
from .ki_fixtures import KI_BASE, ki_post, make_ki_client  # noqa: F401
from .test_digitaal_adres_records import (  # noqa: F401
    HERKOMST_KISS,
    _notificaties,
    ki,
    maak_adres,
    partij,
    sinds,
    stand,
)

KLANTCONTACT = {"kanaal": "telefoon", "onderwerp": "Afval", "taal": "nld", "vertrouwelijk": False}
ORGANISATIE = {
    "soortPartij": "organisatie",
    "indicatieActief": True,
    "partijIdentificatie": {"naam": "K"},
}


def vergrendelt_klant(statement: str, pk: int) -> bool:
    """Whether ``statement`` locks klant row ``pk``: with its partij rows
    (``partijstand.vergrendel``, the ORM's ``= pk``) or by its row only (the address-only
    holders, ``contacten._vergrendel_rijen``: ``= ANY(ids)``)."""
    return "FOR UPDATE" in statement and bool(
        re.search(
            rf'WHERE "datamodel_klant"."id" (= |IN \(){pk}\b'
            rf"|FROM datamodel_klant WHERE id = ANY\('{{([0-9]+,)*{pk}[,}}]",
            statement,
        )
    )


def uuid_van(url: str) -> str:
    return url.rsplit("/", 1)[1]


def betrokkene(ki, klantcontact: dict, wie: dict | None) -> dict:  # noqa: F811
    return ki_post(
        ki,
        "betrokkenen",
        {
            "wasPartij": {"uuid": wie["uuid"]} if wie else None,
            "hadKlantcontact": {"uuid": klantcontact["uuid"]},
            "rol": "klant",
            "initiator": True,
        },
    )


@pytest.fixture
def k(ki):  # noqa: F811
    """Partij K (an organisation), the holder of an address a betrokkene gave."""
    return ki_post(ki, "partijen", ORGANISATIE)


@pytest.fixture
def klantcontact(ki):  # noqa: F811
    return ki_post(ki, "klantcontacten", KLANTCONTACT)


def delete(make_client, klantcontact: dict):
    """DELETE through the Contactmomenten API (Klantinteracties 0.9.0 has no DELETE of a
    klantcontact): a contactmoment is the klantcontact (same uuid)."""
    cm = make_client(cm_scopes=CM_SCOPES)
    return cm.delete(f"{CM_BASE}/contactmomenten/{klantcontact['uuid']}")


@pytest.fixture
def gebouwd(monkeypatch):
    """How often a partij representation was built for a record (``partij_data`` as
    ``partijwijzigingen.Betrokkenheden`` builds it, before and after), per partij uuid."""
    teller: dict[str, int] = {}
    echt = partijwijzigingen.partij_data

    def partij_data(klant, ctx):
        teller[str(klant.uuid)] = teller.get(str(klant.uuid), 0) + 1
        return echt(klant, ctx)

    monkeypatch.setattr(partijwijzigingen, "partij_data", partij_data)
    return teller


def genormaliseerd(records: list[tuple]) -> list[tuple]:
    """(resource, actie, uuid of the resource, uuid of its main object), sorted."""
    return sorted((r[1], r[2], uuid_van(r[3]), uuid_van(r[4])) for r in records)


def vernietigd(klantcontact: dict) -> list[tuple]:
    """The records of the klantcontact's own deletion (as contactmoment and klantcontact)."""
    u = klantcontact["uuid"]
    return [("contactmoment", "destroy", u, u), ("klantcontact", "destroy", u, u)]


def verwijderd(make_client, klantcontact: dict, gebouwd: dict) -> list[tuple]:
    """DELETE the klantcontact through the API (204, empty body); the records it wrote,
    :func:`genormaliseerd`. ``gebouwd`` counts from here."""
    before = stand()
    gebouwd.clear()
    response = delete(make_client, klantcontact)
    assert response.status_code == 204, response.content
    assert response.content == b""
    return genormaliseerd(sinds(before))


def assert_vrijgegeven(ki, adres: dict, door: dict) -> None:  # noqa: F811
    """``adres`` stayed with its partij without betrokkene ``door``: its last record (a
    ``partial_update``) is that change, and what a read answers."""
    rij = DigitaalAdres.objects.get(uuid=adres["uuid"])
    assert rij.betrokkene_id is None and rij.klant_id is not None
    record = AuditTrail.objects.filter(resource_url=adres["url"]).latest("pk")
    assert record.actie == "partial_update"
    assert record.oud["verstrektDoorBetrokkene"]["uuid"] == door["uuid"]
    assert record.nieuw == {**record.oud, "verstrektDoorBetrokkene": None}
    assert record.nieuw == ki.get(adres["url"]).json()


def test_an_anonymous_betrokkenes_address_of_k_records_the_address_not_k(
    ki,  # noqa: F811
    k,
    klantcontact,
    make_client,
    gebouwd,
):
    """(b) only: an anonymous betrokkene (KISS) gave K's address. The contactmoment and the
    klantcontact are destroyed, the betrokkene too, K's address is a ``partial_update`` (main
    object K); K's partij is not recorded, and its representation is not built."""
    b = betrokkene(ki, klantcontact, None)
    adres = maak_adres(ki, k, "balie@example.nl", verstrektDoorBetrokkene={"uuid": b["uuid"]})
    partij_voor = ki.get(k["url"]).json()
    assert verwijderd(make_client, klantcontact, gebouwd) == sorted(
        [
            *vernietigd(klantcontact),
            ("digitaaladres", "partial_update", adres["uuid"], k["uuid"]),
        ]
    )
    assert_vrijgegeven(ki, adres, b)
    assert ki.get(k["url"]).json() == partij_voor
    assert gebouwd == {}


def test_a_partijs_betrokkene_giving_ks_address_records_its_partij_once_and_k_never(
    ki,  # noqa: F811
    partij,  # noqa: F811
    k,
    klantcontact,
    make_client,
    gebouwd,
):
    """(a) and (b): the betrokkene of partij X gave K's address and one of X's own. X is
    recorded once (its ``betrokkenen`` lost it), K not at all; each address once."""
    b = betrokkene(ki, klantcontact, partij)
    door = {"verstrektDoorBetrokkene": {"uuid": b["uuid"]}}
    van_k = maak_adres(ki, k, "balie@example.nl", **door)
    van_x = maak_adres(ki, partij, "thuis@example.nl", **door)
    partij_voor = ki.get(k["url"]).json()
    assert verwijderd(make_client, klantcontact, gebouwd) == sorted(
        [
            *vernietigd(klantcontact),
            ("partij", "partial_update", partij["uuid"], partij["uuid"]),
            ("digitaaladres", "partial_update", van_k["uuid"], k["uuid"]),
            ("digitaaladres", "partial_update", van_x["uuid"], partij["uuid"]),
        ]
    )
    record = AuditTrail.objects.filter(resource="partij").latest("pk")
    assert record.nieuw == ki.get(partij["url"]).json()
    assert record.nieuw["betrokkenen"] == [] and record.oud["betrokkenen"] != []
    assert_vrijgegeven(ki, van_k, b)
    assert_vrijgegeven(ki, van_x, b)
    assert ki.get(k["url"]).json() == partij_voor
    # X's representation before and after; none of K's
    assert gebouwd == {partij["uuid"]: 2}


def test_k_also_a_betrokkenes_partij_is_recorded_once(
    ki,  # noqa: F811
    k,
    klantcontact,
    make_client,
    gebouwd,
):
    """K holds an address an anonymous betrokkene gave and is itself the partij of another
    betrokkene of the klantcontact: K recorded once (its ``betrokkenen`` changed), its
    address once."""
    anoniem = betrokkene(ki, klantcontact, None)
    van_k_zelf = betrokkene(ki, klantcontact, k)
    adres = maak_adres(ki, k, "balie@example.nl", verstrektDoorBetrokkene={"uuid": anoniem["uuid"]})
    assert verwijderd(make_client, klantcontact, gebouwd) == sorted(
        [
            *vernietigd(klantcontact),
            ("partij", "partial_update", k["uuid"], k["uuid"]),
            ("digitaaladres", "partial_update", adres["uuid"], k["uuid"]),
        ]
    )
    record = AuditTrail.objects.filter(resource="partij").latest("pk")
    assert [ref["uuid"] for ref in record.oud["betrokkenen"]] == [van_k_zelf["uuid"]]
    assert record.nieuw == ki.get(k["url"]).json()
    assert_vrijgegeven(ki, adres, anoniem)
    assert gebouwd == {k["uuid"]: 2}


def test_an_address_of_k_released_before_records_nothing_of_k(
    ki,  # noqa: F811
    k,
    klantcontact,
    make_client,
    gebouwd,
):
    """K's address no longer given by the betrokkene: K is no holder, nothing of K."""
    b = betrokkene(ki, klantcontact, None)
    adres = maak_adres(ki, k, "balie@example.nl", verstrektDoorBetrokkene={"uuid": b["uuid"]})
    DigitaalAdres.objects.filter(uuid=adres["uuid"]).update(betrokkene=None)
    before = stand()
    gebouwd.clear()
    assert delete(make_client, klantcontact).status_code == 204
    assert [r[1] for r in sinds(before)] == ["contactmoment", "klantcontact"]
    assert gebouwd == {}


def test_a_klantcontact_gone_is_a_404(ki, k, klantcontact, make_client):  # noqa: F811
    """Gone before the request (404), or after it was read (the service: ``DoesNotExist``,
    which the API answers with a 404): nothing recorded the second time."""
    b = betrokkene(ki, klantcontact, None)
    maak_adres(ki, k, "balie@example.nl", verstrektDoorBetrokkene={"uuid": b["uuid"]})
    gelezen = Klantcontact.objects.get(uuid=klantcontact["uuid"])
    assert delete(make_client, klantcontact).status_code == 204
    before = stand()
    response = delete(make_client, klantcontact)
    assert response.status_code == 404, response.content
    with pytest.raises(Klantcontact.DoesNotExist):
        contacten.delete_klantcontact(gelezen, herkomst=HERKOMST_KISS)
    assert sinds(before) == []


def test_the_delete_locks_k_before_the_klantcontact_in_id_order(
    ki,  # noqa: F811
    partij,  # noqa: F811
    k,
    klantcontact,
):
    """X (a betrokkene's partij) and K (an address-only holder, made after X: the higher id)
    locked in id order, both before the klantcontact, then the betrokkenen; the statements of
    the delete pinned (the service, without the request's own)."""
    from klanten.datamodel.models import Klant

    b = betrokkene(ki, klantcontact, partij)
    maak_adres(ki, k, "balie@example.nl", verstrektDoorBetrokkene={"uuid": b["uuid"]})
    x_pk = Klant.objects.get(uuid=partij["uuid"]).pk
    k_pk = Klant.objects.get(uuid=k["uuid"]).pk
    assert x_pk < k_pk
    rij = Klantcontact.objects.get(uuid=klantcontact["uuid"])
    with CaptureQueriesContext(connection) as queries:
        contacten.delete_klantcontact(rij, herkomst=HERKOMST_KISS)
    statements = [q["sql"] for q in queries.captured_queries]

    def eerste(*delen) -> int:
        return next(i for i, s in enumerate(statements) if all(d in s for d in delen))

    def klant_lock(pk: int) -> int:
        return next(i for i, s in enumerate(statements) if vergrendelt_klant(s, pk))

    x_lock, k_lock = klant_lock(x_pk), klant_lock(k_pk)
    klantcontact_lock = eerste("datamodel_klantcontact_vers")
    betrokkenen_lock = eerste('FROM "datamodel_betrokkene"', "FOR UPDATE")
    assert x_lock < k_lock < klantcontact_lock < betrokkenen_lock
    assert len(statements) == KLANTCONTACT_DELETE_STATEMENTS, "\n".join(statements)


# the statements of that delete: savepoint, the klant ids, X's lock (with its rows), K's lock,
# the klantcontact's lock, the betrokkenen's lock, the addresses released, the records, the
# delete's collection and cascade
KLANTCONTACT_DELETE_STATEMENTS = 33


def test_holders_next_in_id_order_are_locked_by_one_statement(
    ki,  # noqa: F811
    klantcontact,
    gebouwd,
):
    """K1 and K2 (address-only holders) before X (a betrokkene's partij) in id order: K1 and
    K2 locked by one statement, then X with its rows, then the klantcontact; each address
    recorded once, X once, K1 and K2 not."""
    from klanten.datamodel.models import Klant

    k1, k2 = (ki_post(ki, "partijen", ORGANISATIE) for _ in range(2))
    x = ki_post(ki, "partijen", ORGANISATIE)
    b = betrokkene(ki, klantcontact, x)
    door = {"verstrektDoorBetrokkene": {"uuid": b["uuid"]}}
    adressen = [
        maak_adres(ki, k1, "een@example.nl", **door),
        maak_adres(ki, k2, "twee@example.nl", **door),
    ]
    pks = [Klant.objects.get(uuid=p["uuid"]).pk for p in (k1, k2, x)]
    assert pks == sorted(pks)
    rij = Klantcontact.objects.get(uuid=klantcontact["uuid"])
    before = stand()
    gebouwd.clear()
    with CaptureQueriesContext(connection) as queries:
        contacten.delete_klantcontact(rij, herkomst=HERKOMST_KISS)
    statements = [q["sql"] for q in queries.captured_queries]
    locks = [(i, pk) for i, s in enumerate(statements) for pk in pks if vergrendelt_klant(s, pk)]
    assert [pk for _, pk in locks] == pks
    assert locks[0][0] == locks[1][0] < locks[2][0]  # K1 and K2 one statement, then X
    assert locks[2][0] < next(
        i for i, s in enumerate(statements) if "datamodel_klantcontact_vers" in s
    )
    assert genormaliseerd(sinds(before)) == sorted(
        [
            *vernietigd(klantcontact),
            ("partij", "partial_update", x["uuid"], x["uuid"]),
            ("digitaaladres", "partial_update", adressen[0]["uuid"], k1["uuid"]),
            ("digitaaladres", "partial_update", adressen[1]["uuid"], k2["uuid"]),
        ]
    )
    for adres in adressen:
        assert_vrijgegeven(ki, adres, b)
    assert gebouwd == {x["uuid"]: 2}
