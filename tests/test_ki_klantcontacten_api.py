# ruff: noqa: F811  (the fixtures imported from ki_helpers)
"""The klantcontact side of the Klantinteracties API on the wire: one store with the
Contactmomenten API, the principles (K6 anonymous contacts, K8, K9, K10), every 4xx problem
JSON, and a constant number of queries per list page whatever is expanded."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klanten.datamodel.klantcontacten import Betrokkene, Klantcontact
from klanten.datamodel.models import Klant
from klanten.notificaties.models import UitgaandeNotificatie

from .conftest import CM_BASE, ApiClient
from .ki_fixtures import assert_problem
from .ki_helpers import KI, kiss, open_forms, partij_voor  # noqa: F401
from .test_notifications import configure

pytestmark = pytest.mark.django_db


KLANTCONTACT = {
    "kanaal": "telefoon",
    "onderwerp": "Afval",
    "inhoud": "Vraag over de container",
    "taal": "nld",
    "vertrouwelijk": False,
}


def post(client, path, body):
    return client.post_json(f"{KI}/{path}", body)


def open_forms_anoniem():
    return {
        "klantcontact": {
            "kanaal": "Webformulier",
            "onderwerp": "Melding openbare ruimte",
            "taal": "dut",
            "vertrouwelijk": True,
        },
        "betrokkene": {
            "rol": "klant",
            "initiator": True,
            "organisatienaam": "",
            "contactnaam": {"voornaam": "Anna", "achternaam": "Anoniem"},
            "correspondentieadres": {
                "straatnaam": "Kerkstraat",
                "huisnummer": 7,
                "postcode": "1234 AB",
                "stad": "Dorp",
                "adresregel1": "Kerkstraat 7",
                "adresregel2": "1234 AB Dorp",
            },
        },
        "onderwerpobject": {
            "onderwerpobjectidentificator": {
                "objectId": "OF-ABC123",
                "codeObjecttype": "formulierinzending",
                "codeRegister": "Open Formulieren",
                "codeSoortObjectId": "public_registration_reference",
            }
        },
    }


# --- one store with the Contactmomenten API ------------------------------------------------------


def test_a_klantcontact_is_the_same_contactmoment(kiss, cm_api):
    data = post(kiss, "klantcontacten", KLANTCONTACT).json()
    cm = cm_api.get(f"{CM_BASE}/contactmomenten/{data['uuid']}")
    assert cm.status_code == 200, cm.content
    assert (cm.json()["kanaal"], cm.json()["tekst"], cm.json()["voorkeurstaal"]) == (
        "telefoon",
        "Vraag over de container",
        "nld",
    )


def test_a_contactmoment_is_a_klantcontact(kiss, cm_api, medewerkers):
    cm = cm_api.post_json(
        f"{CM_BASE}/contactmomenten",
        {
            "bronorganisatie": "423182687",
            "kanaal": "balie",
            "tekst": "aan de balie",
            "medewerkerIdentificatie": {"identificatie": "mw-7", "achternaam": "Jansen"},
        },
    )
    assert cm.status_code == 201, cm.content
    key = cm.json()["url"].rsplit("/", 1)[-1]
    data = kiss.get(f"{KI}/klantcontacten/{key}").json()
    assert (data["kanaal"], data["inhoud"]) == ("balie", "aan de balie")
    (actor,) = data["hadBetrokkenActoren"]
    assert actor["soortActor"] == "medewerker"
    assert actor["actoridentificator"]["objectId"] == "mw-7"


# --- K6: an anonymous maak-klantcontact --------------------------------------------------------


@pytest.mark.zichtbaarheid_applicatie
def test_anonymous_maak_klantcontact_creates_no_partij_and_is_not_found(open_forms, kiss):
    klanten = Klant.objects.count()
    response = post(open_forms, "maak-klantcontact", open_forms_anoniem())
    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) == {"klantcontact", "betrokkene", "onderwerpobject"}
    betrokkene = data["betrokkene"]
    assert betrokkene["wasPartij"] is None
    adres = betrokkene["correspondentieadres"]
    assert (adres["straatnaam"], adres["huisnummer"], adres["adresregel1"]) == (
        "Kerkstraat",
        7,
        "Kerkstraat 7",
    )
    assert (adres["adresregel2"], adres["adresregel3"], adres["land"]) == ("1234 AB Dorp", "", "")
    assert betrokkene["bezoekadres"] is None
    assert betrokkene["volledigeNaam"] == "Anna Anoniem"
    assert betrokkene["hadKlantcontact"]["uuid"] == data["klantcontact"]["uuid"]
    assert data["onderwerpobject"]["klantcontact"]["uuid"] == data["klantcontact"]["uuid"]
    assert Klant.objects.count() == klanten  # no partij, no klant
    # readable by uuid by the client that registered it, and through its klantcontact
    assert open_forms.get(f"{KI}/betrokkenen/{betrokkene['uuid']}").status_code == 200
    expanded = open_forms.get(
        f"{KI}/klantcontacten/{data['klantcontact']['uuid']}", {"expand": "hadBetrokkenen"}
    ).json()
    assert [b["uuid"] for b in expanded["_expand"]["hadBetrokkenen"]] == [betrokkene["uuid"]]
    # never for another client, by uuid, list, name or address
    assert_problem(kiss.get(f"{KI}/betrokkenen/{betrokkene['uuid']}"), 404)
    assert kiss.get(f"{KI}/betrokkenen").json()["count"] == 0
    assert kiss.get(f"{KI}/betrokkenen", {"contactnaamAchternaam": "Anoniem"}).json()["count"] == 0
    other = kiss.get(
        f"{KI}/klantcontacten/{data['klantcontact']['uuid']}", {"expand": "hadBetrokkenen"}
    ).json()
    assert other["_expand"]["hadBetrokkenen"] == []
    assert (
        kiss.get(f"{KI}/betrokkenen", {"verstrektedigitaalAdres__adres": "x"}).json()["count"] == 0
    )
    assert (
        kiss.get(
            f"{KI}/klantcontacten", {"hadBetrokkene__digitaaladres__adres__icontains": "x"}
        ).json()["count"]
        == 0
    )
    # nor as a partij
    assert kiss.get(f"{KI}/partijen").json()["count"] == 0


# --- K9 ---------------------------------------------------------------------------------------


def test_k9_deleting_the_klant_keeps_the_betrokkene(kiss, make_client):
    partij = partij_voor(kiss)
    klantcontact = post(kiss, "klantcontacten", KLANTCONTACT).json()
    betrokkene = post(
        kiss,
        "betrokkenen",
        {
            "wasPartij": {"uuid": partij["uuid"]},
            "hadKlantcontact": {"uuid": klantcontact["uuid"]},
            "rol": "klant",
            "initiator": True,
            "contactnaam": {"voornaam": "Jan", "achternaam": "Snapshot"},
        },
    ).json()
    # deleted through the Klanten API
    klanten_api = make_client()
    assert klanten_api.delete(f"/klanten/api/v1/klanten/{partij['uuid']}").status_code == 204
    assert not Klant.objects.filter(uuid=partij["uuid"]).exists()
    data = kiss.get(f"{KI}/betrokkenen/{betrokkene['uuid']}")
    # the betrokkene of a deleted partij is the registering client's own snapshot now
    assert data.status_code == 200, data.content
    assert data.json()["wasPartij"] is None
    assert data.json()["volledigeNaam"] == "Jan Snapshot"
    assert kiss.get(f"{KI}/klantcontacten/{klantcontact['uuid']}").status_code == 200


# --- K10 ------------------------------------------------------------------------------------


def test_notifications_without_personal_data(kiss):
    configure()
    klantcontact = post(kiss, "klantcontacten", KLANTCONTACT).json()
    actor = post(kiss, "actoren", {"naam": "Team", "soortActor": "organisatorische_eenheid"})
    taak = post(
        kiss,
        "internetaken",
        {
            "nummer": "",
            "gevraagdeHandeling": "Terugbellen",
            "aanleidinggevendKlantcontact": {"uuid": klantcontact["uuid"]},
            "toegewezenAanActor": {"uuid": actor.json()["uuid"]},
            "toelichting": "Bel 0612345678 na vijven",
            "status": "te_verwerken",
        },
    ).json()
    berichten = [n.bericht for n in UitgaandeNotificatie.objects.order_by("id")]
    kanalen = [(b["kanaal"], b["resource"]) for b in berichten]
    assert ("klantcontacten", "klantcontact") in kanalen
    assert ("contactmomenten", "contactmoment") in kanalen
    (taakbericht,) = [b for b in berichten if b["kanaal"] == "internetaken"]
    assert taakbericht["resourceUrl"] == taak["url"]
    assert taakbericht["kenmerken"] == {"nummer": taak["nummer"], "status": "te_verwerken"}
    assert "0612345678" not in str(berichten)
    assert "container" not in str(berichten)
    # K10: the taak changed the klantcontact (its leiddeTotInterneTaken): one notification on
    # klantcontacten too, the last one written
    (*_, laatste) = berichten
    assert (laatste["kanaal"], laatste["actie"], laatste["resourceUrl"]) == (
        "klantcontacten",
        "partial_update",
        klantcontact["url"],
    )
    assert [t["uuid"] for t in kiss.get(klantcontact["url"]).json()["leiddeTotInterneTaken"]] == [
        taak["uuid"]
    ]


# --- 4xx problem JSON ---------------------------------------------------------------------------


def test_every_4xx_is_problem_json(kiss, make_ki_client):
    missing = "00000000-0000-0000-0000-000000000001"
    assert_problem(kiss.get(f"{KI}/klantcontacten/{missing}"), 404)
    assert_problem(kiss.get(f"{KI}/klantcontacten/not-a-uuid"), 404)
    assert_problem(kiss.get(f"{KI}/betrokkenen/{missing}"), 404)
    assert_problem(kiss.get(f"{KI}/onderwerpobjecten/{missing}"), 404)
    assert_problem(kiss.get(f"{KI}/actoren/{missing}"), 404)
    data = assert_problem(kiss.get(f"{KI}/klantcontacten", {"onbekend": "x"}), 400)
    assert data["invalidParams"]
    data = assert_problem(kiss.get(f"{KI}/klantcontacten", {"expand": "nietBestaand"}), 400)
    assert data["invalidParams"][0]["name"] == "expand"
    data = assert_problem(kiss.get(f"{KI}/klantcontacten", {"hadBetrokkene__uuid": "x"}), 400)
    assert data["invalidParams"][0]["name"] == "hadBetrokkene__uuid"
    data = assert_problem(post(kiss, "klantcontacten", {"kanaal": "telefoon"}), 400)
    assert {p["name"] for p in data["invalidParams"]} >= {"onderwerp", "taal", "vertrouwelijk"}
    data = assert_problem(
        post(
            kiss,
            "betrokkenen",
            {"hadKlantcontact": {"uuid": missing}, "rol": "klant", "initiator": True},
        ),
        400,
    )
    assert data["invalidParams"][0]["name"] == "hadKlantcontact"
    data = assert_problem(
        post(
            kiss,
            "internetaken",
            {
                "gevraagdeHandeling": "x",
                "aanleidinggevendKlantcontact": {"uuid": missing},
                "status": "te_verwerken",
            },
        ),
        400,
    )
    assert data["invalidParams"][0]["name"] == "aanleidinggevendKlantcontact"
    assert_problem(post(kiss, "maak-klantcontact", []), 400)
    assert_problem(kiss.put_json(f"{KI}/klantcontacten/{missing}", KLANTCONTACT), 405)
    # scopes: a client that may only read cannot create
    lezer = make_ki_client(scopes=("klantinteracties.lezen",))
    assert_problem(post(lezer, "klantcontacten", KLANTCONTACT), 403)
    assert_problem(post(lezer, "maak-klantcontact", open_forms_anoniem()), 403)
    assert_problem(ApiClient().get(f"{KI}/klantcontacten"), 403)  # as the whole API


@pytest.mark.zichtbaarheid_applicatie
def test_a_partij_the_client_may_not_see_is_refused_as_wasPartij(kiss, make_ki_client):
    # a non-validated klant of another client (K6): not usable as wasPartij
    ander = make_ki_client()
    klant = Klant.objects.get(uuid=partij_voor(ander)["uuid"])
    klantcontact = post(kiss, "klantcontacten", KLANTCONTACT).json()
    data = assert_problem(
        post(
            kiss,
            "betrokkenen",
            {
                "wasPartij": {"uuid": str(klant.uuid)},
                "hadKlantcontact": {"uuid": klantcontact["uuid"]},
                "rol": "klant",
                "initiator": True,
            },
        ),
        400,
    )
    assert data["invalidParams"][0]["name"] == "wasPartij"


# --- queries ------------------------------------------------------------------------------------


def _vul(kiss, aantal: int):
    partij = partij_voor(kiss)
    actor = post(kiss, "actoren", {"naam": "Team", "soortActor": "organisatorische_eenheid"}).json()
    for i in range(aantal):
        kc = post(kiss, "klantcontacten", {**KLANTCONTACT, "onderwerp": f"o{i}"}).json()
        b = post(
            kiss,
            "betrokkenen",
            {
                "wasPartij": {"uuid": partij["uuid"]} if i % 2 else None,
                "hadKlantcontact": {"uuid": kc["uuid"]},
                "rol": "klant",
                "initiator": True,
            },
        ).json()
        adres = post(
            kiss,
            "digitaleadressen",
            {
                "verstrektDoorBetrokkene": {"uuid": b["uuid"]},
                "adres": f"p{i}@example.nl",
                "soortDigitaalAdres": "email",
            },
        )
        assert adres.status_code == 201, adres.content
        post(
            kiss,
            "onderwerpobjecten",
            {
                "klantcontact": {"uuid": kc["uuid"]},
                "onderwerpobjectidentificator": {"objectId": f"z{i}"},
            },
        )
        post(
            kiss,
            "internetaken",
            {
                "nummer": "",
                "gevraagdeHandeling": "Terugbellen",
                "aanleidinggevendKlantcontact": {"uuid": kc["uuid"]},
                "toegewezenAanActoren": [{"uuid": actor["uuid"]}],
                "status": "te_verwerken",
            },
        )


ALLE_EXPANDS = (
    "hadBetrokkenen,hadBetrokkenen.wasPartij,hadBetrokkenen.digitaleAdressen,"
    "gingOverOnderwerpobjecten,leiddeTotInterneTaken,omvatteBijlagen"
)


def _queries(client, path, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


@pytest.mark.zichtbaarheid_applicatie
def test_klantcontacten_list_queries_are_constant_with_every_expand(kiss):
    _vul(kiss, 2)
    klein = _queries(kiss, f"{KI}/klantcontacten", {"expand": ALLE_EXPANDS})
    _vul(kiss, 8)
    groot = _queries(kiss, f"{KI}/klantcontacten", {"expand": ALLE_EXPANDS})
    assert Klantcontact.objects.count() == 10
    assert groot == klein
    page = kiss.get(f"{KI}/klantcontacten", {"expand": ALLE_EXPANDS}).json()["results"]
    assert all(len(kc["_expand"]["hadBetrokkenen"]) == 1 for kc in page)
    assert (
        sum(kc["_expand"]["hadBetrokkenen"][0]["_expand"]["wasPartij"] is not None for kc in page)
        == 5
    )
    assert all(len(kc["_expand"]["leiddeTotInterneTaken"]) == 1 for kc in page)


@pytest.mark.zichtbaarheid_applicatie
def test_betrokkenen_and_partij_expands_are_constant(kiss):
    _vul(kiss, 2)
    partij = Betrokkene.objects.filter(klant__isnull=False).first().klant
    path = f"{KI}/partijen/{partij.uuid}"
    params = {"expand": "betrokkenen,betrokkenen.hadKlantcontact"}
    klein = _queries(kiss, path, params)
    lijst_klein = _queries(kiss, f"{KI}/betrokkenen", {"expand": "digitaleAdressen"})
    _vul(kiss, 6)
    Betrokkene.objects.filter(klant__isnull=False).update(klant=partij)
    assert _queries(kiss, path, params) == klein
    assert _queries(kiss, f"{KI}/betrokkenen", {"expand": "digitaleAdressen"}) == lijst_klein


# --- every filter of the schema answers (and filters) -------------------------------------------


def _waarde(filter_, naam: str):
    import django_filters

    if isinstance(filter_, django_filters.UUIDFilter):
        return "00000000-0000-0000-0000-000000000001"
    if isinstance(filter_, django_filters.BooleanFilter) or "Boolean" in type(filter_).__name__:
        return "true"
    if isinstance(filter_, django_filters.IsoDateTimeFilter):
        return "2026-03-01T10:00:00Z"
    if isinstance(filter_, django_filters.ChoiceFilter):
        return "medewerker"
    if naam.endswith("__url"):
        return f"http://testserver{KI}/partijen/00000000-0000-0000-0000-000000000001"
    return "niets"


@pytest.mark.parametrize(
    ("pad", "filterset"),
    [
        ("klantcontacten", "KlantcontactFilter"),
        ("betrokkenen", "BetrokkeneFilter"),
        ("onderwerpobjecten", "OnderwerpobjectFilter"),
        ("actoren", "ActorFilter"),
    ],
)
def test_every_filter_answers(kiss, pad, filterset):
    from klanten.klantinteracties.klantcontacten import filters

    klantcontact = post(kiss, "klantcontacten", KLANTCONTACT).json()
    post(
        kiss,
        "betrokkenen",
        {"hadKlantcontact": {"uuid": klantcontact["uuid"]}, "rol": "klant", "initiator": True},
    )
    post(kiss, "actoren", {"naam": "Team", "soortActor": "medewerker"})
    for naam, filter_ in getattr(filters, filterset).base_filters.items():
        response = kiss.get(f"{KI}/{pad}", {naam: _waarde(filter_, naam)})
        assert response.status_code == 200, (naam, response.content)
        data = response.json()
        if isinstance(filter_.__class__, type) and naam not in (
            "hadBetrokkene__wasPartij",
            "leiddeTotInterneTaken",
            "indicatieActief",
            "vertrouwelijk",
            "indicatieContactGelukt",
            "soortActor",
        ):
            assert data["count"] == 0, naam


def test_klantcontacten_filters_find_what_they_name(kiss):
    partij = partij_voor(kiss)
    eerste = post(kiss, "klantcontacten", KLANTCONTACT).json()
    tweede = post(kiss, "klantcontacten", {**KLANTCONTACT, "kanaal": "balie"}).json()
    betrokkene = post(
        kiss,
        "betrokkenen",
        {
            "wasPartij": {"uuid": partij["uuid"]},
            "hadKlantcontact": {"uuid": tweede["uuid"]},
            "rol": "klant",
            "initiator": True,
        },
    ).json()

    def uuids(**params):
        response = kiss.get(f"{KI}/klantcontacten", params)
        assert response.status_code == 200, response.content
        return {kc["uuid"] for kc in response.json()["results"]}

    assert uuids(kanaal="balie") == {tweede["uuid"]}
    assert uuids(hadBetrokkene__uuid=betrokkene["uuid"]) == {tweede["uuid"]}
    assert uuids(hadBetrokkene__url=betrokkene["url"]) == {tweede["uuid"]}
    assert uuids(hadBetrokkene__wasPartij__uuid=partij["uuid"]) == {tweede["uuid"]}
    # a klantcontact with a betrokkene without partij (one without betrokkenen is neither)
    assert uuids(hadBetrokkene__wasPartij="false") == set()
    post(
        kiss,
        "betrokkenen",
        {"hadKlantcontact": {"uuid": eerste["uuid"]}, "rol": "klant", "initiator": True},
    )
    assert uuids(hadBetrokkene__wasPartij="false") == {eerste["uuid"]}
    assert uuids(hadBetrokkene__wasPartij="true") == {tweede["uuid"]}
    assert uuids(leiddeTotInterneTaken="false") == {eerste["uuid"], tweede["uuid"]}
    betrokkenen = kiss.get(f"{KI}/betrokkenen", {"hadKlantcontact__uuid": tweede["uuid"]})
    assert [b["uuid"] for b in betrokkenen.json()["results"]] == [betrokkene["uuid"]]


def test_a_referenced_row_gone_before_the_lock_is_a_400_not_a_500(kiss, monkeypatch):
    """The klantcontact of a body is deleted by another request just before the write locks
    it (the lock is its only lookup): the service's DoesNotExist is the same 400 on the
    field."""
    from klanten.datamodel import kicontacten

    klantcontact = post(kiss, "klantcontacten", KLANTCONTACT).json()
    vergrendel = kicontacten._lock_klantcontacten

    def eerst_weg(**refs):
        Klantcontact.objects.filter(uuid__in=[r for r in refs.values() if r]).delete()
        return vergrendel(**refs)

    monkeypatch.setattr(kicontacten, "_lock_klantcontacten", eerst_weg)
    body = {"hadKlantcontact": {"uuid": klantcontact["uuid"]}, "rol": "klant", "initiator": True}
    data = assert_problem(post(kiss, "betrokkenen", body), 400)
    assert data["invalidParams"][0]["name"] == "hadKlantcontact"
    # an interne taak locks its klantcontact with its references (one statement)
    met_referenties = kicontacten._vergrendel_met_referenties

    def eerst_weg_een(ref):
        Klantcontact.objects.filter(uuid=ref).delete()
        return met_referenties(ref)

    monkeypatch.setattr(kicontacten, "_vergrendel_met_referenties", eerst_weg_een)
    klantcontact = post(kiss, "klantcontacten", KLANTCONTACT).json()
    data = assert_problem(
        post(
            kiss,
            "internetaken",
            {
                "nummer": "",
                "gevraagdeHandeling": "Terugbellen",
                "aanleidinggevendKlantcontact": {"uuid": klantcontact["uuid"]},
                "status": "te_verwerken",
            },
        ),
        400,
    )
    assert data["invalidParams"][0]["name"] == "aanleidinggevendKlantcontact"


def test_references_that_do_not_exist_are_400_on_their_field_in_order(kiss):
    """Looked up by the write's locks (one query each): the first field that names no row."""
    klantcontact = post(kiss, "klantcontacten", KLANTCONTACT).json()
    geen = {"uuid": "6d1c0a36-7f4b-4e57-9d0c-6a6c1b1d7a11"}
    identificator = {
        "objectId": "OF-1",
        "codeObjecttype": "formulierinzending",
        "codeRegister": "Open Formulieren",
        "codeSoortObjectId": "public_registration_reference",
    }
    cases = [
        ("betrokkenen", {"hadKlantcontact": geen, "wasPartij": geen}, "hadKlantcontact"),
        (
            "betrokkenen",
            {"hadKlantcontact": {"uuid": klantcontact["uuid"]}, "wasPartij": geen},
            "wasPartij",
        ),
        ("onderwerpobjecten", {"klantcontact": geen, "wasKlantcontact": geen}, "klantcontact"),
        (
            "onderwerpobjecten",
            {"klantcontact": {"uuid": klantcontact["uuid"]}, "wasKlantcontact": geen},
            "wasKlantcontact",
        ),
    ]
    for collectie, refs, veld in cases:
        body = (
            {"rol": "klant", "initiator": True, **refs}
            if collectie == "betrokkenen"
            else {"onderwerpobjectidentificator": identificator, **refs}
        )
        data = assert_problem(post(kiss, collectie, body), 400)
        assert data["invalidParams"][0]["name"] == veld, (collectie, refs)
    taak = {
        "nummer": "",
        "gevraagdeHandeling": "Terugbellen",
        "aanleidinggevendKlantcontact": {"uuid": klantcontact["uuid"]},
        "toegewezenAanActoren": [geen],
        "status": "te_verwerken",
    }
    data = assert_problem(post(kiss, "internetaken", taak), 400)
    assert data["invalidParams"][0]["name"] == "toegewezenAanActoren"
    maak = {
        "klantcontact": KLANTCONTACT,
        "betrokkene": {"rol": "klant", "initiator": True, "wasPartij": geen},
    }
    data = assert_problem(post(kiss, "maak-klantcontact", maak), 400)
    assert data["invalidParams"][0]["name"] == "betrokkene.wasPartij"
    # nothing of the refused writes stays
    assert kiss.get(f"{KI}/klantcontacten").json()["count"] == 1
