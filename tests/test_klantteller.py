"""The exact klant counter behind the unfiltered list count (KlantTeller + triggers)."""

import uuid

import pytest
from django.db import connection
from django.db.models import Count, Sum
from vng_api_common.authorizations.models import Applicatie

from klanten.datamodel.models import GEEN_APPLICATIE, Klant, KlantTeller

from .conftest import BASE, RSIN


def _counter() -> dict:
    rows = KlantTeller.objects.values("gevalideerd", "geregistreerd_door").annotate(
        total=Sum("aantal")
    )
    return {(r["gevalideerd"], r["geregistreerd_door"]): r["total"] for r in rows if r["total"]}


def _truth() -> dict:
    rows = Klant.objects.values("gevalideerd", "geregistreerd_door").annotate(total=Count("id"))
    return {
        (r["gevalideerd"], r["geregistreerd_door"] or GEEN_APPLICATIE): r["total"] for r in rows
    }


def _bulk(n, door=None, start=0):
    Klant.objects.bulk_create(
        Klant(
            bronorganisatie=RSIN,
            klantnummer=str(start + i),
            subject="https://brp.example/ingeschrevenpersonen/1",
            geregistreerd_door=door,
        )
        for i in range(n)
    )


def test_counter_follows_inserts_updates_deletes(db):
    a, b = uuid.uuid4(), uuid.uuid4()
    _bulk(40, a)
    _bulk(25, b, start=100)
    _bulk(5, None, start=200)
    assert _counter() == _truth()

    validated = list(Klant.objects.filter(geregistreerd_door=a).values_list("pk", flat=True)[:7])
    Klant.objects.filter(pk__in=validated).update(
        gevalideerd=True, gevalideerde_sleutel_type="kvk", gevalideerde_sleutel="12345678"
    )
    Klant.objects.filter(geregistreerd_door=b).update(emailadres="x@example.com")  # no change
    Klant.objects.filter(
        pk__in=Klant.objects.filter(geregistreerd_door=b).values("pk")[:10]
    ).delete()
    assert _counter() == _truth()
    assert _truth()[(True, a)] == 7


def test_counter_is_emptied_by_truncate(db):
    _bulk(3)
    with connection.cursor() as cursor:
        # the klant's deferred foreign keys (werkte_voor_partij) have checks pending in this
        # test's transaction; TRUNCATE needs them done
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("TRUNCATE datamodel_klant CASCADE")
    assert _counter() == {}


@pytest.mark.zichtbaarheid_applicatie
def test_full_page_count_is_the_visible_count(make_client):
    client_a = make_client(client_id="app-a")
    make_client(client_id="app-b")
    a = Applicatie.objects.get(client_ids__contains=["app-a"]).uuid
    b = Applicatie.objects.get(client_ids__contains=["app-b"]).uuid
    _bulk(130, a)
    _bulk(60, b, start=1000)
    Klant.objects.filter(
        pk__in=Klant.objects.filter(geregistreerd_door=b).values("pk")[:20]
    ).update(gevalideerd=True, gevalideerde_sleutel_type="kvk", gevalideerde_sleutel="12345678")

    response = client_a.get(f"{BASE}/klanten")
    assert response.status_code == 200
    body = response.json()
    # A sees its own 130 and the 20 validated klanten of B, not B's 40 non-validated ones
    assert body["count"] == 150
    assert len(body["results"]) == 100
    assert client_a.get(f"{BASE}/klanten", {"page": 2}).json()["count"] == 150
    assert len(client_a.get(f"{BASE}/klanten", {"page": 2}).json()["results"]) == 50


def test_full_page_count_for_an_application_seeing_everything(api):
    _bulk(120, uuid.uuid4())
    _bulk(30, start=500)
    body = api.get(f"{BASE}/klanten").json()
    assert body["count"] == 150
    assert body["next"].endswith("page=2")
