"""Contactmomenten API 1.0.0: the contactmoment resource (the reference implementation's
behaviours: create, read, filter, order, update, delete; and the rules: a medewerker, a
chain of contactmomenten that cannot loop)."""

from datetime import UTC, datetime

import pytest

from klanten.datamodel import contacten
from klanten.datamodel.klantcontacten import Klantcontact

from .conftest import CM_BASE, RSIN, RSIN_2

# a medewerker URL must answer 200: the medewerker registers of the tests answer
pytestmark = pytest.mark.usefixtures("medewerkers")

LIST = f"{CM_BASE}/contactmomenten"
MEDEWERKER = "https://medewerkers.example.nl/api/v1/medewerkers/ffb1a466"
PROBLEM_KEYS = {"type", "code", "title", "status", "detail", "instance"}


def cm_url(klantcontact) -> str:
    return f"http://testserver{LIST}/{klantcontact.uuid}"


def path(url: str) -> str:
    return url.removeprefix("http://testserver")


@pytest.fixture
def make_contactmoment(db):
    """A contactmoment through the service (snake_case columns)."""

    def factory(medewerker=None, vorig=None, **data):
        data.setdefault("bronorganisatie", RSIN)
        data.setdefault("kanaal", "telefoon")
        if medewerker is None and "medewerker_url" not in data:
            data["medewerker_url"] = MEDEWERKER
        return contacten.create_klantcontact(data, medewerker=medewerker, vorig=vorig)

    return factory


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) == PROBLEM_KEYS | ({"invalidParams"} if status == 400 else set())
    assert body["code"] == code
    return body


def assert_invalid(response, name: str, code: str) -> None:
    body = assert_problem(response, 400, "invalid")
    assert [(p["name"], p["code"]) for p in body["invalidParams"]] == [(name, code)]


BODY = {
    "bronorganisatie": "423182687",
    "kanaal": "telephone",
    "tekst": "some text",
    "onderwerpLinks": [],
    "initiatiefnemer": "gemeente",
    "medewerker": "http://example.com/medewerker/1",
}


# --- read ----------------------------------------------------------------------------------------
def test_read_returns_the_exact_representation(cm_api, make_contactmoment):
    contactmoment = make_contactmoment(
        plaatsgevonden_op=datetime(2019, 1, 1, tzinfo=UTC),
        initiatiefnemer="gemeente",
        voorkeurskanaal="email",
        taal="nld",
        inhoud="Vraag over de afvalpas.",
        onderwerp_links=["https://www.example.nl/afval"],
    )
    response = cm_api.get(path(cm_url(contactmoment)))

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert response["API-version"] == "1.0.0"
    assert response.json() == {
        "url": cm_url(contactmoment),
        "vorigContactmoment": None,
        "volgendContactmoment": None,
        "bronorganisatie": RSIN,
        "registratiedatum": "2019-01-01T01:00:00+01:00",
        "kanaal": "telefoon",
        "voorkeurskanaal": "email",
        "voorkeurstaal": "nld",
        "tekst": "Vraag over de afvalpas.",
        "onderwerpLinks": ["https://www.example.nl/afval"],
        "initiatiefnemer": "gemeente",
        "medewerker": MEDEWERKER,
        "medewerkerIdentificatie": None,
    }


def test_read_with_medewerker_identificatie(cm_api, make_contactmoment):
    medewerker = contacten.MedewerkerIdentificatie("12345", "Buurman", "B B", "van")
    contactmoment = make_contactmoment(medewerker=medewerker)
    data = cm_api.get(path(cm_url(contactmoment))).json()
    assert data["medewerker"] == ""
    assert data["medewerkerIdentificatie"] == {
        "identificatie": "12345",
        "achternaam": "Buurman",
        "voorletters": "B B",
        "voorvoegselAchternaam": "van",
    }


@pytest.mark.parametrize("key", ["0d4e3c1a-6f1b-4b8e-9a57-3c2f0e9b7d11", "not-a-uuid", "1"])
def test_unknown_contactmoment_is_not_found(cm_api, key):
    assert_problem(cm_api.get(f"{LIST}/{key}"), 404, "not_found")
    assert_problem(cm_api.patch_json(f"{LIST}/{key}", {"kanaal": "x"}), 404, "not_found")
    assert_problem(cm_api.delete(f"{LIST}/{key}"), 404, "not_found")


def test_etag_and_conditional_get(cm_api, make_contactmoment):
    url = path(cm_url(make_contactmoment()))
    first = cm_api.get(url)
    etag = first["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert cm_api.get(url)["ETag"] == etag
    cached = cm_api.get(url, HTTP_IF_NONE_MATCH=etag)
    assert cached.status_code == 304
    assert cached.content == b""
    weak = cm_api.get(url, HTTP_IF_NONE_MATCH=f"W/{etag}")
    assert weak.status_code == 304
    head = cm_api.head(url)
    assert head.status_code == 200 and head["ETag"] == etag and head.content == b""
    cm_api.patch_json(url, {"kanaal": "balie"})
    assert cm_api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


# --- list and pagination ----------------------------------------------------------------------
def test_list_newest_first(cm_api, make_contactmoment):
    first, second = make_contactmoment(), make_contactmoment()
    response = cm_api.get(LIST)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 2
    assert body["next"] is None and body["previous"] is None
    assert [c["url"] for c in body["results"]] == [cm_url(second), cm_url(first)]
    assert body["results"][0] == cm_api.get(path(cm_url(second))).json()


def test_pagination(cm_api, make_contactmoment):
    for _ in range(101):
        make_contactmoment()
    page1 = cm_api.get(LIST).json()
    assert page1["count"] == 101 and len(page1["results"]) == 100
    assert page1["next"] == f"http://testserver{LIST}?page=2"
    page2 = cm_api.get(LIST, {"page": 2}).json()
    assert len(page2["results"]) == 1 and page2["previous"] == f"http://testserver{LIST}"
    assert cm_api.get(LIST, {"page": 1}).json()["results"] == page1["results"]
    assert_problem(cm_api.get(LIST, {"page": 3}), 404, "not_found")
    assert_problem(cm_api.get(LIST, {"page": 0}), 404, "not_found")


# --- create --------------------------------------------------------------------------------------
def test_create_with_medewerker_url(cm_api):
    response = cm_api.post_json(LIST, BODY)

    assert response.status_code == 201, response.content
    contactmoment = Klantcontact.objects.get()
    assert response["Location"] == cm_url(contactmoment)
    assert (
        contactmoment.kanaal,
        contactmoment.inhoud,
        contactmoment.initiatiefnemer,
        contactmoment.medewerker_url,
    ) == ("telephone", "some text", "gemeente", "http://example.com/medewerker/1")
    assert response.json() == cm_api.get(path(response["Location"])).json()
    # registratiedatum defaults to now
    assert abs((contactmoment.plaatsgevonden_op - contactmoment.aangemaakt_op).total_seconds()) < 5


def test_create_records_the_registering_application(make_client):
    client = make_client(client_id="kcc", cm_scopes=("contactmomenten.aanmaken",))
    assert client.post_json(LIST, BODY).status_code == 201
    from vng_api_common.authorizations.models import Applicatie

    applicatie = Applicatie.objects.get(client_ids__contains=["kcc"])
    assert Klantcontact.objects.get().geregistreerd_door == applicatie.uuid


def test_create_with_medewerker_identificatie(cm_api):
    body = {
        **BODY,
        "medewerker": "",
        "medewerkerIdentificatie": {
            "identificatie": "12345",
            "achternaam": "Buurman",
            "voorletters": "B B",
        },
    }
    response = cm_api.post_json(LIST, body)
    assert response.status_code == 201, response.content
    assert response.json()["medewerkerIdentificatie"] == {
        "identificatie": "12345",
        "achternaam": "Buurman",
        "voorletters": "B B",
        "voorvoegselAchternaam": "",
    }
    link = contacten.medewerker_link(Klantcontact.objects.get())
    assert (link.actor.soort_actor, link.actor.object_id, link.actor.naam) == (
        "medewerker",
        "12345",
        "B B Buurman",
    )


def test_the_same_medewerker_is_one_actor(cm_api):
    body = {**BODY, "medewerkerIdentificatie": {"identificatie": "12345", "achternaam": "B"}}
    cm_api.post_json(LIST, body)
    cm_api.post_json(LIST, body)
    from klanten.datamodel.klantcontacten import Actor

    assert Actor.objects.count() == 1
    assert Actor.objects.get().klantcontacten.count() == 2


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"medewerker": ""},
        {"medewerkerIdentificatie": None},
        {"medewerkerIdentificatie": {}},
        {"medewerkerIdentificatie": {"identificatie": "", "achternaam": ""}},
    ],
    ids=["absent", "blank", "null", "empty", "all-blank"],
)
def test_create_without_medewerker_is_refused(cm_api, extra):
    body = {key: value for key, value in BODY.items() if key != "medewerker"}
    assert_invalid(
        cm_api.post_json(LIST, {**body, **extra}), "nonFieldErrors", "invalid-medewerker"
    )
    assert not Klantcontact.objects.exists()


@pytest.mark.parametrize(
    "body, name, code",
    [
        ({**BODY, "bronorganisatie": "123456789"}, "bronorganisatie", "invalid"),
        ({k: v for k, v in BODY.items() if k != "bronorganisatie"}, "bronorganisatie", "required"),
        ({**BODY, "kanaal": "k" * 51}, "kanaal", "max_length"),
        ({**BODY, "voorkeurstaal": "nlde"}, "voorkeurstaal", "max_length"),
        ({**BODY, "initiatiefnemer": "burger"}, "initiatiefnemer", "invalid_choice"),
        ({**BODY, "medewerker": "geen-url"}, "medewerker", "invalid"),
        ({**BODY, "onderwerpLinks": ["geen-url"]}, "onderwerpLinks.0", "invalid"),
        ({**BODY, "registratiedatum": "gisteren"}, "registratiedatum", "invalid"),
        ({**BODY, "vorigContactmoment": "geen-url"}, "vorigContactmoment", "invalid"),
        (
            {**BODY, "medewerkerIdentificatie": {"identificatie": "x" * 25}},
            "medewerkerIdentificatie.identificatie",
            "max_length",
        ),
    ],
    ids=[
        "rsin",
        "no-bronorganisatie",
        "long-kanaal",
        "long-taal",
        "initiatiefnemer",
        "medewerker-url",
        "onderwerplink",
        "date",
        "vorig-url",
        "long-identificatie",
    ],
)
def test_invalid_input(cm_api, body, name, code):
    assert_invalid(cm_api.post_json(LIST, body), name, code)
    assert not Klantcontact.objects.exists()


@pytest.mark.parametrize("body", [[], "tekst", 1, None])
def test_a_body_that_is_not_an_object(cm_api, body):
    response = cm_api.post_json(LIST, body)
    assert response.status_code == 400, response.content
    assert not Klantcontact.objects.exists()


def test_wrong_content_type(cm_api):
    response = cm_api.post(LIST, "kanaal=x", content_type="application/x-www-form-urlencoded")
    assert_problem(response, 415, "unsupported_media_type")


# --- the chain: vorigContactmoment / volgendContactmoment ----------------------------------------
def test_create_with_vorig_contactmoment(cm_api, make_contactmoment):
    vorig = make_contactmoment()
    response = cm_api.post_json(LIST, {**BODY, "vorigContactmoment": cm_url(vorig)})
    assert response.status_code == 201, response.content
    assert response.json()["vorigContactmoment"] == cm_url(vorig)
    assert cm_api.get(path(cm_url(vorig))).json()["volgendContactmoment"] == response["Location"]


def test_repointing_vorig_moves_volgend(cm_api, make_contactmoment):
    eerste = make_contactmoment()
    contactmoment = make_contactmoment(vorig=eerste)
    nieuw_vorig = make_contactmoment()

    response = cm_api.patch_json(
        path(cm_url(contactmoment)), {"vorigContactmoment": cm_url(nieuw_vorig)}
    )
    assert response.status_code == 200, response.content
    assert response.json()["vorigContactmoment"] == cm_url(nieuw_vorig)
    assert cm_api.get(path(cm_url(nieuw_vorig))).json()["volgendContactmoment"] == cm_url(
        contactmoment
    )
    assert cm_api.get(path(cm_url(eerste))).json()["volgendContactmoment"] is None

    removed = cm_api.patch_json(path(cm_url(contactmoment)), {"vorigContactmoment": None})
    assert removed.json()["vorigContactmoment"] is None


def test_a_contactmoment_is_the_vorig_of_one_other_only(cm_api, make_contactmoment):
    vorig = make_contactmoment()
    make_contactmoment(vorig=vorig)
    response = cm_api.post_json(LIST, {**BODY, "vorigContactmoment": cm_url(vorig)})
    assert_invalid(response, "vorigContactmoment", "unique")
    assert Klantcontact.objects.count() == 2


def test_itself_as_vorig_is_a_loop(cm_api, make_contactmoment):
    contactmoment = make_contactmoment()
    response = cm_api.patch_json(
        path(cm_url(contactmoment)), {"vorigContactmoment": cm_url(contactmoment)}
    )
    assert_invalid(response, "vorigContactmoment", "kringverwijzing")


@pytest.mark.parametrize("length", [2, 3, 10])
def test_a_chain_cannot_loop(cm_api, make_contactmoment, length):
    """a ← b ← c ...: making a point back at the last one would close a loop."""
    chain = [make_contactmoment()]
    for _ in range(length - 1):
        chain.append(make_contactmoment(vorig=chain[-1]))
    response = cm_api.patch_json(path(cm_url(chain[0])), {"vorigContactmoment": cm_url(chain[-1])})
    assert_invalid(response, "vorigContactmoment", "kringverwijzing")
    chain[0].refresh_from_db()
    assert chain[0].vorig_klantcontact is None
    # the same through PUT
    body = {**cm_api.get(path(cm_url(chain[0]))).json(), "vorigContactmoment": cm_url(chain[-1])}
    assert_invalid(
        cm_api.put_json(path(cm_url(chain[0])), body), "vorigContactmoment", "kringverwijzing"
    )


@pytest.mark.parametrize(
    "url, code",
    [
        (f"http://testserver{LIST}/0d4e3c1a-6f1b-4b8e-9a57-3c2f0e9b7d11", "does_not_exist"),
        ("https://elders.example.nl/api/v1/contactmomenten/1", "no_match"),
        ("http://testserver/klanten/api/v1/klanten/1", "no_match"),
    ],
    ids=["unknown", "elsewhere", "not-a-contactmoment"],
)
def test_vorig_must_be_a_contactmoment_of_this_api(cm_api, url, code):
    assert_invalid(
        cm_api.post_json(LIST, {**BODY, "vorigContactmoment": url}), "vorigContactmoment", code
    )


def test_deleting_the_vorig_keeps_the_volgend(cm_api, make_contactmoment):
    vorig = make_contactmoment()
    volgend = make_contactmoment(vorig=vorig)
    assert cm_api.delete(path(cm_url(vorig))).status_code == 204
    assert cm_api.get(path(cm_url(volgend))).json()["vorigContactmoment"] is None


# --- update --------------------------------------------------------------------------------------
def test_partial_update(cm_api, make_contactmoment):
    contactmoment = make_contactmoment(inhoud="oud")
    response = cm_api.patch_json(path(cm_url(contactmoment)), {"kanaal": "some-kanaal"})
    assert response.status_code == 200, response.content
    assert response.json()["kanaal"] == "some-kanaal"
    assert response.json()["tekst"] == "oud"
    contactmoment.refresh_from_db()
    assert contactmoment.kanaal == "some-kanaal"


def test_partial_update_to_medewerker_identificatie(cm_api, make_contactmoment):
    contactmoment = make_contactmoment()
    body = {
        "medewerker": "",
        "medewerkerIdentificatie": {
            "identificatie": "12345",
            "achternaam": "Buurman",
            "voorletters": "B B",
        },
    }
    response = cm_api.patch_json(path(cm_url(contactmoment)), body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["medewerker"] == ""
    assert data["medewerkerIdentificatie"]["identificatie"] == "12345"
    # null: no change on PATCH
    again = cm_api.patch_json(path(cm_url(contactmoment)), {"medewerkerIdentificatie": None})
    assert again.json()["medewerkerIdentificatie"] == data["medewerkerIdentificatie"]
    # another employee replaces the first
    other = cm_api.patch_json(
        path(cm_url(contactmoment)), {"medewerkerIdentificatie": {"identificatie": "999"}}
    )
    assert other.json()["medewerkerIdentificatie"]["identificatie"] == "999"


def test_partial_update_cannot_remove_the_last_medewerker(cm_api, make_contactmoment):
    contactmoment = make_contactmoment()
    response = cm_api.patch_json(path(cm_url(contactmoment)), {"medewerker": ""})
    assert_invalid(response, "nonFieldErrors", "invalid-medewerker")


def test_update_replaces_what_is_given(cm_api, make_contactmoment):
    contactmoment = make_contactmoment(inhoud="oud", voorkeurskanaal="email")
    current = cm_api.get(path(cm_url(contactmoment))).json()
    body = {**current, "tekst": "nieuw"}
    del body["url"]
    response = cm_api.put_json(path(cm_url(contactmoment)), body)
    assert response.status_code == 200, response.content
    assert response.json() == {**current, "tekst": "nieuw"}


def test_update_null_medewerker_identificatie_removes_it(cm_api, make_contactmoment):
    contactmoment = make_contactmoment(
        medewerker=contacten.MedewerkerIdentificatie("1"), medewerker_url=MEDEWERKER
    )
    body = {"bronorganisatie": RSIN, "medewerkerIdentificatie": None}
    response = cm_api.put_json(path(cm_url(contactmoment)), body)
    assert response.status_code == 200, response.content
    assert response.json()["medewerkerIdentificatie"] is None
    assert response.json()["medewerker"] == MEDEWERKER


def test_update_requires_bronorganisatie(cm_api, make_contactmoment):
    contactmoment = make_contactmoment()
    assert_invalid(
        cm_api.put_json(path(cm_url(contactmoment)), {"kanaal": "x"}), "bronorganisatie", "required"
    )


# --- delete --------------------------------------------------------------------------------------
def test_destroy(cm_api, make_contactmoment):
    contactmoment = make_contactmoment(medewerker=contacten.MedewerkerIdentificatie("1"))
    response = cm_api.delete(path(cm_url(contactmoment)))
    assert response.status_code == 204
    assert response.content == b""
    assert not Klantcontact.objects.exists()
    from klanten.datamodel.klantcontacten import Actor

    assert Actor.objects.count() == 1  # the actor stays (K9)
    assert_problem(cm_api.delete(path(cm_url(contactmoment))), 404, "not_found")


# --- filters -------------------------------------------------------------------------------------
@pytest.fixture
def two(make_contactmoment):
    a = make_contactmoment(
        bronorganisatie=RSIN,
        plaatsgevonden_op=datetime(2020, 1, 1, 12, tzinfo=UTC),
        kanaal="bcd",
        voorkeurskanaal="kanaal1",
        taal="nld",
        initiatiefnemer="gemeente",
        medewerker_url="http://testserver.com/medewerker/1",
        inhoud="b",
    )
    b = make_contactmoment(
        bronorganisatie=RSIN_2,
        plaatsgevonden_op=datetime(2019, 3, 2, 22, tzinfo=UTC),
        kanaal="abc",
        voorkeurskanaal="kanaal2",
        taal="eng",
        initiatiefnemer="klant",
        medewerker_url="http://testserver.com/medewerker/2",
        inhoud="a",
    )
    return a, b


def urls(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["url"] for item in response.json()["results"]]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"bronorganisatie": RSIN}, "a"),
        ({"registratiedatum": "2020-01-01T12:00:00Z"}, "a"),
        ({"registratiedatum": "2020-01-01T13:00:00+01:00"}, "a"),
        ({"registratiedatum__gt": "2019-03-02T22:00:00Z"}, "a"),
        ({"registratiedatum__gte": "2020-01-01T12:00:00Z"}, "a"),
        ({"registratiedatum__lt": "2020-01-01T12:00:00Z"}, "b"),
        ({"registratiedatum__lte": "2019-03-02T22:00:00Z"}, "b"),
        ({"registratiedatum__lte": "2020-01-01T12:00:00Z"}, "ab"),
        ({"kanaal": "abc"}, "b"),
        ({"voorkeurskanaal": "kanaal1"}, "a"),
        ({"voorkeurstaal": "eng"}, "b"),
        ({"initiatiefnemer": "gemeente"}, "a"),
        ({"medewerker": "http://testserver.com/medewerker/2"}, "b"),
        ({"kanaal": "abc", "voorkeurstaal": "nld"}, ""),
        ({"kanaal": ""}, "ab"),
    ],
)
def test_filters(cm_api, two, params, expected):
    by_name = dict(zip("ab", two, strict=True))
    assert sorted(urls(cm_api.get(LIST, params))) == sorted(cm_url(by_name[c]) for c in expected)


@pytest.mark.parametrize(
    "spelling",
    ["registratiedatum__gt", "Registratiedatum__Gt", "voorkeurstaal", "voorkeurs_taal"],
)
def test_filter_names_in_both_spellings(cm_api, two, spelling):
    value = "2019-03-02T22:00:00Z" if spelling.lower().startswith("reg") else "nld"
    assert urls(cm_api.get(LIST, {spelling: value})) == [cm_url(two[0])]


def test_vorig_and_volgend_filters(cm_api, make_contactmoment):
    first, second, third = make_contactmoment(), make_contactmoment(), make_contactmoment()
    contacten.update_klantcontact(third, {}, vorig=second)
    assert urls(cm_api.get(LIST, {"vorigContactmoment": cm_url(second)})) == [cm_url(third)]
    assert urls(cm_api.get(LIST, {"vorig_contactmoment": cm_url(second)})) == [cm_url(third)]
    assert urls(cm_api.get(LIST, {"volgendContactmoment": cm_url(third)})) == [cm_url(second)]
    # a URL that is not one of ours matches nothing
    assert urls(cm_api.get(LIST, {"vorigContactmoment": "https://elders.example/1"})) == []
    assert urls(cm_api.get(LIST, {"volgendContactmoment": cm_url(first)})) == []


@pytest.mark.parametrize(
    "ordering, expected",
    [
        ("kanaal", "ba"),
        ("-kanaal", "ab"),
        ("registratiedatum", "ba"),
        ("-registratiedatum", "ab"),
        ("tekst", "ba"),
        ("bronorganisatie", "ab"),
        ("-bronorganisatie", "ba"),
        ("voorkeurskanaal", "ab"),
        ("initiatiefnemer", "ab"),
        ("medewerker", "ab"),
        ("-medewerker", "ba"),
        ("onderwerp_links", "ab"),
        ("onderwerpLinks", "ab"),
    ],
)
def test_ordering(cm_api, two, ordering, expected):
    by_name = dict(zip("ab", two, strict=True))
    assert urls(cm_api.get(LIST, {"ordering": ordering})) == [cm_url(by_name[c]) for c in expected]


def test_ordering_by_url_klant_and_medewerker_identificatie(cm_api, make_contactmoment, make_klant):
    a = make_contactmoment(medewerker=contacten.MedewerkerIdentificatie("b"))
    b = make_contactmoment(medewerker=contacten.MedewerkerIdentificatie("a"))
    c = make_contactmoment()  # no klant, no identification: last either way
    klant = make_klant()
    contacten.add_betrokkene(
        a,
        klant_url="https://klanten.elders/api/v1/klanten/2",
        klantcontactmoment_rol="belanghebbende",
    )
    contacten.add_betrokkene(b, klant=klant, klantcontactmoment_rol="belanghebbende")

    def order(value):
        return urls(cm_api.get(LIST, {"ordering": value}))

    assert order("medewerker_identificatie") == [cm_url(b), cm_url(a), cm_url(c)]
    assert order("-medewerkerIdentificatie") == [cm_url(a), cm_url(b), cm_url(c)]
    # http://testserver/... sorts before https://klanten.elders/...
    assert order("klant") == [cm_url(b), cm_url(a), cm_url(c)]
    assert order("-klant") == [cm_url(a), cm_url(b), cm_url(c)]
    assert order("url") == sorted([cm_url(a), cm_url(b), cm_url(c)])
    assert order("-url") == sorted([cm_url(a), cm_url(b), cm_url(c)], reverse=True)


@pytest.mark.parametrize(
    "params, name, code",
    [
        ({"bronorganisatie": "123"}, "bronorganisatie", "invalid-length"),
        ({"registratiedatum": "gisteren"}, "registratiedatum", "invalid"),
        ({"registratiedatum__gt": "2020-13-01"}, "registratiedatum__gt", "invalid"),
        ({"initiatiefnemer": "burger"}, "initiatiefnemer", "invalid_choice"),
        ({"ordering": "achternaam"}, "ordering", "invalid_choice"),
        ({"medewerker": "geen-url"}, "medewerker", "invalid"),
        ({"vorigContactmoment": "geen-url"}, "vorigContactmoment", "invalid"),
        ({"zoek": "x"}, "nonFieldErrors", "unknown-parameters"),
    ],
)
def test_invalid_filters(cm_api, params, name, code):
    body = assert_problem(cm_api.get(LIST, params), 400, "invalid")
    assert [(p["name"], p["code"]) for p in body["invalidParams"]] == [(name, code)]


# --- scopes (component cmc) ----------------------------------------------------------------------
def test_klanten_scopes_do_not_open_the_contactmomenten_api(make_client, make_contactmoment):
    url = path(cm_url(make_contactmoment()))
    klanten_only = make_client()  # every Klanten API scope, none of this API
    assert_problem(klanten_only.get(LIST), 403, "permission_denied")
    assert_problem(klanten_only.get(url), 403, "permission_denied")
    reader = make_client(scopes=(), cm_scopes=("contactmomenten.lezen",))
    assert reader.get(url).status_code == 200
    assert_problem(reader.get("/klanten/api/v1/klanten"), 403, "permission_denied")
    assert_problem(reader.patch_json(url, {"kanaal": "x"}), 403, "permission_denied")
    assert_problem(reader.delete(url), 403, "permission_denied")
    assert_problem(reader.post_json(LIST, BODY), 403, "permission_denied")


# --- the medewerker URL: a medewerker register elsewhere ----------------------------------------
@pytest.mark.parametrize("status", [404, 500])
def test_a_medewerker_url_must_answer_200(cm_api, medewerkers, status):
    unknown = "https://medewerkers.example.nl/api/v1/medewerkers/onbekend"
    medewerkers.get(unknown, status_code=status)
    assert_invalid(cm_api.post_json(LIST, {**BODY, "medewerker": unknown}), "medewerker", "bad-url")
    assert not Klantcontact.objects.exists()


def test_a_medewerker_url_on_an_internal_address_is_not_fetched(cm_api):
    body = {**BODY, "medewerker": "http://10.0.0.7/medewerkers/1"}
    assert_invalid(cm_api.post_json(LIST, body), "medewerker", "bad-url")


def test_an_unchanged_medewerker_url_is_not_fetched_again(cm_api, medewerkers, make_contactmoment):
    contactmoment = make_contactmoment()
    before = medewerkers.call_count
    response = cm_api.patch_json(path(cm_url(contactmoment)), {"medewerker": MEDEWERKER})
    assert response.status_code == 200
    assert medewerkers.call_count == before
    other = "https://medewerkers.example.nl/api/v1/medewerkers/2"
    assert cm_api.patch_json(path(cm_url(contactmoment)), {"medewerker": other}).status_code == 200
    assert medewerkers.call_count == before + 1
