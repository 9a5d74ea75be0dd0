"""V1: validation never goes back, and clients cannot set it themselves."""

import pytest
from django.db import IntegrityError, transaction

from klanten.datamodel.models import Klant

from .conftest import BASE, BSN, RSIN


@pytest.fixture
def gevalideerde_klant(make_klant):
    klant = make_klant()
    Klant.objects.filter(pk=klant.pk).update(
        gevalideerd=True, gevalideerde_sleutel_type="bsn", gevalideerde_sleutel=BSN
    )
    return klant


def test_database_refuses_un_validating_a_klant(gevalideerde_klant):
    with pytest.raises(IntegrityError, match="nooit weer niet-gevalideerd"), transaction.atomic():
        Klant.objects.filter(pk=gevalideerde_klant.pk).update(gevalideerd=False)
    assert Klant.objects.get(pk=gevalideerde_klant.pk).gevalideerd is True


def test_database_allows_other_changes_of_a_validated_klant(gevalideerde_klant):
    Klant.objects.filter(pk=gevalideerde_klant.pk).update(emailadres="nieuw@example.com")
    klant = Klant.objects.get(pk=gevalideerde_klant.pk)
    assert (klant.gevalideerd, klant.emailadres) == (True, "nieuw@example.com")


def test_gevalideerd_in_a_create_body_is_ignored(api):
    response = api.post_json(
        f"{BASE}/klanten",
        {
            "bronorganisatie": RSIN,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": BSN},
            "gevalideerd": True,
        },
    )
    assert response.status_code == 201, response.content
    assert response.json()["gevalideerd"] is False
    assert Klant.objects.get().gevalideerd is False


@pytest.mark.parametrize("method", ["put_json", "patch_json"])
def test_gevalideerd_in_an_update_body_is_ignored(api, make_klant, method):
    klant = make_klant()
    body = {
        "bronorganisatie": RSIN,
        "subjectType": "natuurlijk_persoon",
        "subjectIdentificatie": {"inpBsn": BSN},
        "gevalideerd": True,
    }
    response = getattr(api, method)(f"{BASE}/klanten/{klant.uuid}", body)
    assert response.status_code == 200, response.content
    assert response.json()["gevalideerd"] is False
    assert Klant.objects.get(pk=klant.pk).gevalideerd is False
