"""V6 cardinality: per bronorganisatie at most one validated klant per natural person (BSN),
any number per organisation or branch, one subject kind per klant; enforced in the database and
safe under concurrent validations (real PostgreSQL, real threads)."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from klanten.datamodel import services
from klanten.datamodel.models import (
    Klant,
    NatuurlijkPersoon,
    NietNatuurlijkPersoon,
    Validatie,
    Vestiging,
)

from .conftest import BSN, BSN_2, RSIN, RSIN_2, ApiClient, klant_url
from .validatie_helpers import (
    EH,
    GEVALIDEERDE_KLANTEN,
    KLANTEN,
    KVK,
    VESTIGINGSNUMMER,
    assertion,
    np_klant,
    problem,
    validatie_url,
    validating_client,
)


@pytest.fixture
def balie(make_client):
    return validating_client(make_client, "balie", maximale_rang=4)


def _validate(client, klant, body=None):
    response = client.post_json(validatie_url(klant), body or assertion())
    assert response.status_code == 201, response.content
    klant.refresh_from_db()
    return klant


def _organisatie(identificatie: dict) -> dict:
    return assertion(
        middel="eherkenning",
        niveau=f"{EH}loa3",
        geauthenticeerde=identificatie,
    )


# --- one validated klant per BSN per bronorganisatie ----------------------------------------


def test_a_second_validated_klant_for_the_same_bsn_is_a_conflict(balie, make_klant):
    first = _validate(balie, np_klant(make_klant))
    second = np_klant(make_klant, emailadres="ander@example.com")

    response = balie.post_json(validatie_url(second), assertion())

    data = problem(response, 409)
    assert data["code"] == "gevalideerde-klant-bestaat"
    assert data["bestaandeKlant"] == klant_url(first)
    second.refresh_from_db()
    assert second.gevalideerd is False
    assert not Validatie.objects.filter(klant=second).exists()
    assert Klant.objects.filter(gevalideerd=True).get() == first


def test_the_conflict_writes_nothing_on_a_klant_without_identifier(balie, make_klant):
    first = _validate(balie, np_klant(make_klant))
    second = make_klant(subject="https://brp.example.com/ingeschrevenpersonen/1")

    response = balie.post_json(validatie_url(second), assertion())

    assert problem(response, 409)["bestaandeKlant"] == klant_url(first)
    second.refresh_from_db()
    assert second.subject_type is None
    assert second.gevalideerd is False
    assert not NatuurlijkPersoon.objects.filter(klant=second).exists()


def test_the_conflict_does_not_reveal_the_bsn(balie, make_klant):
    _validate(balie, np_klant(make_klant))
    response = balie.post_json(validatie_url(np_klant(make_klant)), assertion())
    assert response.status_code == 409
    assert BSN not in response.content.decode()


def test_the_same_bsn_in_another_bronorganisatie_validates(balie, make_klant):
    _validate(balie, np_klant(make_klant, bronorganisatie=RSIN))
    other = _validate(balie, np_klant(make_klant, bronorganisatie=RSIN_2))
    assert other.gevalideerd is True
    assert Klant.objects.filter(gevalideerd=True, gevalideerde_sleutel=BSN).count() == 2


def test_another_bsn_in_the_same_bronorganisatie_validates(balie, make_klant):
    _validate(balie, np_klant(make_klant))
    other = _validate(balie, np_klant(make_klant, inp_bsn=BSN_2), assertion(BSN_2))
    assert other.gevalideerd is True


def test_non_validated_klanten_with_the_same_bsn_may_coexist(balie, make_klant):
    """The standard API registers non-validated klanten whatever they carry."""
    first = _validate(balie, np_klant(make_klant))
    body = {
        "bronorganisatie": RSIN,
        "subjectType": "natuurlijk_persoon",
        "subjectIdentificatie": {"inpBsn": BSN},
    }
    for _ in range(2):
        response = balie.post_json(KLANTEN, body)
        assert response.status_code == 201, response.content
        assert response.json()["gevalideerd"] is False
    assert Klant.objects.filter(bronorganisatie=RSIN).count() == 3
    assert Klant.objects.filter(gevalideerd=True).get() == first


def test_after_deleting_the_validated_klant_another_may_be_validated(balie, make_klant):
    first = _validate(balie, np_klant(make_klant))
    services.delete_klant(first)  # e.g. by a data manager (R3)
    second = _validate(balie, np_klant(make_klant))
    assert second.gevalideerd is True


def test_a_second_registration_of_a_validated_klant_names_the_first(balie, make_klant):
    first = _validate(balie, np_klant(make_klant))
    body = {
        "klant": {
            "bronorganisatie": RSIN,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": BSN},
        },
        "validatie": assertion(),
    }
    response = balie.post_json(GEVALIDEERDE_KLANTEN, body)
    assert problem(response, 409)["bestaandeKlant"] == klant_url(first)
    assert Klant.objects.count() == 1


# --- organisations and branches: any number -------------------------------------------------


def test_many_validated_klanten_per_rsin(balie, make_klant):
    for _ in range(3):
        klant = make_klant(
            subject_type="niet_natuurlijk_persoon", subject_identificatie={"inn_nnp_id": RSIN_2}
        )
        _validate(balie, klant, _organisatie({"type": "rsin", "identificatie": RSIN_2}))
    assert Klant.objects.filter(gevalideerd=True, gevalideerde_sleutel=RSIN_2).count() == 3


def test_many_validated_klanten_per_kvk_nummer(balie, make_klant):
    for index in range(3):
        klant = make_klant(
            subject=f"https://hr.example.com/{index}", subject_type="niet_natuurlijk_persoon"
        )
        _validate(balie, klant, _organisatie({"type": "kvk", "identificatie": KVK}))
    validated = Klant.objects.filter(gevalideerd=True)
    assert validated.count() == 3
    assert set(validated.values_list("gevalideerde_sleutel_type", "gevalideerde_sleutel")) == {
        ("kvk", KVK)
    }


def test_many_validated_klanten_per_vestiging(balie, make_klant):
    for _ in range(3):
        klant = make_klant(
            subject_type="vestiging", subject_identificatie={"vestigings_nummer": VESTIGINGSNUMMER}
        )
        _validate(
            balie,
            klant,
            _organisatie({"type": "vestigingsnummer", "identificatie": VESTIGINGSNUMMER}),
        )
    assert Klant.objects.filter(gevalideerd=True, subject_type="vestiging").count() == 3


def test_an_organisation_does_not_block_a_natural_person_with_the_same_number(balie, make_klant):
    """RSIN and BSN share a format; only a validated BSN counts for V6."""
    organisatie = make_klant(
        subject_type="niet_natuurlijk_persoon", subject_identificatie={"inn_nnp_id": BSN}
    )
    _validate(balie, organisatie, _organisatie({"type": "rsin", "identificatie": BSN}))
    persoon = _validate(balie, np_klant(make_klant))
    assert persoon.gevalideerd is True


# --- the database backs the rules up --------------------------------------------------------


def _mark_validated(klant: Klant, sleutel_type: str, sleutel: str) -> None:
    """Bypass the services: write the validated state directly."""
    Klant.objects.filter(pk=klant.pk).update(
        gevalideerd=True, gevalideerde_sleutel_type=sleutel_type, gevalideerde_sleutel=sleutel
    )


def test_the_database_refuses_two_validated_klanten_for_one_bsn(make_klant):
    first, second = np_klant(make_klant), np_klant(make_klant)
    _mark_validated(first, "bsn", BSN)
    with (
        pytest.raises(IntegrityError, match="een_gevalideerde_klant_per_bsn"),
        transaction.atomic(),
    ):
        _mark_validated(second, "bsn", BSN)
    assert Klant.objects.filter(gevalideerd=True).get() == first


def test_the_database_refuses_inserting_a_second_validated_klant_for_one_bsn(make_klant):
    _mark_validated(np_klant(make_klant), "bsn", BSN)
    with pytest.raises(IntegrityError), transaction.atomic():
        Klant.objects.create(
            bronorganisatie=RSIN,
            klantnummer="999",
            gevalideerd=True,
            gevalideerde_sleutel_type="bsn",
            gevalideerde_sleutel=BSN,
        )


def test_the_database_allows_one_validated_bsn_per_bronorganisatie(make_klant):
    _mark_validated(np_klant(make_klant, bronorganisatie=RSIN), "bsn", BSN)
    _mark_validated(np_klant(make_klant, bronorganisatie=RSIN_2), "bsn", BSN)
    assert Klant.objects.filter(gevalideerd=True).count() == 2


@pytest.mark.parametrize(
    ("sleutel_type", "sleutel"),
    [("rsin", RSIN_2), ("kvk", KVK), ("vestigingsnummer", VESTIGINGSNUMMER)],
)
def test_the_database_allows_many_validated_klanten_per_organisation(
    make_klant, sleutel_type, sleutel
):
    for _ in range(3):
        _mark_validated(make_klant(subject="https://hr.example.com/x"), sleutel_type, sleutel)
    assert Klant.objects.filter(gevalideerd=True).count() == 3


def test_the_database_ignores_non_validated_klanten_for_the_bsn_constraint(make_klant):
    first, second = np_klant(make_klant), np_klant(make_klant)
    for klant in (first, second):
        Klant.objects.filter(pk=klant.pk).update(
            gevalideerde_sleutel_type="bsn", gevalideerde_sleutel=BSN
        )
    _mark_validated(first, "bsn", BSN)
    assert Klant.objects.filter(gevalideerde_sleutel=BSN).count() == 2


def test_the_database_refuses_a_validated_klant_without_key(make_klant):
    klant = np_klant(make_klant)
    with (
        pytest.raises(IntegrityError, match="gevalideerde_klant_heeft_sleutel"),
        transaction.atomic(),
    ):
        Klant.objects.filter(pk=klant.pk).update(gevalideerd=True)


@pytest.mark.parametrize("subject_type", ["niet_natuurlijk_persoon", "vestiging", None])
def test_the_database_refuses_a_natural_person_on_another_kind_of_klant(make_klant, subject_type):
    klant = make_klant(subject="https://hr.example.com/x", subject_type=subject_type)
    with pytest.raises(IntegrityError, match="past niet bij subjectType"), transaction.atomic():
        NatuurlijkPersoon.objects.create(klant=klant, inp_bsn=BSN)
    assert not NatuurlijkPersoon.objects.filter(klant=klant).exists()


@pytest.mark.parametrize(
    ("model", "values"),
    [(NietNatuurlijkPersoon, {"inn_nnp_id": RSIN_2}), (Vestiging, {"vestigings_nummer": "1"})],
)
def test_the_database_refuses_an_organisation_on_a_natural_person(make_klant, model, values):
    klant = np_klant(make_klant)
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(klant=klant, **values)
    assert not model.objects.filter(klant=klant).exists()
    assert NatuurlijkPersoon.objects.get(klant=klant).inp_bsn == BSN


def test_the_database_refuses_moving_an_identification_to_another_kind_of_klant(make_klant):
    persoon = np_klant(make_klant)
    organisatie = make_klant(subject="https://hr.example.com/x", subject_type="vestiging")
    with pytest.raises(IntegrityError), transaction.atomic():
        NatuurlijkPersoon.objects.filter(klant=persoon).update(klant=organisatie)


# --- races ----------------------------------------------------------------------------------


def _run_concurrently(authorization: str, requests: list) -> list:
    """Send each ``(path, body)`` from its own thread and Django test client, all released at
    once; returns ``(status, body)`` per request (or the exception a thread raised)."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def worker(index: int) -> None:
        path, body = requests[index]
        try:
            client = ApiClient(HTTP_AUTHORIZATION=authorization)
            barrier.wait(timeout=20)
            response = client.post_json(path, body)
            results[index] = (response.status_code, response.json())
        except Exception as exc:  # reported by the assertions, never swallowed
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(requests))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert all(isinstance(result, tuple) for result in results), results
    return results


THREADS = 10


@pytest.mark.django_db(transaction=True)
def test_concurrent_validations_of_klanten_with_one_bsn_produce_one_validated_klant(
    make_client, make_klant
):
    client = validating_client(make_client, "balie")
    klanten = [np_klant(make_klant) for _ in range(THREADS)]

    results = _run_concurrently(
        client.defaults["HTTP_AUTHORIZATION"],
        [(validatie_url(klant), assertion()) for klant in klanten],
    )

    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (THREADS - 1), results
    winner = Klant.objects.get(gevalideerd=True)
    assert Klant.objects.filter(gevalideerde_sleutel=BSN).count() == 1
    assert Validatie.objects.count() == 1
    assert Validatie.objects.get().klant == winner
    for status, body in results:
        if status == 409:
            assert body["code"] == "gevalideerde-klant-bestaat"
            assert body["bestaandeKlant"] == klant_url(winner)
        else:
            assert body["klant"] == klant_url(winner)


@pytest.mark.django_db(transaction=True)
def test_concurrent_validations_of_klanten_without_identifier_produce_one_validated_klant(
    make_client, make_klant
):
    client = validating_client(make_client, "balie")
    klanten = [
        make_klant(subject=f"https://brp.example.com/ingeschrevenpersonen/{i}")
        for i in range(THREADS)
    ]

    results = _run_concurrently(
        client.defaults["HTTP_AUTHORIZATION"],
        [(validatie_url(klant), assertion()) for klant in klanten],
    )

    assert sorted(status for status, _ in results) == [201] + [409] * (THREADS - 1), results
    winner = Klant.objects.get(gevalideerd=True)
    # the losers took nothing from the evidence
    assert list(NatuurlijkPersoon.objects.values_list("klant", flat=True)) == [winner.pk]
    assert Klant.objects.filter(subject_type__isnull=True).count() == THREADS - 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_validations_in_two_bronorganisaties_validate_one_klant_each(
    make_client, make_klant
):
    client = validating_client(make_client, "balie")
    klanten = [
        np_klant(make_klant, bronorganisatie=RSIN if i % 2 else RSIN_2) for i in range(THREADS)
    ]

    results = _run_concurrently(
        client.defaults["HTTP_AUTHORIZATION"],
        [(validatie_url(klant), assertion()) for klant in klanten],
    )

    assert sorted(status for status, _ in results) == [201] * 2 + [409] * (THREADS - 2)
    validated = Klant.objects.filter(gevalideerd=True)
    assert sorted(validated.values_list("bronorganisatie", flat=True)) == sorted([RSIN, RSIN_2])


@pytest.mark.django_db(transaction=True)
def test_concurrent_validations_of_the_same_klant_all_succeed(make_client, make_klant):
    client = validating_client(make_client, "balie")
    klant = np_klant(make_klant)

    results = _run_concurrently(
        client.defaults["HTTP_AUTHORIZATION"],
        [(validatie_url(klant), assertion()) for _ in range(THREADS)],
    )

    assert [status for status, _ in results] == [201] * THREADS, results
    assert Klant.objects.filter(gevalideerd=True).get() == klant
    assert Validatie.objects.filter(klant=klant).count() == THREADS
    assert len({body["uuid"] for _, body in results}) == THREADS
    klant.refresh_from_db()
    assert klant.registratie_rang == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_of_a_validated_klant_for_one_bsn_create_one(make_client):
    client = validating_client(make_client, "portaal")
    body = {
        "klant": {
            "bronorganisatie": RSIN,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": BSN},
        },
        "validatie": assertion(),
    }

    results = _run_concurrently(
        client.defaults["HTTP_AUTHORIZATION"], [(GEVALIDEERDE_KLANTEN, body)] * THREADS
    )

    assert sorted(status for status, _ in results) == [201] + [409] * (THREADS - 1), results
    winner = Klant.objects.get()
    assert winner.gevalideerd is True
    assert Validatie.objects.get().klant == winner
    for status, data in results:
        if status == 409:
            assert data["bestaandeKlant"] == klant_url(winner)
