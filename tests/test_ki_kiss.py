# ruff: noqa: F811  (the fixtures imported from ki_helpers)
"""Contract tests of KISS's calls on the klantcontact side of the Klantinteracties API
(research/klantinteracties.md §2.2: KISS-frontend ``src/services/openklant2/service.ts``,
``Kiss.Bff/Extern/Klantinteracties/PostKlantcontactenCustomProxy.cs``,
``fetch-contactmomenten-by-*.ts``, ``contactverzoek/overzicht/service.ts``): each test sends
the method, path, query and body shape KISS sends, and checks the status and the response
fields KISS reads."""

import uuid

import pytest

from .ki_helpers import KI, ki_url, kiss, kiss_zoeken, partij_voor  # noqa: F401

pytestmark = pytest.mark.django_db

EMAIL = "medewerker@gemeente.nl"
ZAAK = "b6f0a7b0-3b3a-4b4f-9a34-5b9b8b0b6a11"


def klantcontact_body():
    # BFF PostKlantcontactenCustomProxy: what the KCC employee registered
    return {
        "kanaal": "telefoon",
        "onderwerp": "Vraag over de afvalpas"[:200],
        "inhoud": "Meneer belde over zijn afvalpas.",
        "indicatieContactGelukt": True,
        "taal": "nld",
        "vertrouwelijk": False,
        "plaatsgevondenOp": "2026-03-01T10:15:00+01:00",
    }


def medewerker_body():
    return {
        "naam": "Mevrouw Medewerker",
        "soortActor": "medewerker",
        "indicatieActief": True,
        "actoridentificator": {
            "objectId": EMAIL,
            "codeObjecttype": "mdw",
            "codeRegister": "msei",
            "codeSoortObjectId": "email",
        },
        # an unknown field KISS sends: ignored
        "medewerkerIdentificatie": {"identificatie": EMAIL, "achternaam": "Medewerker"},
    }


def afdeling_body():
    return {
        "naam": "Afdeling Afval",
        "soortActor": "organisatorische_eenheid",
        "indicatieActief": True,
        "actoridentificator": {
            "objectId": "AFD-17",
            "codeObjecttype": "afd",
            "codeRegister": "obj",
            "codeSoortObjectId": "idf",
        },
    }


def post(client, path, body):
    return client.post_json(f"{KI}/{path}", body)


def ref(data: dict) -> dict:
    return {"uuid": data["uuid"]}


@pytest.fixture
def klantcontact(kiss):
    response = post(kiss, "klantcontacten", klantcontact_body())
    assert response.status_code == 201, response.content
    return response.json()


# --- contactmoment registration (BFF) ---------------------------------------------------------


def test_post_klantcontacten(kiss):
    response = post(kiss, "klantcontacten", klantcontact_body())
    assert response.status_code == 201, response.content
    data = response.json()
    assert response["Location"] == data["url"]
    assert data["url"] == ki_url("klantcontacten", data["uuid"])
    assert uuid.UUID(data["uuid"])
    assert (data["kanaal"], data["onderwerp"], data["inhoud"], data["taal"]) == (
        "telefoon",
        "Vraag over de afvalpas",
        "Meneer belde over zijn afvalpas.",
        "nld",
    )
    assert data["plaatsgevondenOp"] == "2026-03-01T10:15:00+01:00"
    assert data["hadBetrokkenen"] == [] and data["omvatteBijlagen"] == []


def test_get_actoren_by_email_then_post_actor(kiss):
    # BFF: GET /actoren?actoridentificatorObjectId=<email>; nothing, so POST /actoren
    response = kiss.get(f"{KI}/actoren", {"actoridentificatorObjectId": EMAIL})
    assert response.status_code == 200, response.content
    assert response.json()["count"] == 0
    created = post(kiss, "actoren", medewerker_body())
    assert created.status_code == 201, created.content
    actor = created.json()
    assert actor["url"] == ki_url("actoren", actor["uuid"])
    assert (actor["soortActor"], actor["naam"]) == ("medewerker", "Mevrouw Medewerker")
    found = kiss.get(f"{KI}/actoren", {"actoridentificatorObjectId": EMAIL}).json()
    assert [a["uuid"] for a in found["results"]] == [actor["uuid"]]


def test_post_actorklantcontacten(kiss, klantcontact):
    actor = post(kiss, "actoren", medewerker_body()).json()
    response = post(
        kiss, "actorklantcontacten", {"actor": ref(actor), "klantcontact": ref(klantcontact)}
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["actor"] == {"uuid": actor["uuid"], "url": actor["url"]}
    assert data["klantcontact"]["uuid"] == klantcontact["uuid"]
    detail = kiss.get(f"{KI}/klantcontacten/{klantcontact['uuid']}").json()
    assert [a["uuid"] for a in detail["hadBetrokkenActoren"]] == [actor["uuid"]]


def test_post_betrokkenen_without_partij(kiss, klantcontact):
    # a person not picked from the BRP: KISS sends wasPartij null and the name it was given
    body = {
        "wasPartij": None,
        "hadKlantcontact": ref(klantcontact),
        "rol": "klant",
        "initiator": True,
        "organisatienaam": "",
        "contactnaam": {
            "voorletters": "J",
            "voornaam": "Jan",
            "voorvoegselAchternaam": "de",
            "achternaam": "Vries",
        },
    }
    response = post(kiss, "betrokkenen", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["url"] == ki_url("betrokkenen", data["uuid"])
    assert data["wasPartij"] is None
    assert data["volledigeNaam"] == "Jan de Vries"


def test_post_betrokkenen_with_partij_and_history_per_klant(kiss, klantcontact):
    partij = partij_voor(kiss)
    body = {
        "wasPartij": ref(partij),
        "hadKlantcontact": ref(klantcontact),
        "rol": "klant",
        "initiator": True,
        "organisatienaam": "",
        "contactnaam": {
            "voorletters": "",
            "voornaam": "",
            "voorvoegselAchternaam": "",
            "achternaam": "",
        },
    }
    response = post(kiss, "betrokkenen", body)
    assert response.status_code == 201, response.content
    betrokkene = response.json()
    assert betrokkene["wasPartij"]["uuid"] == partij["uuid"]
    # history per klant: GET /betrokkenen?wasPartij__url=<partij url>&pageSize=100
    response = kiss.get(f"{KI}/betrokkenen", {"wasPartij__url": partij["url"], "pageSize": 100})
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [b["uuid"] for b in results] == [betrokkene["uuid"]]
    assert results[0]["hadKlantcontact"]["uuid"] == klantcontact["uuid"]
    # KISS's BFF may reach us by a container-network name without a dot (Django's
    # URLValidator would refuse it)
    intern = partij["url"].replace("http://testserver", "http://klanten:8000")
    response = kiss.get(f"{KI}/betrokkenen", {"wasPartij__url": intern, "pageSize": 100})
    assert response.status_code == 200, response.content
    assert [b["uuid"] for b in response.json()["results"]] == [betrokkene["uuid"]]


def test_post_internetaken_with_empty_nummer_twice(kiss, klantcontact):
    # contactverzoek: GET /actoren by its four identificator parts, POST if absent
    afdeling = afdeling_body()
    query = {
        f"actoridentificator{k[0].upper()}{k[1:]}": v
        for k, v in afdeling["actoridentificator"].items()
    }
    assert kiss.get(f"{KI}/actoren", query).json()["count"] == 0
    actor = post(kiss, "actoren", afdeling).json()
    assert kiss.get(f"{KI}/actoren", query).json()["results"][0]["uuid"] == actor["uuid"]
    body = {
        "nummer": "",
        "gevraagdeHandeling": "Contact opnemen met betrokkene",
        "aanleidinggevendKlantcontact": ref(klantcontact),
        "toegewezenAanActoren": [ref(actor)],
        "toelichting": "Graag terugbellen op 0612345678",
        "status": "te_verwerken",
    }
    nummers = []
    for _ in range(2):  # Open Klant 2.18 answers 500 the second time (K8)
        response = post(kiss, "internetaken", body)
        assert response.status_code == 201, response.content
        data = response.json()
        assert data["nummer"] and data["nummer"].isdigit()
        assert data["toegewezenAanActoren"] == [{"uuid": actor["uuid"], "url": actor["url"]}]
        nummers.append(data["nummer"])
    assert nummers[0] != nummers[1]


def test_post_onderwerpobjecten_zaak_and_history_per_zaak(kiss, klantcontact):
    body = {
        "klantcontact": ref(klantcontact),
        "wasKlantcontact": None,
        "onderwerpobjectidentificator": {
            "objectId": ZAAK,
            "codeObjecttype": "zgw-Zaak",
            "codeRegister": "openzaak",
            "codeSoortObjectId": "uuid",
        },
    }
    response = post(kiss, "onderwerpobjecten", body)
    assert response.status_code == 201, response.content
    onderwerp = response.json()
    assert onderwerp["klantcontact"]["uuid"] == klantcontact["uuid"]
    # fetch-contactmomenten-by-object-url.ts
    response = kiss.get(
        f"{KI}/klantcontacten",
        {
            "onderwerpobject__onderwerpobjectidentificatorObjectId": ZAAK,
            "expand": "gingOverOnderwerpobjecten",
        },
    )
    assert response.status_code == 200, response.content
    (found,) = response.json()["results"]
    assert found["uuid"] == klantcontact["uuid"]
    (expanded,) = found["_expand"]["gingOverOnderwerpobjecten"]
    assert expanded["onderwerpobjectidentificator"]["objectId"] == ZAAK


def test_get_klantcontact_with_expand_as_kiss_reads_it(kiss, klantcontact):
    actor = post(kiss, "actoren", afdeling_body()).json()
    taak = post(
        kiss,
        "internetaken",
        {
            "nummer": "",
            "gevraagdeHandeling": "Contact opnemen met betrokkene",
            "aanleidinggevendKlantcontact": ref(klantcontact),
            "toegewezenAanActoren": [ref(actor)],
            "toelichting": "Terugbellen",
            "status": "te_verwerken",
        },
    ).json()
    response = kiss.get(
        f"{KI}/klantcontacten/{klantcontact['uuid']}",
        {"expand": "gingOverOnderwerpobjecten,leiddeTotInterneTaken"},
    )
    assert response.status_code == 200, response.content
    data = response.json()
    for veld in ("kanaal", "onderwerp", "inhoud", "plaatsgevondenOp"):
        assert data[veld] == klantcontact[veld]
    assert data["_expand"]["gingOverOnderwerpobjecten"] == []
    (expanded,) = data["_expand"]["leiddeTotInterneTaken"]
    assert expanded["uuid"] == taak["uuid"]
    assert (expanded["toelichting"], expanded["status"]) == ("Terugbellen", "te_verwerken")
    assert expanded["toegewezenAanActoren"][0]["uuid"] == actor["uuid"]
    # then GET /actoren/{uuid} for each assigned actor
    detail = kiss.get(f"{KI}/actoren/{actor['uuid']}").json()
    assert (detail["soortActor"], detail["naam"]) == ("organisatorische_eenheid", "Afdeling Afval")


def test_expand_enums_kiss_lists(kiss, klantcontact):
    # KISS's expand enums also name omvatteBijlagen and hadBetrokkenen.digitaleAdressen
    response = kiss.get(
        f"{KI}/klantcontacten/{klantcontact['uuid']}",
        {"expand": "omvatteBijlagen,hadBetrokkenen,hadBetrokkenen.digitaleAdressen"},
    )
    assert response.status_code == 200, response.content
    expand = response.json()["_expand"]
    assert expand["omvatteBijlagen"] == [] and expand["hadBetrokkenen"] == []


@pytest.mark.zichtbaarheid_applicatie  # the production default
def test_search_contactverzoeken_by_address_expands_the_betrokkene(kiss_zoeken, klantcontact):
    # contactverzoek/overzicht/service.ts: GET /digitaleadressen?adres=<exact>&page=n
    # &expand=verstrektDoorBetrokkene, keeping the betrokkenen without wasPartij
    kiss = kiss_zoeken
    betrokkene = post(
        kiss,
        "betrokkenen",
        {
            "wasPartij": None,
            "hadKlantcontact": ref(klantcontact),
            "rol": "klant",
            "initiator": True,
            "organisatienaam": "Bakkerij Jansen",
            "contactnaam": {"voornaam": "Piet", "achternaam": "Jansen"},
        },
    ).json()
    adres = post(
        kiss,
        "digitaleadressen",
        {
            "verstrektDoorBetrokkene": ref(betrokkene),
            "verstrektDoorPartij": None,
            "adres": "piet@example.nl",
            "soortDigitaalAdres": "email",
            "omschrijving": "onbekend",
        },
    )
    assert adres.status_code == 201, adres.content
    response = kiss.get(
        f"{KI}/digitaleadressen",
        {"adres": "piet@example.nl", "page": 1, "expand": "verstrektDoorBetrokkene"},
    )
    assert response.status_code == 200, response.content
    (hit,) = response.json()["results"]
    expanded = hit["_expand"]["verstrektDoorBetrokkene"]
    assert expanded["uuid"] == betrokkene["uuid"]
    assert expanded["hadKlantcontact"]["uuid"] == klantcontact["uuid"]
    assert expanded["contactnaam"]["voornaam"] == "Piet"
    assert expanded["organisatienaam"] == "Bakkerij Jansen"
    assert expanded["wasPartij"] is None


def test_partij_with_betrokkenen_and_their_klantcontacten(kiss, klantcontact):
    partij = partij_voor(kiss)
    betrokkene = post(
        kiss,
        "betrokkenen",
        {
            "wasPartij": ref(partij),
            "hadKlantcontact": ref(klantcontact),
            "rol": "klant",
            "initiator": True,
            "organisatienaam": "",
        },
    ).json()
    response = kiss.get(
        f"{KI}/partijen/{partij['uuid']}",
        {"expand": "digitaleAdressen,betrokkenen,betrokkenen.hadKlantcontact"},
    )
    assert response.status_code == 200, response.content
    (expanded,) = response.json()["_expand"]["betrokkenen"]
    assert expanded["uuid"] == betrokkene["uuid"]
    assert expanded["_expand"]["hadKlantcontact"]["uuid"] == klantcontact["uuid"]
    assert expanded["_expand"]["hadKlantcontact"]["kanaal"] == "telefoon"
