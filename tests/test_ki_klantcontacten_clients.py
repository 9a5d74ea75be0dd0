"""Open Inwoner's klantcontact calls and Open Forms' ``maak-klantcontact`` (research
§2.1 #5, §2.3), driven through ``open-klant-client`` (the library both use) against a live
server, with the bodies and parameters those applications send."""

import pytest
from openklant_client.client import OpenKlantClient

from klanten.config.tokens import maak_token
from klanten.datamodel.models import Klant

from .ki_helpers import partij_voor

KANAAL = "Open Inwoner Platform"
ZAAK_IDENTIFICATIE = "ZAAK-2026-0000000042"
VIER = [
    "leiddeTotInterneTaken",
    "gingOverOnderwerpobjecten",
    "hadBetrokkenen",
    "hadBetrokkenen.wasPartij",
]


@pytest.fixture
def okc(live_server, transactional_db, make_ki_client):
    """``okc(**make_ki_client kwargs)`` -> (OpenKlantClient, the test client of the same
    application)."""

    def factory(**kwargs):
        client = make_ki_client(**kwargs)
        _token, sleutel = maak_token(client.applicatie)
        return (
            OpenKlantClient(f"{live_server.url}/klantinteracties/api/v1/", token=sleutel),
            client,
        )

    return factory


@pytest.mark.zichtbaarheid_applicatie  # the production default
def test_open_inwoner_question_answer_and_reading(okc):
    oip, test_client = okc(vertrouwd=True)
    partij = partij_voor(test_client)
    # a question (services.py: create_klantcontact, create_betrokkene, create_interne_taak)
    vraag = oip.klant_contact.create(
        data={
            "inhoud": "Wanneer wordt mijn aanvraag behandeld?",
            "onderwerp": "Vraag over mijn aanvraag",
            "taal": "nld",
            "kanaal": KANAAL,
            "vertrouwelijk": False,
            "plaatsgevondenOp": "2026-03-01T09:00:00Z",
        }
    )
    assert vraag["kanaal"] == KANAAL
    betrokkene = oip.betrokkene.create(
        data={
            "wasPartij": {"uuid": partij["uuid"]},
            "rol": "klant",
            "hadKlantcontact": {"uuid": vraag["uuid"]},
            "organisatienaam": "Open Inwoner Platform",
            "initiator": True,
            "contactnaam": {"voornaam": "Jan", "achternaam": "Jansen"},
        }
    )
    assert betrokkene["wasPartij"]["uuid"] == partij["uuid"]
    actor = oip.actor.create(
        data={
            "naam": "Klantcontactcentrum",
            "soortActor": "organisatorische_eenheid",
            "indicatieActief": True,
            "actoridentificator": {
                "objectId": "KCC",
                "codeObjecttype": "afd",
                "codeRegister": "obj",
                "codeSoortObjectId": "idf",
            },
        }
    )
    taak = oip.interne_taak.create(
        data={
            "aanleidinggevendKlantcontact": {"uuid": vraag["uuid"]},
            "toelichting": "Vraag uit het portaal",
            "gevraagdeHandeling": "Vraag beantwoorden",
            "status": "te_verwerken",
            "toegewezenAanActor": {"uuid": actor["uuid"]},
        }
    )
    assert taak["toegewezenAanActoren"][0]["uuid"] == actor["uuid"]
    assert taak["nummer"]
    # about a zaak (OIP sends the zaak's identificatie)
    oip.onderwerp_object.create(
        data={
            "klantcontact": {"uuid": vraag["uuid"]},
            "wasKlantcontact": None,
            "onderwerpobjectidentificator": {
                "objectId": ZAAK_IDENTIFICATIE,
                "codeObjecttype": "zaak",
                "codeRegister": "openzaak",
                "codeSoortObjectId": "identificatie",
            },
        }
    )
    # the answer: a klantcontact whose onderwerpobject was the question
    antwoord = oip.klant_contact.create(
        data={
            "inhoud": "Volgende week.",
            "onderwerp": "Antwoord",
            "taal": "nld",
            "kanaal": KANAAL,
            "vertrouwelijk": False,
        }
    )
    koppeling = oip.onderwerp_object.create(
        data={
            "klantcontact": {"uuid": antwoord["uuid"]},
            "wasKlantcontact": {"uuid": vraag["uuid"]},
        }
    )

    # reading: all pages of the kanaal, filtered client-side on wasPartij and initiator
    gelezen = list(oip.klant_contact.list_iter(params={"kanaal": KANAAL, "expand": VIER}))
    assert {kc["uuid"] for kc in gelezen} == {vraag["uuid"], antwoord["uuid"]}
    (eigen,) = [
        kc
        for kc in gelezen
        if any(
            b["initiator"] and (b["_expand"]["wasPartij"] or {}).get("uuid") == partij["uuid"]
            for b in kc["_expand"]["hadBetrokkenen"]
        )
    ]
    assert eigen["uuid"] == vraag["uuid"]
    assert eigen["_expand"]["leiddeTotInterneTaken"][0]["uuid"] == taak["uuid"]
    assert (
        eigen["_expand"]["gingOverOnderwerpobjecten"][0]["onderwerpobjectidentificator"]["objectId"]
        == ZAAK_IDENTIFICATIE
    )
    # questions about a zaak
    per_zaak = oip.klant_contact.list(
        params={
            "onderwerpobject__onderwerpobjectidentificatorObjectId": ZAAK_IDENTIFICATIE,
            "expand": ["hadBetrokkenen"],
        }
    )
    assert [kc["uuid"] for kc in per_zaak["results"]] == [vraag["uuid"]]
    detail = oip.klant_contact.retrieve(vraag["uuid"], params={"expand": VIER})
    for veld in ("uuid", "url", "inhoud", "onderwerp", "kanaal", "taal", "plaatsgevondenOp"):
        assert detail[veld] == vraag[veld]
    assert detail["nummer"] is None
    # the answers to a question, one onderwerpobject, and the unfiltered first page
    antwoorden = oip.onderwerp_object.list(
        params={"wasKlantcontact__uuid": vraag["uuid"], "pageSize": 500}
    )
    assert [o["uuid"] for o in antwoorden["results"]] == [koppeling["uuid"]]
    een = oip.onderwerp_object.retrieve(koppeling["uuid"])
    assert (een["klantcontact"]["uuid"], een["wasKlantcontact"]["uuid"]) == (
        antwoord["uuid"],
        vraag["uuid"],
    )
    alle = oip.onderwerp_object.list()
    assert koppeling["uuid"] in {o["uuid"] for o in alle["results"]}


@pytest.mark.zichtbaarheid_applicatie  # the production default
def test_open_forms_maak_klantcontact_anonymous_and_for_a_partij(okc):
    of, test_client = okc(vertrouwd=True)
    klanten = Klant.objects.count()
    body = {
        "klantcontact": {
            "kanaal": "Webformulier",
            "onderwerp": "Melding openbare ruimte",
            "taal": "dut",
            "vertrouwelijk": True,
        },
        "betrokkene": {"rol": "klant", "initiator": True, "organisatienaam": ""},
        "onderwerpobject": {
            "onderwerpobjectidentificator": {
                "objectId": "OF-XYZ789",
                "codeObjecttype": "formulierinzending",
                "codeRegister": "Open Formulieren",
                "codeSoortObjectId": "public_registration_reference",
            }
        },
    }
    anoniem = of.methods.maak_klant_contact(data=body)
    assert anoniem["betrokkene"]["wasPartij"] is None
    assert anoniem["klantcontact"]["onderwerp"] == "Melding openbare ruimte"
    assert anoniem["onderwerpobject"]["onderwerpobjectidentificator"]["objectId"] == "OF-XYZ789"
    assert Klant.objects.count() == klanten  # K6: no partij
    # then the addresses "only for this submission" go on the betrokkene
    adres = of.digitaal_adres.create(
        data={
            "adres": "melder@example.nl",
            "soortDigitaalAdres": "email",
            "isStandaardAdres": False,
            "verstrektDoorBetrokkene": {"uuid": anoniem["betrokkene"]["uuid"]},
            "verstrektDoorPartij": None,
            "omschrijving": "",
        }
    )
    assert adres["verstrektDoorBetrokkene"]["uuid"] == anoniem["betrokkene"]["uuid"]

    partij = partij_voor(test_client)
    body["betrokkene"]["wasPartij"] = {"uuid": partij["uuid"]}
    met_partij = of.methods.maak_klant_contact(data=body)
    assert met_partij["betrokkene"]["wasPartij"]["uuid"] == partij["uuid"]
    assert met_partij["klantcontact"]["hadBetrokkenen"] == [
        {"uuid": met_partij["betrokkene"]["uuid"], "url": met_partij["betrokkene"]["url"]}
    ]
