# ruff: noqa: F811 (the fixtures of test_contactmoment_relaties, imported)
"""K10: a klantcontactmoment is a betrokkene and an objectcontactmoment an onderwerpobject of
the Klantinteracties API (design K3). Written without that API (the Contactmomenten API, an E2
interaction, a klant deleted or destroyed), each change of their Klantinteracties
representation is recorded too: one audit record (bron ``kic``, under the klantcontact) and one
notification on kanaal ``klantcontacten`` with the klantcontact's kenmerken, in the same
statement as the contactmomenten record; nothing when it did not change."""

from vng_api_common.audittrails.models import AuditTrail

from klanten.datamodel import contacten, kicontacten, kicontactwijzigingen, services
from klanten.datamodel.kicontactrepresentatie import KiBasis
from klanten.datamodel.klantcontacten import Betrokkene, Onderwerpobject
from klanten.datamodel.models import Klant
from klanten.datamodel.wijzigingen import Herkomst

from .conftest import BASE, klant_url
from .test_contactmoment_relaties import KCM, OCM, contactmoment, zaken  # noqa: F401
from .test_contactmomenten import cm_url, path
from .test_partij_k10 import _notificaties, meldingen  # noqa: F401 (an autouse fixture)

KI = "http://testserver/klantinteracties/api/v1/"
KENMERKEN = {"hoofdOnderwerpType", "indicatieContactGelukt", "verdereActieOndernomen"}


def kic(resource: str) -> list[AuditTrail]:
    return list(AuditTrail.objects.filter(bron="kic", resource=resource).order_by("pk"))


def basis() -> KiBasis:
    return KiBasis(KI)


def test_a_klantcontactmoment_is_recorded_as_a_betrokkene(cm_api, contactmoment, make_klant):
    klant = make_klant(voornaam="Jan", achternaam="Jansen")
    voor = len(meldingen("klantcontacten"))
    body = {
        "contactmoment": cm_url(contactmoment),
        "klant": klant_url(klant),
        "rol": "belanghebbende",
    }
    response = cm_api.post_json(KCM, body)
    assert response.status_code == 201, response.content
    betrokkene = Betrokkene.objects.get()
    [record] = kic("betrokkene")
    assert (record.actie, record.oud) == ("create", None)
    # what a Klantinteracties read shows
    assert record.nieuw == kicontacten.betrokkene_repr(betrokkene.pk, basis())
    assert record.nieuw["wasPartij"]["uuid"] == str(klant.uuid)
    assert record.hoofd_object == f"{KI}klantcontacten/{contactmoment.uuid}"
    [bericht] = meldingen("klantcontacten")[voor:]
    assert (bericht["resource"], bericht["actie"]) == ("betrokkene", "create")
    assert bericht["resourceUrl"] == f"{KI}betrokkenen/{betrokkene.uuid}"
    assert bericht["hoofdObject"] == record.hoofd_object
    assert set(bericht["kenmerken"]) == KENMERKEN
    assert "Jansen" not in str(bericht)
    # and on kanaal contactmomenten as before
    assert [m["resource"] for m in meldingen("contactmomenten")][-1] == "klantcontactmoment"

    response = cm_api.delete(path(response.json()["url"]))
    assert response.status_code == 204, response.content
    verwijderd = kic("betrokkene")[-1]
    assert (verwijderd.actie, verwijderd.nieuw) == ("destroy", None)
    assert verwijderd.oud == record.nieuw
    bericht = meldingen("klantcontacten")[-1]
    assert (bericht["resource"], bericht["actie"]) == ("betrokkene", "destroy")
    assert set(bericht["kenmerken"]) == KENMERKEN


def test_a_klantcontactmoment_of_a_klant_elsewhere(cm_api, contactmoment, requests_mock):
    elders = "https://klanten.elders.nl/api/v1/klanten/951e4660-3835-4643-8f9c-e523e364a30f"
    requests_mock.get(elders, json={})
    body = {"contactmoment": cm_url(contactmoment), "klant": elders, "rol": "belanghebbende"}
    assert cm_api.post_json(KCM, body).status_code == 201
    [record] = kic("betrokkene")
    assert record.nieuw["wasPartij"] is None


def test_an_objectcontactmoment_is_recorded_as_an_onderwerpobject(cm_api, contactmoment, zaken):
    zaak = zaken.zaak()
    zaken.koppel(zaak, cm_url(contactmoment))
    body = {"contactmoment": cm_url(contactmoment), "object": zaak, "objectType": "zaak"}
    response = cm_api.post_json(OCM, body)
    assert response.status_code == 201, response.content
    onderwerpobject = Onderwerpobject.objects.get()
    [record] = kic("onderwerpobject")
    assert record.actie == "create"
    [(gelezen, _)] = kicontactwijzigingen.onderdelen(
        Onderwerpobject.objects.filter(pk=onderwerpobject.pk), basis()
    )
    assert record.nieuw == gelezen
    bericht = meldingen("klantcontacten")[-1]
    assert (bericht["resource"], bericht["actie"]) == ("onderwerpobject", "create")
    assert bericht["hoofdObject"] == f"{KI}klantcontacten/{contactmoment.uuid}"
    assert set(bericht["kenmerken"]) == KENMERKEN

    zaken.ontkoppel(zaak)
    assert cm_api.delete(path(response.json()["url"])).status_code == 204
    verwijderd = kic("onderwerpobject")[-1]
    assert (verwijderd.actie, verwijderd.oud, verwijderd.nieuw) == ("destroy", record.nieuw, None)
    assert meldingen("klantcontacten")[-1]["actie"] == "destroy"


def test_an_e2_interaction_with_a_local_contactmoment(api, contactmoment, make_klant):
    klant = make_klant()
    body = {
        "soort": "contactmoment",
        "url": cm_url(contactmoment),
        "rol": "belanghebbende",
    }
    response = api.post_json(f"{BASE}/klanten/{klant.uuid}/interacties", body)
    assert response.status_code == 201, response.content
    [record] = kic("betrokkene")
    assert record.actie == "create"
    # registered again: the same betrokkene, its representation unchanged: nothing more
    assert api.post_json(f"{BASE}/klanten/{klant.uuid}/interacties", body).status_code == 201
    assert len(kic("betrokkene")) == 1


def test_a_betrokkene_registered_through_klantinteracties_is_recorded_once(
    contactmoment, make_klant
):
    """Klantinteracties records its own betrokkenen (kicontacten): not twice."""
    klant = make_klant()
    herkomst = Herkomst.systeem("test")
    kicontacten.add_betrokkene(contactmoment, klant=klant, rol="klant", herkomst=herkomst)
    assert len(kic("betrokkene")) == 1


def test_a_deleted_klant_leaves_its_betrokkenen_without_partij(api, contactmoment, make_klant):
    klant = make_klant()
    contacten.add_betrokkene(contactmoment, klant=klant, klantcontactmoment_rol="belanghebbende")
    betrokkene = Betrokkene.objects.get()
    oud = kicontacten.betrokkene_repr(betrokkene.pk, basis())
    response = api.delete(f"{BASE}/klanten/{klant.uuid}")
    assert response.status_code == 204, response.content
    [record] = kic("betrokkene")
    assert (record.actie, record.oud) == ("partial_update", oud)
    assert record.nieuw == kicontacten.betrokkene_repr(betrokkene.pk, basis())
    assert record.nieuw["wasPartij"] is None
    bericht = meldingen("klantcontacten")[-1]
    assert (bericht["resource"], bericht["actie"]) == ("betrokkene", "partial_update")


def test_a_destroyed_klant_takes_its_betrokkenen(contactmoment, make_klant):
    klant = make_klant()
    contacten.add_betrokkene(contactmoment, klant=klant, klantcontactmoment_rol="belanghebbende")
    oud = kicontacten.betrokkene_repr(Betrokkene.objects.get().pk, basis())
    locked = list(Klant.objects.select_for_update().filter(pk=klant.pk))
    services.verwijder_klanten(locked, Herkomst.systeem("Bewaartermijn"), vernietiging=True)
    assert not Betrokkene.objects.exists()
    [record] = kic("betrokkene")
    assert (record.actie, record.nieuw) == ("destroy", None)
    assert record.oud["uuid"] == oud["uuid"]
    bericht = meldingen("klantcontacten")[-1]
    assert (bericht["resource"], bericht["actie"]) == ("betrokkene", "destroy")
    assert set(bericht["kenmerken"]) == KENMERKEN
