"""Query budget of the list: a page of 100 klanten costs a constant, small number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from .conftest import BASE, BSN, BSN_2, RSIN, RSIN_2

VERBLIJFSADRES = {
    "aoaIdentificatie": "0344200000123456",
    "wplWoonplaatsNaam": "Utrecht",
    "gorOpenbareRuimteNaam": "Domplein",
    "aoaPostcode": "3512JC",
    "aoaHuisnummer": 29,
}
BUITENLAND = {"lndLandcode": "6030", "lndLandnaam": "Nederland"}


def body(index: int) -> dict:
    common = {
        "bronorganisatie": RSIN,
        "achternaam": f"Klant {index}",
        "emailadres": f"klant{index}@example.nl",
        "adres": {
            "straatnaam": "Kerkstraat",
            "huisnummer": index + 1,
            "postcode": "3511AA",
            "woonplaatsnaam": "Utrecht",
        },
    }
    kind = index % 3
    if kind == 0:
        return {
            **common,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {
                "inpBsn": BSN if index % 2 else BSN_2,
                "geslachtsnaam": f"Klant {index}",
                "verblijfsadres": VERBLIJFSADRES,
                "subVerblijfBuitenland": BUITENLAND,
            },
        }
    if kind == 1:
        return {
            **common,
            "subjectType": "niet_natuurlijk_persoon",
            "subjectIdentificatie": {
                "innNnpId": RSIN_2,
                "statutaireNaam": f"Bedrijf {index}",
                "subVerblijfBuitenland": BUITENLAND,
            },
        }
    return {
        **common,
        "subjectType": "vestiging",
        "subjectIdentificatie": {
            "vestigingsNummer": f"0000{index:08d}",
            "handelsnaam": [f"Winkel {index}", "Filiaal"],
            "verblijfsadres": VERBLIJFSADRES,
        },
    }


@pytest.fixture
def create(api):
    def do(count: int, start: int = 0):
        for index in range(start, start + count):
            response = api.post_json(f"{BASE}/klanten", body(index))
            assert response.status_code == 201, response.content

    return do


def _list(api) -> tuple[dict, int]:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"{BASE}/klanten")
    assert response.status_code == 200
    return response.json(), len(queries.captured_queries)


def test_full_page_within_budget(api, create, django_assert_max_num_queries):
    create(100)
    with django_assert_max_num_queries(6):
        response = api.get(f"{BASE}/klanten")
    assert response.status_code == 200
    page = response.json()
    assert page["count"] == 100
    assert len(page["results"]) == 100
    # the page really carries the related data that could cost a query per row
    kinds = {klant["subjectType"] for klant in page["results"]}
    assert kinds == {"natuurlijk_persoon", "niet_natuurlijk_persoon", "vestiging"}
    for klant in page["results"]:
        assert klant["adres"]["straatnaam"] == "Kerkstraat"
        identificatie = klant["subjectIdentificatie"]
        if klant["subjectType"] == "niet_natuurlijk_persoon":
            assert identificatie["subVerblijfBuitenland"]["lndLandnaam"] == "Nederland"
        else:
            assert identificatie["verblijfsadres"]["gorOpenbareRuimteNaam"] == "Domplein"


def test_query_count_does_not_grow_with_rows(api, create):
    create(10)
    _list(api)  # the first request also reads the client's scopes (then cached)
    small, small_queries = _list(api)
    assert small["count"] == 10
    create(90, start=10)
    large, large_queries = _list(api)
    assert large["count"] == 100 and len(large["results"]) == 100
    # one statement either way: a full page's count (the klant counter) rides with its rows
    assert small_queries == 1
    assert large_queries == 1
    create(150, start=100)
    larger, larger_queries = _list(api)
    assert larger["count"] == 250
    assert larger_queries == large_queries


def test_second_page_within_budget(api, create):
    create(103)
    with CaptureQueriesContext(connection) as queries:
        response = api.get(f"{BASE}/klanten", {"page": 2})
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3
    assert len(queries.captured_queries) <= 6


def test_filtered_list_within_budget(api, create):
    create(30)
    with CaptureQueriesContext(connection) as queries:
        response = api.get(
            f"{BASE}/klanten", {"subjectType": "vestiging", "adres__woonplaatsNaam": "Utrecht"}
        )
    assert response.status_code == 200
    assert response.json()["count"] == 10
    assert len(queries.captured_queries) <= 6


def test_detail_within_budget(api, create):
    create(3)
    url = api.get(f"{BASE}/klanten").json()["results"][0]["url"]
    with CaptureQueriesContext(connection) as queries:
        response = api.get(url)
    assert response.status_code == 200
    assert len(queries.captured_queries) <= 4
