"""C8: nested groups on PUT and PATCH, subjectType immutability and subject presence."""

import pytest

from klanten.datamodel.models import Klant, KlantAdres, NatuurlijkPersoon, Vestiging

from .conftest import BASE, BSN, BSN_2, RSIN, RSIN_2, klant_url

KLANTEN = f"{BASE}/klanten"
SUBJECT = "https://brp.example.com/api/ingeschrevenpersonen/999990019"

ADRES = {
    "straatnaam": "Kerkstraat",
    "huisnummer": 7,
    "huisletter": "a",
    "huisnummertoevoeging": "bis",
    "postcode": "1234AB",
    "woonplaatsnaam": "Amsterdam",
    "landcode": "6030",
}
VERBLIJFSADRES = {
    "aoaIdentificatie": "0344200000123456",
    "wplWoonplaatsNaam": "Utrecht",
    "gorOpenbareRuimteNaam": "Oudegracht",
    "aoaPostcode": "3511AB",
    "aoaHuisnummer": 12,
    "aoaHuisletter": "b",
    "aoaHuisnummertoevoeging": "2hg",
    "inpLocatiebeschrijving": "",
}
SUB_VERBLIJF_BUITENLAND = {
    "lndLandcode": "5010",
    "lndLandnaam": "België",
    "subAdresBuitenland1": "Grote Markt 1",
    "subAdresBuitenland2": "1000 Brussel",
    "subAdresBuitenland3": "",
}
NP_IDENTIFICATIE = {
    "inpBsn": BSN,
    "anpIdentificatie": "ANP-1",
    "inpANummer": "1234567890",
    "geslachtsnaam": "Dijk",
    "voorvoegselGeslachtsnaam": "van",
    "voorletters": "J",
    "voornamen": "Jan",
    "geslachtsaanduiding": "m",
    "geboortedatum": "1970-01-31",
    "verblijfsadres": VERBLIJFSADRES,
    "subVerblijfBuitenland": SUB_VERBLIJF_BUITENLAND,
}


def _invalid_params(response) -> list[tuple[str, str]]:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400
    for param in body["invalidParams"]:
        assert set(param) == {"name", "code", "reason"}
        assert param["reason"]
    return [(p["name"], p["code"]) for p in body["invalidParams"]]


@pytest.fixture
def np_klant(api):
    """A natuurlijk persoon with every nested group filled, created through the API."""
    response = api.post_json(
        KLANTEN,
        {
            "bronorganisatie": RSIN,
            "klantnummer": "100",
            "voornaam": "Jan",
            "achternaam": "Dijk",
            "emailadres": "jan@example.com",
            "adres": ADRES,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": NP_IDENTIFICATIE,
        },
    )
    assert response.status_code == 201, response.content
    return response.json()


def _put_body(klant: dict, **changes) -> dict:
    body = {k: v for k, v in klant.items() if k != "url"}
    body.update(changes)
    return body


# --- PATCH merges ----------------------------------------------------------------------


def test_patch_adres_merges_fields(api, np_klant):
    response = api.patch_json(np_klant["url"], {"adres": {"postcode": "9999ZZ", "huisnummer": 8}})
    assert response.status_code == 200, response.content
    expected = {**np_klant, "adres": {**ADRES, "postcode": "9999ZZ", "huisnummer": 8}}
    assert response.json() == expected
    assert api.get(np_klant["url"]).json() == expected


def test_patch_adres_creates_group_when_absent(api, make_klant):
    klant = make_klant()
    response = api.patch_json(klant_url(klant), {"adres": {"straatnaam": "Laan"}})
    assert response.status_code == 200, response.content
    assert response.json()["adres"] == {
        "straatnaam": "Laan",
        "huisnummer": None,
        "huisletter": "",
        "huisnummertoevoeging": "",
        "postcode": "",
        "woonplaatsnaam": "",
        "landcode": "",
    }
    assert KlantAdres.objects.filter(klant=klant).count() == 1


def test_patch_subject_identificatie_merges_fields(api, np_klant):
    response = api.patch_json(
        np_klant["url"], {"subjectIdentificatie": {"voornamen": "Johannes", "voorletters": "JH"}}
    )
    assert response.status_code == 200, response.content
    expected = {
        **np_klant,
        "subjectIdentificatie": {**NP_IDENTIFICATIE, "voornamen": "Johannes", "voorletters": "JH"},
    }
    assert response.json() == expected
    assert api.get(np_klant["url"]).json() == expected


def test_patch_nested_address_groups_of_identificatie_merge(api, np_klant):
    response = api.patch_json(
        np_klant["url"],
        {
            "subjectIdentificatie": {
                "verblijfsadres": {"aoaPostcode": "3500AA"},
                "subVerblijfBuitenland": {"subAdresBuitenland3": "Vlaanderen"},
            }
        },
    )
    assert response.status_code == 200, response.content
    identificatie = response.json()["subjectIdentificatie"]
    assert identificatie == {
        **NP_IDENTIFICATIE,
        "verblijfsadres": {**VERBLIJFSADRES, "aoaPostcode": "3500AA"},
        "subVerblijfBuitenland": {**SUB_VERBLIJF_BUITENLAND, "subAdresBuitenland3": "Vlaanderen"},
    }


def test_patch_subject_identificatie_null_means_no_change(api, np_klant):
    response = api.patch_json(
        np_klant["url"], {"subjectIdentificatie": None, "telefoonnummer": "0201234567"}
    )
    assert response.status_code == 200, response.content
    assert response.json() == {**np_klant, "telefoonnummer": "0201234567"}
    assert NatuurlijkPersoon.objects.filter(klant__uuid=np_klant["url"][-36:]).count() == 1


def test_patch_omitted_keys_are_unchanged(api, np_klant):
    response = api.patch_json(np_klant["url"], {"functie": "Directeur"})
    assert response.status_code == 200, response.content
    assert response.json() == {**np_klant, "functie": "Directeur"}


def test_patch_empty_body_changes_nothing(api, np_klant):
    response = api.patch_json(np_klant["url"], {})
    assert response.status_code == 200, response.content
    assert response.json() == np_klant


def test_patch_identificatie_values_are_validated(api, np_klant):
    response = api.patch_json(np_klant["url"], {"subjectIdentificatie": {"inpBsn": "123456789"}})
    assert _invalid_params(response) == [("subjectIdentificatie.inpBsn", "invalid")]
    assert api.get(np_klant["url"]).json() == np_klant


# --- PUT replaces ------------------------------------------------------------------------


def test_put_identical_body_is_a_no_op(api, np_klant):
    response = api.put_json(np_klant["url"], _put_body(np_klant))
    assert response.status_code == 200, response.content
    assert response.json() == np_klant


def test_put_adres_null_removes_adres(api, np_klant):
    response = api.put_json(np_klant["url"], _put_body(np_klant, adres=None))
    assert response.status_code == 200, response.content
    assert response.json() == {**np_klant, "adres": None}
    assert not KlantAdres.objects.exists()


def test_put_adres_replaces_the_group(api, np_klant):
    response = api.put_json(np_klant["url"], _put_body(np_klant, adres={"straatnaam": "Laan"}))
    assert response.status_code == 200, response.content
    assert response.json()["adres"] == {
        "straatnaam": "Laan",
        "huisnummer": None,
        "huisletter": "",
        "huisnummertoevoeging": "",
        "postcode": "",
        "woonplaatsnaam": "",
        "landcode": "",
    }


def test_put_subject_identificatie_null_removes_it(api, np_klant, requests_mock):
    requests_mock.get(SUBJECT, status_code=200)
    response = api.put_json(
        np_klant["url"], _put_body(np_klant, subject=SUBJECT, subjectIdentificatie=None)
    )
    assert response.status_code == 200, response.content
    expected = {**np_klant, "subject": SUBJECT, "subjectIdentificatie": None}
    assert response.json() == expected
    assert api.get(np_klant["url"]).json() == expected
    assert not NatuurlijkPersoon.objects.exists()
    # subjectType stays: it cannot change once set
    assert Klant.objects.get().subject_type == "natuurlijk_persoon"


@pytest.mark.parametrize("group", ["verblijfsadres", "subVerblijfBuitenland"])
def test_put_null_removes_address_group_of_identificatie(api, np_klant, group):
    identificatie = {**NP_IDENTIFICATIE, group: None}
    response = api.put_json(
        np_klant["url"], _put_body(np_klant, subjectIdentificatie=identificatie)
    )
    assert response.status_code == 200, response.content
    assert response.json() == {**np_klant, "subjectIdentificatie": identificatie}
    stored = NatuurlijkPersoon.objects.get()
    field = "verblijfsadres" if group == "verblijfsadres" else "sub_verblijf_buitenland"
    assert getattr(stored, field) is None


def test_put_identificatie_resets_omitted_fields_but_keeps_omitted_groups(api, np_klant):
    response = api.put_json(
        np_klant["url"], _put_body(np_klant, subjectIdentificatie={"inpBsn": BSN_2})
    )
    assert response.status_code == 200, response.content
    assert response.json()["subjectIdentificatie"] == {
        "inpBsn": BSN_2,
        "anpIdentificatie": "",
        "inpANummer": "",
        "geslachtsnaam": "",
        "voorvoegselGeslachtsnaam": "",
        "voorletters": "",
        "voornamen": "",
        "geslachtsaanduiding": "",
        "geboortedatum": "",
        # like ``adres`` on the klant: an omitted group is kept, only null removes it
        "verblijfsadres": np_klant["subjectIdentificatie"]["verblijfsadres"],
        "subVerblijfBuitenland": np_klant["subjectIdentificatie"]["subVerblijfBuitenland"],
    }
    assert response.json()["subjectIdentificatie"]["verblijfsadres"] is not None


def test_put_resets_omitted_plain_fields(api, np_klant):
    response = api.put_json(
        np_klant["url"],
        {
            "bronorganisatie": RSIN,
            "klantnummer": "100",
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": NP_IDENTIFICATIE,
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body == {
        **np_klant,
        "voornaam": "",
        "achternaam": "",
        "emailadres": "",
        # an omitted group on PUT is left alone; only an explicit null removes it
        "adres": body["adres"],
    }
    assert (body["voornaam"], body["achternaam"], body["emailadres"]) == ("", "", "")


def test_put_requires_bronorganisatie(api, np_klant):
    body = _put_body(np_klant)
    del body["bronorganisatie"]
    response = api.put_json(np_klant["url"], body)
    assert _invalid_params(response) == [("bronorganisatie", "required")]


def test_put_vestiging_replaces_handelsnaam(api, make_klant):
    klant = make_klant(
        subject_type="vestiging",
        subject_identificatie={"vestigings_nummer": "12", "handelsnaam": ["A", "B"]},
    )
    response = api.put_json(
        klant_url(klant),
        {
            "bronorganisatie": RSIN,
            "klantnummer": klant.klantnummer,
            "subjectType": "vestiging",
            "subjectIdentificatie": {"vestigingsNummer": "12", "handelsnaam": ["C"]},
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["subjectIdentificatie"] == {
        "vestigingsNummer": "12",
        "handelsnaam": ["C"],
        "verblijfsadres": None,
        "subVerblijfBuitenland": None,
    }
    assert Vestiging.objects.get().handelsnaam == ["C"]


# --- subjectType ------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["patch", "put"])
@pytest.mark.parametrize("new_type", ["niet_natuurlijk_persoon", "vestiging", None])
def test_subject_type_cannot_change(api, np_klant, method, new_type):
    if method == "patch":
        response = api.patch_json(np_klant["url"], {"subjectType": new_type})
    else:
        response = api.put_json(np_klant["url"], _put_body(np_klant, subjectType=new_type))
    assert _invalid_params(response) == [("subjectType", "wijzigen-niet-toegelaten")]
    assert api.get(np_klant["url"]).json() == np_klant


def test_subject_type_change_with_matching_identificatie_is_refused(api, np_klant):
    response = api.patch_json(
        np_klant["url"],
        {"subjectType": "niet_natuurlijk_persoon", "subjectIdentificatie": {"innNnpId": RSIN_2}},
    )
    assert ("subjectType", "wijzigen-niet-toegelaten") in _invalid_params(response)
    assert api.get(np_klant["url"]).json() == np_klant


def test_same_subject_type_is_accepted(api, np_klant):
    response = api.patch_json(np_klant["url"], {"subjectType": "natuurlijk_persoon"})
    assert response.status_code == 200, response.content
    assert response.json() == np_klant


def test_subject_type_may_be_set_when_null(api, requests_mock):
    requests_mock.get(SUBJECT, status_code=200)
    created = api.post_json(KLANTEN, {"bronorganisatie": RSIN, "subject": SUBJECT})
    assert created.status_code == 201, created.content
    assert created.json()["subjectType"] is None
    response = api.patch_json(
        created.json()["url"],
        {"subjectType": "vestiging", "subjectIdentificatie": {"vestigingsNummer": "99"}},
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        **created.json(),
        "subjectType": "vestiging",
        "subjectIdentificatie": {
            "vestigingsNummer": "99",
            "handelsnaam": [],
            "verblijfsadres": None,
            "subVerblijfBuitenland": None,
        },
    }
    # and from then on it is fixed
    again = api.patch_json(created.json()["url"], {"subjectType": "natuurlijk_persoon"})
    assert _invalid_params(again) == [("subjectType", "wijzigen-niet-toegelaten")]


def test_post_without_subject_type_key_is_null(api, requests_mock):
    requests_mock.get(SUBJECT, status_code=200)
    response = api.post_json(KLANTEN, {"bronorganisatie": RSIN, "subject": SUBJECT})
    assert response.status_code == 201, response.content
    assert response.json()["subjectType"] is None
    assert Klant.objects.get().subject_type is None


def test_identificatie_without_subject_type_is_refused(api):
    response = api.post_json(
        KLANTEN, {"bronorganisatie": RSIN, "subjectIdentificatie": {"inpBsn": BSN}}
    )
    params = _invalid_params(response)
    assert ("subjectIdentificatie", "subject-type-vereist") in params
    assert not Klant.objects.exists()


def test_identificatie_is_read_against_the_stored_subject_type(api, np_klant):
    # a natuurlijk persoon has no innNnpId: unknown keys are ignored, inpBsn stays
    response = api.patch_json(np_klant["url"], {"subjectIdentificatie": {"innNnpId": RSIN_2}})
    assert response.status_code == 200, response.content
    assert response.json() == np_klant


# --- subject presence -------------------------------------------------------------------


def test_create_without_subject_or_identificatie_is_invalid_subject(api):
    response = api.post_json(KLANTEN, {"bronorganisatie": RSIN, "voornaam": "Jan"})
    assert _invalid_params(response) == [("nonFieldErrors", "invalid-subject")]
    assert not Klant.objects.exists()


def test_create_with_empty_subject_is_invalid_subject(api, requests_mock):
    response = api.post_json(KLANTEN, {"bronorganisatie": RSIN, "subject": "", "subjectType": None})
    assert _invalid_params(response) == [("nonFieldErrors", "invalid-subject")]
    assert requests_mock.call_count == 0


def test_create_with_null_identificatie_and_no_subject_is_invalid_subject(api):
    response = api.post_json(
        KLANTEN,
        {
            "bronorganisatie": RSIN,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": None,
        },
    )
    assert _invalid_params(response) == [("nonFieldErrors", "invalid-subject")]


def test_put_removing_identificatie_without_subject_is_invalid_subject(api, np_klant):
    response = api.put_json(np_klant["url"], _put_body(np_klant, subjectIdentificatie=None))
    assert _invalid_params(response) == [("nonFieldErrors", "invalid-subject")]
    assert api.get(np_klant["url"]).json() == np_klant


def test_put_omitting_subject_and_identificatie_keeps_stored_identificatie(api, np_klant):
    body = _put_body(np_klant)
    del body["subject"], body["subjectIdentificatie"]
    response = api.put_json(np_klant["url"], body)
    assert response.status_code == 200, response.content
    assert response.json() == np_klant


def test_patch_clearing_subject_without_identificatie_is_invalid_subject(api, requests_mock):
    requests_mock.get(SUBJECT, status_code=200)
    created = api.post_json(KLANTEN, {"bronorganisatie": RSIN, "subject": SUBJECT})
    assert created.status_code == 201
    response = api.patch_json(created.json()["url"], {"subject": ""})
    assert _invalid_params(response) == [("nonFieldErrors", "invalid-subject")]
    assert Klant.objects.get().subject == SUBJECT


def test_patch_clearing_subject_with_identificatie_is_fine(api, np_klant, requests_mock):
    requests_mock.get(SUBJECT, status_code=200)
    assert api.patch_json(np_klant["url"], {"subject": SUBJECT}).status_code == 200
    response = api.patch_json(np_klant["url"], {"subject": ""})
    assert response.status_code == 200, response.content
    assert response.json() == np_klant
