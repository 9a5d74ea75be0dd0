"""C5: generated klantnummers and the uniqueness of (bronorganisatie, klantnummer)."""

import json
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from klanten.datamodel import services
from klanten.datamodel.models import Klant

from .conftest import BASE, BSN, RSIN, RSIN_2, ApiClient, klant_url
from .threads import outcomes, start_thread

KLANTEN = f"{BASE}/klanten"


def _payload(bronorganisatie=RSIN, **extra) -> dict:
    return {
        "bronorganisatie": bronorganisatie,
        "subjectType": "natuurlijk_persoon",
        "subjectIdentificatie": {"inpBsn": BSN},
        **extra,
    }


def _create(api, bronorganisatie=RSIN, **extra) -> dict:
    response = api.post_json(KLANTEN, _payload(bronorganisatie, **extra))
    assert response.status_code == 201, response.content
    return response.json()


def _assert_unique_error(response):
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    params = response.json()["invalidParams"]
    assert [(p["name"], p["code"]) for p in params] == [("nonFieldErrors", "unique")]
    assert params[0]["reason"]


# --- generation -------------------------------------------------------------------------


def test_klantnummer_is_generated_when_absent(api):
    body = _create(api)
    assert body["klantnummer"] == "1"
    assert Klant.objects.get().klantnummer == "1"


def test_generated_klantnummers_are_sequential_digits(api):
    numbers = [_create(api)["klantnummer"] for _ in range(5)]
    assert numbers == ["1", "2", "3", "4", "5"]
    for number in numbers:
        assert number.isdigit()
        assert 1 <= len(number) <= 8


def test_numeric_not_string_ordering(make_klant):
    numbers = [make_klant().klantnummer for _ in range(12)]
    assert numbers == [str(n) for n in range(1, 13)]


def test_generation_continues_after_client_numbers_numerically(api):
    # "9" > "10" as strings: the next number must come after the numeric maximum
    _create(api, klantnummer="9")
    _create(api, klantnummer="10")
    assert _create(api)["klantnummer"] == "11"
    assert _create(api)["klantnummer"] == "12"


def test_after_nine_comes_ten(api):
    _create(api, klantnummer="9")
    assert _create(api)["klantnummer"] == "10"


def test_generation_is_independent_per_bronorganisatie(api):
    assert _create(api, RSIN)["klantnummer"] == "1"
    assert _create(api, RSIN)["klantnummer"] == "2"
    assert _create(api, RSIN_2)["klantnummer"] == "1"
    assert _create(api, RSIN)["klantnummer"] == "3"
    assert _create(api, RSIN_2)["klantnummer"] == "2"
    assert sorted(Klant.objects.values_list("bronorganisatie", "klantnummer")) == [
        (RSIN, "1"),
        (RSIN, "2"),
        (RSIN, "3"),
        (RSIN_2, "1"),
        (RSIN_2, "2"),
    ]


def test_generation_skips_a_number_the_client_chose(api):
    assert _create(api)["klantnummer"] == "1"
    assert _create(api, klantnummer="2")["klantnummer"] == "2"
    assert _create(api)["klantnummer"] == "3"
    assert _create(api)["klantnummer"] == "4"


def test_generation_skips_client_numbers_ahead_of_the_counter(api):
    assert _create(api)["klantnummer"] == "1"
    _create(api, klantnummer="3")
    _create(api, klantnummer="4")
    generated = [_create(api)["klantnummer"] for _ in range(3)]
    assert generated == ["2", "5", "6"]
    assert Klant.objects.count() == 6


def test_generated_numbers_never_collide_with_an_earlier_client_number(api):
    _create(api, klantnummer="2")
    generated = [_create(api)["klantnummer"] for _ in range(4)]
    assert "2" not in generated
    assert len(set(generated)) == 4
    assert [int(n) for n in generated] == sorted(int(n) for n in generated)
    numbers = list(Klant.objects.values_list("klantnummer", flat=True))
    assert len(numbers) == len(set(numbers)) == 5


def test_non_numeric_client_numbers_do_not_disturb_generation(api):
    _create(api, klantnummer="ABC-12")
    _create(api, klantnummer="K9")
    assert _create(api)["klantnummer"] == "1"


def test_a_chosen_number_at_the_top_does_not_exhaust_generation(api, make_client):
    """Item 8 of issue 11: one klant with klantnummer 99999999 in an organisation without a
    counter yet; later creates without a klantnummer, by any application, still get one."""
    assert _create(api, klantnummer="99999999")["klantnummer"] == "99999999"
    assert _create(api)["klantnummer"] == "1"
    assert _create(make_client())["klantnummer"] == "2"
    # and once the counter runs, a chosen top number changes nothing either
    assert _create(api, klantnummer="99999998")["klantnummer"] == "99999998"
    assert [_create(api)["klantnummer"] for _ in range(2)] == ["3", "4"]


def test_imported_numbers_are_continued_and_an_outlier_ignored(make_klant):
    for number in ("1", "2", "3", "99999999"):
        make_klant(klantnummer=number)
    assert make_klant().klantnummer == "4"


def test_generation_near_the_top_continues_at_the_lowest_free_number(make_klant):
    for number in ("1", "2", "4", "99999998"):
        make_klant(klantnummer=number)
    # the counter continues after the highest number in use (an import)...
    assert make_klant().klantnummer == "99999999"
    # ...and past 99999999 at the lowest number nobody carries
    assert [make_klant().klantnummer for _ in range(3)] == ["3", "5", "6"]


def test_all_numbers_taken_is_klantnummer_uitgeput(make_klant, monkeypatch):
    make_klant(klantnummer="99999999")
    monkeypatch.setattr(services, "_KLANTNUMMER_MAX", 3)
    make_klant(klantnummer="2")
    assert [make_klant().klantnummer for _ in range(2)] == ["1", "3"]
    with pytest.raises(services.rules.RuleViolation) as excinfo:
        make_klant()
    assert excinfo.value.code == "klantnummer-uitgeput"


def test_generation_is_one_statement_in_the_normal_case(make_klant):
    make_klant()
    with CaptureQueriesContext(connection) as queries:
        assert services.next_klantnummer(RSIN) == "2"
    assert len(queries.captured_queries) == 1


def test_given_klantnummer_is_kept(api):
    assert _create(api, klantnummer="X-77")["klantnummer"] == "X-77"


def test_patch_without_klantnummer_keeps_it(api, make_klant):
    klant = make_klant(klantnummer="42")
    response = api.patch_json(klant_url(klant), {"voornaam": "Jan"})
    assert response.status_code == 200
    assert response.json()["klantnummer"] == "42"


def test_put_without_klantnummer_keeps_it(api, make_klant):
    klant = make_klant(klantnummer="42")
    response = api.put_json(klant_url(klant), _payload())
    assert response.status_code == 200, response.content
    assert response.json()["klantnummer"] == "42"
    klant.refresh_from_db()
    assert klant.klantnummer == "42"


# --- uniqueness -------------------------------------------------------------------------


def test_duplicate_on_create(api):
    _create(api, klantnummer="7")
    _assert_unique_error(api.post_json(KLANTEN, _payload(klantnummer="7")))
    assert Klant.objects.count() == 1


def test_duplicate_of_a_generated_number_on_create(api):
    assert _create(api)["klantnummer"] == "1"
    _assert_unique_error(api.post_json(KLANTEN, _payload(klantnummer="1")))
    assert Klant.objects.count() == 1


def test_same_klantnummer_in_another_bronorganisatie_is_fine(api):
    _create(api, RSIN, klantnummer="7")
    assert _create(api, RSIN_2, klantnummer="7")["klantnummer"] == "7"


def test_duplicate_on_patch(api, make_klant):
    make_klant(klantnummer="1")
    other = make_klant(klantnummer="2")
    _assert_unique_error(api.patch_json(klant_url(other), {"klantnummer": "1"}))
    other.refresh_from_db()
    assert other.klantnummer == "2"


def test_duplicate_on_put(api, make_klant):
    make_klant(klantnummer="1")
    other = make_klant(klantnummer="2")
    _assert_unique_error(api.put_json(klant_url(other), _payload(klantnummer="1")))
    other.refresh_from_db()
    assert other.klantnummer == "2"


def test_duplicate_by_changing_bronorganisatie(api, make_klant):
    make_klant(bronorganisatie=RSIN_2, klantnummer="1")
    klant = make_klant(klantnummer="1")
    _assert_unique_error(api.patch_json(klant_url(klant), {"bronorganisatie": RSIN_2}))
    klant.refresh_from_db()
    assert klant.bronorganisatie == RSIN


def test_update_keeping_own_klantnummer_is_not_a_duplicate(api, make_klant):
    klant = make_klant(klantnummer="1")
    response = api.patch_json(klant_url(klant), {"klantnummer": "1", "voornaam": "Jan"})
    assert response.status_code == 200, response.content
    response = api.put_json(klant_url(klant), _payload(klantnummer="1"))
    assert response.status_code == 200, response.content


def test_service_refuses_a_duplicate_pair(make_klant):
    make_klant(klantnummer="5")
    with pytest.raises(services.DuplicateKlantnummer):
        services.create_klant(
            {
                "bronorganisatie": RSIN,
                "klantnummer": "5",
                "subject_type": "natuurlijk_persoon",
                "subject_identificatie": {"inp_bsn": BSN},
            }
        )
    assert Klant.objects.count() == 1


# --- concurrency ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_get_distinct_klantnummers(make_client):
    api = make_client()
    authorization = api.defaults["HTTP_AUTHORIZATION"]
    threads_count = 8
    barrier = threading.Barrier(threads_count)

    def worker() -> tuple:
        client = ApiClient(HTTP_AUTHORIZATION=authorization)
        barrier.wait(timeout=10)
        response = client.post_json(KLANTEN, _payload())
        return (response.status_code, response.json().get("klantnummer"))

    results = outcomes([start_thread(worker) for _ in range(threads_count)], timeout=60)

    assert [status for status, _ in results] == [201] * threads_count, results
    numbers = sorted(int(number) for _, number in results)
    assert numbers == list(range(1, threads_count + 1))
    stored = sorted(int(n) for n in Klant.objects.values_list("klantnummer", flat=True))
    assert stored == list(range(1, threads_count + 1))


@pytest.mark.django_db(transaction=True)
def test_concurrent_service_creates_in_two_bronorganisaties():
    threads_count = 8
    barrier = threading.Barrier(threads_count)

    def worker(index: int) -> None:
        barrier.wait(timeout=10)
        services.create_klant(
            {
                "bronorganisatie": RSIN if index % 2 else RSIN_2,
                "subject_type": "natuurlijk_persoon",
                "subject_identificatie": {"inp_bsn": BSN},
            }
        )

    outcomes([start_thread(worker, i) for i in range(threads_count)], timeout=60)

    for bronorganisatie in (RSIN, RSIN_2):
        numbers = sorted(
            int(n)
            for n in Klant.objects.filter(bronorganisatie=bronorganisatie).values_list(
                "klantnummer", flat=True
            )
        )
        assert numbers == [1, 2, 3, 4]


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_of_the_same_klantnummer_one_wins(make_client):
    api = make_client()
    authorization = api.defaults["HTTP_AUTHORIZATION"]
    threads_count = 4
    barrier = threading.Barrier(threads_count)

    def worker() -> tuple:
        client = ApiClient(HTTP_AUTHORIZATION=authorization)
        barrier.wait(timeout=10)
        response = client.post_json(KLANTEN, _payload(klantnummer="77"))
        body = response.json()
        codes = [p["code"] for p in body.get("invalidParams", [])]
        return (response.status_code, codes)

    results = outcomes([start_thread(worker) for _ in range(threads_count)], timeout=60)

    assert sorted(results, key=lambda r: r[0]) == [(201, [])] + [(400, ["unique"])] * (
        threads_count - 1
    ), results
    assert list(Klant.objects.values_list("klantnummer", flat=True)) == ["77"]


def test_the_next_number_is_looked_up_by_index_whatever_the_number_of_klanten(make_klant):
    """The window's probe stays one index lookup per number: PostgreSQL once turned it into
    a hash anti join over every klant of the organisation (its cost grew with their number)."""
    make_klant()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO datamodel_klant (uuid, bronorganisatie, klantnummer, bedrijfsnaam,"
            " functie, website_url, voornaam, voorvoegsel_achternaam, achternaam,"
            " telefoonnummer, emailadres, subject, subject_type, aanmaakkanaal, aangemaakt_op,"
            " gewijzigd_op, gevalideerd, gevalideerde_sleutel_type, gevalideerde_sleutel,"
            " registratie_rang, soort_partij, indicatie_actief, indicatie_geheimhouding,"
            " voorkeurstaal, interne_notitie, bezoekadres, anker)"
            " SELECT gen_random_uuid(), %s, (n + 10)::text, '', '', '', '', '', '', '', '',"
            " 'https://x.nl/' || n, '', '', now(), now(), false, '', '', 0, 'persoon', true,"
            " false, '', '', '{}'::jsonb, false FROM generate_series(1, 5000) AS n",
            [RSIN],
        )
        cursor.execute("ANALYZE datamodel_klant")
        cursor.execute(
            f"EXPLAIN (ANALYZE, FORMAT JSON) {services._VOLGENDE}", {"bron": RSIN, "venster": 64}
        )
        [(plan,)] = cursor.fetchall()
    gelezen = []

    def loop(node):
        if node.get("Relation Name") == "datamodel_klant":
            gelezen.append(node["Actual Rows"] * node["Actual Loops"])
        for kind in node.get("Plans", []):
            loop(kind)

    loop((plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"])
    assert gelezen and sum(gelezen) <= 2
