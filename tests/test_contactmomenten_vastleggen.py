"""The audit trail (bron ``cmc``) and the notifications (kanaal ``contactmomenten``) of the
Contactmomenten API (the reference implementation's behaviours, and this service's rules: a
change of nothing records nothing; a deletion leaves one record; the relations are recorded
under their contactmoment, whichever path wrote them)."""

import copy
from datetime import timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time
from vng_api_common.audittrails.models import AuditTrail

from klanten.background import retention
from klanten.datamodel import contacten
from klanten.datamodel.models import Klant
from klanten.notificaties.audit import van_object
from klanten.notificaties.models import UitgaandeNotificatie

from .conftest import BASE, CM_BASE, klant_url
from .test_contactmomenten import MEDEWERKER, path
from .test_notifications import NOTIFICATIES, NOW, NOW_LOCAL, configure
from .test_notifications import sent as alle_verzonden
from .zaken_stub import ZakenStub

# a medewerker URL must answer 200: the medewerker registers of the tests answer
pytestmark = pytest.mark.usefixtures("medewerkers")

LIST = f"{CM_BASE}/contactmomenten"
KCM = f"{CM_BASE}/klantcontactmomenten"
BODY = {
    "bronorganisatie": "423182687",
    "kanaal": "telephone",
    "tekst": "some text",
    "onderwerpLinks": [],
    "initiatiefnemer": "gemeente",
    "medewerker": MEDEWERKER,
}


@pytest.fixture
def nrc(db, requests_mock):
    configure()
    requests_mock.post(NOTIFICATIES, status_code=201, json={})
    return requests_mock


@pytest.fixture
def write(cm_api, django_capture_on_commit_callbacks):
    def do(method: str, url: str, body=None, **extra):
        with freeze_time(NOW), django_capture_on_commit_callbacks(execute=True):
            if body is None:
                return getattr(cm_api, method)(url, **extra)
            return getattr(cm_api, f"{method}_json")(url, body, **extra)

    return do


def sent(mock) -> list[dict]:
    """The notifications on kanaal contactmomenten (a contactmoment is a klantcontact of
    Klantinteracties too: its changes are also sent on kanaal klantcontacten, K10)."""
    return [m for m in alle_verzonden(mock) if m["kanaal"] == "contactmomenten"]


def test_a_contactmoment_is_notified_as_a_klantcontact_too(nrc, write):
    data = write("post", LIST, BODY).json()
    key = data["url"].rsplit("/", 1)[-1]
    assert write("patch", path(data["url"]), {"kanaal": "balie"}).status_code == 200
    assert write("delete", path(data["url"])).status_code == 204
    ki = [m for m in alle_verzonden(nrc) if m["kanaal"] == "klantcontacten"]
    assert [(m["resource"], m["actie"]) for m in ki] == [
        ("klantcontact", "create"),
        ("klantcontact", "partial_update"),
        ("klantcontact", "destroy"),
    ]
    assert {m["resourceUrl"] for m in ki} == {
        f"http://testserver/klantinteracties/api/v1/klantcontacten/{key}"
    }
    # no personal data in kenmerken (K10)
    assert ki[0]["kenmerken"] == {
        "hoofdOnderwerpType": "",
        "indicatieContactGelukt": "",
        "verdereActieOndernomen": "False",
    }


def trail(url: str) -> list[AuditTrail]:
    """The records of a contactmoment (whatever host wrote them: a background task writes
    SITE_DOMAIN's)."""
    return list(van_object(url))


def message(url: str, actie: str, resource="contactmoment", hoofd=None, kanaal="telephone"):
    return {
        "kanaal": "contactmomenten",
        "source": "klanten",
        "hoofdObject": hoofd or url,
        "resource": resource,
        "resourceUrl": url,
        "actie": actie,
        "aanmaakdatum": NOW_LOCAL,
        "kenmerken": {"bronorganisatie": "423182687", "kanaal": kanaal},
    }


# --- audit trail ------------------------------------------------------------------------------
def test_create_is_audited(nrc, write):
    response = write("post", LIST, BODY, HTTP_X_AUDIT_TOELICHTING="Telefoontje")
    assert response.status_code == 201, response.content
    data = response.json()
    (record,) = trail(data["url"])
    assert (record.bron, record.actie, record.resultaat, record.resource) == (
        "cmc",
        "create",
        201,
        "contactmoment",
    )
    assert (record.oud, record.nieuw) == (None, data)
    assert record.toelichting == "Telefoontje"
    assert record.gebruikers_id == "medewerker-1"
    # as the reference implementation: bronorganisatie, medewerker id, when, kanaal
    assert record.resource_weergave.startswith("423182687 ffb1a466 at 2024-03-01T11:00:00")
    assert record.resource_weergave.endswith(" via telephone")


def test_update_and_partial_update_are_audited(nrc, write):
    data = write("post", LIST, BODY).json()
    modified = {**copy.deepcopy(data), "tekst": "new"}
    url = modified.pop("url")
    put = write("put", path(url), modified)
    assert put.status_code == 200, put.content
    patch = write("patch", path(url), {"kanaal": "balie"})
    records = trail(url)
    assert [(r.actie, r.resultaat) for r in records] == [
        ("create", 201),
        ("update", 200),
        ("partial_update", 200),
    ]
    assert (records[1].oud, records[1].nieuw) == (data, put.json())
    assert (records[2].oud, records[2].nieuw) == (put.json(), patch.json())


def test_a_change_of_nothing_records_nothing(nrc, write):
    data = write("post", LIST, BODY).json()
    url = data["url"]
    body = {k: v for k, v in data.items() if k != "url"}
    assert write("put", path(url), body).status_code == 200
    assert write("patch", path(url), {}).status_code == 200
    assert write("patch", path(url), {"kanaal": "telephone"}).status_code == 200
    assert len(trail(url)) == 1
    assert len(sent(nrc)) == 1


def test_read_the_audit_trail(cm_api, nrc, write):
    data = write("post", LIST, BODY).json()
    listed = cm_api.get(f"{path(data['url'])}/audittrail")
    assert listed.status_code == 200
    (entry,) = listed.json()
    assert entry["bron"] == "cmc"
    assert entry["hoofdObject"] == data["url"]
    assert entry["wijzigingen"] == {"oud": None, "nieuw": data}
    detail = cm_api.get(f"{path(data['url'])}/audittrail/{entry['uuid']}")
    assert detail.status_code == 200
    assert detail.json() == entry
    assert (
        cm_api.get(
            f"{path(data['url'])}/audittrail/{entry['uuid']}", HTTP_IF_NONE_MATCH=detail["ETag"]
        ).status_code
        == 304
    )


def test_a_deleted_contactmoment_leaves_one_record(cm_api, nrc, write):
    """The reference implementation deletes the audit trail with the contactmoment; here one
    record of the deletion stays (who, when, the URL and the kenmerken; no tekst)."""
    data = write("post", LIST, BODY).json()
    write("patch", path(data["url"]), {"tekst": "geheim"})
    assert write("delete", path(data["url"])).status_code == 204
    (record,) = trail(data["url"])
    assert (record.actie, record.resultaat, record.nieuw) == ("destroy", 204, None)
    assert record.oud == {"url": data["url"], "bronorganisatie": "423182687", "kanaal": "telephone"}
    listed = cm_api.get(f"{path(data['url'])}/audittrail")
    assert listed.status_code == 200
    assert [e["actie"] for e in listed.json()] == ["destroy"]
    assert "geheim" not in listed.content.decode()


def test_audit_trail_of_an_unknown_contactmoment(cm_api, db):
    assert cm_api.get(f"{LIST}/00000000-0000-4000-8000-000000000000/audittrail").status_code == 404


# --- notifications ---------------------------------------------------------------------------
def test_notifications_of_contactmomenten(nrc, write):
    data = write("post", LIST, BODY).json()
    url = data["url"]
    write("patch", path(url), {"tekst": "anders"})
    write("put", path(url), {**{k: v for k, v in data.items() if k != "url"}, "tekst": "weer"})
    write("delete", path(url))
    assert sent(nrc) == [
        message(url, "create"),
        message(url, "partial_update"),
        message(url, "update"),
        message(url, "destroy"),
    ]


def test_no_personal_data_in_notifications(nrc, write, make_klant):
    data = write("post", LIST, {**BODY, "tekst": "Jan Jansen belde, BSN 111222333"}).json()
    klant = make_klant(achternaam="Jansen")
    write(
        "post",
        KCM,
        {"contactmoment": data["url"], "klant": klant_url(klant), "rol": "gesprekspartner"},
    )
    for request in nrc.request_history:
        if request.url == NOTIFICATIES:
            assert "Jansen" not in request.text and "111222333" not in request.text


def test_relations_are_recorded_under_their_contactmoment(nrc, write, make_klant):
    data = write("post", LIST, BODY).json()
    klant = make_klant()
    created = write(
        "post",
        KCM,
        {"contactmoment": data["url"], "klant": klant_url(klant), "rol": "gesprekspartner"},
    )
    kcm = created.json()
    assert write("delete", path(kcm["url"])).status_code == 204
    records = trail(data["url"])
    assert [(r.resource, r.actie, r.resultaat) for r in records] == [
        ("contactmoment", "create", 201),
        ("klantcontactmoment", "create", 201),
        ("klantcontactmoment", "destroy", 204),
    ]
    assert (records[1].oud, records[1].nieuw) == (None, kcm)
    assert (records[2].oud, records[2].nieuw) == (kcm, None)
    assert sent(nrc)[1:] == [
        message(kcm["url"], "create", "klantcontactmoment", data["url"]),
        message(kcm["url"], "destroy", "klantcontactmoment", data["url"]),
    ]


def test_objectcontactmomenten_are_recorded(nrc, write, db):
    from zgw_consumers.constants import APITypes, AuthTypes
    from zgw_consumers.models import Service

    stub = ZakenStub()
    try:
        Service.objects.create(
            label="Zaken",
            slug="zaken",
            api_type=APITypes.zrc,
            api_root=stub.api_root,
            auth_type=AuthTypes.no_auth,
        )
        nrc.real_http = True  # the stand-in is a real server
        data = write("post", LIST, BODY).json()
        zaak = stub.zaak()
        stub.koppel(zaak, data["url"])
        ocm = write(
            "post",
            f"{CM_BASE}/objectcontactmomenten",
            {"contactmoment": data["url"], "object": zaak, "objectType": "zaak"},
        ).json()
        stub.ontkoppel(zaak)
        assert write("delete", path(ocm["url"])).status_code == 204
    finally:
        stub.close()
    assert [(r.resource, r.actie) for r in trail(data["url"])][1:] == [
        ("objectcontactmoment", "create"),
        ("objectcontactmoment", "destroy"),
    ]
    assert [(m["resource"], m["actie"]) for m in sent(nrc)][1:] == [
        ("objectcontactmoment", "create"),
        ("objectcontactmoment", "destroy"),
    ]


def test_an_e2_interaction_is_recorded_as_a_klantcontactmoment(nrc, write, make_klant):
    data = write("post", LIST, BODY).json()
    klant = make_klant()
    interacties = f"{BASE}/klanten/{klant.uuid}/interacties"
    created = write(
        "post", interacties, {"soort": "contactmoment", "url": data["url"], "rol": "belanghebbende"}
    )
    assert created.status_code == 201, created.content
    # the same again (E2 is idempotent): nothing new to record
    write(
        "post", interacties, {"soort": "contactmoment", "url": data["url"], "rol": "belanghebbende"}
    )
    assert write("delete", path(created.json()["url"])).status_code == 204
    assert [(r.resource, r.actie) for r in trail(data["url"])] == [
        ("contactmoment", "create"),
        ("klantcontactmoment", "create"),
        ("klantcontactmoment", "destroy"),
    ]
    assert [(m["resource"], m["actie"]) for m in sent(nrc)] == [
        ("contactmoment", "create"),
        ("klantcontactmoment", "create"),
        ("klantcontactmoment", "destroy"),
    ]


def test_a_klant_leaving_its_contactmomenten_is_recorded(nrc, write, make_klant):
    """Deleting a klant through the API (K9) or destroying it (R2) ends its
    klantcontactmomenten: each gets its destroy record and notification."""
    data = write("post", LIST, BODY).json()
    verwijderd, vernietigd = make_klant(), make_klant()
    for klant in (verwijderd, vernietigd):
        write(
            "post",
            KCM,
            {"contactmoment": data["url"], "klant": klant_url(klant), "rol": "belanghebbende"},
        )
    assert write("delete", f"{BASE}/klanten/{verwijderd.uuid}").status_code == 204
    # its interaction (the klantcontactmoment) ended yesterday (R1): due
    gisteren = timezone.localdate() - timedelta(days=1)
    contacten.Betrokkene.objects.filter(klant=vernietigd).update(vernietigingsdatum=gisteren)
    Klant.objects.filter(pk=vernietigd.pk).update(vernietigingsdatum=gisteren)
    retention.voer_uit()
    destroyed = [
        r for r in trail(data["url"]) if r.resource == "klantcontactmoment" and r.actie == "destroy"
    ]
    assert {r.oud["klant"].rsplit("/", 1)[1] for r in destroyed} == {
        str(verwijderd.uuid),
        str(vernietigd.uuid),
    }
    assert len(destroyed) == 2
    # both notifications are in the outbox (the retention run's is sent after its commit)
    berichten = [n.bericht for n in UitgaandeNotificatie.objects.order_by("id")]
    assert sorted(
        b["resourceUrl"]
        for b in berichten
        if b["resource"] == "klantcontactmoment" and b["actie"] == "destroy"
    ) == sorted(r.resource_url for r in destroyed)


# --- the kanaal ---------------------------------------------------------------------------------
def test_register_kanalen_registers_contactmomenten(db, requests_mock, settings):
    import io

    from django.core.management import call_command

    from .test_notifications import NRC

    settings.SITE_DOMAIN = "klanten.example"
    settings.IS_HTTPS = True
    configure()
    requests_mock.get(f"{NRC}kanaal", json=[])
    requests_mock.post(f"{NRC}kanaal", status_code=201, json={"url": f"{NRC}kanaal/2"})
    out = io.StringIO()
    call_command("register_kanalen", "--kanalen", "contactmomenten", stdout=out)
    get, post = requests_mock.request_history
    assert (get.method, get.url) == ("GET", f"{NRC}kanaal?naam=contactmomenten")
    assert post.json() == {
        "naam": "contactmomenten",
        "documentatieLink": "https://klanten.example/ref/kanalen/#contactmomenten",
        "filters": ["bronorganisatie", "kanaal"],
    }
    assert "Registered kanaal 'contactmomenten'" in out.getvalue()


def test_the_kanalen_page_documents_contactmomenten(client, db):
    html = client.get("/ref/kanalen/").content.decode()
    assert "contactmomenten" in html
    assert "bronorganisatie" in html and "Het communicatiekanaal" in html
