"""Serializer fields built once per class and ``partial`` flag (``klanten.api.prebuilt``): one
tree serves every request, so nothing of one request may show in the next, in another thread,
or across a create (defaults) and a PATCH (missing values skipped)."""

import threading

import pytest

from klanten.api import prebuilt
from klanten.api.serializers import KlantSerializer, NatuurlijkPersoonSerializer
from klanten.contactmomenten.serializers import ContactMomentSerializer

from .conftest import BASE, BSN, RSIN

KLANTEN = f"{BASE}/klanten"
_IDENTIFICATIE = {
    "bronorganisatie": RSIN,
    "subject_type": "natuurlijk_persoon",
    "subject_identificatie": {"inp_bsn": BSN},
}


def _invalid(response) -> list[tuple[str, str]]:
    assert response.status_code == 400, response.content
    return [(p["name"], p["code"]) for p in response.json()["invalidParams"]]


def test_one_tree_per_class_and_partial():
    create_a, create_b = KlantSerializer(data={}), KlantSerializer(data={})
    patch = KlantSerializer(data={}, partial=True)
    assert create_a.fields is create_b.fields
    assert patch.fields is not create_a.fields
    assert create_a.fields["adres"].root.partial is False
    assert patch.fields["adres"].fields["postcode"].root.partial is True
    # a serializer of its own: with a context, or as a field of another serializer
    own = KlantSerializer(data={}, context={"x": 1})
    assert own.fields is not create_a.fields
    assert create_a.fields["adres"].fields is not prebuilt.tree(
        type(create_a.fields["adres"]), False
    )


def test_the_a_nummer_rule_keeps_its_own_validator():
    fields = NatuurlijkPersoonSerializer(data={}).fields
    assert len(fields["inp_a_nummer"].validators) == 1


def test_a_shared_tree_keeps_no_state_of_a_request():
    bad = KlantSerializer(
        data={"bronorganisatie": "123", "adres": {"huisnummer": "x", "huisletter": "ab"}}
    )
    assert not bad.is_valid()
    assert set(bad.errors) == {"bronorganisatie", "adres"}
    assert set(bad.errors["adres"]) == {"huisnummer", "huisletter"}
    good = KlantSerializer(data={**_IDENTIFICATIE, "adres": {"straatnaam": "Laan"}})
    assert good.is_valid(), good.errors
    adres = good.validated_data["adres"]  # every field, the missing ones defaulted
    assert set(adres) == set(good.fields["adres"].fields)
    assert (adres["straatnaam"], adres["huisnummer"], adres["huisletter"]) == ("Laan", None, "")
    assert bad.errors["adres"]["huisnummer"][0].code == "invalid"  # still its own
    partial = KlantSerializer(data={"adres": {"straatnaam": "Laan"}, "subject": ""}, partial=True)
    partial.is_valid()
    # the fields skipped what was missing (no defaults): only C8's error, from ``validate``
    assert set(partial.errors) == {"non_field_errors"}
    nested = partial.fields["adres"].run_validation({"straatnaam": "Laan"})
    assert nested == {"straatnaam": "Laan"}


def test_threads_validating_at_once_see_only_their_own_errors():
    payloads = [
        {"bronorganisatie": "12345678"},
        {**_IDENTIFICATIE, "adres": {"straatnaam": "Laan"}},
        {"bronorganisatie": RSIN, "adres": {"huisnummer": -1}},
        {"bronorganisatie": RSIN, "emailadres": "geen-adres", "functie": "x" * 201},
        {
            "bronorganisatie": RSIN,
            "subject_type": "natuurlijk_persoon",
            "subject_identificatie": {"inp_bsn": "123", "verblijfsadres": {"aoa_huisnummer": 1}},
        },
        {"bronorganisatie": RSIN, "subject_type": "vestiging", "subject_identificatie": {}},
    ]

    def errors_of(payload, partial):
        serializer = KlantSerializer(data=payload, partial=partial)
        serializer.is_valid()
        return repr(serializer.errors), repr(serializer.validated_data)

    expected = {
        (index, partial): errors_of(payload, partial)
        for index, payload in enumerate(payloads)
        for partial in (False, True)
    }
    assert len(set(expected.values())) > len(payloads)  # partial answers differently too
    wrong = []
    start = threading.Barrier(len(expected))

    def worker(index, partial):
        start.wait()
        for _ in range(150):
            if errors_of(payloads[index], partial) != expected[index, partial]:
                wrong.append((index, partial))

    threads = [threading.Thread(target=worker, args=key) for key in expected]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []


def test_contactmoment_trees_are_shared_and_keep_no_state():
    bad = ContactMomentSerializer(data={"bronorganisatie": "1", "onderwerpLinks": ["x"]})
    assert not bad.is_valid()
    good = ContactMomentSerializer(data={"bronorganisatie": RSIN, "kanaal": "telefoon"})
    assert good.is_valid(), good.errors
    assert good.fields is bad.fields
    assert dict(good.validated_data) == {"bronorganisatie": RSIN, "kanaal": "telefoon"}


@pytest.mark.django_db
def test_consecutive_creates_and_patches_through_the_api(api):
    first = api.post_json(
        KLANTEN,
        {
            "bronorganisatie": RSIN,
            "adres": {"huisnummer": "x"},
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": "123456789"},
        },
    )
    assert sorted(_invalid(first)) == [
        ("adres.huisnummer", "invalid"),
        ("subjectIdentificatie.inpBsn", "invalid"),
    ]
    second = api.post_json(KLANTEN, {"bronorganisatie": "1234", "functie": "x" * 201})
    assert sorted(_invalid(second)) == [
        ("bronorganisatie", "invalid-length"),
        ("functie", "max_length"),
    ]
    created = api.post_json(
        KLANTEN,
        {
            "bronorganisatie": RSIN,
            "adres": {"straatnaam": "Laan", "postcode": "1234 AB"},
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": BSN, "geslachtsnaam": "Jansen"},
        },
    )
    assert created.status_code == 201, created.content
    # a PATCH skips what is missing (nested too), a create after it defaults it again
    patched = api.patch_json(
        created.json()["url"],
        {"adres": {"straatnaam": "Weg"}, "subjectIdentificatie": {"voornamen": "Jan"}},
    )
    assert patched.status_code == 200, patched.content
    assert patched.json()["adres"]["postcode"] == "1234 AB"
    assert patched.json()["subjectIdentificatie"]["geslachtsnaam"] == "Jansen"
    again = api.post_json(
        KLANTEN,
        {
            "bronorganisatie": RSIN,
            "adres": {"straatnaam": "Laan"},
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": BSN},
        },
    )
    assert again.status_code == 201, again.content
    assert again.json()["adres"]["postcode"] == ""
    assert again.json()["websiteUrl"] == ""
