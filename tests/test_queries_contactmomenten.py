"""Query budget of the Contactmomenten API: a list page is a constant number of queries,
whatever the number of rows and what hangs off them (medewerker, chain, relations)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klanten.datamodel import contacten

from .conftest import CM_BASE, RSIN


def _maak(count: int, start: int = 0) -> None:
    vorige = None
    for index in range(start, start + count):
        klantcontact = contacten.create_klantcontact(
            {"bronorganisatie": RSIN, "kanaal": "telefoon", "onderwerp_links": ["https://x.nl/a"]},
            medewerker=contacten.MedewerkerIdentificatie(str(index % 7), "Achternaam"),
            vorig=vorige if index % 2 else None,
        )
        contacten.add_betrokkene(
            klantcontact,
            klant_url=f"https://klanten.elders.nl/api/v1/klanten/{index}",
            klantcontactmoment_rol="belanghebbende",
        )
        contacten.add_onderwerpobject(
            klantcontact,
            **contacten.zaak_velden(f"https://zaken.example.nl/zaken/api/v1/zaken/{index}", "zaak"),
        )
        vorige = klantcontact


def _count(client, path, params=None) -> tuple[dict, int]:
    client.get(path, params or {})  # the first request also reads the client's scopes
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params or {})
    assert response.status_code == 200, response.content
    return response.json(), len(queries.captured_queries)


@pytest.mark.parametrize(
    "resource, params",
    [
        ("contactmomenten", {}),
        ("contactmomenten", {"kanaal": "telefoon", "ordering": "-medewerker_identificatie"}),
        ("contactmomenten", {"ordering": "klant"}),
        ("klantcontactmomenten", {"rol": "belanghebbende"}),
        ("objectcontactmomenten", {"objectType": "zaak"}),
    ],
)
def test_a_list_page_is_a_constant_number_of_queries(cm_api, resource, params):
    path = f"{CM_BASE}/{resource}"
    _maak(1)
    small, small_queries = _count(cm_api, path, params)
    assert small["count"] == 1
    _maak(49, start=1)
    large, large_queries = _count(cm_api, path, params)
    assert large["count"] == 50 and len(large["results"]) == 50
    # one query for a page that is not full (it knows its count)
    assert small_queries == large_queries == 1
    _maak(60, start=50)
    full, full_queries = _count(cm_api, path, params)
    assert full["count"] == 110 and len(full["results"]) == 100
    # a full page counts its matches
    assert full_queries == 2


def test_the_rows_carry_what_could_cost_a_query_each(cm_api):
    _maak(10)
    results = cm_api.get(f"{CM_BASE}/contactmomenten").json()["results"]
    assert all(item["medewerkerIdentificatie"]["achternaam"] == "Achternaam" for item in results)
    assert sum(item["vorigContactmoment"] is not None for item in results) == 5
    assert sum(item["volgendContactmoment"] is not None for item in results) == 5


@pytest.mark.parametrize(
    "resource", ["contactmomenten", "klantcontactmomenten", "objectcontactmomenten"]
)
def test_detail_is_one_query(cm_api, resource):
    _maak(3)
    url = cm_api.get(f"{CM_BASE}/{resource}").json()["results"][0]["url"]
    _body, queries = _count(cm_api, url)
    assert queries == 1


def test_create_query_budget(cm_api, medewerkers):
    """A contactmoment with a medewerkerIdentificatie: the insert, the actor (advisory lock,
    lookup; it exists), and in one statement its link with the audit records of the
    contactmoment and of the klantcontact it is in Klantinteracties (kanaal klantcontacten,
    K10; no Notificaties API here: no outbox rows; both representations built from what was
    written, not read back); and the transaction's begin and end (a savepoint in the test).
    With the outbox rows: test_statement_budgets.py."""
    body = {
        "bronorganisatie": RSIN,
        "kanaal": "telefoon",
        "medewerkerIdentificatie": {"identificatie": "mdw-1", "achternaam": "Vries"},
    }
    cm_api.post_json(f"{CM_BASE}/contactmomenten", body)  # the client's scopes, then cached
    with CaptureQueriesContext(connection) as queries:
        response = cm_api.post_json(f"{CM_BASE}/contactmomenten", body)
    assert response.status_code == 201, response.content
    statements = [q["sql"] for q in queries.captured_queries]
    assert len(statements) == 6, "\n".join(statements)
