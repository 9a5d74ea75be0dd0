"""The klantbeeld's body validation without the serializer (``klantbeeld_attrs``): for every
plain valid body exactly the serializer's validated data; anything else is left to the
serializer (``None``), so every error response is the serializer's own."""

import pytest

from klanten.api.extension_serializers import KlantbeeldSerializer, klantbeeld_attrs

from .conftest import BSN, RSIN

KVK = "69599084"
VESTIGINGSNUMMER = "000012345678"

PLAIN = [
    {"subject_type": "natuurlijk_persoon", "identificatie": {"inp_bsn": BSN}},
    {"subject_type": "natuurlijk_persoon", "identificatie": {"inp_bsn": f" {BSN} "}},
    {
        "subject_type": "natuurlijk_persoon",
        "identificatie": {"inp_bsn": BSN},
        "bronorganisatie": RSIN,
    },
    {"subject_type": "niet_natuurlijk_persoon", "identificatie": {"inn_nnp_id": RSIN}},
    {"subject_type": "niet_natuurlijk_persoon", "identificatie": {"kvk_nummer": KVK}},
    {"subject_type": "vestiging", "identificatie": {"vestigings_nummer": VESTIGINGSNUMMER}},
]

OTHER = [
    # valid, but not plain: the serializer validates them
    {"subject_type": "natuurlijk_persoon", "identificatie": {"inp_bsn": BSN, "x": 1}},
    {"subject_type": "natuurlijk_persoon", "identificatie": {"inp_bsn": BSN}, "extra": 1},
    {"subject_type": "natuurlijk_persoon", "identificatie": {"inp_bsn": int(BSN)}},
    # invalid
    {"subject_type": "natuurlijk_persoon", "identificatie": {"inp_bsn": "12345678"}},
    {"subject_type": "natuurlijk_persoon", "identificatie": {"inp_bsn": "123456789"}},
    {"subject_type": "natuurlijk_persoon", "identificatie": {"inp_bsn": ""}},
    {"subject_type": "natuurlijk_persoon", "identificatie": {"inp_bsn": None}},
    {"subject_type": "natuurlijk_persoon", "identificatie": {"inn_nnp_id": RSIN}},
    {"subject_type": "natuurlijk_persoon", "identificatie": {}},
    {"subject_type": "natuurlijk_persoon", "identificatie": [BSN]},
    {"subject_type": "natuurlijk_persoon"},
    {"identificatie": {"inp_bsn": BSN}},
    {"subject_type": "persoon", "identificatie": {"inp_bsn": BSN}},
    {"subject_type": ["natuurlijk_persoon"], "identificatie": {"inp_bsn": BSN}},
    {"subject_type": "vestiging", "identificatie": {"vestigings_nummer": "123"}},
    {"subject_type": "niet_natuurlijk_persoon", "identificatie": {"kvk_nummer": "1234"}},
    {
        "subject_type": "natuurlijk_persoon",
        "identificatie": {"inp_bsn": BSN},
        "bronorganisatie": "123",
    },
    {
        "subject_type": "natuurlijk_persoon",
        "identificatie": {"inp_bsn": BSN},
        "bronorganisatie": None,
    },
    [],
    "x",
    None,
]


@pytest.mark.parametrize("body", PLAIN)
def test_a_plain_valid_body_gives_the_serializers_data(body):
    serializer = KlantbeeldSerializer(data=body)
    assert serializer.is_valid(), serializer.errors
    assert klantbeeld_attrs(body) == serializer.validated_data


@pytest.mark.parametrize("body", OTHER)
def test_anything_else_is_left_to_the_serializer(body):
    assert klantbeeld_attrs(body) is None
