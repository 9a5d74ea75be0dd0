"""K10: a write that changes a partij without the Klantinteracties API (the Klanten API, the
admin, the resident pages, a validation, the retention run) records the partij too: one audit
record (bron ``ki``) and one notification on kanaal ``partijen`` (resource ``partij``, kenmerk
``soortPartij`` only) exactly when the partij's representation changed, next to the klant's
record on ``klanten``; nothing for the partij when it did not change."""

import pytest
from vng_api_common.audittrails.models import AuditTrail

from klanten.background.models import UitgaandeNotificatie
from klanten.datamodel import services
from klanten.datamodel.klantcontacten import Betrokkene, Klantcontact
from klanten.datamodel.models import Klant
from klanten.datamodel.partijrepresentatie import KIContext, partij
from klanten.datamodel.wijzigingen import Actor, Herkomst
from klanten.notificaties import outbox

from .conftest import BASE, BSN, BSN_2, RSIN
from .test_notifications import PERSONAL, PERSONAL_STRINGS, configure
from .validatie_helpers import DIGID_MIDDEN, assertion, np_klant, validatie_url, validating_client

KI = "http://testserver/klantinteracties/api/v1/"


@pytest.fixture(autouse=True)
def _notificaties(db, monkeypatch):
    """Notifications configured; they stay in the outbox (their delivery is not the point)."""
    configure()
    monkeypatch.setattr(outbox, "na_commit", lambda ids: None)


def meldingen(kanaal: str, resource: str | None = None) -> list[dict]:
    """The notifications on ``kanaal`` (of ``resource``, on ``partijen`` the partij's by
    default: its digitale adressen have records of their own, tests/test_digitaal_adres_
    records.py)."""
    if resource is None and kanaal == "partijen":
        resource = "partij"
    return [
        n.bericht
        for n in UitgaandeNotificatie.objects.order_by("pk")
        if n.bericht["kanaal"] == kanaal and resource in (None, n.bericht["resource"])
    ]


def records(bron: str) -> list[AuditTrail]:
    """The records of ``bron`` (of bron ``ki``, the partij's)."""
    records = AuditTrail.objects.filter(bron=bron).order_by("pk")
    if bron == "ki":
        records = records.filter(resource="partij")
    return list(records)


def stand() -> tuple[int, int, int, int]:
    """(klant records, klanten notifications, partij records, partijen notifications of the
    partij)."""
    return (
        len(records("kc")),
        len(meldingen("klanten")),
        len(records("ki")),
        len(meldingen("partijen")),
    )


def nu_gelezen(uuid) -> dict:
    """The partij as a Klantinteracties read answers it now (read afresh)."""
    return partij(Klant.objects.get(uuid=uuid), KIContext(KI))


def laatste_partij_record() -> AuditTrail:
    return AuditTrail.objects.filter(bron="ki", resource="partij").latest("pk")


def geen_persoonsgegevens(bericht: dict) -> None:
    tekst = str(bericht)
    for waarde in PERSONAL_STRINGS:
        assert waarde not in tekst, waarde


@pytest.fixture
def gemaakt(api):
    """A klant made through the Klanten API."""
    response = api.post_json(f"{BASE}/klanten", PERSONAL)
    assert response.status_code == 201, response.content
    return response.json()


def test_create_records_the_partij(api):
    before = stand()
    response = api.post_json(f"{BASE}/klanten", PERSONAL)
    assert response.status_code == 201, response.content
    assert stand() == tuple(n + 1 for n in before)
    uuid = response.json()["url"].rsplit("/", 1)[1]
    [bericht] = meldingen("partijen")
    assert bericht["resource"] == "partij"
    assert bericht["actie"] == "create"
    assert bericht["resourceUrl"] == f"{KI}partijen/{uuid}"
    assert bericht["hoofdObject"] == bericht["resourceUrl"]
    assert bericht["kenmerken"] == {"soortPartij": "persoon"}
    geen_persoonsgegevens(bericht)
    record = laatste_partij_record()
    assert record.actie == "create"
    assert record.oud is None
    # built from data in hand, equal to what a read answers
    assert record.nieuw == nu_gelezen(uuid)
    assert [
        i["partijIdentificator"]["objectId"] for i in record.nieuw["partijIdentificatoren"]
    ] == [BSN]
    assert len(record.nieuw["digitaleAdressen"]) == 2


def test_create_of_an_organisation(api):
    body = {
        "bronorganisatie": RSIN,
        "subjectType": "niet_natuurlijk_persoon",
        "subjectIdentificatie": {"innNnpId": "123456782", "statutaireNaam": "Bakker BV"},
    }
    response = api.post_json(f"{BASE}/klanten", body)
    assert response.status_code == 201, response.content
    [bericht] = meldingen("partijen")
    assert bericht["kenmerken"] == {"soortPartij": "organisatie"}
    uuid = response.json()["url"].rsplit("/", 1)[1]
    assert laatste_partij_record().nieuw == nu_gelezen(uuid)


@pytest.mark.parametrize(
    "body",
    [
        {"voornaam": "Piet"},
        {"achternaam": "Jansen"},
        {"adres": {"huisnummer": 9}},
        {"subjectIdentificatie": {"inpBsn": BSN_2}},
        {"klantnummer": "77"},
        {"emailadres": ""},
        {"telefoonnummer": ""},
    ],
    ids=lambda body: next(iter(body)),
)
def test_patch_that_changes_the_partij_records_it(api, gemaakt, body):
    uuid = gemaakt["url"].rsplit("/", 1)[1]
    oud = nu_gelezen(uuid)
    before = stand()
    response = api.patch_json(gemaakt["url"], body)
    assert response.status_code == 200, response.content
    assert stand() == tuple(n + 1 for n in before)
    bericht = meldingen("partijen")[-1]
    assert bericht["actie"] == "partial_update"
    assert bericht["kenmerken"] == {"soortPartij": "persoon"}
    geen_persoonsgegevens(bericht)
    record = laatste_partij_record()
    assert record.actie == "partial_update"
    assert record.oud == oud
    assert record.nieuw == nu_gelezen(uuid)
    assert record.oud != record.nieuw


@pytest.mark.parametrize(
    "body",
    [
        {"functie": "Directeur"},
        {"websiteUrl": "https://example.nl"},
        # the standaard address keeps its uuid: the partij lists the same addresses
        {"emailadres": "h.bakker@example.nl"},
        {"telefoonnummer": "0611111111"},
        {"subjectIdentificatie": {"geslachtsnaam": "Bakker"}},
    ],
    ids=lambda body: next(iter(body)),
)
def test_patch_outside_the_partij_records_the_klant_only(api, gemaakt, body):
    uuid = gemaakt["url"].rsplit("/", 1)[1]
    oud = nu_gelezen(uuid)
    kc, kc_n, ki, ki_n = stand()
    response = api.patch_json(gemaakt["url"], body)
    assert response.status_code == 200, response.content
    assert stand() == (kc + 1, kc_n + 1, ki, ki_n)
    assert nu_gelezen(uuid) == oud


def test_a_new_standaard_address_changes_the_partij(api, gemaakt):
    """An emailadres where there was none: a new standaard address in the partij's list."""
    api.patch_json(gemaakt["url"], {"emailadres": ""})
    uuid = gemaakt["url"].rsplit("/", 1)[1]
    before = stand()
    response = api.patch_json(gemaakt["url"], {"emailadres": "nieuw@example.nl"})
    assert response.status_code == 200, response.content
    assert stand() == tuple(n + 1 for n in before)
    record = laatste_partij_record()
    assert len(record.nieuw["digitaleAdressen"]) == len(record.oud["digitaleAdressen"]) + 1
    assert record.nieuw == nu_gelezen(uuid)


def test_patch_of_nothing_records_nothing(api, gemaakt):
    before = stand()
    response = api.patch_json(gemaakt["url"], {"voornaam": PERSONAL["voornaam"]})
    assert response.status_code == 200, response.content
    assert stand() == before


def test_put_records_the_partij(api, gemaakt):
    uuid = gemaakt["url"].rsplit("/", 1)[1]
    before = stand()
    response = api.put_json(gemaakt["url"], {**PERSONAL, "voornaam": "Kees"})
    assert response.status_code == 200, response.content
    assert stand() == tuple(n + 1 for n in before)
    record = laatste_partij_record()
    assert record.actie == "update"
    assert record.nieuw == nu_gelezen(uuid)


def test_put_of_the_same_records_nothing(api, gemaakt):
    before = stand()
    response = api.put_json(gemaakt["url"], PERSONAL)
    assert response.status_code == 200, response.content
    assert stand() == before


def test_delete_records_the_partij_deletion(api, gemaakt):
    uuid = gemaakt["url"].rsplit("/", 1)[1]
    api.patch_json(gemaakt["url"], {"voornaam": "Piet"})
    response = api.delete(gemaakt["url"])
    assert response.status_code == 204, response.content
    bericht = meldingen("partijen")[-1]
    assert bericht["actie"] == "destroy"
    assert bericht["resourceUrl"] == f"{KI}partijen/{uuid}"
    assert bericht["kenmerken"] == {"soortPartij": "persoon"}
    # its partij audit trail (it held its data) went; one record of the deletion stays
    [record] = AuditTrail.objects.filter(
        bron="ki", resource="partij", hoofd_object__endswith=f"/partijen/{uuid}"
    )
    assert record.actie == "destroy"
    assert record.oud == {"url": f"{KI}partijen/{uuid}", "soortPartij": "persoon"}
    # and one of each of its digital addresses (e-mail and phone), without the address
    adressen = AuditTrail.objects.filter(
        resource="digitaaladres", hoofd_object__endswith=f"/partijen/{uuid}"
    )
    assert [(r.actie, set(r.oud)) for r in adressen] == [
        ("destroy", {"url", "verstrektDoorPartij"})
    ] * 2
    assert [m["actie"] for m in meldingen("klanten")][-1] == "destroy"
    assert len([m for m in meldingen("partijen") if m["actie"] == "destroy"]) == 1


def test_a_klant_in_a_klantcontact_lists_its_betrokkenen(api, gemaakt):
    """The partij's betrokkenen come from the lock statement too: a change of the klant that
    has them records the same list before and after."""
    uuid = gemaakt["url"].rsplit("/", 1)[1]
    klant = Klant.objects.get(uuid=uuid)
    contact = Klantcontact.objects.create(bronorganisatie=RSIN, kanaal="telefoon")
    Betrokkene.objects.create(klantcontact=contact, klant=klant, rol="klant")
    response = api.patch_json(gemaakt["url"], {"voornaam": "Piet"})
    assert response.status_code == 200, response.content
    record = laatste_partij_record()
    assert len(record.oud["betrokkenen"]) == 1
    assert record.nieuw == nu_gelezen(uuid)


# --- the other paths that change a klant --------------------------------------------------------


def herkomst(klant=None) -> Herkomst:
    return Herkomst(
        Actor(gebruikers_id="beheerder-1", gebruikers_weergave="Beheerder Een"),
        f"http://testserver{BASE}/klanten/",
    )


def test_validation_that_gives_the_klant_its_identity_records_the_partij(make_client, make_klant):
    balie = validating_client(make_client, "balie", maximale_rang=4)
    klant = np_klant(make_klant, inp_bsn=None, voornaam="Jan")
    before = stand()
    response = balie.post_json(validatie_url(klant), assertion(niveau=DIGID_MIDDEN))
    assert response.status_code == 201, response.content
    assert stand() == tuple(n + 1 for n in before)
    record = laatste_partij_record()
    assert record.oud["partijIdentificatoren"] == []
    assert [
        i["partijIdentificator"]["objectId"] for i in record.nieuw["partijIdentificatoren"]
    ] == [BSN]
    assert record.nieuw == nu_gelezen(klant.uuid)


def test_validation_that_leaves_the_partij_as_it_was_records_the_klant_only(
    make_client, make_klant
):
    balie = validating_client(make_client, "balie", maximale_rang=4)
    klant = np_klant(make_klant, voornaam="Jan")
    kc, kc_n, ki, ki_n = stand()
    response = balie.post_json(validatie_url(klant), assertion(niveau=DIGID_MIDDEN))
    assert response.status_code == 201, response.content
    # gevalideerd is in the klant's representation, not in the partij's
    assert stand() == (kc + 1, kc_n + 1, ki, ki_n)


def test_correction_of_the_subject_records_the_partij_without_identifiers(make_client, make_klant):
    balie = validating_client(make_client, "balie", maximale_rang=4)
    klant = np_klant(make_klant, voornaam="Jan")
    assert balie.post_json(validatie_url(klant), assertion()).status_code == 201
    before = stand()
    services.corrigeer_subject(klant, {"inp_bsn": BSN_2}, "Typefout", herkomst=herkomst())
    assert stand() == tuple(n + 1 for n in before)
    record = laatste_partij_record()
    assert record.actie == "correctie_subject"
    assert record.toelichting == "Typefout"
    assert BSN not in str(record.oud) and BSN_2 not in str(record.nieuw)
    bericht = meldingen("partijen")[-1]
    assert bericht["actie"] == "partial_update"
    assert bericht["kenmerken"] == {"soortPartij": "persoon"}
    geen_persoonsgegevens(bericht)


def test_update_without_herkomst_records_nothing_and_keeps_the_partij_in_sync(make_klant):
    klant = np_klant(make_klant, emailadres="a@example.nl")
    before = stand()
    services.update_klant(klant, {"emailadres": "b@example.nl"}, partial=True)
    assert stand() == before
    assert [a["url"] for a in nu_gelezen(klant.uuid)["digitaleAdressen"]]
    klant.refresh_from_db()
    assert list(klant.digitale_adressen.values_list("adres", flat=True)) == ["b@example.nl"]


def test_destruction_by_retention_records_the_partij_deletion(make_klant):
    klant = np_klant(make_klant)
    locked = list(Klant.objects.select_for_update().filter(pk=klant.pk))
    services.verwijder_klanten(
        locked, Herkomst.systeem("Bewaartermijn"), {klant.pk: "R2"}, vernietiging=True
    )
    bericht = meldingen("partijen")[-1]
    assert bericht["actie"] == "destroy"
    assert bericht["kenmerken"] == {"soortPartij": "persoon"}
    record = AuditTrail.objects.get(bron="ki", actie="destroy")
    assert record.toelichting == "R2"
