"""K10 and the standing rule for digitale adressen: every change of a digitaal adres's own
Klantinteracties representation, by any path, writes one audit record (bron ``ki``, resource
``digitaaladres``) and one notification on kanaal ``partijen``; its ``hoofdObject`` is its
partij when it has one, else the address itself; a change of nothing writes neither. The
partij and the klant are recorded as before, only when their own representations changed."""

import pytest
from vng_api_common.audittrails.models import AuditTrail

from klanten.background.models import UitgaandeNotificatie
from klanten.datamodel import klantpartij, partijservices, services
from klanten.datamodel.klantcontacten import Betrokkene
from klanten.datamodel.models import Klant
from klanten.datamodel.partijen import DigitaalAdres
from klanten.datamodel.partijrepresentatie import KIContext
from klanten.datamodel.wijzigingen import Actor, Herkomst
from klanten.notificaties import outbox

from .conftest import BASE, BSN_2, CM_BASE, CM_SCOPES
from .ki_fixtures import KI_BASE, ki_post, make_ki_client  # noqa: F401
from .test_notifications import PERSONAL, configure
from .validatie_helpers import assertion, np_klant, validatie_url, validating_client

KI = "http://testserver/klantinteracties/api/v1/"


@pytest.fixture(autouse=True)
def _notificaties(db, monkeypatch):
    """Notifications configured; they stay in the outbox (their delivery is not the point)."""
    configure()
    monkeypatch.setattr(outbox, "na_commit", lambda ids: None)


@pytest.fixture
def ki(make_ki_client):  # noqa: F811
    return make_ki_client(vertrouwd=True)


def stand() -> tuple[int, int]:
    """The last audit record and outbox row so far (their pks)."""
    audit = AuditTrail.objects.order_by("-pk").values_list("pk", flat=True).first()
    uit = UitgaandeNotificatie.objects.order_by("-pk").values_list("pk", flat=True).first()
    return audit or 0, uit or 0


def sinds(before: tuple[int, int]) -> list[tuple]:
    """The audit records written since ``before``: (bron, resource, actie, resource_url,
    hoofd_object) in order; the notifications written since are exactly theirs."""
    records = [
        (r.bron, r.resource, r.actie, r.resource_url, r.hoofd_object)
        for r in AuditTrail.objects.filter(pk__gt=before[0]).order_by("pk")
    ]
    berichten = [
        n.bericht for n in UitgaandeNotificatie.objects.filter(pk__gt=before[1]).order_by("pk")
    ]
    for bericht in berichten:
        if bericht["resource"] == "digitaaladres":
            assert (bericht["kanaal"], bericht["kenmerken"]) == ("partijen", {})
    assert sorted(
        (b["resource"], b["actie"], b["resourceUrl"], b["hoofdObject"]) for b in berichten
    ) == sorted(r[1:] for r in records)
    return records


def adres_url(uuid) -> str:
    return f"{KI}digitaleadressen/{uuid}"


def partij_url(uuid) -> str:
    return f"{KI}partijen/{uuid}"


@pytest.fixture
def partij(ki):
    """A partij made through Klantinteracties, without addresses."""
    response = ki.post_json(
        f"{KI_BASE}/partijen",
        {
            "soortPartij": "persoon",
            "indicatieActief": True,
            "partijIdentificatie": {"contactnaam": {"voornaam": "Jan", "achternaam": "Jansen"}},
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def maak_adres(ki, partij, adres="werk@example.nl", standaard=False, **extra) -> dict:
    body = {
        "verstrektDoorPartij": {"uuid": partij["uuid"]} if partij else None,
        "adres": adres,
        "soortDigitaalAdres": "email",
        "isStandaardAdres": standaard,
        **extra,
    }
    response = ki.post_json(f"{KI_BASE}/digitaleadressen", body)
    assert response.status_code == 201, response.content
    return response.json()


# --- Klantinteracties /digitaleadressen ----------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [{"adres": "ander@example.nl"}, {"omschrijving": "thuis"}],
    ids=["adres", "omschrijving"],
)
def test_patch_of_a_partijs_non_standaard_address_records_the_address(ki, partij, body):
    """The bug: the partij lists the same addresses, so only the address changed; it was
    recorded by nothing."""
    adres = maak_adres(ki, partij)
    before = stand()
    response = ki.patch_json(f"{KI_BASE}/digitaleadressen/{adres['uuid']}", body)
    assert response.status_code == 200, response.content
    assert sinds(before) == [("ki", "digitaaladres", "partial_update", adres["url"], partij["url"])]
    record = AuditTrail.objects.latest("pk")
    assert record.oud == adres
    assert record.nieuw == response.json() == ki.get(adres["url"]).json()

    # the same again: a change of nothing
    before = stand()
    response = ki.patch_json(f"{KI_BASE}/digitaleadressen/{adres['uuid']}", body)
    assert response.status_code == 200, response.content
    assert sinds(before) == []


def test_put_of_a_partijs_address_is_an_update(ki, partij):
    adres = maak_adres(ki, partij, omschrijving="werk")
    body = {
        "verstrektDoorPartij": {"uuid": partij["uuid"]},
        "adres": "werk@example.nl",
        "soortDigitaalAdres": "email",
        "isStandaardAdres": False,
        "omschrijving": "kantoor",
    }
    before = stand()
    response = ki.put_json(adres["url"], body)
    assert response.status_code == 200, response.content
    assert sinds(before) == [("ki", "digitaaladres", "update", adres["url"], partij["url"])]
    before = stand()
    assert ki.put_json(adres["url"], body).status_code == 200
    assert sinds(before) == []


def test_post_of_a_partijs_address_records_the_address_and_the_partij(ki, partij):
    before = stand()
    adres = maak_adres(ki, partij)
    # the partij's list changed (its record as before), the address was made
    assert sinds(before) == [
        ("ki", "partij", "partial_update", partij["url"], partij["url"]),
        ("ki", "digitaaladres", "create", adres["url"], partij["url"]),
    ]
    assert AuditTrail.objects.latest("pk").nieuw == ki.get(adres["url"]).json()
    # the same address again (K8: the same row), unchanged: nothing
    before = stand()
    assert maak_adres(ki, partij)["uuid"] == adres["uuid"]
    assert sinds(before) == []


def test_a_new_standaard_address_records_both_addresses(ki, partij):
    """Making another address standaard changes that address, the one that stops being
    standaard, the partij's voorkeursDigitaalAdres and the klant's emailadres."""
    eerste = maak_adres(ki, partij, "eerste@example.nl", standaard=True)
    tweede = maak_adres(ki, partij, "tweede@example.nl")
    before = stand()
    response = ki.patch_json(tweede["url"], {"isStandaardAdres": True})
    assert response.status_code == 200, response.content
    assert sorted(sinds(before)) == sorted(
        [
            (
                "kc",
                "klant",
                "partial_update",
                f"http://testserver{BASE}/klanten/{partij['uuid']}",
                f"http://testserver{BASE}/klanten/{partij['uuid']}",
            ),
            ("ki", "partij", "partial_update", partij["url"], partij["url"]),
            ("ki", "digitaaladres", "partial_update", tweede["url"], partij["url"]),
            ("ki", "digitaaladres", "partial_update", eerste["url"], partij["url"]),
        ]
    )
    oud_standaard = AuditTrail.objects.filter(resource_url=eerste["url"]).latest("pk")
    assert (oud_standaard.oud["isStandaardAdres"], oud_standaard.nieuw["isStandaardAdres"]) == (
        True,
        False,
    )
    assert oud_standaard.nieuw == ki.get(eerste["url"]).json()


def test_an_address_without_a_partij_is_its_own_main_object(ki, partij):
    los = maak_adres(ki, None, "los@example.nl")
    assert sinds((0, 0))[-1] == ("ki", "digitaaladres", "create", los["url"], los["url"])
    before = stand()
    response = ki.patch_json(los["url"], {"omschrijving": "los"})
    assert response.status_code == 200, response.content
    assert sinds(before) == [("ki", "digitaaladres", "partial_update", los["url"], los["url"])]
    # given to a partij: the partij's list and the address (now of the partij)
    before = stand()
    response = ki.patch_json(los["url"], {"verstrektDoorPartij": {"uuid": partij["uuid"]}})
    assert response.status_code == 200, response.content
    assert sinds(before) == [
        ("ki", "partij", "partial_update", partij["url"], partij["url"]),
        ("ki", "digitaaladres", "partial_update", los["url"], partij["url"]),
    ]
    before = stand()
    assert ki.patch_json(los["url"], {"omschrijving": "los"}).status_code == 200
    assert sinds(before) == []


def test_post_partijen_with_existing_addresses_records_each_address(ki):
    los = maak_adres(ki, None, "los@example.nl")
    before = stand()
    response = ki.post_json(
        f"{KI_BASE}/partijen",
        {
            "soortPartij": "persoon",
            "indicatieActief": True,
            "partijIdentificatie": {"contactnaam": {"voornaam": "Jan", "achternaam": "Jansen"}},
            "digitaleAdressen": [{"uuid": los["uuid"]}],
        },
    )
    assert response.status_code == 201, response.content
    nieuw = response.json()
    assert [r[1:3] for r in sinds(before)] == [
        ("klant", "create"),
        ("partij", "create"),
        ("digitaaladres", "partial_update"),
    ]
    record = AuditTrail.objects.filter(resource_url=los["url"]).latest("pk")
    assert record.hoofd_object == nieuw["url"]
    assert record.oud == los
    assert record.nieuw == ki.get(los["url"]).json()
    assert record.nieuw["verstrektDoorPartij"]["uuid"] == nieuw["uuid"]


# --- the Klanten API (partijsync) ----------------------------------------------------------------


def klant_adressen(uuid) -> dict[str, str]:
    return {
        a.soort_digitaal_adres: str(a.uuid) for a in DigitaalAdres.objects.filter(klant__uuid=uuid)
    }


@pytest.fixture
def gemaakt(api):
    response = api.post_json(f"{BASE}/klanten", PERSONAL)
    assert response.status_code == 201, response.content
    return response.json()


def test_klanten_api_create_records_its_standaard_addresses(api):
    before = stand()
    response = api.post_json(f"{BASE}/klanten", PERSONAL)
    assert response.status_code == 201, response.content
    uuid = response.json()["url"].rsplit("/", 1)[1]
    adressen = klant_adressen(uuid)
    assert sorted(r for r in sinds(before) if r[1] == "digitaaladres") == sorted(
        ("ki", "digitaaladres", "create", adres_url(a), partij_url(uuid)) for a in adressen.values()
    )


def test_klanten_api_patch_of_the_emailadres_records_the_address(api, ki, gemaakt):
    """Known limit 1 until now: a new value keeps the address's uuid; the partij lists the
    same addresses (not recorded), the address changed (recorded), and the klant."""
    uuid = gemaakt["url"].rsplit("/", 1)[1]
    email = klant_adressen(uuid)["email"]
    voor = ki.get(adres_url(email)).json()
    before = stand()
    response = api.patch_json(gemaakt["url"], {"emailadres": "nieuw@example.nl"})
    assert response.status_code == 200, response.content
    assert sinds(before) == [
        ("kc", "klant", "partial_update", gemaakt["url"], gemaakt["url"]),
        ("ki", "digitaaladres", "partial_update", adres_url(email), partij_url(uuid)),
    ]
    record = AuditTrail.objects.latest("pk")
    assert record.oud == voor
    assert record.nieuw == ki.get(adres_url(email)).json()
    assert record.nieuw["adres"] == "nieuw@example.nl"
    # the same again: nothing
    before = stand()
    assert api.patch_json(gemaakt["url"], {"emailadres": "nieuw@example.nl"}).status_code == 200
    assert sinds(before) == []


def test_klanten_api_put_and_emptying_the_emailadres(api, gemaakt):
    uuid = gemaakt["url"].rsplit("/", 1)[1]
    adressen = klant_adressen(uuid)
    before = stand()
    response = api.put_json(gemaakt["url"], {**PERSONAL, "telefoonnummer": "0612345678"})
    assert response.status_code == 200, response.content
    assert [r for r in sinds(before) if r[1] == "digitaaladres"] == [
        (
            "ki",
            "digitaaladres",
            "partial_update",
            adres_url(adressen["telefoonnummer"]),
            partij_url(uuid),
        ),
    ]
    before = stand()
    response = api.patch_json(gemaakt["url"], {"emailadres": ""})
    assert response.status_code == 200, response.content
    # the standaard address went: the partij's list changed, the address was destroyed
    assert sinds(before) == [
        ("kc", "klant", "partial_update", gemaakt["url"], gemaakt["url"]),
        ("ki", "partij", "partial_update", partij_url(uuid), partij_url(uuid)),
        ("ki", "digitaaladres", "destroy", adres_url(adressen["email"]), partij_url(uuid)),
    ]
    record = AuditTrail.objects.latest("pk")
    assert record.oud == {
        "url": adres_url(adressen["email"]),
        "verstrektDoorPartij": {"uuid": uuid, "url": partij_url(uuid)},
    }
    assert record.nieuw is None
    before = stand()
    assert (
        api.put_json(
            gemaakt["url"], {**PERSONAL, "telefoonnummer": "0612345678", "emailadres": ""}
        ).status_code
        == 200
    )
    assert sinds(before) == []


def test_klanten_api_delete_records_the_destruction_of_its_addresses(api, gemaakt):
    uuid = gemaakt["url"].rsplit("/", 1)[1]
    adressen = klant_adressen(uuid)
    api.patch_json(gemaakt["url"], {"emailadres": "ander@example.nl"})  # a record to go
    before = stand()
    response = api.delete(gemaakt["url"])
    assert response.status_code == 204, response.content
    assert sorted(r[1:4] for r in sinds(before)) == sorted(
        [
            ("klant", "destroy", gemaakt["url"]),
            ("partij", "destroy", partij_url(uuid)),
            *(("digitaaladres", "destroy", adres_url(a)) for a in adressen.values()),
        ]
    )
    # the partij's trail (its addresses' changes included) went; the deletion records stay,
    # without the addresses
    gebleven = AuditTrail.objects.filter(hoofd_object=partij_url(uuid))
    assert sorted(gebleven.values_list("resource", "actie")) == [
        ("digitaaladres", "destroy"),
        ("digitaaladres", "destroy"),
        ("partij", "destroy"),
    ]
    for record in gebleven.filter(resource="digitaaladres"):
        assert set(record.oud) == {"url", "verstrektDoorPartij"}


def test_delete_of_a_partij_keeps_an_address_a_betrokkene_gave(ki, partij):
    """An address that a betrokkene also gave stays with it (K9): it leaves the partij, a
    partial_update of the address with itself as main object."""
    klantcontact = ki.post_json(
        f"{KI_BASE}/klantcontacten",
        {
            "kanaal": "telefoon",
            "onderwerp": "Afval",
            "taal": "nld",
            "vertrouwelijk": False,
            "inhoud": "Vraag",
        },
    ).json()
    betrokkene = ki.post_json(
        f"{KI_BASE}/betrokkenen",
        {
            "wasPartij": {"uuid": partij["uuid"]},
            "hadKlantcontact": {"uuid": klantcontact["uuid"]},
            "rol": "klant",
            "initiator": True,
        },
    )
    assert betrokkene.status_code == 201, betrokkene.content
    gegeven = {"uuid": betrokkene.json()["uuid"]}
    adres = maak_adres(ki, partij, "gedeeld@example.nl", verstrektDoorBetrokkene=gegeven)
    before = stand()
    assert ki.delete(partij["url"]).status_code == 204
    adressen = [r for r in sinds(before) if r[1] == "digitaaladres"]
    assert adressen == [("ki", "digitaaladres", "partial_update", adres["url"], adres["url"])]
    record = AuditTrail.objects.filter(resource_url=adres["url"]).latest("pk")
    assert record.nieuw == ki.get(adres["url"]).json()
    assert record.nieuw["verstrektDoorPartij"] is None


def test_update_of_nothing_records_no_address(api, gemaakt):
    before = stand()
    assert api.put_json(gemaakt["url"], PERSONAL).status_code == 200
    assert api.patch_json(gemaakt["url"], {"voornaam": "Hendrikus"}).status_code == 200
    assert sinds(before) == []


# --- retention, the service without a request -------------------------------------------


def test_destruction_by_retention_records_the_addresses(make_klant):
    klant = np_klant(make_klant, emailadres="r@example.nl", telefoonnummer="0611111111")
    adressen = klant_adressen(klant.uuid)
    locked = list(Klant.objects.select_for_update().filter(pk=klant.pk))
    before = stand()
    services.verwijder_klanten(
        locked, Herkomst.systeem("Bewaartermijn"), {klant.pk: "R2"}, vernietiging=True
    )
    destroyed = [r for r in sinds(before) if r[1] == "digitaaladres"]
    paden = sorted((r[2], r[3].split("/api/v1/")[1], r[4].split("/api/v1/")[1]) for r in destroyed)
    assert paden == sorted(
        ("destroy", f"digitaleadressen/{a}", f"partijen/{klant.uuid}") for a in adressen.values()
    )


def test_without_herkomst_nothing_is_recorded(make_klant):
    klant = np_klant(make_klant, emailadres="a@example.nl")
    before = stand()
    services.update_klant(klant, {"emailadres": "b@example.nl"}, partial=True)
    [rij] = DigitaalAdres.objects.filter(klant=klant)
    partijservices.wijzig_digitaal_adres(rij, {"omschrijving": "x"}, partial=True)
    assert stand() == before


def test_an_address_not_linked_k8_records_nothing(ki):
    """Two loose addresses with the same value given to a new partij: the partij holds it once
    (K8), the other stays as it was and records nothing."""
    eerste = maak_adres(ki, None, "zelfde@example.nl")
    tweede = maak_adres(ki, None, "Zelfde@example.nl")
    before = stand()
    response = ki.post_json(
        f"{KI_BASE}/partijen",
        {
            "soortPartij": "persoon",
            "indicatieActief": True,
            "partijIdentificatie": {"contactnaam": {"voornaam": "Jan", "achternaam": "Jansen"}},
            "digitaleAdressen": [{"uuid": eerste["uuid"]}, {"uuid": tweede["uuid"]}],
        },
    )
    assert response.status_code == 201, response.content
    adressen = [r for r in sinds(before) if r[1] == "digitaaladres"]
    assert adressen == [
        ("ki", "digitaaladres", "partial_update", eerste["url"], response.json()["url"])
    ]
    assert ki.get(tweede["url"]).json() == tweede


def test_emptying_an_emailadres_a_betrokkene_also_gave_keeps_the_address(api, ki, gemaakt):
    """The standaard address leaves the partij and stays the betrokkene's (``partijsync``):
    a partial_update of the address (now its own main object), not a destroy."""
    uuid = gemaakt["url"].rsplit("/", 1)[1]
    klantcontact = ki.post_json(
        f"{KI_BASE}/klantcontacten",
        {
            "kanaal": "telefoon",
            "onderwerp": "Afval",
            "taal": "nld",
            "vertrouwelijk": False,
            "inhoud": "Vraag",
        },
    ).json()
    betrokkene = ki.post_json(
        f"{KI_BASE}/betrokkenen",
        {
            "wasPartij": {"uuid": uuid},
            "hadKlantcontact": {"uuid": klantcontact["uuid"]},
            "rol": "klant",
            "initiator": True,
        },
    )
    assert betrokkene.status_code == 201, betrokkene.content
    email = klant_adressen(uuid)["email"]
    # the betrokkene gave it too (set directly: no API path sets it on a partij's address)
    DigitaalAdres.objects.filter(uuid=email).update(
        betrokkene=Betrokkene.objects.get(uuid=betrokkene.json()["uuid"])
    )
    voor = ki.get(adres_url(email)).json()
    before = stand()
    response = api.patch_json(gemaakt["url"], {"emailadres": ""})
    assert response.status_code == 200, response.content
    assert [r for r in sinds(before) if r[1] == "digitaaladres"] == [
        ("ki", "digitaaladres", "partial_update", adres_url(email), adres_url(email))
    ]
    record = AuditTrail.objects.filter(resource="digitaaladres").latest("pk")
    assert record.oud == voor
    assert record.nieuw == ki.get(adres_url(email)).json()
    assert record.nieuw["verstrektDoorPartij"] is None
    assert record.nieuw["verstrektDoorBetrokkene"]["uuid"] == betrokkene.json()["uuid"]


# --- the addresses' representations are built only when a write changes one -------------------


@pytest.fixture
def adressen_vooraf_en_na(monkeypatch):
    """What a write of the Klanten services records for the addresses, against what building
    their representations at every write would record (as before they were built only for a
    write that changes one): the addresses as the klant's lock found them
    (``services._partij_voor``) and as the write left them (``services._leg_vast``), built
    here for every update; and how often the code under test built them
    (``klantpartij.adressen``)."""
    gezien: dict = {}
    echt = klantpartij.adressen

    def adressen(klant, ctx):
        gezien["gebouwd"] += 1
        return echt(klant, ctx)

    partij_voor, leg_vast = services._partij_voor, services._leg_vast

    def _partij_voor(klant, herkomst):
        uitkomst = partij_voor(klant, herkomst)  # before the write changes anything in hand
        if herkomst is not None:
            gezien["oud"] = echt(klant, KIContext.van_herkomst(herkomst))
        return uitkomst

    def _leg_vast(actie, klant, *, partij_oud, herkomst, **kwargs):
        if partij_oud is not None:  # an update: the rows in hand are final
            gezien["nieuw"] = echt(klant, KIContext.van_herkomst(herkomst))
        return leg_vast(actie, klant, partij_oud=partij_oud, herkomst=herkomst, **kwargs)

    monkeypatch.setattr(klantpartij, "adressen", adressen)
    monkeypatch.setattr(services, "_partij_voor", _partij_voor)
    monkeypatch.setattr(services, "_leg_vast", _leg_vast)

    def schrijf(send, *, gebouwd: int, berichten: bool = True) -> list[tuple]:
        """Send one write; its address records must be exactly those of the representations
        built at every write; ``gebouwd``: how often the code built them; ``berichten``: the
        notifications are the records' (not for a correction: its own audit action). The
        records."""
        gezien.update(oud={}, nieuw=None, gebouwd=0)
        before = stand()
        send()
        records = [
            (r.actie, r.resource_url, r.oud, r.nieuw)
            for r in AuditTrail.objects.filter(pk__gt=before[0], resource="digitaaladres")
        ]
        if berichten:
            sinds(before)  # and a notification each
        oud = gezien["oud"]
        # a service that records no address change (a correction) leaves them as they were
        nieuw = oud if gezien["nieuw"] is None else gezien["nieuw"]
        verwacht = []
        for uuid in [*oud, *(u for u in nieuw if u not in oud)]:
            voor, na = oud.get(uuid), nieuw.get(uuid)
            if voor is None:
                verwacht.append(("create", na["url"], None, na))
            elif na is None:
                verwacht.append(
                    (
                        "destroy",
                        voor["url"],
                        {"url": voor["url"], "verstrektDoorPartij": voor["verstrektDoorPartij"]},
                        None,
                    )
                )
            elif voor != na:
                verwacht.append(("partial_update", voor["url"], voor, na))
        assert records == verwacht
        assert gezien["gebouwd"] == gebouwd
        return records

    return schrijf


def test_the_addresses_are_built_only_when_a_write_changes_one(
    api, ki, gemaakt, make_client, adressen_vooraf_en_na
):
    """The partij's addresses before and after are built for a write that changes one (twice:
    before and after), not for one that changes none (never); the records are those of
    building them for every write, case by case: every way ``partijsync`` changes them."""
    schrijf = adressen_vooraf_en_na
    url, uuid = gemaakt["url"], gemaakt["url"].rsplit("/", 1)[1]

    def patch(body):
        return lambda: api.patch_json(url, body)

    # no address changes: none built, none recorded
    assert schrijf(patch({"voornaam": "Piet"}), gebouwd=0) == []
    assert schrijf(patch({"emailadres": PERSONAL["emailadres"]}), gebouwd=0) == []
    assert schrijf(lambda: api.put_json(url, PERSONAL), gebouwd=0) == []
    assert schrijf(patch({"adres": {"huisnummer": 8}}), gebouwd=0) == []
    # a new value, a new phone number, both back by a PUT
    assert len(schrijf(patch({"emailadres": "nieuw@example.nl"}), gebouwd=2)) == 1
    assert len(schrijf(patch({"telefoonnummer": "0611111111"}), gebouwd=2)) == 1
    assert len(schrijf(lambda: api.put_json(url, PERSONAL), gebouwd=2)) == 2
    # emptied (destroyed), given again (created)
    assert [r[0] for r in schrijf(patch({"emailadres": ""}), gebouwd=2)] == ["destroy"]
    assert [r[0] for r in schrijf(patch({"emailadres": "weer@example.nl"}), gebouwd=2)] == [
        "create"
    ]
    # the value of another address of the partij (K8): that one becomes the standaard one
    ander = maak_adres(ki, {"uuid": uuid}, "werk@example.nl")
    records = schrijf(patch({"emailadres": "Werk@example.nl"}), gebouwd=2)
    assert sorted(r[0] for r in records) == ["destroy", "partial_update"]
    assert records[-1][1] == ander["url"] and records[-1][3]["isStandaardAdres"] is True
    # the same value again: nothing to synchronise, none built
    assert schrijf(patch({"emailadres": "Werk@example.nl"}), gebouwd=0) == []
    # the services of validation and subject correction change no address
    balie = validating_client(make_client, "balie", maximale_rang=4)
    klant = Klant.objects.get(uuid=uuid)
    response = {}
    assert (
        schrijf(
            lambda: response.update(r=balie.post_json(validatie_url(klant), assertion())),
            gebouwd=0,
        )
        == []
    )
    assert response["r"].status_code == 201, response["r"].content
    herkomst = Herkomst(
        Actor(gebruikers_id="beheerder-1", gebruikers_weergave="Beheerder Een"),
        f"http://testserver{BASE}/klanten/",
    )
    assert (
        schrijf(
            lambda: services.corrigeer_subject(
                Klant.objects.get(uuid=uuid), {"inp_bsn": BSN_2}, "Typefout", herkomst=herkomst
            ),
            gebouwd=0,
            berichten=False,
        )
        == []
    )


# --- a betrokkene removed (or its klantcontact deleted): the addresses it gave ----------------


@pytest.fixture
def gegeven(ki, partij):
    """A klantcontact with a betrokkene of ``partij`` (X) that gave three addresses: one of
    its own only (``eigen``), one partij K also holds (``van_k``), one X holds (``van_x``);
    and partij K."""
    klantcontact = ki_post(
        ki,
        "klantcontacten",
        {"kanaal": "telefoon", "onderwerp": "Afval", "taal": "nld", "vertrouwelijk": False},
    )
    betrokkene = ki_post(
        ki,
        "betrokkenen",
        {
            "wasPartij": {"uuid": partij["uuid"]},
            "hadKlantcontact": {"uuid": klantcontact["uuid"]},
            "rol": "klant",
            "initiator": True,
        },
    )
    k = ki_post(
        ki,
        "partijen",
        {
            "soortPartij": "organisatie",
            "indicatieActief": True,
            "partijIdentificatie": {"naam": "K"},
        },
    )
    door = {"verstrektDoorBetrokkene": {"uuid": betrokkene["uuid"]}}
    return {
        "klantcontact": klantcontact,
        "betrokkene": betrokkene,
        "k": k,
        "eigen": maak_adres(ki, None, "eigen@example.nl", **door),
        "van_k": maak_adres(ki, k, "balie@example.nl", **door),
        "van_x": maak_adres(ki, partij, "thuis@example.nl", **door),
    }


HERKOMST_KISS = Herkomst(
    Actor(applicatie_id="kiss", applicatie_weergave="KISS"), f"http://testserver{BASE}/klanten/"
)


def verwijder(pad: str, gegeven: dict) -> None:
    from klanten.datamodel import contacten
    from klanten.datamodel.klantcontacten import Klantcontact

    if pad == "betrokkene":
        contacten.remove_betrokkene(
            Betrokkene.objects.get(uuid=gegeven["betrokkene"]["uuid"]), herkomst=HERKOMST_KISS
        )
    else:
        contacten.delete_klantcontact(
            Klantcontact.objects.get(uuid=gegeven["klantcontact"]["uuid"]), herkomst=HERKOMST_KISS
        )


@pytest.mark.parametrize("pad", ["betrokkene", "klantcontact"])
def test_removing_a_betrokkene_records_each_address_it_gave_once(ki, partij, gegeven, pad):
    """Its own address goes (``destroy``, its own main object, the record without the
    address, its earlier records removed); each partij's address stays with the partij
    without it (``partial_update``, the partij its main object, ``verstrektDoorBetrokkene``
    gone); X is recorded once (its betrokkenen), K not at all (its representation lists the
    same addresses). Before: no address was recorded and its own address stayed, held by
    nobody."""
    voor = {naam: ki.get(gegeven[naam]["url"]).json() for naam in ("van_k", "van_x")}
    before = stand()
    verwijder(pad, gegeven)
    records = sinds(before)
    adressen = sorted(
        (r[2], r[3].rsplit("/", 1)[1], r[4].rsplit("/", 1)[1])
        for r in records
        if r[1] == "digitaaladres"
    )
    eigen, van_k, van_x = (gegeven[n]["uuid"] for n in ("eigen", "van_k", "van_x"))
    assert adressen == sorted(
        [
            ("destroy", eigen, eigen),
            ("partial_update", van_k, gegeven["k"]["uuid"]),
            ("partial_update", van_x, partij["uuid"]),
        ]
    )
    partijen = [r for r in records if r[1] == "partij"]
    assert [(r[2], r[3].rsplit("/", 1)[1]) for r in partijen] == [
        ("partial_update", partij["uuid"])
    ]
    assert not DigitaalAdres.objects.filter(uuid=eigen).exists()
    weg = AuditTrail.objects.filter(resource_url__endswith=eigen)
    assert [(r.actie, set(r.oud)) for r in weg] == [("destroy", {"url", "verstrektDoorPartij"})]
    for naam, uuid in (("van_k", van_k), ("van_x", van_x)):
        rij = DigitaalAdres.objects.get(uuid=uuid)
        assert rij.betrokkene_id is None and rij.klant_id is not None
        record = AuditTrail.objects.filter(resource_url__endswith=uuid).latest("pk")
        assert record.oud["verstrektDoorBetrokkene"]["uuid"] == gegeven["betrokkene"]["uuid"]
        assert record.nieuw == {**record.oud, "verstrektDoorBetrokkene": None}
        assert record.oud["adres"] == voor[naam]["adres"]
        assert ki.get(gegeven[naam]["url"]).json()["verstrektDoorBetrokkene"] is None


@pytest.mark.parametrize("pad", ["betrokkene", "klantcontact"])
def test_removing_a_betrokkene_without_addresses_records_no_address(ki, partij, gegeven, pad):
    DigitaalAdres.objects.filter(betrokkene__uuid=gegeven["betrokkene"]["uuid"]).update(
        betrokkene=None
    )
    before = stand()
    verwijder(pad, gegeven)
    assert [r[1] for r in sinds(before) if r[1] == "digitaaladres"] == []
    assert DigitaalAdres.objects.count() == 3


def test_contactmomenten_delete_records_the_addresses(make_client, ki, partij, gegeven):
    """Through the Contactmomenten API: the same records."""
    cm = make_client(cm_scopes=CM_SCOPES)
    before = stand()
    response = cm.delete(f"{CM_BASE}/contactmomenten/{gegeven['klantcontact']['uuid']}")
    assert response.status_code == 204, response.content
    assert sorted(r[2] for r in sinds(before) if r[1] == "digitaaladres") == [
        "destroy",
        "partial_update",
        "partial_update",
    ]


def test_removing_a_betrokkene_locks_the_partij_of_its_address_first(ki, partij, gegeven):
    """The klant rows (X's and K's, id order) before the klantcontact and the betrokkene."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    k = Klant.objects.get(uuid=gegeven["k"]["uuid"])
    with CaptureQueriesContext(connection) as queries:
        verwijder("betrokkene", gegeven)
    statements = [q["sql"] for q in queries.captured_queries]
    klantcontact_lock = next(
        i
        for i, s in enumerate(statements)
        if 'FROM "datamodel_klantcontact"' in s and "FOR UPDATE" in s
    )
    k_lock = next(
        i
        for i, s in enumerate(statements)
        if "FOR UPDATE" in s and f'"datamodel_klant"."id" = {k.pk}' in s
    )
    assert k_lock < klantcontact_lock


@pytest.mark.parametrize("pad", ["betrokkene", "klantcontact"])
def test_removing_a_betrokkene_without_herkomst_records_nothing(partij, gegeven, pad):
    """Without a ``herkomst`` (nobody to record for) the addresses change all the same."""
    from klanten.datamodel import contacten
    from klanten.datamodel.klantcontacten import Klantcontact

    before = stand()
    if pad == "betrokkene":
        contacten.remove_betrokkene(Betrokkene.objects.get(uuid=gegeven["betrokkene"]["uuid"]))
    else:
        contacten.delete_klantcontact(
            Klantcontact.objects.get(uuid=gegeven["klantcontact"]["uuid"])
        )
    assert stand() == before
    assert not DigitaalAdres.objects.filter(uuid=gegeven["eigen"]["uuid"]).exists()
    assert set(
        DigitaalAdres.objects.filter(
            uuid__in=[gegeven["van_k"]["uuid"], gegeven["van_x"]["uuid"]]
        ).values_list("betrokkene_id", flat=True)
    ) == {None}
