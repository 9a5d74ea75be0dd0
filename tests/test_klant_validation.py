"""Input validation of a klant: subject URL (C7), identifiers (C9), enums, lengths, C3 errors."""

import json

import pytest
import requests
from django.conf import settings

from klanten.datamodel.models import Klant

from .conftest import BASE, BSN, RSIN, RSIN_2, klant_url

KLANTEN = f"{BASE}/klanten"
SUBJECT = "https://brp.example.com/api/ingeschrevenpersonen/999990019"
OTHER_SUBJECT = "https://brp.example.com/api/ingeschrevenpersonen/999990020"


def _invalid_params(response) -> list[tuple[str, str]]:
    """The (name, code) pairs of a 400 problem+json, after checking its shape (C3)."""
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400
    assert body["code"] == "invalid"
    assert body["title"]
    assert body["detail"]
    assert body["instance"].startswith("urn:uuid:")
    assert body["invalidParams"], body
    for param in body["invalidParams"]:
        assert set(param) == {"name", "code", "reason"}
        assert param["name"] and param["code"] and param["reason"]
    return [(p["name"], p["code"]) for p in body["invalidParams"]]


def _np(**identificatie) -> dict:
    return {
        "bronorganisatie": RSIN,
        "subjectType": "natuurlijk_persoon",
        "subjectIdentificatie": {"inpBsn": BSN, **identificatie},
    }


def _nnp(**identificatie) -> dict:
    return {
        "bronorganisatie": RSIN,
        "subjectType": "niet_natuurlijk_persoon",
        "subjectIdentificatie": {"innNnpId": RSIN_2, **identificatie},
    }


def _post(api, payload):
    return api.post_json(KLANTEN, payload)


# --- C7 subject URL ---------------------------------------------------------------------


def test_create_with_subject_answering_200(api, requests_mock):
    requests_mock.get(SUBJECT, status_code=200, json={})
    response = _post(api, {"bronorganisatie": RSIN, "subject": SUBJECT})
    assert response.status_code == 201, response.content
    assert response.json()["subject"] == SUBJECT
    assert requests_mock.call_count == 1
    assert requests_mock.request_history[0].method == "GET"
    assert requests_mock.request_history[0].url == SUBJECT
    # bounded by the check's total deadline (tests/test_outbound.py: the deadline itself)
    connect, read = requests_mock.request_history[0].timeout
    assert 0 < connect == read <= settings.SUBJECT_URL_TIMEOUT
    assert 0 < settings.SUBJECT_URL_TIMEOUT <= 30


@pytest.mark.parametrize("status_code", [404, 500, 301, 204, 403])
def test_create_with_subject_not_answering_200_is_bad_url(api, requests_mock, status_code):
    requests_mock.get(SUBJECT, status_code=status_code, headers={"Location": OTHER_SUBJECT})
    requests_mock.get(OTHER_SUBJECT, status_code=404)
    response = _post(api, {"bronorganisatie": RSIN, "subject": SUBJECT})
    assert _invalid_params(response) == [("subject", "bad-url")]
    assert not Klant.objects.exists()


@pytest.mark.parametrize(
    "exc", [requests.exceptions.ConnectionError, requests.exceptions.ConnectTimeout]
)
def test_create_with_unreachable_subject_is_bad_url(api, requests_mock, exc):
    requests_mock.get(SUBJECT, exc=exc)
    response = _post(api, {"bronorganisatie": RSIN, "subject": SUBJECT})
    assert _invalid_params(response) == [("subject", "bad-url")]
    assert not Klant.objects.exists()


def test_create_with_subject_and_identificatie_checks_subject(api, requests_mock):
    requests_mock.get(SUBJECT, status_code=404)
    response = _post(api, {**_np(), "subject": SUBJECT})
    assert _invalid_params(response) == [("subject", "bad-url")]


def test_subject_must_be_a_url(api, requests_mock):
    response = _post(api, {"bronorganisatie": RSIN, "subject": "geen url"})
    assert _invalid_params(response) == [("subject", "invalid")]
    assert requests_mock.call_count == 0


def test_empty_subject_is_never_fetched(api, requests_mock, make_klant):
    response = _post(api, {**_np(), "subject": ""})
    assert response.status_code == 201, response.content
    url = response.json()["url"]
    assert api.patch_json(url, {"subject": "", "voornaam": "A"}).status_code == 200
    put = api.put_json(url, {**_np(), "klantnummer": response.json()["klantnummer"]})
    assert put.status_code == 200, put.content
    assert requests_mock.call_count == 0


def test_patch_fetches_subject_only_when_it_changes(api, requests_mock):
    requests_mock.get(SUBJECT, status_code=200)
    requests_mock.get(OTHER_SUBJECT, status_code=200)
    created = _post(api, {"bronorganisatie": RSIN, "subject": SUBJECT})
    assert created.status_code == 201
    url = created.json()["url"]
    assert requests_mock.call_count == 1

    assert api.patch_json(url, {"voornaam": "Jan"}).status_code == 200
    assert api.patch_json(url, {"subject": SUBJECT}).status_code == 200
    assert requests_mock.call_count == 1

    response = api.patch_json(url, {"subject": OTHER_SUBJECT})
    assert response.status_code == 200, response.content
    assert response.json()["subject"] == OTHER_SUBJECT
    assert requests_mock.call_count == 2
    assert requests_mock.last_request.url == OTHER_SUBJECT


def test_put_fetches_subject_only_when_it_changes(api, requests_mock):
    requests_mock.get(SUBJECT, status_code=200)
    requests_mock.get(OTHER_SUBJECT, status_code=200)
    created = _post(api, {"bronorganisatie": RSIN, "subject": SUBJECT})
    assert created.status_code == 201
    body = {k: v for k, v in created.json().items() if k != "url"}
    url = created.json()["url"]

    assert api.put_json(url, {**body, "voornaam": "Jan"}).status_code == 200
    assert requests_mock.call_count == 1

    response = api.put_json(url, {**body, "subject": OTHER_SUBJECT})
    assert response.status_code == 200, response.content
    assert requests_mock.call_count == 2
    assert requests_mock.last_request.url == OTHER_SUBJECT


def test_update_to_a_broken_subject_is_bad_url_and_keeps_the_old_one(api, requests_mock):
    requests_mock.get(SUBJECT, status_code=200)
    requests_mock.get(OTHER_SUBJECT, status_code=404)
    created = _post(api, {"bronorganisatie": RSIN, "subject": SUBJECT})
    url = created.json()["url"]
    body = {k: v for k, v in created.json().items() if k != "url"}

    assert _invalid_params(api.patch_json(url, {"subject": OTHER_SUBJECT})) == [
        ("subject", "bad-url")
    ]
    assert _invalid_params(api.put_json(url, {**body, "subject": OTHER_SUBJECT})) == [
        ("subject", "bad-url")
    ]
    assert Klant.objects.get().subject == SUBJECT


def test_unchanged_subject_that_no_longer_answers_is_kept_on_update(api, requests_mock):
    requests_mock.get(SUBJECT, status_code=200)
    created = _post(api, {"bronorganisatie": RSIN, "subject": SUBJECT})
    requests_mock.get(SUBJECT, status_code=404)
    response = api.patch_json(created.json()["url"], {"subject": SUBJECT, "voornaam": "Jan"})
    assert response.status_code == 200, response.content
    assert requests_mock.call_count == 1


# --- C9 identifiers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("12345678", "invalid-length"),
        ("0022206470", "max_length"),
        ("00222064a", "only-digits"),
        ("abcdefghi", "only-digits"),
        ("002220648", "invalid"),
        ("123456789", "invalid"),
    ],
)
def test_bronorganisatie_must_be_rsin(api, value, code):
    response = _post(api, {**_np(), "bronorganisatie": value})
    assert ("bronorganisatie", code) in _invalid_params(response)
    assert not Klant.objects.exists()


def test_bronorganisatie_is_required(api):
    payload = _np()
    del payload["bronorganisatie"]
    assert _invalid_params(_post(api, payload)) == [("bronorganisatie", "required")]


@pytest.mark.parametrize("value", ["", None])
def test_bronorganisatie_may_not_be_empty(api, value):
    params = _invalid_params(_post(api, {**_np(), "bronorganisatie": value}))
    assert [name for name, _ in params] == ["bronorganisatie"]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("12345678", "invalid-length"),
        ("51743994x", "only-digits"),
        ("517439944", "invalid"),
    ],
)
def test_inn_nnp_id_must_be_rsin(api, value, code):
    response = _post(api, _nnp(innNnpId=value))
    assert _invalid_params(response) == [("subjectIdentificatie.innNnpId", code)]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("11122233", "invalid-length"),
        ("1112223a3", "only-digits"),
        ("111222334", "invalid"),
        ("000000001", "invalid"),
    ],
)
def test_inp_bsn_must_be_bsn(api, value, code):
    response = _post(api, _np(inpBsn=value))
    assert _invalid_params(response) == [("subjectIdentificatie.inpBsn", code)]


def test_inp_bsn_too_long(api):
    params = _invalid_params(_post(api, _np(inpBsn="1112223330")))
    assert ("subjectIdentificatie.inpBsn", "max_length") in params
    assert {name for name, _ in params} == {"subjectIdentificatie.inpBsn"}


@pytest.mark.parametrize("value", ["0123456789", "12345", "123456789a", "12345678901"])
def test_inp_a_nummer_format(api, value):
    params = _invalid_params(_post(api, _np(inpANummer=value)))
    assert ("subjectIdentificatie.inpANummer", "a-nummer-incorrect-format") in params
    assert {name for name, _ in params} == {"subjectIdentificatie.inpANummer"}


def test_valid_identifiers_are_accepted(api):
    response = _post(api, _np(inpANummer="9876543210"))
    assert response.status_code == 201, response.content
    assert response.json()["subjectIdentificatie"]["inpANummer"] == "9876543210"
    response = _post(api, _nnp())
    assert response.status_code == 201, response.content
    assert response.json()["subjectIdentificatie"]["innNnpId"] == RSIN_2


def test_empty_optional_identifiers_are_allowed(api):
    response = _post(
        api,
        {
            "bronorganisatie": RSIN,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": "", "inpANummer": "", "anpIdentificatie": "A1"},
        },
    )
    assert response.status_code == 201, response.content
    identificatie = response.json()["subjectIdentificatie"]
    assert (identificatie["inpBsn"], identificatie["inpANummer"]) == ("", "")
    response = _post(api, _nnp(innNnpId="", annIdentificatie="ANN"))
    assert response.status_code == 201, response.content
    assert response.json()["subjectIdentificatie"]["innNnpId"] == ""


# --- enums ------------------------------------------------------------------------------


def test_invalid_geslachtsaanduiding(api):
    params = _invalid_params(_post(api, _np(geslachtsaanduiding="x")))
    assert params == [("subjectIdentificatie.geslachtsaanduiding", "invalid_choice")]


@pytest.mark.parametrize("value", ["m", "v", "o", ""])
def test_valid_geslachtsaanduiding(api, value):
    response = _post(api, _np(geslachtsaanduiding=value))
    assert response.status_code == 201, response.content
    assert response.json()["subjectIdentificatie"]["geslachtsaanduiding"] == value


def test_invalid_inn_rechtsvorm(api):
    params = _invalid_params(_post(api, _nnp(innRechtsvorm="bv")))
    assert params == [("subjectIdentificatie.innRechtsvorm", "invalid_choice")]


def test_valid_inn_rechtsvorm(api):
    response = _post(api, _nnp(innRechtsvorm="besloten_vennootschap"))
    assert response.status_code == 201, response.content
    assert response.json()["subjectIdentificatie"]["innRechtsvorm"] == "besloten_vennootschap"


@pytest.mark.parametrize("value", ["persoon", "NATUURLIJK_PERSOON", ""])
def test_invalid_subject_type(api, value):
    params = _invalid_params(_post(api, {**_np(), "subjectType": value}))
    assert ("subjectType", "invalid_choice") in params
    assert not Klant.objects.exists()


# --- lengths and types ------------------------------------------------------------------


def _vestiging(**identificatie):
    return {
        "bronorganisatie": RSIN,
        "subjectType": "vestiging",
        "subjectIdentificatie": {"vestigingsNummer": "1", **identificatie},
    }


@pytest.mark.parametrize(
    ("payload", "name", "code"),
    [
        ({**_np(), "klantnummer": "123456789"}, "klantnummer", "max_length"),
        ({**_np(), "klantnummer": ""}, "klantnummer", "blank"),
        ({**_np(), "telefoonnummer": "0" * 21}, "telefoonnummer", "max_length"),
        ({**_np(), "bedrijfsnaam": "x" * 201}, "bedrijfsnaam", "max_length"),
        ({**_np(), "functie": "x" * 201}, "functie", "max_length"),
        ({**_np(), "voornaam": "x" * 201}, "voornaam", "max_length"),
        ({**_np(), "voorvoegselAchternaam": "x" * 11}, "voorvoegselAchternaam", "max_length"),
        ({**_np(), "achternaam": "x" * 201}, "achternaam", "max_length"),
        ({**_np(), "aanmaakkanaal": "x" * 51}, "aanmaakkanaal", "max_length"),
        ({**_np(), "emailadres": "geen-email"}, "emailadres", "invalid"),
        ({**_np(), "adres": {"huisnummer": 100000}}, "adres.huisnummer", "max_value"),
        ({**_np(), "adres": {"huisnummer": -1}}, "adres.huisnummer", "min_value"),
        ({**_np(), "adres": {"huisnummer": "twaalf"}}, "adres.huisnummer", "invalid"),
        ({**_np(), "adres": {"huisletter": "ab"}}, "adres.huisletter", "max_length"),
        ({**_np(), "adres": {"postcode": "12345678"}}, "adres.postcode", "max_length"),
        ({**_np(), "adres": {"woonplaatsnaam": "x" * 81}}, "adres.woonplaatsnaam", "max_length"),
        ({**_np(), "adres": {"landcode": "12345"}}, "adres.landcode", "max_length"),
        ({**_np(), "adres": "Kerkstraat 1"}, "adres.nonFieldErrors", "invalid"),
        (_np(anpIdentificatie="x" * 18), "subjectIdentificatie.anpIdentificatie", "max_length"),
        (_np(geslachtsnaam="x" * 201), "subjectIdentificatie.geslachtsnaam", "max_length"),
        (_np(voorletters="x" * 21), "subjectIdentificatie.voorletters", "max_length"),
        (_np(geboortedatum="x" * 19), "subjectIdentificatie.geboortedatum", "max_length"),
        (
            _np(
                subVerblijfBuitenland={
                    "lndLandcode": "5010",
                    "lndLandnaam": "België",
                    "subAdresBuitenland1": "x" * 36,
                }
            ),
            "subjectIdentificatie.subVerblijfBuitenland.subAdresBuitenland1",
            "max_length",
        ),
        (
            _np(subVerblijfBuitenland={"lndLandnaam": "België"}),
            "subjectIdentificatie.subVerblijfBuitenland.lndLandcode",
            "required",
        ),
        (
            _np(verblijfsadres={"aoaIdentificatie": "1"}),
            "subjectIdentificatie.verblijfsadres.gorOpenbareRuimteNaam",
            "required",
        ),
        (
            _np(
                verblijfsadres={
                    "aoaIdentificatie": "1",
                    "gorOpenbareRuimteNaam": "Laan",
                    "aoaHuisnummer": 100000,
                }
            ),
            "subjectIdentificatie.verblijfsadres.aoaHuisnummer",
            "max_value",
        ),
        (
            _nnp(statutaireNaam="x" * 501),
            "subjectIdentificatie.statutaireNaam",
            "max_length",
        ),
        (
            _vestiging(vestigingsNummer="x" * 25),
            "subjectIdentificatie.vestigingsNummer",
            "max_length",
        ),
        (
            _vestiging(handelsnaam="Bakkerij"),
            "subjectIdentificatie.handelsnaam",
            "not_a_list",
        ),
        (
            {**_np(), "subjectIdentificatie": "111222333"},
            "subjectIdentificatie.nonFieldErrors",
            "invalid",
        ),
        ({**_np(), "subject": "https://x.example/" + "a" * 1000}, "subject", "max_length"),
    ],
)
def test_field_errors_have_dotted_camel_case_names(api, payload, name, code, requests_mock):
    params = _invalid_params(_post(api, payload))
    assert (name, code) in params
    assert {n for n, _ in params} == {name}
    assert not Klant.objects.exists()
    assert requests_mock.call_count == 0


def test_several_errors_are_reported_together(api):
    params = _invalid_params(
        _post(
            api,
            {
                **_np(inpBsn="123"),
                "bronorganisatie": "1",
                "telefoonnummer": "0" * 21,
                "adres": {"huisnummer": 100000},
            },
        )
    )
    assert set(params) == {
        ("bronorganisatie", "invalid-length"),
        ("telefoonnummer", "max_length"),
        ("adres.huisnummer", "max_value"),
        ("subjectIdentificatie.inpBsn", "invalid-length"),
    }


def test_maximum_lengths_are_accepted(api):
    response = _post(
        api,
        {
            **_np(),
            "klantnummer": "12345678",
            "telefoonnummer": "0" * 20,
            "voorvoegselAchternaam": "x" * 10,
            "aanmaakkanaal": "x" * 50,
            "adres": {"huisnummer": 99999, "postcode": "1234 AB"},
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["klantnummer"] == "12345678"
    assert body["telefoonnummer"] == "0" * 20
    assert body["adres"]["huisnummer"] == 99999


def test_patch_errors_use_dotted_names_too(api, make_klant):
    klant = make_klant()
    response = api.patch_json(
        klant_url(klant), {"adres": {"huisnummer": 100000}, "telefoonnummer": "1" * 21}
    )
    assert set(_invalid_params(response)) == {
        ("adres.huisnummer", "max_value"),
        ("telefoonnummer", "max_length"),
    }


# --- C6 websiteUrl ----------------------------------------------------------------------


def test_website_url_is_optional(api):
    response = _post(api, _np())
    assert response.status_code == 201, response.content
    assert response.json()["websiteUrl"] == ""
    assert Klant.objects.get().website_url == ""


def test_website_url_empty_string_is_accepted(api):
    response = _post(api, {**_np(), "websiteUrl": ""})
    assert response.status_code == 201, response.content
    assert response.json()["websiteUrl"] == ""


def test_website_url_is_stored(api):
    response = _post(api, {**_np(), "websiteUrl": "https://www.example.com/klant"})
    assert response.status_code == 201, response.content
    assert response.json()["websiteUrl"] == "https://www.example.com/klant"


@pytest.mark.parametrize("value", ["geen url", "www", "https://"])
def test_website_url_is_syntax_checked(api, value):
    assert _invalid_params(_post(api, {**_np(), "websiteUrl": value})) == [
        ("websiteUrl", "invalid")
    ]


def test_website_url_is_not_fetched(api, requests_mock):
    response = _post(api, {**_np(), "websiteUrl": "https://unreachable.example.com"})
    assert response.status_code == 201, response.content
    assert requests_mock.call_count == 0


# --- body shape (C3, P3) ----------------------------------------------------------------


@pytest.mark.parametrize("body", ["[]", "[{}]", '"klant"', "42", "true", "null"])
def test_non_object_body_is_400(api, body):
    response = api.post(KLANTEN, body, content_type="application/json")
    params = _invalid_params(response)
    assert [name for name, _ in params] == ["nonFieldErrors"]
    assert not Klant.objects.exists()


@pytest.mark.parametrize("body", ["[]", '"klant"', "null"])
def test_non_object_body_on_update_is_400(api, make_klant, body):
    klant = make_klant(voornaam="Jan")
    for method in (api.put, api.patch):
        response = method(klant_url(klant), body, content_type="application/json")
        params = _invalid_params(response)
        assert [name for name, _ in params] == ["nonFieldErrors"]
    klant.refresh_from_db()
    assert klant.voornaam == "Jan"


def test_malformed_json_is_400(api):
    response = api.post(KLANTEN, '{"bronorganisatie": ', content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 400
    assert body["code"] == "parse_error"


def test_wrong_types_are_400_not_500(api):
    payload = {
        "bronorganisatie": 2220647,
        "klantnummer": ["1"],
        "subjectType": ["natuurlijk_persoon"],
        "subjectIdentificatie": {"inpBsn": BSN},
    }
    response = api.post(KLANTEN, json.dumps(payload), content_type="application/json")
    names = {name for name, _ in _invalid_params(response)}
    assert {"klantnummer", "subjectType"} <= names
    assert not Klant.objects.exists()


def test_identificatie_of_wrong_type_is_400(api):
    response = _post(
        api,
        {"bronorganisatie": RSIN, "subjectType": "vestiging", "subjectIdentificatie": []},
    )
    names = {name for name, _ in _invalid_params(response)}
    assert names == {"subjectIdentificatie.nonFieldErrors"}
