"""The Klant body's validation without the serializer (``klant_body.klant_attrs``): for every
plain valid body exactly ``KlantSerializer``'s validated data (the same keys in the same order,
the same values of the same types), on create, PUT and PATCH; for anything else ``None``, so
that the serializer answers every error."""

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from klanten.api import serializers as klant_serializers
from klanten.api.klant_body import klant_attrs
from klanten.api.serializers import IDENTIFICATIE_SERIALIZERS, KlantSerializer

from .conftest import BASE, BSN, BSN_2, RSIN, RSIN_2

SUBJECT = "https://brp.example.com/api/ingeschrevenpersonen/999990019"
A_NUMMER = "1234567890"
VESTIGINGSNUMMER = "000012345678"


@pytest.fixture
def subject_url_calls(monkeypatch):
    """The subject URL check (an outbound call) replaced: it records its calls and refuses
    URLs with "kapot"."""
    calls = []

    def check(url):
        calls.append(url)
        if "kapot" in url:
            raise serializers.ValidationError("De subject-URL is niet bereikbaar.", code="bad-url")

    monkeypatch.setattr(klant_serializers, "validate_subject_url", check)
    return calls


@pytest.fixture
def instances(make_klant):
    """None (create) and a klant of each kind (PUT, PATCH)."""
    return {
        "create": None,
        "natuurlijk_persoon": make_klant(),
        "niet_natuurlijk_persoon": make_klant(
            subject_type="niet_natuurlijk_persoon", subject_identificatie={"inn_nnp_id": RSIN}
        ),
        "vestiging": make_klant(
            subject_type="vestiging",
            subject_identificatie={"vestigings_nummer": VESTIGINGSNUMMER},
        ),
        "subject": make_klant(subject=SUBJECT),
    }


def _typed(value):
    """``value`` with the type of every part and the order of every dict's keys."""
    if isinstance(value, dict):
        return (type(value), [(key, _typed(item)) for key, item in value.items()])
    if isinstance(value, list):
        return (type(value), [_typed(item) for item in value])
    return (type(value), value)


def _compare(body, instance, partial, calls) -> bool:
    """Whether the fast path took ``body``; fails when it gives anything but the serializer's
    validated data."""
    serializer = KlantSerializer(instance, data=copy.deepcopy(body), partial=partial)
    valid = serializer.is_valid()
    checked = len(calls)
    fast = klant_attrs(copy.deepcopy(body), instance, partial)
    assert len(calls) == checked, "the fast path called the subject URL"
    if fast is None:
        return False
    assert valid, (body, serializer.errors)
    assert _typed(fast) == _typed(serializer.validated_data), body
    return True


NP = {
    "inp_bsn": f" {BSN} ",
    "anp_identificatie": "x" * 17,
    "inp_a_nummer": A_NUMMER,
    "geslachtsnaam": " Jansen ",
    "voorvoegsel_geslachtsnaam": "van der",
    "voorletters": "",
    "voornamen": "Jan Piet",
    "geslachtsaanduiding": "m",
    "geboortedatum": "19700101",
    "verblijfsadres": {
        "aoa_identificatie": "0363200000123456",
        "gor_openbare_ruimte_naam": "Dam",
        "aoa_huisnummer": 1,
        "inp_locatiebeschrijving": " ",
    },
    "sub_verblijf_buitenland": {"lnd_landcode": "6030", "lnd_landnaam": "Nederland"},
}
NNP = {
    "inn_nnp_id": RSIN_2,
    "ann_identificatie": "",
    "statutaire_naam": "Gemeente " + "x" * 491,
    "inn_rechtsvorm": "publiekrechtelijke_rechtspersoon",
    "bezoekadres": "Dam 1",
    "sub_verblijf_buitenland": None,
}
VESTIGING = {
    "vestigings_nummer": VESTIGINGSNUMMER,
    "handelsnaam": ["Bakkerij", " De Molen "],
    "verblijfsadres": None,
}
ADRES = {
    "straatnaam": " Dam ",
    "huisnummer": 99999,
    "huisletter": "A",
    "huisnummertoevoeging": "bis",
    "postcode": "1012 JS",
    "woonplaatsnaam": "Amsterdam",
    "landcode": "6030",
}
KLANT = {
    "bronorganisatie": RSIN,
    "klantnummer": "12345678",
    "bedrijfsnaam": "",
    "functie": "  ",
    "website_url": "https://www.example.com/",
    "voornaam": " Jan ",
    "voorvoegsel_achternaam": "x" * 10,
    "achternaam": "Jansen",
    "telefoonnummer": "06-12345678",
    "emailadres": "jan@example.nl",
    "adres": ADRES,
    "aanmaakkanaal": "balie",
}

# (body, instances it is valid for); every one must take the fast path
PLAIN = [
    ({"bronorganisatie": RSIN, "subject_type": "natuurlijk_persoon",
      "subject_identificatie": {"inp_bsn": BSN}}, ["create", "natuurlijk_persoon"]),
    ({**KLANT, "subject_type": "natuurlijk_persoon", "subject_identificatie": NP},
     ["create", "natuurlijk_persoon"]),
    ({**KLANT, "subject_type": "niet_natuurlijk_persoon", "subject_identificatie": NNP},
     ["create", "niet_natuurlijk_persoon"]),
    ({**KLANT, "subject_type": "vestiging", "subject_identificatie": VESTIGING},
     ["create", "vestiging"]),
    ({"bronorganisatie": f" {RSIN_2} ", "adres": None, "subject_type": "vestiging",
      "subject_identificatie": {"vestigings_nummer": ""}}, ["create", "vestiging"]),
    # the read-only fields of a representation sent back are ignored
    ({"url": "x", "gevalideerd": True, "bronorganisatie": RSIN, "subject_type":
      "natuurlijk_persoon", "subject_identificatie": {"inp_bsn": BSN_2}},
     ["create", "natuurlijk_persoon"]),
    # the subject URL stays: no C7 check
    ({"bronorganisatie": RSIN, "subject": SUBJECT}, ["subject"]),
]  # fmt: skip
# on PATCH (each instance)
PLAIN_PATCH = [
    {},
    {"telefoonnummer": "06-87654321"},
    {"emailadres": " a@example.nl ", "website_url": ""},
    {"adres": {"straatnaam": "Dam"}},
    {"adres": None},
    {"klantnummer": " 7 "},
    {**KLANT},
]


@pytest.mark.parametrize(("body", "kinds"), PLAIN)
def test_a_plain_valid_body_gives_the_serializers_data(body, kinds, instances, subject_url_calls):
    for kind in kinds:
        assert _compare(body, instances[kind], False, subject_url_calls), kind
        assert _compare(body, instances[kind], True, subject_url_calls), kind


@pytest.mark.parametrize("body", PLAIN_PATCH)
def test_a_plain_valid_patch_gives_the_serializers_data(body, instances, subject_url_calls):
    for kind, instance in instances.items():
        if instance is not None:
            assert _compare(body, instance, True, subject_url_calls), kind


def _np(**identificatie):
    return {
        "bronorganisatie": RSIN,
        "subject_type": "natuurlijk_persoon",
        "subject_identificatie": {"inp_bsn": BSN, **identificatie},
    }


# (body, instance kind, partial); each is left to the serializer
OTHER = [
    # valid, but not plain
    ({**_np(), "onbekend": 1}, "create", False),
    (_np(onbekend=1), "create", False),
    ({**_np(), "adres": {"straatnaam": "Dam", "x": 1}}, "create", False),
    ({**_np(), "subject": SUBJECT}, "create", False),  # C7: the serializer calls it
    ({"subject": SUBJECT}, "natuurlijk_persoon", True),
    # invalid
    ({}, "create", False),
    ({"bronorganisatie": RSIN}, "create", False),  # C8: no subject
    ({**_np(), "bronorganisatie": "123456789"}, "create", False),
    ({**_np(), "bronorganisatie": ""}, "create", False),
    ({**_np(), "bronorganisatie": None}, "create", False),
    ({**_np(), "klantnummer": ""}, "create", False),
    ({**_np(), "klantnummer": "123456789"}, "create", False),
    ({**_np(), "voornaam": "x" * 201}, "create", False),
    ({**_np(), "voornaam": "a\x00b"}, "create", False),
    ({**_np(), "voornaam": "\ud800"}, "create", False),
    ({**_np(), "voornaam": None}, "create", False),
    ({**_np(), "voornaam": ["x"]}, "create", False),
    ({**_np(), "emailadres": "geen-adres"}, "create", False),
    ({**_np(), "website_url": "geen url"}, "create", False),
    ({**_np(), "adres": {"huisnummer": 100000}}, "create", False),
    ({**_np(), "adres": {"huisnummer": -1}}, "create", False),
    ({**_np(), "adres": {"huisnummer": True}}, "create", False),
    ({**_np(), "adres": {"huisletter": "AB"}}, "create", False),
    ({**_np(), "adres": []}, "create", False),
    (_np(inp_bsn="123456789"), "create", False),
    (_np(inp_a_nummer="0123456789"), "create", False),
    (_np(inp_a_nummer="12345678901"), "create", False),
    (_np(geslachtsaanduiding="x"), "create", False),
    (_np(verblijfsadres={"gor_openbare_ruimte_naam": "Dam"}), "create", False),
    (_np(sub_verblijf_buitenland={"lnd_landcode": "6030"}), "create", False),
    ({**_np(), "subject_type": "persoon"}, "create", False),
    ({**_np(), "subject_type": None}, "create", False),
    ({"bronorganisatie": RSIN, "subject_identificatie": {"inp_bsn": BSN}}, "create", False),
    ({"bronorganisatie": RSIN, "subject_type": "natuurlijk_persoon"}, "create", False),
    ({**_np(), "subject_identificatie": [BSN]}, "create", False),
    ({**_np(), "subject_identificatie": None}, "create", False),
    ({**_np(), "subject_type": "vestiging"}, "create", False),
    ({"subject_type": "vestiging"}, "natuurlijk_persoon", True),  # C8: no change of type
    ({"subject_type": None}, "natuurlijk_persoon", True),
    ({"subject_identificatie": None}, "natuurlijk_persoon", False),  # PUT: no subject left
    ({"subject": ""}, "subject", True),
    ({"subject_identificatie": {"inp_bsn": BSN}}, "subject", True),  # no subjectType
    ({"subject_identificatie": {"handelsnaam": "x"}}, "vestiging", True),
    ({"subject_identificatie": {"handelsnaam": ["x" * 626]}}, "vestiging", True),
    ([], "create", False),
    ("x", "create", False),
    (None, "create", False),
]


@pytest.mark.parametrize(("body", "kind", "partial"), OTHER)
def test_anything_else_is_left_to_the_serializer(body, kind, partial, instances, subject_url_calls):
    assert klant_attrs(copy.deepcopy(body), instances[kind], partial) is None
    assert not subject_url_calls


# --- property: random bodies, valid and not, on create, PUT and PATCH ----------------------
# Each value is drawn from valid ones, or (with ``noise``) from anything: valid, too long,
# of another type, not ASCII, with NUL or a lone surrogate.

JUNK = [None, 1, 0, 1.5, True, False, [], {}, ["x"], {"a": 1}, "\ud800", "a\x00", "é"]


def _text(max_length: int, good=(), bad=()):
    valid = [*good, "", "  ", "a", " a ", "x" * max_length, f" {'x' * max_length}\t", "é"]
    return lambda noise: (
        st.one_of(
            st.sampled_from(valid),
            st.sampled_from([*bad, "x" * (max_length + 1), "é" * (max_length + 1), *JUNK]),
            st.text(max_size=max_length + 2),
        )
        if noise
        else st.sampled_from(valid)
    )


def _values(valid, other=()):
    return lambda noise: st.sampled_from([*valid, *other, *JUNK] if noise else valid)


def _object(fields: dict, nullable=True, required=()):
    def strategy(noise):
        objects = st.fixed_dictionaries(
            {} if noise else {name: fields[name](noise) for name in required},
            optional={
                name: value(noise)
                for name, value in fields.items()
                if noise or name not in required
            },
        )
        if noise:
            return st.one_of(objects, st.sampled_from(JUNK))
        return st.one_of(objects, st.none()) if nullable else objects

    return strategy


ADRES_VALUES = {
    "straatnaam": _text(100),
    "huisnummer": _values([0, 1, 12, 99999], [-1, 100000, "12", "1.0"]),
    "huisletter": _text(1),
    "huisnummertoevoeging": _text(4),
    "postcode": _text(7, ["1234 AB"]),
    "woonplaatsnaam": _text(80),
    "landcode": _text(4, ["6030"]),
}
VERBLIJFSADRES = {
    "aoa_identificatie": _values(["0363200000123456", " x "], ["", "x" * 101]),
    "wpl_woonplaats_naam": _text(80),
    "gor_openbare_ruimte_naam": _values(["Dam", "x" * 80], ["", " "]),
    "aoa_postcode": _text(7),
    "aoa_huisnummer": _values([None, 0, 99999], [-1, 100000]),
    "aoa_huisletter": _text(1),
    "aoa_huisnummertoevoeging": _text(4),
    "inp_locatiebeschrijving": _text(1000),
}
VERBLIJFSADRES_REQUIRED = ("aoa_identificatie", "gor_openbare_ruimte_naam")
BUITENLAND_REQUIRED = ("lnd_landcode", "lnd_landnaam")
BUITENLAND = {
    "lnd_landcode": _values(["5010", " 6030 "], ["", "12345"]),
    "lnd_landnaam": _values(["België", "x" * 40], ["", "x" * 41]),
    "sub_adres_buitenland_1": _text(35),
    "sub_adres_buitenland_2": _text(35),
    "sub_adres_buitenland_3": _text(35),
}
IDENTIFICATIE = {
    "natuurlijk_persoon": {
        "inp_bsn": _values(["", BSN, BSN_2, f" {BSN} "], ["123456789", "12345678"]),
        "anp_identificatie": _text(17),
        "inp_a_nummer": _values(["", A_NUMMER, f" {A_NUMMER}"], ["0123456789", "12345678901"]),
        "geslachtsnaam": _text(200),
        "voorvoegsel_geslachtsnaam": _text(80),
        "voorletters": _text(20),
        "voornamen": _text(200),
        "geslachtsaanduiding": _values(["m", "v", "o", ""], ["x", " m"]),
        "geboortedatum": _text(18),
        "verblijfsadres": _object(VERBLIJFSADRES, required=VERBLIJFSADRES_REQUIRED),
        "sub_verblijf_buitenland": _object(BUITENLAND, required=BUITENLAND_REQUIRED),
    },
    "niet_natuurlijk_persoon": {
        "inn_nnp_id": _values(["", RSIN, RSIN_2], ["123456789"]),
        "ann_identificatie": _text(17),
        "statutaire_naam": _text(500),
        "inn_rechtsvorm": _values(["stichting", ""], ["bv", " stichting"]),
        "bezoekadres": _text(1000),
        "sub_verblijf_buitenland": _object(BUITENLAND, required=BUITENLAND_REQUIRED),
    },
    "vestiging": {
        "vestigings_nummer": _text(24, [VESTIGINGSNUMMER]),
        "handelsnaam": lambda noise: st.lists(_text(625)(noise), max_size=3),
        "verblijfsadres": _object(VERBLIJFSADRES, required=VERBLIJFSADRES_REQUIRED),
        "sub_verblijf_buitenland": _object(BUITENLAND, required=BUITENLAND_REQUIRED),
    },
}
KLANT_VALUES = {
    "klantnummer": _values(["1", " 42 ", "12345678"], ["", "123456789"]),
    "bedrijfsnaam": _text(200),
    "functie": _text(200),
    "website_url": _text(1000, ["https://example.com", " http://example.com/a "], ["geen url"]),
    "voornaam": _text(200),
    "voorvoegsel_achternaam": _text(10),
    "achternaam": _text(200),
    "telefoonnummer": _text(20),
    "emailadres": _values(["", "a@example.nl", " a@example.nl "], ["a@b", "@x.nl", "x" * 255]),
    "adres": _object(ADRES_VALUES),
    "subject": _values(["", " "], [SUBJECT, "https://kapot.example.com/x", "geen url"]),
    "aanmaakkanaal": _text(50),
}
BRONORGANISATIE = _values([RSIN, RSIN_2, f" {RSIN}"], ["123456789", ""])


@st.composite
def bodies(draw, instance_kind):
    """Mostly valid for the klant of ``instance_kind`` without noise, anything with it."""
    noise = draw(st.booleans())
    values = {name: value(noise) for name, value in KLANT_VALUES.items()}
    body = draw(st.fixed_dictionaries({}, optional=values))
    if noise or draw(st.booleans()):  # required on create and PUT
        body["bronorganisatie"] = draw(BRONORGANISATIE(noise))
    if noise and draw(st.booleans()):
        body[draw(st.sampled_from(["url", "gevalideerd", "onbekend"]))] = 1
    if noise:
        kind = draw(st.sampled_from([*IDENTIFICATIE, None, "persoon"]))
    elif instance_kind in IDENTIFICATIE:
        kind = draw(st.sampled_from([instance_kind, None]))
    else:
        kind = draw(st.sampled_from([*IDENTIFICATIE, None]))
    if kind is not None:
        body["subject_type"] = kind
    if draw(st.integers(0, 3)):
        shape = kind or instance_kind
        shape = shape if shape in IDENTIFICATIE else "natuurlijk_persoon"
        if noise:
            shape = draw(st.sampled_from([shape, *IDENTIFICATIE]))
        body["subject_identificatie"] = draw(_object(IDENTIFICATIE[shape])(noise))
    return noise, body


def test_the_generated_bodies_cover_every_field():
    assert set(IDENTIFICATIE) == set(IDENTIFICATIE_SERIALIZERS)
    for kind, serializer in IDENTIFICATIE_SERIALIZERS.items():
        assert set(IDENTIFICATIE[kind]) == set(serializer().fields), kind
    adres = KlantSerializer().fields["adres"]
    assert set(ADRES_VALUES) == set(adres.fields)
    writable = {name for name, field in KlantSerializer().fields.items() if not field.read_only}
    assert writable == {*KLANT_VALUES, "bronorganisatie", "subject_type"}


def test_random_bodies_give_the_serializers_data_or_are_left_to_it(instances, subject_url_calls):
    outcomes = []

    @settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def check(data):
        kind = data.draw(st.sampled_from([*instances]))
        partial = data.draw(st.booleans())
        noise, body = data.draw(bodies(kind))
        instance = instances[kind]
        serializer = KlantSerializer(instance, data=copy.deepcopy(body), partial=partial)
        valid = serializer.is_valid()
        url_checked = bool(subject_url_calls)
        subject_url_calls.clear()
        taken = _compare(body, instance, partial, subject_url_calls)
        subject_url_calls.clear()
        # a valid body without noise (so plain) is never left to the serializer, but for
        # the C7 call
        if valid and not url_checked and not noise:
            assert taken, body
        outcomes.append((valid, taken))

    check()
    # both kinds of body were generated, and many took the fast path
    assert sum(taken for _valid, taken in outcomes) >= len(outcomes) // 10
    assert sum(not valid for valid, _taken in outcomes) >= len(outcomes) // 4


# --- the view -------------------------------------------------------------------------------


def test_the_view_validates_a_plain_body_without_the_serializer(api, monkeypatch):
    validated = []
    is_valid = KlantSerializer.is_valid

    def counting(self, *args, **kwargs):
        validated.append(self)
        return is_valid(self, *args, **kwargs)

    monkeypatch.setattr(KlantSerializer, "is_valid", counting)
    body = {
        "bronorganisatie": RSIN,
        "subjectType": "natuurlijk_persoon",
        "subjectIdentificatie": {"inpBsn": BSN},
    }
    response = api.post_json(f"{BASE}/klanten", body)
    assert response.status_code == 201, response.content
    url = response.json()["url"]
    assert api.patch_json(url, {"telefoonnummer": "06-1"}).status_code == 200
    assert not validated
    # anything else: the serializer, with its errors
    response = api.patch_json(url, {"telefoonnummer": "0" * 21})
    assert response.status_code == 400
    assert len(validated) == 1
    assert [p["name"] for p in response.json()["invalidParams"]] == ["telefoonnummer"]


def test_a_serializer_with_a_rule_of_its_own_has_no_plan_and_goes_through_itself():
    """A later ``validate_<field>`` is not repeated by the plan: no plan (every body through
    the serializer), never an error at request time."""
    from klanten.api import klant_body
    from klanten.api.serializers import NatuurlijkPersoonSerializer

    class MetRegel(NatuurlijkPersoonSerializer):
        def validate_geslachtsnaam(self, value):
            return value

    assert klant_body._plan(MetRegel, False) is None
    assert klant_body._plan(NatuurlijkPersoonSerializer, False) is not None
