"""Contactmomenten API 1.0.0: klantcontactmomenten and objectcontactmomenten.

Klantcontactmomenten: a klant of this service is checked locally (no HTTP call) and must be
visible to the application (V7); a klant elsewhere must answer 200 (with the configured
service's credentials); (contactmoment, klant, rol) is unique.

Objectcontactmomenten: consistency with the Zaken API, tested against a local stand-in of the
Zaken API (``tests/zaken_stub.py``): created only when the zaak lists the relation
(``inconsistent-relation`` otherwise), deleted only when it no longer does
(``remote-relation-exists``).
"""

import uuid

import pytest
import requests_mock
from zgw_consumers.constants import APITypes, AuthTypes
from zgw_consumers.models import Service

from klanten.datamodel import contacten
from klanten.datamodel.klantcontacten import Betrokkene, Klantcontact, Onderwerpobject

from .conftest import CM_BASE, RSIN, klant_url
from .test_contactmomenten import MEDEWERKER, assert_invalid, assert_problem, cm_url, path
from .zaken_stub import ZakenStub

KCM = f"{CM_BASE}/klantcontactmomenten"
OCM = f"{CM_BASE}/objectcontactmomenten"
KLANT_ELDERS = "https://klanten.elders.nl/api/v1/klanten/951e4660-3835-4643-8f9c-e523e364a30f"


@pytest.fixture
def contactmoment(db):
    return contacten.create_klantcontact(
        {"bronorganisatie": RSIN, "kanaal": "telefoon", "medewerker_url": MEDEWERKER}
    )


def kcm_url(betrokkene) -> str:
    return f"http://testserver{KCM}/{betrokkene.uuid}"


def ocm_url(onderwerpobject) -> str:
    return f"http://testserver{OCM}/{onderwerpobject.uuid}"


# --- klantcontactmomenten ------------------------------------------------------------------------
def test_create_with_a_local_klant_makes_no_http_call(cm_api, contactmoment, make_klant):
    klant = make_klant()
    body = {
        "contactmoment": cm_url(contactmoment),
        "klant": klant_url(klant),
        "rol": "gesprekspartner",
    }
    with requests_mock.Mocker() as outgoing:  # any HTTP call would fail: no mock registered
        response = cm_api.post_json(KCM, body)
    assert outgoing.call_count == 0

    assert response.status_code == 201, response.content
    betrokkene = Betrokkene.objects.get()
    assert response["Location"] == kcm_url(betrokkene)
    assert response.json() == {"url": kcm_url(betrokkene), **body}
    assert (betrokkene.klant, betrokkene.klant_url) == (klant, "")
    assert (betrokkene.klantcontactmoment_rol, betrokkene.rol) == (
        "gesprekspartner",
        "vertegenwoordiger",
    )
    assert cm_api.get(path(kcm_url(betrokkene))).json() == response.json()


def test_create_with_a_klant_elsewhere(cm_api, contactmoment):
    body = {"contactmoment": cm_url(contactmoment), "klant": KLANT_ELDERS, "rol": "belanghebbende"}
    with requests_mock.Mocker() as outgoing:
        outgoing.get(KLANT_ELDERS, json={})
        response = cm_api.post_json(KCM, body)
    assert response.status_code == 201, response.content
    assert response.json()["klant"] == KLANT_ELDERS
    betrokkene = Betrokkene.objects.get()
    assert (betrokkene.klant, betrokkene.klant_url, betrokkene.rol) == (None, KLANT_ELDERS, "klant")


def test_a_klant_elsewhere_is_fetched_with_the_services_credentials(cm_api, contactmoment):
    Service.objects.create(
        label="Andere Klanten API",
        slug="andere-klanten",
        api_type=APITypes.kc,
        api_root="https://klanten.elders.nl/api/v1/",
        auth_type=AuthTypes.zgw,
        client_id="klanten-hier",
        secret="een-geheim-van-minstens-32-bytes-lang",
    )
    body = {"contactmoment": cm_url(contactmoment), "klant": KLANT_ELDERS, "rol": "belanghebbende"}
    with requests_mock.Mocker() as outgoing:
        outgoing.get(KLANT_ELDERS, json={})
        assert cm_api.post_json(KCM, body).status_code == 201
    assert outgoing.last_request.headers["Authorization"].startswith("Bearer ")


@pytest.mark.parametrize("status", [404, 500, 301])
def test_a_klant_elsewhere_that_does_not_answer_200(cm_api, contactmoment, status):
    body = {"contactmoment": cm_url(contactmoment), "klant": KLANT_ELDERS, "rol": "belanghebbende"}
    with requests_mock.Mocker() as outgoing:
        outgoing.get(KLANT_ELDERS, status_code=status, headers={"Location": "https://x.nl/"})
        assert_invalid(cm_api.post_json(KCM, body), "klant", "bad-url")
    assert not Betrokkene.objects.exists()


def test_a_klant_elsewhere_that_is_unreachable(cm_api, contactmoment):
    import requests

    body = {"contactmoment": cm_url(contactmoment), "klant": KLANT_ELDERS, "rol": "belanghebbende"}
    with requests_mock.Mocker() as outgoing:
        outgoing.get(KLANT_ELDERS, exc=requests.ConnectTimeout)
        assert_invalid(cm_api.post_json(KCM, body), "klant", "bad-url")


@pytest.mark.parametrize(
    "klant",
    [
        "http://testserver/klanten/api/v1/klanten/0d4e3c1a-6f1b-4b8e-9a57-3c2f0e9b7d11",
        "http://testserver/klanten/api/v1/klanten/geen-uuid",
        f"http://testserver{CM_BASE}/contactmomenten/0d4e3c1a-6f1b-4b8e-9a57-3c2f0e9b7d11",
    ],
    ids=["unknown-klant", "malformed", "not-a-klant"],
)
def test_a_local_url_that_is_no_klant(cm_api, contactmoment, klant):
    body = {"contactmoment": cm_url(contactmoment), "klant": klant, "rol": "belanghebbende"}
    with requests_mock.Mocker():
        assert_invalid(cm_api.post_json(KCM, body), "klant", "bad-url")


@pytest.mark.zichtbaarheid_applicatie
def test_a_local_klant_must_be_visible_to_the_application(make_client, contactmoment, make_klant):
    """V7: an application links only a klant it may see."""
    eigenaar = make_client(client_id="eigenaar", cm_scopes=("contactmomenten.aanmaken",))
    ander = make_client(client_id="ander", cm_scopes=("contactmomenten.aanmaken",))
    from vng_api_common.authorizations.models import Applicatie

    klant = make_klant(
        geregistreerd_door=Applicatie.objects.get(client_ids__contains=["eigenaar"]).uuid
    )
    body = {
        "contactmoment": cm_url(contactmoment),
        "klant": klant_url(klant),
        "rol": "belanghebbende",
    }
    assert_invalid(ander.post_json(KCM, body), "klant", "bad-url")
    assert eigenaar.post_json(KCM, body).status_code == 201


@pytest.mark.parametrize(
    "contactmoment_url, code",
    [
        (
            f"http://testserver{CM_BASE}/contactmomenten/0d4e3c1a-6f1b-4b8e-9a57-3c2f0e9b7d11",
            "does_not_exist",
        ),
        ("https://elders.nl/api/v1/contactmomenten/1", "no_match"),
    ],
)
def test_the_contactmoment_must_be_one_of_this_api(cm_api, make_klant, contactmoment_url, code):
    body = {
        "contactmoment": contactmoment_url,
        "klant": klant_url(make_klant()),
        "rol": "belanghebbende",
    }
    assert_invalid(cm_api.post_json(KCM, body), "contactmoment", code)


def test_contactmoment_klant_and_rol_are_unique(cm_api, contactmoment, make_klant):
    klant = make_klant()
    body = {
        "contactmoment": cm_url(contactmoment),
        "klant": klant_url(klant),
        "rol": "gesprekspartner",
    }
    assert cm_api.post_json(KCM, body).status_code == 201
    assert_invalid(cm_api.post_json(KCM, body), "nonFieldErrors", "unique")
    # the same klant in the other role is another klantcontactmoment
    assert cm_api.post_json(KCM, {**body, "rol": "belanghebbende"}).status_code == 201
    assert Betrokkene.objects.count() == 2


def test_unique_for_a_klant_elsewhere_too(cm_api, contactmoment):
    body = {"contactmoment": cm_url(contactmoment), "klant": KLANT_ELDERS, "rol": "gesprekspartner"}
    with requests_mock.Mocker() as outgoing:
        outgoing.get(KLANT_ELDERS, json={})
        assert cm_api.post_json(KCM, body).status_code == 201
        assert_invalid(cm_api.post_json(KCM, body), "nonFieldErrors", "unique")


@pytest.mark.parametrize(
    "body, name, code",
    [
        ({"klant": KLANT_ELDERS, "rol": "belanghebbende"}, "contactmoment", "required"),
        (
            {"contactmoment": "x", "klant": KLANT_ELDERS, "rol": "belanghebbende"},
            "contactmoment",
            "invalid",
        ),
        ({"contactmoment": "CM", "rol": "belanghebbende"}, "klant", "required"),
        ({"contactmoment": "CM", "klant": "geen-url", "rol": "belanghebbende"}, "klant", "invalid"),
        (
            {"contactmoment": "CM", "klant": KLANT_ELDERS, "rol": "initiator"},
            "rol",
            "invalid_choice",
        ),
        ({"contactmoment": "CM", "klant": KLANT_ELDERS}, "rol", "required"),
    ],
)
def test_invalid_klantcontactmoment(cm_api, contactmoment, body, name, code):
    body = {k: cm_url(contactmoment) if v == "CM" else v for k, v in body.items()}
    assert_invalid(cm_api.post_json(KCM, body), name, code)


def test_list_filters_and_destroy(cm_api, contactmoment, make_klant):
    other = contacten.create_klantcontact({"bronorganisatie": RSIN, "medewerker_url": MEDEWERKER})
    klant = make_klant()
    a, _ = contacten.add_betrokkene(
        contactmoment, klant=klant, klantcontactmoment_rol="belanghebbende"
    )
    b, _ = contacten.add_betrokkene(
        other, klant_url=KLANT_ELDERS, klantcontactmoment_rol="gesprekspartner"
    )
    # a Klantinteracties betrokkene: role derived; an anonymous one is no klantcontactmoment
    c, _ = contacten.add_betrokkene(other, klant=klant, rol="klant")
    contacten.add_betrokkene(other, rol="klant", achternaam="Anoniem")

    def listed(params=None):
        response = cm_api.get(KCM, params or {})
        assert response.status_code == 200, response.content
        return [item["url"] for item in response.json()["results"]]

    assert listed() == [kcm_url(c), kcm_url(b), kcm_url(a)]
    assert cm_api.get(path(kcm_url(c))).json()["rol"] == "belanghebbende"
    assert listed({"klant": klant_url(klant)}) == [kcm_url(c), kcm_url(a)]
    assert listed({"klant": KLANT_ELDERS}) == [kcm_url(b)]
    assert listed({"klant": "https://nergens.nl/klanten/1"}) == []
    assert listed({"contactmoment": cm_url(contactmoment)}) == [kcm_url(a)]
    assert listed({"rol": "belanghebbende"}) == [kcm_url(c), kcm_url(a)]
    assert listed({"rol": "gesprekspartner"}) == [kcm_url(b)]
    assert listed({"Rol": "gesprekspartner", "contact_moment": cm_url(other)}) == [kcm_url(b)]
    assert_invalid(cm_api.get(KCM, {"rol": "initiator"}), "rol", "invalid_choice")
    assert_invalid(cm_api.get(KCM, {"klant": "geen-url"}), "klant", "invalid")

    assert cm_api.delete(path(kcm_url(a))).status_code == 204
    assert listed() == [kcm_url(c), kcm_url(b)]
    assert_problem(cm_api.delete(path(kcm_url(a))), 404, "not_found")
    assert_problem(cm_api.get(path(kcm_url(a))), 404, "not_found")
    # the contactmoment and the klant stay
    assert Klantcontact.objects.filter(pk=contactmoment.pk).exists()
    klant.refresh_from_db()


def test_klantcontactmomenten_go_with_their_contactmoment(cm_api, contactmoment, make_klant):
    contacten.add_betrokkene(
        contactmoment, klant=make_klant(), klantcontactmoment_rol="belanghebbende"
    )
    assert cm_api.delete(path(cm_url(contactmoment))).status_code == 204
    assert not Betrokkene.objects.exists()


def test_no_update_of_a_klantcontactmoment(cm_api, contactmoment, make_klant):
    betrokkene, _ = contacten.add_betrokkene(
        contactmoment, klant=make_klant(), klantcontactmoment_rol="belanghebbende"
    )
    assert_problem(
        cm_api.patch_json(path(kcm_url(betrokkene)), {"rol": "gesprekspartner"}),
        405,
        "method_not_allowed",
    )


# --- objectcontactmomenten -----------------------------------------------------------------------
@pytest.fixture
def zaken(db):
    stub = ZakenStub()
    Service.objects.create(
        label="Zaken API (stand-in)",
        slug="zaken-stub",
        api_type=APITypes.zrc,
        api_root=stub.api_root,
        auth_type=AuthTypes.zgw,
        client_id="klanten",
        secret="een-geheim-van-minstens-32-bytes-lang",
    )
    yield stub
    stub.close()


def test_create_when_the_zaak_lists_the_relation(cm_api, contactmoment, zaken):
    zaak = zaken.zaak()
    zaken.koppel(zaak, cm_url(contactmoment))
    body = {"contactmoment": cm_url(contactmoment), "object": zaak, "objectType": "zaak"}
    response = cm_api.post_json(OCM, body)

    assert response.status_code == 201, response.content
    onderwerpobject = Onderwerpobject.objects.get()
    assert response["Location"] == ocm_url(onderwerpobject)
    assert response.json() == {"url": ocm_url(onderwerpobject), **body}
    assert cm_api.get(path(ocm_url(onderwerpobject))).json() == response.json()
    # the Zaken API was asked for the zaak's zaakcontactmomenten, with the service's credentials
    (request,) = zaken.requests
    assert request["path"] == "/zaken/api/v1/zaakcontactmomenten"
    assert request["query"] == {"zaak": zaak}
    assert request["authorization"].startswith("Bearer ")
    # Klantinteracties sees the zaak as an onderwerpobject identified by its uuid
    assert (
        onderwerpobject.object_id,
        onderwerpobject.code_objecttype,
        onderwerpobject.code_register,
        onderwerpobject.code_soort_object_id,
    ) == (zaak.rsplit("/", 1)[1], "zaak", "openzaak", "uuid")


def test_the_relation_matches_on_the_contactmoment_uuid(cm_api, contactmoment, zaken):
    """The Zaken API may know this service under another host name."""
    zaak = zaken.zaak()
    zaken.koppel(zaak, f"https://klanten.intern:8443{CM_BASE}/contactmomenten/{contactmoment.uuid}")
    body = {"contactmoment": cm_url(contactmoment), "object": zaak, "objectType": "zaak"}
    assert cm_api.post_json(OCM, body).status_code == 201


def test_create_without_the_relation_in_the_zaken_api(cm_api, contactmoment, zaken):
    zaak = zaken.zaak()
    other = contacten.create_klantcontact({"bronorganisatie": RSIN, "medewerker_url": MEDEWERKER})
    zaken.koppel(zaak, cm_url(other))  # another contactmoment
    zaken.koppel(zaken.zaak(str(uuid.uuid4())), cm_url(contactmoment))  # another zaak
    body = {"contactmoment": cm_url(contactmoment), "object": zaak, "objectType": "zaak"}
    assert_invalid(cm_api.post_json(OCM, body), "nonFieldErrors", "inconsistent-relation")
    assert not Onderwerpobject.objects.exists()


@pytest.mark.parametrize(
    "status, body",
    [(500, None), (404, None), (200, b"geen json"), (200, b'{"results": 1}'), (200, b"{}")],
)
def test_create_when_the_zaken_api_cannot_tell(cm_api, contactmoment, zaken, status, body):
    zaken.status, zaken.body = status, body
    request = {"contactmoment": cm_url(contactmoment), "object": zaken.zaak(), "objectType": "zaak"}
    assert_invalid(cm_api.post_json(OCM, request), "nonFieldErrors", "relation-validation-error")
    assert not Onderwerpobject.objects.exists()


def test_a_paginated_answer_of_the_zaken_api(cm_api, contactmoment, zaken):
    import json

    zaak = zaken.zaak()
    zaken.body = json.dumps(
        {"count": 1, "results": [{"zaak": zaak, "contactmoment": cm_url(contactmoment)}]}
    ).encode()
    request = {"contactmoment": cm_url(contactmoment), "object": zaak, "objectType": "zaak"}
    assert cm_api.post_json(OCM, request).status_code == 201


def test_object_and_contactmoment_are_unique(cm_api, contactmoment, zaken):
    zaak = zaken.zaak()
    zaken.koppel(zaak, cm_url(contactmoment))
    body = {"contactmoment": cm_url(contactmoment), "object": zaak, "objectType": "zaak"}
    assert cm_api.post_json(OCM, body).status_code == 201
    assert_invalid(cm_api.post_json(OCM, body), "nonFieldErrors", "unique")
    assert len(zaken.requests) == 1  # no second question to the Zaken API


def test_destroy_only_when_the_zaak_no_longer_lists_it(cm_api, contactmoment, zaken):
    zaak = zaken.zaak()
    zaken.koppel(zaak, cm_url(contactmoment))
    created = cm_api.post_json(
        OCM, {"contactmoment": cm_url(contactmoment), "object": zaak, "objectType": "zaak"}
    )
    url = path(created.json()["url"])

    assert_invalid(cm_api.delete(url), "nonFieldErrors", "remote-relation-exists")
    assert Onderwerpobject.objects.count() == 1

    zaken.ontkoppel(zaak)  # Open Zaak removes its zaakcontactmoment first
    response = cm_api.delete(url)
    assert response.status_code == 204, response.content
    assert not Onderwerpobject.objects.exists()
    assert Klantcontact.objects.filter(pk=contactmoment.pk).exists()
    assert_problem(cm_api.delete(url), 404, "not_found")


def test_destroy_when_the_zaken_api_cannot_tell(cm_api, contactmoment, zaken):
    zaak = zaken.zaak()
    onderwerpobject = contacten.add_onderwerpobject(
        contactmoment, **contacten.zaak_velden(zaak, "zaak")
    )
    zaken.status = 503
    assert_invalid(
        cm_api.delete(path(ocm_url(onderwerpobject))), "nonFieldErrors", "relation-lookup-error"
    )
    assert Onderwerpobject.objects.count() == 1


def test_object_is_not_a_zaak_url(cm_api, contactmoment):
    body = {
        "contactmoment": cm_url(contactmoment),
        "object": "https://elders.nl/iets/1",
        "objectType": "zaak",
    }
    assert_invalid(cm_api.post_json(OCM, body), "nonFieldErrors", "relation-validation-error")


def test_objectcontactmomenten_list_and_filters(cm_api, contactmoment, zaken):
    other = contacten.create_klantcontact({"bronorganisatie": RSIN, "medewerker_url": MEDEWERKER})
    a = contacten.add_onderwerpobject(contactmoment, **contacten.zaak_velden(zaken.zaak(), "zaak"))
    b = contacten.add_onderwerpobject(
        other, **contacten.zaak_velden(zaken.zaak(str(uuid.uuid4())), "zaak")
    )
    # an onderwerpobject of Klantinteracties without an object URL is no objectcontactmoment
    contacten.add_onderwerpobject(other, object_id="1", code_objecttype="formulierinzending")

    def listed(params=None):
        response = cm_api.get(OCM, params or {})
        assert response.status_code == 200, response.content
        return [item["url"] for item in response.json()["results"]]

    assert listed() == [ocm_url(b), ocm_url(a)]
    assert listed({"object": a.object_url}) == [ocm_url(a)]
    assert listed({"contactmoment": cm_url(other)}) == [ocm_url(b)]
    assert listed({"objectType": "zaak"}) == [ocm_url(b), ocm_url(a)]
    assert listed({"object_type": "zaak", "object": b.object_url}) == [ocm_url(b)]
    assert_invalid(cm_api.get(OCM, {"objectType": "verzoek"}), "objectType", "invalid_choice")
    assert cm_api.delete(path(cm_url(contactmoment))).status_code == 204
    assert listed() == [ocm_url(b)]


@pytest.mark.parametrize(
    "body, name, code",
    [
        ({"object": "Z", "objectType": "zaak"}, "contactmoment", "required"),
        ({"contactmoment": "CM", "objectType": "zaak"}, "object", "required"),
        ({"contactmoment": "CM", "object": "Z"}, "objectType", "required"),
        (
            {"contactmoment": "CM", "object": "Z", "objectType": "verzoek"},
            "objectType",
            "invalid_choice",
        ),
        ({"contactmoment": "CM", "object": "geen url", "objectType": "zaak"}, "object", "invalid"),
    ],
)
def test_invalid_objectcontactmoment(cm_api, contactmoment, zaken, body, name, code):
    values = {"CM": cm_url(contactmoment), "Z": zaken.zaak()}
    body = {k: values.get(v, v) for k, v in body.items()}
    assert_invalid(cm_api.post_json(OCM, body), name, code)
    assert zaken.requests == []


# --- outbound calls: the service-wide bounded fetch ----------------------------------------------
def test_a_klant_elsewhere_on_an_internal_address_is_not_fetched(cm_api, contactmoment):
    for internal in ("http://127.0.0.1:9/api/v1/klanten/1", "http://10.1.2.3/api/v1/klanten/1"):
        body = {"contactmoment": cm_url(contactmoment), "klant": internal, "rol": "belanghebbende"}
        assert_invalid(cm_api.post_json(KCM, body), "klant", "bad-url")
    assert not Betrokkene.objects.exists()


def test_a_zaken_api_on_an_internal_address_needs_a_configured_service(cm_api, contactmoment):
    stub = ZakenStub()  # on 127.0.0.1, but no service configured for it
    try:
        zaak = stub.zaak()
        stub.koppel(zaak, cm_url(contactmoment))
        body = {"contactmoment": cm_url(contactmoment), "object": zaak, "objectType": "zaak"}
        assert_invalid(cm_api.post_json(OCM, body), "nonFieldErrors", "relation-validation-error")
        assert stub.requests == []
    finally:
        stub.close()


def test_a_slow_zaken_api_is_given_up_on(cm_api, contactmoment, zaken, settings):
    import time

    settings.OUTBOUND_DEADLINE = 0.5
    zaken.delay = 3
    zaak = zaken.zaak()
    zaken.koppel(zaak, cm_url(contactmoment))
    body = {"contactmoment": cm_url(contactmoment), "object": zaak, "objectType": "zaak"}
    started = time.monotonic()
    assert_invalid(cm_api.post_json(OCM, body), "nonFieldErrors", "relation-validation-error")
    assert time.monotonic() - started < 2.5


@pytest.mark.django_db(transaction=True)
def test_a_delete_that_keeps_meeting_a_concurrent_change_is_a_409_not_a_500(
    cm_api, contactmoment, make_klant, monkeypatch
):
    """Each attempt finds an address given meanwhile to a partij it did not lock
    (``contacten._AdresIntussenGegeven``): after the last one the conflict is answered as a
    409 with its code (the exception handler maps any ``rules.Conflict`` a view left), never
    a 500; nothing changed."""
    klant = make_klant()
    betrokkene, _ = contacten.add_betrokkene(
        contactmoment, klant=klant, klantcontactmoment_rol="belanghebbende"
    )
    pogingen = []

    def steeds_intussen(ids, herkomst, *args, **kwargs):
        pogingen.append(ids)
        return {}, {}, [klant.pk]

    monkeypatch.setattr(contacten, "_adressen_van_betrokkenen_af", steeds_intussen)
    response = cm_api.delete(path(kcm_url(betrokkene)))
    assert_problem(response, 409, "gelijktijdige-wijziging")
    assert len(pogingen) > 1  # run again before giving up
    assert Betrokkene.objects.filter(pk=betrokkene.pk).exists()
