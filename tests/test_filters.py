"""C10: list filters in camelCase and snake_case, invalid values, pagination and order."""

from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from klanten.datamodel.models import Klant

from .conftest import BASE, BSN, BSN_2, RSIN, RSIN_2, klant_url

KLANTEN = f"{BASE}/klanten"
SUBJECT = "https://brp.example.com/api/ingeschrevenpersonen/999990019"
OTHER_SUBJECT = "https://brp.example.com/api/ingeschrevenpersonen/999990020"
OTHER_RSIN = "820151130"


def _np(**identificatie):
    return {"subject_type": "natuurlijk_persoon", "subject_identificatie": identificatie}


def _nnp(**identificatie):
    return {"subject_type": "niet_natuurlijk_persoon", "subject_identificatie": identificatie}


def _vestiging(**identificatie):
    return {"subject_type": "vestiging", "subject_identificatie": identificatie}


ADRES_DECOY = {
    "straatnaam": "Dorpsstraat",
    "postcode": "1111AA",
    "woonplaatsnaam": "Delft",
    "landcode": "5010",
}
# each decoy resembles the target in every way but one
DECOYS = [
    dict(
        bronorganisatie=RSIN_2,
        klantnummer="D1",
        bedrijfsnaam="Bakkerij Korst",
        functie="Medewerker",
        achternaam="Jansen",
        telefoonnummer="0201111111",
        emailadres="decoy@example.com",
        adres=ADRES_DECOY,
        **_np(inp_bsn=BSN_2, anp_identificatie="ANP-D", inp_a_nummer="9876543210"),
    ),
    dict(
        klantnummer="D2",
        bedrijfsnaam="De Korst B.V.",
        adres={**ADRES_DECOY, "straatnaam": "Kerkstraat 2"},
        subject=OTHER_SUBJECT,
        **_nnp(inn_nnp_id=RSIN_2, ann_identificatie="ANN-D"),
    ),
    dict(klantnummer="D3", **_vestiging(vestigings_nummer="000099999999")),
    # a klant without adres and with only a subject URL
    {"klantnummer": "D4", "subject": OTHER_SUBJECT},
]


# (camelCase parameter, snake_case parameter, value, klant data of the single match)
FILTERS = [
    ("bronorganisatie", "bronorganisatie", OTHER_RSIN, {"bronorganisatie": OTHER_RSIN}),
    ("klantnummer", "klantnummer", "T-1", {"klantnummer": "T-1"}),
    ("bedrijfsnaam", "bedrijfsnaam", "De Korst", {"bedrijfsnaam": "De Korst"}),
    ("functie", "functie", "Directeur", {"functie": "Directeur"}),
    ("achternaam", "achternaam", "Dijk", {"achternaam": "Dijk"}),
    ("telefoonnummer", "telefoonnummer", "0612345678", {"telefoonnummer": "0612345678"}),
    ("emailadres", "emailadres", "jan@example.com", {"emailadres": "jan@example.com"}),
    (
        "adres__straatnaam",
        "adres__straatnaam",
        "Kerkstraat",
        {"adres": {**ADRES_DECOY, "straatnaam": "Kerkstraat"}},
    ),
    (
        "adres__postcode",
        "adres__postcode",
        "1234AB",
        {"adres": {**ADRES_DECOY, "postcode": "1234AB"}},
    ),
    (
        "adres__woonplaatsNaam",
        "adres__woonplaats_naam",
        "Utrecht",
        {"adres": {**ADRES_DECOY, "woonplaatsnaam": "Utrecht"}},
    ),
    (
        "adres__landcode",
        "adres__landcode",
        "6030",
        {"adres": {**ADRES_DECOY, "landcode": "6030"}},
    ),
    ("subject", "subject", SUBJECT, {"subject": SUBJECT}),
    ("subjectType", "subject_type", "natuurlijk_persoon", _np(inp_bsn=BSN)),
    (
        "subjectNatuurlijkPersoon__inpBsn",
        "subject_natuurlijk_persoon__inp_bsn",
        BSN,
        _np(inp_bsn=BSN),
    ),
    (
        "subjectNatuurlijkPersoon__anpIdentificatie",
        "subject_natuurlijk_persoon__anp_identificatie",
        "ANP-1",
        _np(anp_identificatie="ANP-1"),
    ),
    (
        "subjectNatuurlijkPersoon__inpA_nummer",
        "subject_natuurlijk_persoon__inp_a_nummer",
        "1234567890",
        _np(inp_a_nummer="1234567890"),
    ),
    (
        "subjectNietNatuurlijkPersoon__innNnpId",
        "subject_niet_natuurlijk_persoon__inn_nnp_id",
        OTHER_RSIN,
        _nnp(inn_nnp_id=OTHER_RSIN),
    ),
    (
        "subjectNietNatuurlijkPersoon__annIdentificatie",
        "subject_niet_natuurlijk_persoon__ann_identificatie",
        "ANN-1",
        _nnp(ann_identificatie="ANN-1"),
    ),
    (
        "subjectVestiging__vestigingsNummer",
        "subject_vestiging__vestigings_nummer",
        "000012345678",
        _vestiging(vestigings_nummer="000012345678"),
    ),
]


def _filter_cases():
    for camel, snake, value, data in FILTERS:
        yield pytest.param(camel, value, data, id=camel)
        if snake != camel:
            yield pytest.param(snake, value, data, id=snake)


def _target_data(data: dict) -> dict:
    data = {"klantnummer": "T-1", **data}
    if "subject_type" not in data and "subject" not in data:
        data.update(_vestiging(vestigings_nummer="1"))
    return data


@pytest.mark.parametrize(("name", "value", "data"), _filter_cases())
def test_filter_returns_exactly_the_matching_klant(api, make_klant, name, value, data):
    decoy_data = DECOYS
    if name in ("subjectType", "subject_type"):
        # the target is the only natuurlijk persoon for this one
        decoy_data = [
            {**d, **_vestiging(vestigings_nummer="2")}
            if d.get("subject_type") == "natuurlijk_persoon"
            else d
            for d in DECOYS
        ]
    for d in decoy_data:
        make_klant(**d)
    target = make_klant(**_target_data(data))
    assert Klant.objects.count() == len(DECOYS) + 1

    response = api.get(KLANTEN, {name: value})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 1
    assert [k["url"] for k in body["results"]] == [klant_url(target)]
    assert body["results"][0] == api.get(klant_url(target)).json()


def test_filter_without_match_returns_empty_page(api, make_klant):
    for data in DECOYS:
        make_klant(**data)
    response = api.get(KLANTEN, {"achternaam": "Dijk", "subject_type": "vestiging"})
    assert response.status_code == 200, response.content
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_filters_are_exact_not_partial(api, make_klant):
    make_klant(achternaam="Dijkstra")
    make_klant(achternaam="dijk")
    target = make_klant(achternaam="Dijk")
    body = api.get(KLANTEN, {"achternaam": "Dijk"}).json()
    assert [k["url"] for k in body["results"]] == [klant_url(target)]


def test_filters_combine_with_and(api, make_klant):
    make_klant(achternaam="Dijk", functie="Directeur", bronorganisatie=RSIN_2)
    make_klant(achternaam="Dijk", functie="Medewerker")
    target = make_klant(achternaam="Dijk", functie="Directeur")
    response = api.get(
        KLANTEN,
        {"achternaam": "Dijk", "functie": "Directeur", "bronorganisatie": RSIN},
    )
    assert response.status_code == 200
    assert [k["url"] for k in response.json()["results"]] == [klant_url(target)]


def test_mixed_spellings_in_one_query(api, make_klant):
    make_klant(bronorganisatie=RSIN_2)
    make_klant(subject_type="vestiging", subject_identificatie={"vestigings_nummer": "1"})
    target = make_klant()
    response = api.get(
        KLANTEN,
        {
            "subject_type": "natuurlijk_persoon",
            "subjectNatuurlijkPersoon__inpBsn": BSN,
            "bronorganisatie": RSIN,
        },
    )
    assert response.status_code == 200
    assert [k["url"] for k in response.json()["results"]] == [klant_url(target)]


def test_empty_filter_value_does_not_filter(api, make_klant):
    klanten = [make_klant(achternaam="A"), make_klant(achternaam="B")]
    body = api.get(KLANTEN, {"achternaam": "", "bronorganisatie": ""}).json()
    assert body["count"] == 2
    assert {k["url"] for k in body["results"]} == {klant_url(k) for k in klanten}


# --- invalid values ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"bronorganisatie": "123"}, "bronorganisatie"),
        ({"bronorganisatie": "abcdefghi"}, "bronorganisatie"),
        ({"bronorganisatie": "002220648"}, "bronorganisatie"),
        ({"subjectType": "foo"}, "subjectType"),
        ({"subject_type": "foo"}, "subjectType"),
        ({"subject": "notaurl"}, "subject"),
        ({"subjectNatuurlijkPersoon__inpBsn": "123"}, "subjectNatuurlijkPersoon__inpBsn"),
        ({"subject_natuurlijk_persoon__inp_bsn": "123"}, "subjectNatuurlijkPersoon__inpBsn"),
        ({"subjectNatuurlijkPersoon__inpBsn": "111222334"}, "subjectNatuurlijkPersoon__inpBsn"),
        (
            {"subjectNietNatuurlijkPersoon__innNnpId": "1234"},
            "subjectNietNatuurlijkPersoon__innNnpId",
        ),
    ],
)
def test_invalid_filter_value_is_400(api, make_klant, params, name):
    make_klant()
    response = api.get(KLANTEN, params)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400
    assert [p["name"] for p in body["invalidParams"]] == [name]
    for param in body["invalidParams"]:
        assert param["code"] and param["reason"]


@pytest.mark.parametrize(
    ("value", "code"),
    [("123", "invalid-length"), ("12345678a", "only-digits"), ("123456789", "invalid")],
)
def test_invalid_bronorganisatie_filter_codes(api, value, code):
    response = api.get(KLANTEN, {"bronorganisatie": value})
    assert response.status_code == 400
    assert [(p["name"], p["code"]) for p in response.json()["invalidParams"]] == [
        ("bronorganisatie", code)
    ]


@pytest.mark.parametrize("name", ["foo", "subjectTypo", "adres__huisnummer", "ordering"])
def test_unknown_parameter_is_400(api, make_klant, name):
    make_klant()
    response = api.get(KLANTEN, {name: "x"})
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    params = response.json()["invalidParams"]
    assert [(p["name"], p["code"]) for p in params] == [("nonFieldErrors", "unknown-parameters")]
    assert name in params[0]["reason"]


def test_unknown_parameter_next_to_known_ones_is_400(api):
    response = api.get(KLANTEN, {"achternaam": "Dijk", "bogus": "1"})
    assert response.status_code == 400
    assert response.json()["invalidParams"][0]["code"] == "unknown-parameters"


# --- pagination and order ---------------------------------------------------------------


def _bulk_klanten(count: int, bronorganisatie: str = RSIN) -> list[Klant]:
    klanten = Klant.objects.bulk_create(
        Klant(bronorganisatie=bronorganisatie, klantnummer=str(n), subject=SUBJECT)
        for n in range(1, count + 1)
    )
    return sorted(klanten, key=lambda k: k.pk, reverse=True)


def test_pagination_of_150_klanten(api):
    klanten = _bulk_klanten(150)
    expected_urls = [klant_url(k) for k in klanten]

    first = api.get(KLANTEN)
    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 150
    assert body["previous"] is None
    assert urlparse(body["next"]).path == KLANTEN
    assert parse_qs(urlparse(body["next"]).query) == {"page": ["2"]}
    assert body["next"].startswith("http://testserver/")
    assert len(body["results"]) == 100
    assert [k["url"] for k in body["results"]] == expected_urls[:100]

    second = api.get(body["next"])
    assert second.status_code == 200
    body2 = second.json()
    assert body2["count"] == 150
    assert body2["next"] is None
    assert body2["previous"] is not None
    assert urlparse(body2["previous"]).path == KLANTEN
    assert "page=2" not in body2["previous"]
    assert len(body2["results"]) == 50
    assert [k["url"] for k in body2["results"]] == expected_urls[100:]

    back = api.get(body2["previous"])
    assert back.json() == body


def test_page_links_keep_the_filters(api):
    _bulk_klanten(120)
    _bulk_klanten(5, bronorganisatie=RSIN_2)
    body = api.get(KLANTEN, {"bronorganisatie": RSIN}).json()
    assert body["count"] == 120
    query = parse_qs(urlparse(body["next"]).query)
    assert query == {"bronorganisatie": [RSIN], "page": ["2"]}
    second = api.get(body["next"]).json()
    assert len(second["results"]) == 20
    assert {k["bronorganisatie"] for k in second["results"]} == {RSIN}


def test_exactly_one_page(api):
    _bulk_klanten(100)
    body = api.get(KLANTEN).json()
    assert (body["count"], body["next"], body["previous"]) == (100, None, None)
    assert len(body["results"]) == 100


@pytest.mark.parametrize("page", ["3", "999", "0", "-1", "abc"])
def test_page_out_of_range_is_404(api, page):
    _bulk_klanten(150)
    response = api.get(f"{KLANTEN}?{urlencode({'page': page})}")
    assert response.status_code == 404, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 404
    assert body["code"]
    assert body["instance"].startswith("urn:uuid:")


def test_page_two_of_empty_list_is_404(api):
    response = api.get(KLANTEN, {"page": "2"})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_empty_list(api):
    response = api.get(KLANTEN)
    assert response.status_code == 200
    assert response.json() == {"count": 0, "next": None, "previous": None, "results": []}


def test_newest_first(api, make_klant):
    first = make_klant(klantnummer="1")
    second = make_klant(klantnummer="2")
    third = make_klant(klantnummer="3")
    # an update does not change the order
    assert api.patch_json(klant_url(first), {"voornaam": "Jan"}).status_code == 200
    body = api.get(KLANTEN).json()
    assert [k["url"] for k in body["results"]] == [
        klant_url(third),
        klant_url(second),
        klant_url(first),
    ]
