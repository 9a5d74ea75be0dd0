"""The Klantinteracties reads as prepared statements (``klantinteracties.leesvormen``): a
partij, digitaal adres and klantcontact by uuid and the identifier search, byte for byte the
answers of the ORM path they replaced (``object_of_404`` with the resource's ``laad``,
``PartijFilter``), in as many statements (a klantcontact one fewer), with the same 404s and
400s, and planned once."""

import json
import uuid

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from klanten.datamodel import partijrepresentatie
from klanten.klantinteracties import leesvormen
from klanten.klantinteracties.klantcontacten import resources
from klanten.klantinteracties.klantcontacten.viewsets import KlantcontactViewSet
from klanten.klantinteracties.pagination import KlantinteractiesPagination
from klanten.klantinteracties.partijen import DigitaalAdresViewSet, PartijViewSet

from .conftest import BSN, BSN_2
from .ki_fixtures import KI_BASE, ki_post
from .test_klantinteracties_partijen import kvk_identificator, organisatie, persoon

pytestmark = pytest.mark.zichtbaarheid_applicatie

PARTIJEN = f"{KI_BASE}/partijen"
LIJSTEN = ("betrokkenen", "actoren", "onderwerpobjecten", "klantcontacten")
ADRESSEN = f"{KI_BASE}/digitaleadressen"
EXPANDS = ({}, {"expand": "digitaleAdressen"})
ALLE_EXPANDS = (
    "hadBetrokkenen,hadBetrokkenen.wasPartij,hadBetrokkenen.digitaleAdressen,"
    "gingOverOnderwerpobjecten,leiddeTotInterneTaken,omvatteBijlagen"
)


@pytest.fixture
def clients(make_ki_client):
    """Open Forms (a trusted asserter), KISS (registers non-validated partijen), another
    client, a client that sees everything, and one with only the read scope."""
    return {
        "open_forms": make_ki_client(vertrouwd=True),
        "kiss": make_ki_client(),
        "ander": make_ki_client(),
        "beheer": make_ki_client(all_rights=True),
        "lezer": make_ki_client(scopes=("klantinteracties.lezen",)),
    }


def email(client, adres: str, **door) -> dict:
    """A digitaal adres of kind email, given by the partij or betrokkene ``door`` names."""
    return ki_post(
        client, "digitaleadressen", {**door, "adres": adres, "soortDigitaalAdres": "email"}
    )


@pytest.fixture
def landschap(clients):
    """Partijen of every kind: a validated persoon with addresses and a betrokkene, an
    organisatie (KvK), a vestiging (its vestigingsnummer under that KvK number), a
    contactpersoon working for the organisatie, and KISS's non-validated persoon."""
    open_forms, kiss = clients["open_forms"], clients["kiss"]
    jan = ki_post(open_forms, "partijen", persoon(bezoekadres={"straatnaam": "Dorpsstraat"}))
    adressen = [
        ki_post(
            open_forms,
            "digitaleadressen",
            {
                "verstrektDoorPartij": {"uuid": jan["uuid"]},
                "adres": adres,
                "soortDigitaalAdres": soort,
                "isStandaardAdres": soort == "email",
            },
        )
        for adres, soort in (("jan@example.nl", "email"), ("0612345678", "telefoonnummer"))
    ]
    bakkerij = ki_post(open_forms, "partijen", organisatie())
    [kvk] = bakkerij["partijIdentificatoren"]
    filiaal = ki_post(
        open_forms,
        "partijen",
        {
            "soortPartij": "organisatie",
            "indicatieActief": True,
            "partijIdentificatie": {"naam": "Filiaal"},
            "partijIdentificatoren": [
                {
                    "partijIdentificator": {
                        **kvk_identificator()["partijIdentificator"],
                        "codeObjecttype": "vestiging",
                        "codeSoortObjectId": "vestigingsnummer",
                        "objectId": "000012345678",
                    },
                    "subIdentificatorVan": {"uuid": kvk["uuid"]},
                }
            ],
        },
    )
    medewerker = ki_post(
        open_forms,
        "partijen",
        {
            "soortPartij": "contactpersoon",
            "indicatieActief": True,
            "partijIdentificatie": {
                "werkteVoorPartij": {"uuid": bakkerij["uuid"]},
                "contactnaam": {"voornaam": "Piet", "achternaam": "Bakker"},
            },
        },
    )
    eigen = ki_post(kiss, "partijen", persoon(bsn=None))
    anker = ki_post(kiss, "partijen", persoon(bsn=BSN_2))
    eigen_adres = email(kiss, "k@example.nl", verstrektDoorPartij={"uuid": eigen["uuid"]})
    klantcontact = ki_post(
        kiss,
        "klantcontacten",
        {"kanaal": "telefoon", "onderwerp": "Afval", "taal": "nld", "vertrouwelijk": False},
    )
    betrokkene = ki_post(
        kiss,
        "betrokkenen",
        {
            "wasPartij": {"uuid": jan["uuid"]},
            "hadKlantcontact": {"uuid": klantcontact["uuid"]},
            "rol": "klant",
            "initiator": True,
        },
    )
    betrokkene_adres = email(
        kiss, "b@example.nl", verstrektDoorBetrokkene={"uuid": betrokkene["uuid"]}
    )
    leeg = ki_post(
        open_forms,
        "klantcontacten",
        {
            "kanaal": "e-mail",
            "onderwerp": "Vraag",
            "inhoud": "Wanneer?",
            "taal": "nld",
            "vertrouwelijk": True,
            "plaatsgevondenOp": "2026-12-01T10:00:00+01:00",
        },
    )
    ki_post(
        kiss,
        "onderwerpobjecten",
        {
            "klantcontact": {"uuid": klantcontact["uuid"]},
            "onderwerpobjectidentificator": {"objectId": "ZAAK-1"},
        },
    )
    return {
        "partijen": [jan, bakkerij, filiaal, medewerker, eigen, anker],
        "adressen": [*adressen, eigen_adres, betrokkene_adres],
        "klantcontacten": [klantcontact, leeg],
        "onbekend": str(uuid.uuid4()),
    }


@pytest.fixture
def balie(clients, landschap):
    """Partijen one client sees only through a contactmoment, hidden from the others: another
    client ("ander") registers a klantcontact at its balie, KISS links two of its own
    non-validated partijen to it as betrokkenen. "ander" sees both partijen only through its
    contactmoment (V7: ``via_contactmomenten``, the one condition nothing else in
    ``landschap`` needs), Open Forms and the reader never.

    ``gast``'s betrokkene follows the write paths: a client that may not see its partij may not
    see the betrokkene either (K6: left out of the expanded klantcontact, 404 by uuid).
    ``verborgen``'s betrokkene also names a klant of another Klanten API (``klant_url``, set
    here in the database: no write path sets both, the columns allow it), so every client sees
    the betrokkene (V7) while its partij stays hidden from Open Forms and the reader: the only
    betrokkene a client may see without its partij, whose ``wasPartij`` is then ``null``."""
    from klanten.datamodel.klantcontacten import Betrokkene

    ander, kiss = clients["ander"], clients["kiss"]
    klantcontact = ki_post(
        ander,
        "klantcontacten",
        {"kanaal": "balie", "onderwerp": "Paspoort", "taal": "nld", "vertrouwelijk": False},
    )
    partijen, betrokkenen = {}, {}
    for naam in ("gast", "verborgen"):
        contactnaam = {"voornaam": "Els", "voorvoegselAchternaam": "", "achternaam": naam}
        partijen[naam] = ki_post(
            kiss,
            "partijen",
            persoon(bsn=None, partijIdentificatie={"contactnaam": contactnaam}),
        )
        betrokkenen[naam] = ki_post(
            kiss,
            "betrokkenen",
            {
                "wasPartij": {"uuid": partijen[naam]["uuid"]},
                "hadKlantcontact": {"uuid": klantcontact["uuid"]},
                "rol": "klant",
                "initiator": naam == "gast",
            },
        )
    Betrokkene.objects.filter(uuid=betrokkenen["verborgen"]["uuid"]).update(
        klant_url=f"https://klanten.elders.example/api/v1/klanten/{uuid.uuid4()}"
    )
    return {"klantcontact": klantcontact, "partijen": partijen, "betrokkenen": betrokkenen}


def test_a_partij_hidden_from_the_client_is_not_disclosed_through_its_betrokkene(clients, balie):
    """K6/V7: the expanded klantcontacten (``hadBetrokkenen.wasPartij``) and a betrokkene by
    uuid show a partij only to a client that may read it by uuid: ``gast``'s betrokkene is
    left out (404 by uuid), ``verborgen``'s is shown with ``wasPartij: null`` and no expanded
    partij; nowhere a hidden partij's uuid. "ander" sees both through its contactmoment."""
    klantcontact = balie["klantcontact"]["uuid"]
    gast, verborgen = balie["partijen"]["gast"]["uuid"], balie["partijen"]["verborgen"]["uuid"]
    betrokkene = {naam: b["uuid"] for naam, b in balie["betrokkenen"].items()}
    for naam, client in clients.items():
        response = client.get(
            f"{KI_BASE}/klantcontacten", {"expand": "hadBetrokkenen,hadBetrokkenen.wasPartij"}
        )
        assert response.status_code == 200, response.content
        [gelezen] = [k for k in response.json()["results"] if k["uuid"] == klantcontact]
        expanded = {b["uuid"]: b for b in gelezen["_expand"]["hadBetrokkenen"]}
        per_uuid = {
            sleutel: client.get(f"{KI_BASE}/betrokkenen/{sleutel}")
            for sleutel in betrokkene.values()
        }
        if naam in ("open_forms", "lezer"):  # neither partij is theirs to see
            assert set(expanded) == {betrokkene["verborgen"]}, naam
            assert expanded[betrokkene["verborgen"]]["wasPartij"] is None
            assert expanded[betrokkene["verborgen"]]["_expand"] == {"wasPartij": None}
            assert per_uuid[betrokkene["gast"]].status_code == 404
            assert per_uuid[betrokkene["verborgen"]].status_code == 200
            assert per_uuid[betrokkene["verborgen"]].json()["wasPartij"] is None
            for body in (response.content, *(r.content for r in per_uuid.values())):
                assert gast.encode() not in body and verborgen.encode() not in body, naam
            for partij in (gast, verborgen):
                assert client.get(f"{PARTIJEN}/{partij}").status_code == 404
        else:  # KISS registered them; "ander" their contactmoment; "beheer" sees all
            assert set(expanded) == set(betrokkene.values()), naam
            for partij, sleutel in (
                (gast, betrokkene["gast"]),
                (verborgen, betrokkene["verborgen"]),
            ):
                assert expanded[sleutel]["wasPartij"]["uuid"] == partij, naam
                assert expanded[sleutel]["_expand"]["wasPartij"]["uuid"] == partij, naam
                assert per_uuid[sleutel].json()["wasPartij"]["uuid"] == partij, naam
                assert client.get(f"{PARTIJEN}/{partij}").status_code == 200, naam


def gelezen(client, pad: str, params: dict):
    """(status, body, ETag, statements); a problem's body without its ``instance`` (an id
    of its own per answer)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(pad, params)
    body = response.content
    if response.status_code != 200:
        body = {**response.json(), "instance": None}
    return response.status_code, body, response.get("ETag"), len(queries)


def _per_ids_via_orm(naam, build, ids, ctx, instanties=False):
    """A path's loader as it read before: its query by ``__in`` through the ORM."""
    return list(build(lambda kolom: Q(**{f"{kolom}__in": list(ids)}), ctx))


def _zichtbare_partij_ids_via_orm(ctx, klant_ids):
    """``query.zichtbare_partij_ids`` as it read before: through the ORM, by ``__in``."""
    from klanten.datamodel.models import Klant
    from klanten.klantinteracties.klantcontacten.query import zichtbare_partij

    klant_ids = {pk for pk in klant_ids if pk is not None}
    partij = zichtbare_partij(ctx)
    if partij is None or not klant_ids:
        return None if partij is None else set()
    return set(Klant.objects.filter(partij, pk__in=klant_ids).values_list("id", flat=True))


def via_orm(monkeypatch):
    """The reads as before: the viewset's ORM query (``object_of_404``) by uuid, every list
    through ``PartijFilter``, and the klantcontacten' expand loaders by ``__in`` through the
    ORM with the partijen of ``wasPartij`` prefetched by Django and the betrokkenen' visible
    partijen read through the ORM."""
    monkeypatch.setattr(PartijViewSet, "gelezen", lambda self: self.object_of_404())
    monkeypatch.setattr(DigitaalAdresViewSet, "gelezen", lambda self: self.object_of_404())
    monkeypatch.setattr(KlantcontactViewSet, "gelezen", lambda self: self.object_of_404())
    monkeypatch.setattr(leesvormen, "zoekvraag", lambda params: None)
    monkeypatch.setattr(leesvormen, "lijstvraag", lambda *args: None)
    monkeypatch.setattr(resources, "per_ids", _per_ids_via_orm)
    monkeypatch.setattr(resources, "zichtbare_partij_ids", _zichtbare_partij_ids_via_orm)
    monkeypatch.setattr(leesvormen, "laad_partijen", partijrepresentatie.laad_partijen)


def _minder(pad: str, status: int, body) -> int:
    """Statements the prepared path saves: a klantcontact found by uuid, and a list page of
    the klantcontact resources that is not empty (their rows read with the page)."""
    if status != 200:
        return 0
    if "/klantcontacten/" in pad:
        return 1
    lijst = pad.rsplit("/", 1)[-1] in LIJSTEN
    return 1 if lijst and json.loads(body)["results"] else 0


def zelfde_als_via_orm(clients, verzoeken, monkeypatch, voorbereid=None) -> dict:
    """Each client's answer to each request, asserted the same as the ORM path's, in as many
    statements (a klantcontact found: one fewer, its row read with it; a list page of a
    prepared request (``voorbereid(params)``): one fewer when it is not empty)."""

    def alles():
        return {
            (naam, pad, tuple(params.items())): gelezen(client, pad, params)
            for naam, client in clients.items()
            for pad, params in verzoeken
        }

    nu = alles()
    with monkeypatch.context() as patch:
        via_orm(patch)
        eerder = alles()
    assert {key: answer[:3] for key, answer in nu.items()} == {
        key: answer[:3] for key, answer in eerder.items()
    }
    for key, (status, body, _etag, statements) in nu.items():
        minder = 0
        if "/klantcontacten/" in key[1] or voorbereid is None or voorbereid(dict(key[2])):
            minder = _minder(key[1], status, body)
        assert statements == eerder[key][3] - minder, key
    return nu


def test_the_prepared_reads_answer_what_the_orm_path_answered(
    clients, landschap, balie, monkeypatch
):
    """Every partij kind, address and klantcontact (every expand), for each kind of client
    (its visibility: KISS's non-validated partij is a 404 to another client, the
    betrokkene's address to one that did not register it; ``balie``'s partijen seen through a
    contactmoment, or hidden behind a betrokkene the client sees), with and without expand, an
    unknown and a malformed uuid: the same status, bytes and ETag, in as many statements."""
    partijen = [p["uuid"] for p in landschap["partijen"]]
    adressen = [a["uuid"] for a in landschap["adressen"]]
    onbekend = [landschap["onbekend"], "geen-uuid"]
    verzoeken = [
        (f"{PARTIJEN}/{key}", params) for key in partijen + onbekend for params in EXPANDS
    ] + [(f"{ADRESSEN}/{key}", {}) for key in adressen + onbekend]
    klantcontacten = [k["uuid"] for k in landschap["klantcontacten"]]
    klantcontacten.append(balie["klantcontact"]["uuid"])
    verzoeken += [(f"{KI_BASE}/betrokkenen/{b['uuid']}", {}) for b in balie["betrokkenen"].values()]
    verzoeken += [
        (f"{KI_BASE}/klantcontacten/{key}", params)
        for key in klantcontacten + onbekend
        for params in ({}, {"expand": ALLE_EXPANDS}, {"expand": "onbekend"})
    ]

    nu = zelfde_als_via_orm(clients, verzoeken, monkeypatch)
    statussen = {key[0]: [] for key in nu}
    for (naam, pad, _params), (status, *_rest) in nu.items():
        statussen[naam].append((pad, status))
    # what is visible to whom, as before (the comparison above holds it; spelled out here)
    eigen, betrokkene_adres = partijen[4], adressen[3]
    assert (f"{PARTIJEN}/{eigen}", 200) in statussen["kiss"]
    assert (f"{PARTIJEN}/{eigen}", 404) in statussen["ander"]
    assert (f"{PARTIJEN}/{eigen}", 200) in statussen["beheer"]
    assert (f"{ADRESSEN}/{betrokkene_adres}", 200) in statussen["kiss"]
    assert (f"{ADRESSEN}/{betrokkene_adres}", 404) in statussen["ander"]
    for naam in clients:
        assert (f"{PARTIJEN}/{landschap['onbekend']}", 404) in statussen[naam]
        assert (f"{PARTIJEN}/{partijen[0]}", 200) in statussen[naam]


def zoek(*, soort=None, **identificator) -> dict:
    params = {f"partijIdentificator__{naam}": waarde for naam, waarde in identificator.items()}
    return params if soort is None else {**params, "soortPartij": soort}


BSN_ZOEKVRAGEN = [
    zoek(codeSoortObjectId="bsn", objectId=BSN),  # KISS
    {**zoek(codeSoortObjectId="bsn", objectId=BSN), "expand": "digitaleAdressen"},
    zoek(  # Open Forms, Open Inwoner
        soort="persoon",
        codeSoortObjectId="bsn",
        codeRegister="brp",
        codeObjecttype="natuurlijk_persoon",
        objectId=BSN,
    ),
    zoek(objectId=f" {BSN} "),  # stripped, as the filter does
    zoek(codeSoortObjectId="bsn", objectId=BSN_2),  # KISS's anchor
    zoek(codeSoortObjectId="bsn"),  # two partijen
    {**zoek(codeSoortObjectId="bsn"), "expand": "digitaleAdressen"},
    zoek(soort="organisatie", codeSoortObjectId="kvk_nummer", objectId="69599084"),
    zoek(soort="persoon", codeSoortObjectId="kvk_nummer", objectId="69599084"),  # none
    zoek(codeSoortObjectId="vestigingsnummer", objectId="000012345678"),
    zoek(objectId="999999999"),  # none
    # the ORM path's answers, 400s included
    zoek(soort="iemand", objectId=BSN),
    zoek(objectId=""),
    zoek(objectId="a\x00"),
    {**zoek(objectId=BSN), "expand": "onbekend"},
    {**zoek(objectId=BSN), "pageSize": "1"},
    {**zoek(objectId=BSN), "nummer": "1"},
]


def test_the_prepared_identifier_search_answers_what_the_orm_path_answered(
    clients, landschap, monkeypatch
):
    """The BSN and KvK lookups of KISS, Open Forms and Open Inwoner (one partij, two, none,
    with and without expand and soortPartij) for each kind of client: the same status,
    bytes and number of statements; and a full page (a page of one) counted as before."""
    verzoeken = [(PARTIJEN, params) for params in BSN_ZOEKVRAGEN]
    nu = zelfde_als_via_orm(clients, verzoeken, monkeypatch)
    assert {status for status, *_rest in nu.values()} == {200, 400}
    tweede = nu[("kiss", PARTIJEN, tuple(BSN_ZOEKVRAGEN[5].items()))]
    assert [p["uuid"] for p in json.loads(tweede[1])["results"]] == [
        landschap["partijen"][0]["uuid"],
        landschap["partijen"][5]["uuid"],
    ]
    monkeypatch.setattr(KlantinteractiesPagination, "page_size", 1)
    nu = zelfde_als_via_orm(clients, [(PARTIJEN, BSN_ZOEKVRAGEN[5])], monkeypatch)
    body = json.loads(nu[("kiss", PARTIJEN, tuple(BSN_ZOEKVRAGEN[5].items()))][1])
    assert (body["count"], len(body["results"]), body["next"] is not None) == (2, 1, True)


def test_an_expanded_partij_is_its_addresses(clients, landschap):
    jan = landschap["partijen"][0]
    body = clients["kiss"].get(f"{PARTIJEN}/{jan['uuid']}", {"expand": "digitaleAdressen"}).json()
    assert [a["adres"] for a in body["_expand"]["digitaleAdressen"]] == [
        "jan@example.nl",
        "0612345678",
    ]
    assert body["voorkeursDigitaalAdres"]["uuid"] == landschap["adressen"][0]["uuid"]
    assert len(body["betrokkenen"]) == 1
    assert body["partijIdentificatoren"][0]["partijIdentificator"]["objectId"]


def test_the_reads_by_uuid_are_planned_once(clients, landschap):
    """After repeated reads (by uuid, and the identifier searches of KISS, Open Forms and
    Open Inwoner), each of their statements runs on its generic plan."""
    kiss = clients["kiss"]
    jan = landschap["partijen"][0]["uuid"]
    adres = landschap["adressen"][0]["uuid"]
    for _ in range(8):
        for params in EXPANDS:
            assert kiss.get(f"{PARTIJEN}/{jan}", params).status_code == 200
        assert kiss.get(f"{ADRESSEN}/{adres}").status_code == 200
        klantcontact = landschap["klantcontacten"][0]["uuid"]
        assert kiss.get(f"{KI_BASE}/klantcontacten/{klantcontact}").status_code == 200
        for params in BSN_ZOEKVRAGEN[:3]:
            assert len(kiss.get(PARTIJEN, params).json()["results"]) == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans FROM pg_prepared_statements")
        plannen = cursor.fetchall()

    def generiek(*delen):
        gevonden = [n for sql, n in plannen if all(deel in sql for deel in delen)]
        assert gevonden, delen
        return min(gevonden)

    # the partij with its one-to-one rows, by uuid and the client's visibility
    assert generiek('FROM "datamodel_klant"', "datamodel_natuurlijkpersoon", "LIMIT 1") > 0
    # its identifiers, addresses and betrokkenen, by its id
    assert generiek('FROM "datamodel_partijidentificator"', 'klant_id" = $1') > 0
    assert generiek('FROM "datamodel_digitaaladres"', 'klant_id" = $1') > 0
    assert generiek('FROM "datamodel_betrokkene"', 'klant_id" = $1') > 0
    # a digitaal adres by uuid
    assert generiek('FROM "datamodel_digitaaladres"', "LIMIT 1") > 0
    # a klantcontact by uuid, with its references
    assert generiek('FROM "datamodel_klantcontact"', "datamodel_actorklantcontact", "LIMIT 1") > 0
    # the partijen of an identifier
    assert generiek('FROM "datamodel_klant"', "datamodel_partijidentificator", "LIMIT 100") > 0


@pytest.fixture
def geschiedenis(clients, landschap):
    """What KISS's and Open Inwoner's list requests find: betrokkenen of a validated partij
    (registered by KISS and by Open Forms), of KISS's non-validated partij, and without one;
    two actoren with e-mail identifiers; an answer to KISS's klantcontact (an onderwerpobject
    pointing at it)."""
    open_forms, kiss = clients["open_forms"], clients["kiss"]
    jan, _bakkerij, _filiaal, _medewerker, eigen, _anker = landschap["partijen"]
    vraag, leeg = landschap["klantcontacten"]
    for client, partij, klantcontact in (
        (open_forms, jan, leeg),
        (kiss, eigen, vraag),
        (kiss, None, leeg),
    ):
        ki_post(
            client,
            "betrokkenen",
            {
                "wasPartij": {"uuid": partij["uuid"]} if partij else None,
                "hadKlantcontact": {"uuid": klantcontact["uuid"]},
                "rol": "klant",
                "initiator": partij is None,
            },
        )
    actoren = [
        ki_post(
            kiss,
            "actoren",
            {
                "naam": naam,
                "soortActor": "medewerker",
                "actoridentificator": {
                    "objectId": email,
                    "codeObjecttype": "mdw",
                    "codeRegister": "msei",
                    "codeSoortObjectId": "email",
                },
            },
        )
        for naam, email in (("Piet", "piet@example.nl"), ("Klaas", "klaas@example.nl"))
    ]
    antwoord = ki_post(
        kiss,
        "klantcontacten",
        {"kanaal": "telefoon", "onderwerp": "Antwoord", "taal": "nld", "vertrouwelijk": False},
    )
    ki_post(
        kiss,
        "onderwerpobjecten",
        {"klantcontact": {"uuid": antwoord["uuid"]}, "wasKlantcontact": {"uuid": vraag["uuid"]}},
    )
    return {"actoren": actoren}


def lijst_vragen(landschap) -> list[tuple[str, dict]]:
    jan, bakkerij, _filiaal, _medewerker, eigen, _anker = landschap["partijen"]
    vraag, leeg = landschap["klantcontacten"]
    onbekend = landschap["onbekend"]
    betrokkenen = f"{KI_BASE}/betrokkenen"
    actoren = f"{KI_BASE}/actoren"
    onderwerpen = f"{KI_BASE}/onderwerpobjecten"
    klantcontacten = f"{KI_BASE}/klantcontacten"
    open_inwoner = (
        "leiddeTotInterneTaken,gingOverOnderwerpobjecten,hadBetrokkenen,hadBetrokkenen.wasPartij"
    )
    email = {
        "actoridentificatorObjectId": "piet@example.nl",
        "actoridentificatorCodeObjecttype": "mdw",
        "actoridentificatorCodeRegister": "msei",
        "actoridentificatorCodeSoortObjectId": "email",
    }
    return [
        # KISS's history of a klant (the url, pageSize=100), and by uuid
        (betrokkenen, {"wasPartij__url": jan["url"], "pageSize": "100"}),
        (betrokkenen, {"wasPartij__url": jan["url"]}),
        (betrokkenen, {"wasPartij__url": f" {jan['url']} ", "pageSize": "500"}),
        (betrokkenen, {"wasPartij__uuid": jan["uuid"], "expand": "digitaleAdressen"}),
        (betrokkenen, {"wasPartij__url": eigen["url"], "pageSize": "100"}),  # K6
        (betrokkenen, {"wasPartij__url": bakkerij["url"], "pageSize": "100"}),  # none
        (betrokkenen, {"wasPartij__url": f"http://testserver{KI_BASE}/partijen/{onbekend}"}),
        (betrokkenen, {"wasPartij__url": vraag["url"]}),  # another collection: none
        # the ORM path's answers, 400s included
        (betrokkenen, {"wasPartij__url": "geen-url", "pageSize": "100"}),
        (betrokkenen, {"wasPartij__uuid": "geen-uuid"}),
        (betrokkenen, {"wasPartij__url": jan["url"], "pageSize": "0"}),
        (betrokkenen, {"wasPartij__url": jan["url"], "pageSize": "7"}),
        (betrokkenen, {"wasPartij__url": jan["url"], "page": "2"}),
        (betrokkenen, {"wasPartij__url": jan["url"], "expand": "onbekend"}),
        (betrokkenen, {"wasPartij__url": jan["url"], "wasPartij__uuid": jan["uuid"]}),
        (betrokkenen, {"wasPartij__url": ""}),
        (betrokkenen, {}),
        # KISS's medewerker by e-mail, and by all four
        (actoren, {"actoridentificatorObjectId": "piet@example.nl"}),
        (actoren, email),
        (actoren, {**email, "actoridentificatorCodeRegister": "anders"}),  # none
        (actoren, {"actoridentificatorObjectId": "a\x00"}),
        (actoren, {"actoridentificatorObjectId": "piet@example.nl", "naam": "Piet"}),
        # Open Inwoner's questions and answers
        (klantcontacten, {"kanaal": "telefoon", "expand": open_inwoner}),
        (klantcontacten, {"kanaal": "e-mail", "expand": open_inwoner}),
        (klantcontacten, {"kanaal": "brief", "expand": open_inwoner}),  # none
        (klantcontacten, {"kanaal": "telefoon", "expand": ALLE_EXPANDS}),
        (klantcontacten, {"kanaal": "telefoon", "onderwerp": "Afval"}),
        (onderwerpen, {"wasKlantcontact__uuid": vraag["uuid"], "pageSize": "500"}),
        (onderwerpen, {"wasKlantcontact__uuid": vraag["uuid"]}),
        (onderwerpen, {"wasKlantcontact__url": vraag["url"]}),
        (onderwerpen, {"wasKlantcontact__uuid": leeg["uuid"]}),  # none
        (onderwerpen, {"klantcontact__uuid": vraag["uuid"]}),
        (onderwerpen, {"wasKlantcontact__uuid": "geen-uuid"}),
        # Open Forms' and Open Inwoner's addresses of a partij (K6: KISS's own partij's)
        (ADRESSEN, {"verstrektDoorPartij__uuid": jan["uuid"]}),
        (ADRESSEN, {"verstrektDoorPartij__uuid": jan["uuid"], "pageSize": "500"}),
        (ADRESSEN, {"verstrektDoorPartij__uuid": eigen["uuid"]}),
        (ADRESSEN, {"verstrektDoorPartij__uuid": onbekend, "expand": "verstrektDoorBetrokkene"}),
        # ... and the ORM path: K7's adres (a permission, logged), other filters, 400s
        (ADRESSEN, {"verstrektDoorPartij__uuid": jan["uuid"], "adres": "jan@example.nl"}),
        (ADRESSEN, {"verstrektDoorPartij__uuid": jan["uuid"], "soortDigitaalAdres": "email"}),
        (ADRESSEN, {"verstrektDoorPartij__uuid": "geen-uuid"}),
        (ADRESSEN, {"verstrektDoorPartij__uuid": jan["uuid"], "expand": "onbekend"}),
    ]


def _voorbereid(params: dict) -> bool:
    """Whether the prepared path answers these parameters (all the test's that are not the
    ORM path's: an unknown filter, a page, an odd page size, a bad value)."""
    from django.http import QueryDict

    from klanten.klantinteracties.klantcontacten import viewsets

    query = QueryDict(mutable=True)
    query.update(params)
    for viewset in (
        DigitaalAdresViewSet,
        viewsets.BetrokkeneViewSet,
        viewsets.ActorViewSet,
        viewsets.KlantcontactViewSet,
        viewsets.OnderwerpobjectViewSet,
    ):
        if set(params) - {"expand", "pageSize"} <= set(viewset.voorbereide_filters):
            vraag = leesvormen.lijstvraag(
                viewset.filterset_class,
                query,
                viewset.voorbereide_filters,
                KlantinteractiesPagination(),
            )
            if vraag is not None:
                return True
    return False


def test_the_prepared_list_pages_answer_what_the_orm_path_answered(
    clients, landschap, geschiedenis, monkeypatch
):
    """KISS's history of a klant (``wasPartij__url``, ``pageSize=100``) and medewerker by
    e-mail, Open Inwoner's questions of its kanaal (with its four expands) and their answers,
    for each kind of client: the same status and bytes as the ORM path, in as many statements
    less the one that read the page's rows again; 400s, other filters and other pages are the
    ORM path's."""
    verzoeken = lijst_vragen(landschap)
    nu = zelfde_als_via_orm(clients, verzoeken, monkeypatch, voorbereid=_voorbereid)
    assert {status for status, *_rest in nu.values()} == {200, 400, 403, 404}
    assert sum(_voorbereid(params) for _pad, params in verzoeken) == 26

    def resultaten(naam, nummer):
        pad, params = verzoeken[nummer]
        return json.loads(nu[(naam, pad, tuple(params.items()))][1])["results"]

    # K6: KISS's partij's betrokkene is KISS's; another client sees none (spelled out)
    assert len(resultaten("kiss", 4)) == 1
    assert resultaten("ander", 4) == []
    assert len(resultaten("beheer", 4)) == 1
    assert len(resultaten("ander", 0)) == 2
    assert [a["naam"] for a in resultaten("lezer", 18)] == ["Piet"]
    assert len(resultaten("lezer", 27)) == 1
    assert [a["adres"] for a in resultaten("lezer", 33)] == ["jan@example.nl", "0612345678"]
    assert len(resultaten("kiss", 35)) == 1
    assert resultaten("ander", 35) == []


def test_a_full_prepared_page_is_counted(clients, landschap, geschiedenis, monkeypatch):
    """A full page (of one) counts the matches as the ORM path does."""
    monkeypatch.setattr(KlantinteractiesPagination, "page_size", 1)
    verzoek = (f"{KI_BASE}/betrokkenen", {"wasPartij__url": landschap["partijen"][0]["url"]})
    nu = zelfde_als_via_orm(clients, [verzoek], monkeypatch, voorbereid=_voorbereid)
    body = json.loads(nu[("kiss", verzoek[0], tuple(verzoek[1].items()))][1])
    assert (body["count"], len(body["results"]), body["next"] is not None) == (2, 1, True)


def test_the_prepared_list_pages_are_planned_once(clients, landschap, geschiedenis):
    """After repeated requests, each prepared list page runs on its generic plan."""
    kiss = clients["kiss"]
    for _ in range(8):
        for pad, params in lijst_vragen(landschap)[:8] + lijst_vragen(landschap)[17:19]:
            assert kiss.get(pad, params).status_code == 200
        for pad, params in lijst_vragen(landschap)[22:24] + lijst_vragen(landschap)[27:28]:
            assert kiss.get(pad, params).status_code == 200
        for pad, params in lijst_vragen(landschap)[33:37]:
            assert kiss.get(pad, params).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans FROM pg_prepared_statements")
        plannen = cursor.fetchall()

    def generiek(*delen):
        gevonden = [n for sql, n in plannen if all(deel in sql for deel in delen)]
        assert gevonden, delen
        return min(gevonden)

    assert generiek('FROM "datamodel_betrokkene"', "LIMIT 100") > 0
    assert generiek('FROM "datamodel_betrokkene"', "LIMIT 500") > 0
    assert generiek('FROM "datamodel_actor"', "LIMIT 100") > 0
    assert generiek('FROM "datamodel_klantcontact"', '"kanaal" = $1', "LIMIT 100") > 0
    assert generiek('FROM "datamodel_onderwerpobject"', "LIMIT 500") > 0
    assert generiek('FROM "datamodel_digitaaladres"', "LIMIT 100") > 0


def test_a_row_by_uuid_reads_its_own_partij_not_every_readable_one(clients, landschap):
    """An address (``GET /digitaleadressen/{uuid}``, its ``PATCH``/``PUT``) or identifier by
    uuid, and a ``verstrektDoorBetrokkene``, is visible through its partij as a correlated
    ``EXISTS`` on the partij's primary key: ``klant_id IN (SELECT ... FROM klant WHERE ...)``
    in an ``OR`` had PostgreSQL read every readable klant for one row (about a second per
    request at 20,000 klanten, JIT compilation included). The same rows as the ``IN`` form,
    for every kind of client."""
    from django.db.models import Q

    from klanten.datamodel.klantcontacten import Betrokkene
    from klanten.datamodel.models import Klant
    from klanten.datamodel.partijen import DigitaalAdres, PartijIdentificator
    from klanten.datamodel.partijrepresentatie import KIContext
    from klanten.klantinteracties.partijen import (
        adres_per_uuid,
        betrokkene_zichtbaar,
        heeft_partij_per_uuid,
        partij_per_uuid,
    )

    def als_in(ctx):  # the form it replaced
        return Q(klant__in=Klant.objects.filter(partij_per_uuid(ctx)))

    contexten = [KIContext("", applicatie_uuid=None), KIContext("", ziet_alles=True)]
    for client in clients.values():
        contexten.append(KIContext("", applicatie_uuid=client.applicatie.uuid))
        contexten.append(KIContext("", applicatie_uuid=client.applicatie.uuid, ziet_alles=True))
    assert DigitaalAdres.objects.filter(klant__isnull=True).exists()
    for ctx in contexten:
        eigen = (
            Q(klant__isnull=True, betrokkene__isnull=True, geregistreerd_door=ctx.applicatie_uuid)
            if ctx.applicatie_uuid is not None
            else Q(pk__in=[])
        )
        oud = als_in(ctx) | (Q(klant__isnull=True) & betrokkene_zichtbaar(ctx)) | eigen
        for model, nieuw, vroeger in (
            (DigitaalAdres, adres_per_uuid(ctx), oud),
            (PartijIdentificator, heeft_partij_per_uuid(ctx), als_in(ctx)),
            (Betrokkene, heeft_partij_per_uuid(ctx), als_in(ctx)),
        ):
            assert set(model.objects.filter(nieuw).values_list("pk", flat=True)) == set(
                model.objects.filter(vroeger).values_list("pk", flat=True)
            ), (model, ctx)
        sql = str(DigitaalAdres.objects.filter(adres_per_uuid(ctx)).query)
        assert 'klant_id" IN (SELECT' not in sql, sql
    # some rows of each kind are visible to some client and not to another
    zichtbaar = {
        ctx.applicatie_uuid: DigitaalAdres.objects.filter(adres_per_uuid(ctx)).count()
        for ctx in contexten
        if not ctx.ziet_alles
    }
    assert len(set(zichtbaar.values())) > 1, zichtbaar


def _contexten(clients):
    from klanten.datamodel.partijrepresentatie import KIContext

    contexten = [KIContext("", applicatie_uuid=None), KIContext("", ziet_alles=True)]
    for client in clients.values():
        contexten.append(KIContext("", applicatie_uuid=client.applicatie.uuid))
        contexten.append(KIContext("", applicatie_uuid=client.applicatie.uuid, ziet_alles=True))
    return contexten


def test_a_list_reads_the_partij_of_each_row_not_every_visible_one(clients, landschap):
    """The lists of digitale adressen (alone, with a ``verstrektDoorBetrokkene`` or an
    ``adres`` search beside the partijen's) and of partij-identificatoren (beside the
    identifiers without a partij) see a row through its own partij, a correlated ``EXISTS``
    on its key: ``klant_id IN (SELECT ... FROM klant WHERE ...)`` in an ``OR`` read every
    searchable klant per request. The same rows as the ``IN`` form, for every kind of
    client."""
    from django.db.models import Q

    from klanten.datamodel.models import Klant
    from klanten.datamodel.partijen import DigitaalAdres, PartijIdentificator
    from klanten.klantinteracties.partijen import (
        betrokkene_zichtbaar,
        heeft_partij,
        partij_zoekbaar,
    )

    def als_in(ctx):  # the form it replaced (DigitaalAdresViewSet._partij_adres)
        zoekbaar = Klant.objects.filter(partij_zoekbaar())
        if ctx.applicatie_uuid is not None and not ctx.ziet_alles:
            zoekbaar = Klant.objects.filter(
                partij_zoekbaar() | Q(geregistreerd_door=ctx.applicatie_uuid)
            )
        elif ctx.ziet_alles:
            zoekbaar = Klant.objects.all()
        return Q(klant__in=zoekbaar)

    from .test_klantinteracties_partijen import bsn_identificator

    # an identifier without a partij: a BSN (its client's only) and a KvK number (anyone's)
    for identificator in (bsn_identificator("100000009"), kvk_identificator("87654321")):
        ki_post(clients["open_forms"], "partij-identificatoren", identificator)
    gezien = set()
    for ctx in _contexten(clients):
        nieuw = DigitaalAdresViewSet()._partij_adres(ctx)
        for extra in (
            Q(pk__in=[]),
            Q(klant__isnull=True) & betrokkene_zichtbaar(ctx),
            Q(klant__isnull=True, betrokkene__isnull=False),
        ):
            rijen = set(DigitaalAdres.objects.filter(nieuw | extra).values_list("pk", flat=True))
            assert rijen == set(
                DigitaalAdres.objects.filter(als_in(ctx) | extra).values_list("pk", flat=True)
            ), ctx
            gezien.add(len(rijen))
        sql = str(DigitaalAdres.objects.filter(nieuw).query)
        assert 'klant_id" IN (SELECT' not in sql, sql
    assert len(gezien) > 2, gezien  # some addresses visible to some clients, not to others
    alle = PartijIdentificator.objects.values_list("pk", flat=True)
    gezien = set()
    for client in (*clients.values(), None):
        applicatie = client.applicatie.uuid if client else uuid.uuid4()
        eigen = Q(geregistreerd_door=applicatie)
        los = Q(klant__isnull=True) & (~Q(code_soort_object_id="bsn") | eigen)
        oud = los | Q(klant__in=Klant.objects.filter(partij_zoekbaar()))
        nu = los | heeft_partij(partij_zoekbaar())
        assert set(alle.filter(nu)) == set(alle.filter(oud))
        # the count's form (PartijIdentificatorViewSet.aantal)
        tellen = los | heeft_partij(partij_zoekbaar(), tellen=True)
        assert set(alle.filter(tellen)) == set(alle.filter(oud))
        assert alle.filter(tellen).count() == alle.filter(oud).count()
        gezien.add(len(alle.filter(nu)))
    assert len(gezien) == 2, gezien  # open_forms's loose BSN


def _klantrijen(plan: dict) -> int:
    """The rows a plan (EXPLAIN ANALYZE, JSON) read of datamodel_klant, over all loops."""
    eigen = 0
    if plan.get("Relation Name") == "datamodel_klant":
        eigen = plan["Actual Rows"] * plan["Actual Loops"]
    return eigen + sum(_klantrijen(kind) for kind in plan.get("Plans", ()))


def test_a_small_list_answer_reads_few_klanten(clients, landschap):
    """``GET /partij-identificatoren?identificeerdePartij__uuid=`` and
    ``GET /digitaleadressen?verstrektDoorBetrokkene__uuid=`` for a client that does not see
    everything read a klant row or two per row of their answer (its partij, joined and
    checked), not every searchable klant (the ``IN`` form's hashed subplan)."""
    from klanten.datamodel.models import Klant
    from klanten.klantinteracties.partijen import partij_zoekbaar

    betrokkene_adres = landschap["adressen"][-1]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE datamodel_klant, datamodel_digitaaladres")
        cursor.execute("ANALYZE datamodel_partijidentificator")
    zoekbaar = Klant.objects.filter(partij_zoekbaar()).count()
    kiss = clients["kiss"]
    betrokkene = betrokkene_adres["verstrektDoorBetrokkene"]["uuid"]
    for pad, params, tabel in (
        (
            f"{KI_BASE}/partij-identificatoren",
            {"partijIdentificatorObjectId": BSN},
            "datamodel_partijidentificator",
        ),
        (ADRESSEN, {"verstrektDoorBetrokkene__uuid": betrokkene}, "datamodel_digitaaladres"),
    ):
        with CaptureQueriesContext(connection) as queries:
            response = kiss.get(pad, params)
        assert response.status_code == 200, response.content
        antwoord = response.json()["count"]
        assert antwoord >= 1
        [sql] = [q["sql"] for q in queries.captured_queries if f'FROM "{tabel}"' in q["sql"]][-1:]
        with connection.cursor() as cursor:
            # a handful of rows: without this, reading the whole table is the cheapest plan
            # of either form; at scale the planner takes the probe that the EXISTS allows
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
            [[[plan]]] = cursor.fetchall()
            cursor.execute("SET LOCAL enable_seqscan = on")
        gelezen = _klantrijen(plan["Plan"])
        assert zoekbaar > 2 * antwoord + 1  # the old form read them all
        assert gelezen <= 2 * antwoord + 1, (pad, gelezen, zoekbaar)


def test_an_unfiltered_page_reads_the_klant_of_each_row_it_reads(clients, landschap):
    """``GET /partij-identificatoren`` without filters, for a client that does not see
    everything, reads the identifiers in key order and probes each one's partij by its key
    until the page is full: never a hash of every searchable klant, which PostgreSQL chose for
    the ``EXISTS`` beside the identifiers without a partij once the table's statistics made a
    probe per row of the whole table look dearer (the plan ignores the ``LIMIT``): 10 ms at
    20,000 klanten, growing with them. Whatever the costs, the page's plan reads a klant or two
    per identifier it reads; its count (``aantal``) still counts the same rows."""
    from klanten.datamodel.models import Klant
    from klanten.klantinteracties.partijen import partij_zoekbaar

    for identificator in (kvk_identificator("87654321"), kvk_identificator("12345678")):
        ki_post(clients["open_forms"], "partij-identificatoren", identificator)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE datamodel_klant, datamodel_partijidentificator")
    zoekbaar = Klant.objects.filter(partij_zoekbaar()).count()
    kiss = clients["kiss"]
    alle = kiss.get(f"{KI_BASE}/partij-identificatoren").json()
    with CaptureQueriesContext(connection) as queries:
        response = kiss.get(f"{KI_BASE}/partij-identificatoren", {"pageSize": 1})
    assert response.status_code == 200, response.content
    assert response.json()["count"] == alle["count"] > 1
    assert [r["uuid"] for r in response.json()["results"]] == [alle["results"][0]["uuid"]]
    [sql] = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "datamodel_partijidentificator"."id"')
        and q["sql"].endswith("LIMIT 1")
    ]
    assert zoekbaar > 3  # the hash read them all
    # as the tables' statistics are, and with probes by key made dearer (what made the old
    # form's plan hash at 20,000 klanten)
    for instelling in ((), ("random_page_cost = 40",)):
        plan = _uitgevoerd_plan(sql, instelling)
        gelezen = _identificatorrijen(plan["Plan"])
        assert 1 <= gelezen < alle["count"]
        assert _klantrijen(plan["Plan"]) <= 2 * gelezen + 1, (instelling, zoekbaar, plan)
        assert not _gehasht(plan["Plan"]), (instelling, plan)


def test_an_unfiltered_page_of_partijen_checks_each_anchor_by_its_key(clients, landschap):
    """``GET /partijen`` for a client that does not see everything checks each anchor on the
    page (K5: no validated partij with its BSN) by probing the klantbeeld index with its key,
    not with a hash of every validated klant (the ``NOT EXISTS``'s hashed alternative, read
    for the first anchor of a page: 6 ms and 6,800 klant rows for a page at 20,000 klanten)."""
    kiss = clients["kiss"]
    alle = kiss.get(PARTIJEN).json()
    anker = landschap["partijen"][5]["uuid"]
    plek = [p["uuid"] for p in alle["results"]].index(anker)
    with CaptureQueriesContext(connection) as queries:
        response = kiss.get(PARTIJEN, {"pageSize": plek + 1})
    assert response.status_code == 200, response.content
    assert response.json()["results"][-1]["uuid"] == anker
    assert response.json()["count"] == alle["count"] >= plek + 1
    [sql] = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "datamodel_klant"."id"')
        and q["sql"].endswith(f"LIMIT {plek + 1}")
    ]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE datamodel_klant")
    # as the statistics are, and with probes dearer than one read of the table: what made the
    # hash the cheaper alternative at 20,000 klanten
    for instelling in ((), ("enable_indexscan = off", "enable_bitmapscan = off")):
        plan = _uitgevoerd_plan(sql, instelling)
        assert not _gehasht(plan["Plan"]), (instelling, plan)


def _uitgevoerd_plan(sql: str, instelling: tuple[str, ...]) -> dict:
    """EXPLAIN (ANALYZE) of ``sql`` with the planner settings ``instelling`` (``SET LOCAL``,
    undone by a savepoint): the JSON plan."""
    with connection.cursor() as cursor:
        cursor.execute("SAVEPOINT plan")
        for regel in instelling:
            cursor.execute(f"SET LOCAL {regel}")
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        [[[plan]]] = cursor.fetchall()
        cursor.execute("ROLLBACK TO SAVEPOINT plan")
    return plan


def _gehasht(plan: dict) -> bool:
    """Whether a plan (EXPLAIN, JSON) evaluates a subquery as a hashed subplan (its conditions
    name it ``hashed SubPlan n``)."""
    return "hashed SubPlan" in json.dumps(plan)


def _identificatorrijen(plan: dict) -> int:
    """The identifiers a plan read in its outer scan (kept or not), over all loops."""
    eigen = 0
    if plan.get("Alias") == "datamodel_partijidentificator":
        gezien = plan["Actual Rows"] + plan.get("Rows Removed by Filter", 0)
        eigen = gezien * plan["Actual Loops"]
    return eigen + sum(_identificatorrijen(kind) for kind in plan.get("Plans", ()))


def test_the_visible_partijen_of_betrokkenen_are_the_orm_path_s(clients, landschap, balie):
    """``query.zichtbare_partij_ids`` (which partijen of a page's betrokkenen a client sees,
    a prepared statement per visibility shape) finds what the ORM query did, for every kind of
    client and of partij (validated, an anchor, a client's own, seen through a contactmoment,
    none of these), asked one id at a time (``id = $1``) and all at once (an array)."""
    from klanten.datamodel.models import Klant
    from klanten.klantinteracties.klantcontacten.query import zichtbare_partij_ids

    ids = sorted(Klant.objects.values_list("id", flat=True))
    gezien = {}
    for ctx in _contexten(clients):
        verwacht = _zichtbare_partij_ids_via_orm(ctx, [*ids, None])
        assert zichtbare_partij_ids(ctx, [*ids, None]) == verwacht, ctx
        for pk in ids:
            assert zichtbare_partij_ids(ctx, [pk, pk]) == _zichtbare_partij_ids_via_orm(
                ctx, [pk]
            ), (ctx, pk)
        assert zichtbare_partij_ids(ctx, [None]) == _zichtbare_partij_ids_via_orm(ctx, [None])
        gezien[(ctx.applicatie_uuid, ctx.ziet_alles)] = verwacht
    # what makes a wrong condition fail: "ander" sees balie's partijen through its contactmoment
    # alone, Open Forms neither (nor KISS's own partij), the reader none of them
    balie_ids = set(
        Klant.objects.filter(uuid__in=[p["uuid"] for p in balie["partijen"].values()]).values_list(
            "id", flat=True
        )
    )
    eigen = Klant.objects.get(uuid=landschap["partijen"][4]["uuid"]).pk
    anker = Klant.objects.get(uuid=landschap["partijen"][5]["uuid"]).pk
    jan = Klant.objects.get(uuid=landschap["partijen"][0]["uuid"]).pk
    voor = {naam: gezien[(client.applicatie.uuid, False)] for naam, client in clients.items()}
    assert balie_ids <= voor["ander"] and not balie_ids & voor["open_forms"]
    assert balie_ids | {eigen} <= voor["kiss"] and eigen not in voor["ander"]
    assert {jan, anker} <= voor["lezer"] and not (balie_ids | {eigen}) & voor["lezer"]
    assert gezien[(None, True)] is None


def test_the_visible_partijen_of_a_page_are_prepared_once(clients, balie):
    """A second page of the same visibility shape (one betrokkene's partij, and two) prepares
    nothing new: the visible partijen are one statement per shape, ``id = $1`` or an array."""
    pad = f"{KI_BASE}/klantcontacten/{balie['klantcontact']['uuid']}"
    lijst = f"{KI_BASE}/klantcontacten"

    def lees():  # "ander" sees both betrokkenen, Open Forms one
        for client in (clients["ander"], clients["open_forms"]):
            for params in ({"expand": "hadBetrokkenen"}, {"expand": "hadBetrokkenen.wasPartij"}):
                assert client.get(pad, params).status_code == 200
                assert client.get(lijst, {"kanaal": "balie", **params}).status_code == 200

    lees()
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        eerst = sorted(row[0] for row in cursor.fetchall())
    eigen = [
        sql
        for sql in eerst
        if sql.startswith('SELECT "datamodel_klant"."id" AS "id" FROM "datamodel_klant" WHERE')
        and "datamodel_betrokkene" in sql
    ]
    assert any('"datamodel_klant"."id" = ANY($' in sql for sql in eigen), eerst
    assert any('"datamodel_klant"."id" = $' in sql for sql in eigen), eerst
    lees()
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        assert sorted(row[0] for row in cursor.fetchall()) == eerst
