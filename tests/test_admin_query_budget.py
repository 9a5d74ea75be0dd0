"""The klanten list in the admin costs a constant number of queries at any size (10 rows,
150 rows, 10,000 rows), filtered or searched, and never counts a whole table: every count is
capped (``SELECT count(*) FROM (... LIMIT n)``)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klanten.beheer.lijst import BegrensdeTellingPaginator
from klanten.datamodel.models import Klant, NatuurlijkPersoon, NietNatuurlijkPersoon

from .conftest import BSN, RSIN, RSIN_2

pytest_plugins = ("tests.admin_fixtures",)  # fixtures: beheerder_client
pytestmark = pytest.mark.usefixtures("fresh_cache")

KLANTEN_ADMIN = "/admin/datamodel/klant/"
# the whole request: session, user, permissions, count, page, filter choices, log-free
BUDGET = 10

PAGES = [
    "",
    "?gevalideerd__exact=0",
    "?subject_type__exact=natuurlijk_persoon",
    f"?bronorganisatie={RSIN_2}&aanmaakkanaal=balie",
    f"?q={BSN}",
    "?q=Klant%2012",
    "?q=klant12%40example.nl",
    "?p=2",
]


def seed(count: int, start: int = 0) -> None:
    """``count`` klanten with an identification, in bulk (as a migration of old data would)."""
    klanten = Klant.objects.bulk_create(
        [
            Klant(
                bronorganisatie=RSIN if i % 2 else RSIN_2,
                klantnummer=str(i + 1),
                achternaam=f"Klant {i}",
                emailadres=f"klant{i}@example.nl",
                subject_type="natuurlijk_persoon" if i % 3 else "niet_natuurlijk_persoon",
                aanmaakkanaal=("balie", "web", "telefoon")[i % 3],
            )
            for i in range(start, start + count)
        ],
        batch_size=2000,
    )
    NatuurlijkPersoon.objects.bulk_create(
        [
            NatuurlijkPersoon(klant=k, inp_bsn=BSN if i == 13 else f"{i:09d}")
            for i, k in enumerate(klanten, start)
            if k.subject_type == "natuurlijk_persoon"
        ],
        batch_size=2000,
    )
    NietNatuurlijkPersoon.objects.bulk_create(
        [
            NietNatuurlijkPersoon(klant=k, inn_nnp_id=RSIN, statutaire_naam=f"BV {i}")
            for i, k in enumerate(klanten, start)
            if k.subject_type == "niet_natuurlijk_persoon"
        ],
        batch_size=2000,
    )


def measure(client, page: str) -> list[str]:
    cache.clear()  # the worst case: the filter choices are read too
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{KLANTEN_ADMIN}{page}")
    assert response.status_code == 200, page
    return [q["sql"] for q in ctx.captured_queries]


def assert_no_full_count(queries: list[str]) -> None:
    for sql in queries:
        if "COUNT(" in sql.upper() and "datamodel_klant" in sql:
            assert "LIMIT" in sql.upper(), sql


def test_constant_queries_from_10_to_150_rows(beheerder_client, django_assert_max_num_queries):
    seed(10)
    small = {page: len(measure(beheerder_client, page)) for page in PAGES}
    seed(140, start=10)
    for page in PAGES:
        with django_assert_max_num_queries(BUDGET):
            queries = measure(beheerder_client, page)
        assert len(queries) == small[page], page
        assert_no_full_count(queries)


def test_constant_queries_with_10000_klanten(beheerder_client, django_assert_max_num_queries):
    seed(10)
    small = {page: len(measure(beheerder_client, page)) for page in PAGES}
    seed(9_990, start=10)
    assert Klant.objects.count() == 10_000
    for page in PAGES:
        with django_assert_max_num_queries(BUDGET):
            queries = measure(beheerder_client, page)
        assert len(queries) == small[page], page
        assert_no_full_count(queries)
    response = beheerder_client.get(KLANTEN_ADMIN)
    assert len(response.context["cl"].result_list) == 50
    assert "10000 klanten" in response.content.decode()
    searched = beheerder_client.get(f"{KLANTEN_ADMIN}?q={BSN}")
    assert [k.klantnummer for k in searched.context["cl"].result_list] == ["14"]


def test_beyond_the_cap_the_count_is_an_estimate(
    beheerder_client, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(BegrensdeTellingPaginator, "limiet", 100)
    seed(150)
    with django_assert_max_num_queries(BUDGET):  # with the planner's estimate
        queries = measure(beheerder_client, "")
    assert_no_full_count(queries)
    assert any(sql.startswith("EXPLAIN") for sql in queries)
    page = beheerder_client.get(KLANTEN_ADMIN).content.decode()
    assert "Meer dan 100 klanten" in page
    # filtered below the cap: exact again
    filtered = beheerder_client.get(f"{KLANTEN_ADMIN}?aanmaakkanaal=balie")
    assert not filtered.context["cl"].paginator.geschat
    assert filtered.context["cl"].result_count == 50


def test_filter_choices_are_cached(beheerder_client):
    seed(10)
    cache.clear()
    first = measure_warm(beheerder_client)
    second = measure_warm(beheerder_client)
    assert len(second) == len(first) - 2  # bronorganisatie and aanmaakkanaal from the cache
    assert not any("DISTINCT" in sql for sql in second)


def measure_warm(client) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(KLANTEN_ADMIN).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_no_facet_counts(beheerder_client):
    """Django's "show counts" would count every filter choice over the whole table."""
    seed(10)
    response = beheerder_client.get(f"{KLANTEN_ADMIN}?_facets=1")
    assert "Aantallen tonen" not in response.content.decode()
    assert not response.context["cl"].add_facets
    assert_no_full_count(measure(beheerder_client, "?_facets=1"))
