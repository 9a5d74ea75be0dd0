"""Item 2 of issue 11: a DELETE racing every other kind of write, with real threads on real
PostgreSQL (each thread its own connection, committing for real). Every write locks the klant
row first, so the two queue up: the one that comes second either sees the klant (and the
delete takes what the other added with it) or answers 404. Never a 5xx, never a row without
its klant, never an audit record or notification of a write that did not happen.
"""

import itertools
import threading
from collections.abc import Callable
from datetime import date

import pytest
from django.db import DataError, connections
from notifications_api_common.models import NotificationsConfig
from vng_api_common.audittrails.models import AuditTrail
from zgw_consumers.constants import APITypes, AuthTypes
from zgw_consumers.models import Service

from klanten.background import retention
from klanten.background.models import UitgaandeNotificatie
from klanten.datamodel import rules, transactions
from klanten.datamodel.models import (
    Bevestigingsverzoek,
    Interactie,
    Klant,
    KlantAdres,
    NatuurlijkPersoon,
    Validatie,
)

from .conftest import BASE, RSIN
from .validatie_helpers import assertion, validating_client

pytestmark = pytest.mark.django_db(transaction=True)

NRC = "https://notificaties.example/api/v1/"
ROUNDS = 5
KLANTEN = f"{BASE}/klanten"


def bsns():
    """Distinct valid BSNs (11-proef), one per klant: a validated klant per BSN (V6)."""
    return (f"{n:09d}" for n in itertools.count(100000000) if rules.passes_elfproef(f"{n:09d}"))


@pytest.fixture
def nrc(requests_mock):
    service = Service.objects.create(
        label="NRC", slug="nrc", api_type=APITypes.nrc, api_root=NRC, auth_type=AuthTypes.no_auth
    )
    config = NotificationsConfig.get_solo()
    config.notifications_api_service = service
    config.save()
    requests_mock.post(f"{NRC}notificaties", status_code=201, json={})
    return requests_mock


@pytest.fixture
def balie(make_client, nrc):
    """One application with every scope it needs, validating up to rank 4."""
    return validating_client(make_client, "balie", user_id="mw-1", user_representation="Mw")


def race(first: Callable, second: Callable) -> tuple:
    """Run both at the same moment, each in a thread of its own with its own connection."""
    barrier = threading.Barrier(2)
    results: list = [None, None]

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # reported by the assertions, never swallowed
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return tuple(results)


def create(client, bsn: str) -> dict:
    response = client.post_json(
        KLANTEN,
        {
            "bronorganisatie": RSIN,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": bsn, "geslachtsnaam": "Dijk"},
            "achternaam": "Dijk",
            "adres": {"straatnaam": "Lindelaan", "huisnummer": 7, "woonplaatsnaam": "Zeist"},
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def status(response) -> int:
    if isinstance(response, Exception):
        raise response
    return response.status_code


def assert_nothing_left_of(url: str, changed: bool) -> None:
    """The klant is gone with everything that hung off it; its trail is the one record of its
    deletion; its notifications are exactly those of the writes that happened."""
    uuid = url.rsplit("/", 1)[1]
    assert not Klant.objects.filter(uuid=uuid).exists()
    assert list(AuditTrail.objects.filter(hoofd_object=url).values_list("actie", flat=True)) == [
        "destroy"
    ]
    acties = list(
        UitgaandeNotificatie.objects.filter(resource_url=url)
        .order_by("pk")
        .values_list("actie", flat=True)
    )
    assert acties[0] == "create" and acties[-1] == "destroy"
    assert len(acties) == (3 if changed else 2), acties


def assert_no_orphans() -> None:
    klanten = Klant.objects.values("id")
    for model in (Interactie, Validatie, Bevestigingsverzoek, KlantAdres, NatuurlijkPersoon):
        assert not model.objects.exclude(klant_id__in=klanten).exists(), model.__name__


WRITES = {
    # kind: (request, the statuses it may answer, whether it changes the representation)
    "put": (
        lambda c, k, bsn: c.put_json(
            k["url"],
            {
                "bronorganisatie": RSIN,
                "klantnummer": k["klantnummer"],
                "subjectType": "natuurlijk_persoon",
                "subjectIdentificatie": {"inpBsn": bsn, "geslachtsnaam": "Dijkstra"},
                "achternaam": "Dijkstra",
            },
        ),
        {200, 404},
        True,
    ),
    "patch": (lambda c, k, bsn: c.patch_json(k["url"], {"voornaam": "Hendrika"}), {200, 404}, True),
    "validaties": (
        lambda c, k, bsn: c.post_json(f"{k['url']}/validaties", assertion(bsn)),
        {201, 404},
        True,
    ),
    "interacties": (
        lambda c, k, bsn: c.post_json(
            f"{k['url']}/interacties",
            {"soort": "zaak", "url": "https://zaken.example/zaken/1", "rol": "initiator"},
        ),
        {201, 404},
        False,
    ),
    "bevestigingsverzoek": (
        lambda c, k, bsn: c.post(f"{k['url']}/bevestigingsverzoek"),
        {201, 404},
        False,
    ),
    "interactie_verwijderen": (
        lambda c, k, bsn: c.delete(k["interactie"]),
        {204, 404},
        False,
    ),
}


@pytest.mark.parametrize("kind", WRITES)
def test_delete_racing_a_write(balie, kind):
    write, allowed, changes = WRITES[kind]
    nummers = bsns()
    for _ in range(ROUNDS):
        bsn = next(nummers)
        klant = create(balie, bsn)
        if kind == "interactie_verwijderen":
            response = balie.post_json(
                f"{klant['url']}/interacties",
                {"soort": "zaak", "url": "https://zaken.example/zaken/2", "rol": "initiator"},
            )
            assert response.status_code == 201, response.content
            klant["interactie"] = response.json()["url"]
        deleted, written = race(
            lambda k=klant: balie.delete(k["url"]), lambda k=klant, b=bsn: write(balie, k, b)
        )
        assert status(deleted) == 204, deleted.content
        assert status(written) in allowed, written.content
        if status(written) == 404:
            assert written["Content-Type"] == "application/problem+json"
        assert_nothing_left_of(klant["url"], changes and status(written) < 300)
    assert_no_orphans()


def test_delete_racing_the_retention_run(balie, settings):
    settings.SITE_DOMAIN = "testserver"
    nummers = bsns()
    for _ in range(ROUNDS):
        klant = create(balie, next(nummers))
        Klant.objects.filter(uuid=klant["url"].rsplit("/", 1)[1]).update(
            vernietigingsdatum=date(2000, 1, 1)
        )
        deleted, run = race(
            lambda k=klant: balie.delete(k["url"]),
            lambda: retention.voer_uit(vandaag=date.today()),
        )
        if isinstance(run, Exception):
            raise run
        # exactly one of them destroyed it
        assert (status(deleted), run.aantal_vernietigd) in {(204, 0), (404, 1)}
        assert_nothing_left_of(klant["url"], changed=False)
    assert_no_orphans()


def test_a_transaction_postgresql_cancels_is_run_again(make_klant):
    """Where PostgreSQL still cancels a transaction (here a real deadlock: two writes lock two
    klanten in opposite orders), the write transaction is run again instead of failing (it
    was a 503 before)."""
    first, second = make_klant(), make_klant()
    both_hold_one = threading.Barrier(2)
    attempts = {"a": 0, "b": 0}

    def write(name, one, other):
        def work():
            attempts[name] += 1
            Klant.objects.select_for_update().get(pk=one.pk)
            if attempts[name] == 1:
                both_hold_one.wait(timeout=10)
            Klant.objects.select_for_update().get(pk=other.pk)
            return name

        return lambda: transactions.uitvoeren(work)

    results = race(write("a", first, second), write("b", second, first))
    assert sorted(results) == ["a", "b"]
    # one of the two was cancelled by PostgreSQL's deadlock detection and ran again
    assert sorted(attempts.values()) == [1, 2]


def test_other_database_errors_are_not_retried(make_klant):
    calls = []

    def work():
        calls.append(1)
        Klant.objects.create(bronorganisatie="x" * 20, klantnummer="1")  # too long: DataError

    with pytest.raises(DataError):
        transactions.uitvoeren(work)
    assert calls == [1]
