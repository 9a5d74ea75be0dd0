"""CRUD of klanten for every subject type, asserting the exact representation (C2, C11)."""

import uuid

import pytest

from klanten.datamodel.models import (
    Klant,
    KlantAdres,
    NatuurlijkPersoon,
    NietNatuurlijkPersoon,
    Vestiging,
)

from .conftest import BASE, BSN, RSIN, RSIN_2, klant_url

KLANTEN = f"{BASE}/klanten"
SUBJECT = "https://brp.example.com/api/ingeschrevenpersonen/999990019"

VERBLIJFSADRES = {
    "aoaIdentificatie": "0344200000123456",
    "wplWoonplaatsNaam": "Utrecht",
    "gorOpenbareRuimteNaam": "Oudegracht",
    "aoaPostcode": "3511AB",
    "aoaHuisnummer": 12,
    "aoaHuisletter": "b",
    "aoaHuisnummertoevoeging": "2hg",
    "inpLocatiebeschrijving": "Woonboot naast de brug",
}
SUB_VERBLIJF_BUITENLAND = {
    "lndLandcode": "5010",
    "lndLandnaam": "België",
    "subAdresBuitenland1": "Grote Markt 1",
    "subAdresBuitenland2": "1000 Brussel",
    "subAdresBuitenland3": "Brabant",
}
ADRES = {
    "straatnaam": "Kerkstraat",
    "huisnummer": 7,
    "huisletter": "a",
    "huisnummertoevoeging": "bis",
    "postcode": "1234AB",
    "woonplaatsnaam": "Amsterdam",
    "landcode": "6030",
}
EMPTY_KLANT = {
    "bedrijfsnaam": "",
    "functie": "",
    "websiteUrl": "",
    "voornaam": "",
    "voorvoegselAchternaam": "",
    "achternaam": "",
    "telefoonnummer": "",
    "emailadres": "",
    "adres": None,
    "subject": "",
    "aanmaakkanaal": "",
    "gevalideerd": False,
}
CONTACT = {
    "bedrijfsnaam": "Bakkerij De Korst",
    "functie": "Eigenaar",
    "websiteUrl": "https://www.example.com/korst",
    "voornaam": "Jan",
    "voorvoegselAchternaam": "van",
    "achternaam": "Dijk",
    "telefoonnummer": "0612345678",
    "emailadres": "jan@example.com",
    "adres": ADRES,
    "aanmaakkanaal": "balie",
    "gevalideerd": False,
}


def _uuid_of(url: str) -> uuid.UUID:
    prefix = f"http://testserver{KLANTEN}/"
    assert url.startswith(prefix), url
    return uuid.UUID(url[len(prefix) :])


def _create(api, payload):
    response = api.post_json(KLANTEN, payload)
    assert response.status_code == 201, response.content
    return response


def _assert_created(api, payload, expected):
    """POST, then compare the body (without url) to ``expected``; GET must agree."""
    response = _create(api, payload)
    body = response.json()
    klant = Klant.objects.get(uuid=_uuid_of(body["url"]))
    assert body == {"url": klant_url(klant), **expected}
    assert response["Location"] == body["url"]
    assert response["Content-Type"] == "application/json"

    read = api.get(body["url"])
    assert read.status_code == 200
    assert read.json() == body
    return klant, body


# --- natuurlijk persoon -----------------------------------------------------------------


def test_create_natuurlijk_persoon_minimal(api):
    klant, body = _assert_created(
        api,
        {
            "bronorganisatie": RSIN,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": BSN},
        },
        {
            "bronorganisatie": RSIN,
            "klantnummer": "1",
            **EMPTY_KLANT,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {
                "inpBsn": BSN,
                "anpIdentificatie": "",
                "inpANummer": "",
                "geslachtsnaam": "",
                "voorvoegselGeslachtsnaam": "",
                "voorletters": "",
                "voornamen": "",
                "geslachtsaanduiding": "",
                "geboortedatum": "",
                "verblijfsadres": None,
                "subVerblijfBuitenland": None,
            },
        },
    )
    assert NatuurlijkPersoon.objects.get(klant=klant).inp_bsn == BSN
    assert not KlantAdres.objects.filter(klant=klant).exists()


def test_create_natuurlijk_persoon_full(api):
    identificatie = {
        "inpBsn": BSN,
        "anpIdentificatie": "ANP-0001",
        "inpANummer": "1234567890",
        "geslachtsnaam": "Dijk",
        "voorvoegselGeslachtsnaam": "van",
        "voorletters": "J.P.",
        "voornamen": "Jan Pieter",
        "geslachtsaanduiding": "m",
        "geboortedatum": "1970-01-31",
        "verblijfsadres": VERBLIJFSADRES,
        "subVerblijfBuitenland": SUB_VERBLIJF_BUITENLAND,
    }
    payload = {
        "bronorganisatie": RSIN,
        "klantnummer": "K-0001",
        **CONTACT,
        "subjectType": "natuurlijk_persoon",
        "subjectIdentificatie": identificatie,
    }
    klant, body = _assert_created(
        api,
        payload,
        {
            "bronorganisatie": RSIN,
            "klantnummer": "K-0001",
            "bedrijfsnaam": "Bakkerij De Korst",
            "functie": "Eigenaar",
            "websiteUrl": "https://www.example.com/korst",
            "voornaam": "Jan",
            "voorvoegselAchternaam": "van",
            "achternaam": "Dijk",
            "telefoonnummer": "0612345678",
            "emailadres": "jan@example.com",
            "adres": ADRES,
            "subject": "",
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": identificatie,
            "aanmaakkanaal": "balie",
            "gevalideerd": False,
        },
    )
    adres = KlantAdres.objects.get(klant=klant)
    assert (adres.straatnaam, adres.huisnummer, adres.woonplaats_naam) == (
        "Kerkstraat",
        7,
        "Amsterdam",
    )
    np = NatuurlijkPersoon.objects.get(klant=klant)
    assert np.inp_a_nummer == "1234567890"
    assert np.verblijfsadres == VERBLIJFSADRES
    assert np.sub_verblijf_buitenland == SUB_VERBLIJF_BUITENLAND


def test_create_natuurlijk_persoon_fills_defaults_of_nested_groups(api):
    _, body = _assert_created(
        api,
        {
            "bronorganisatie": RSIN,
            "adres": {"postcode": "9999ZZ"},
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {
                "inpBsn": BSN,
                "verblijfsadres": {"aoaIdentificatie": "X1", "gorOpenbareRuimteNaam": "Dorpsweg"},
                "subVerblijfBuitenland": {"lndLandcode": "5010", "lndLandnaam": "België"},
            },
        },
        {
            "bronorganisatie": RSIN,
            "klantnummer": "1",
            "bedrijfsnaam": "",
            "functie": "",
            "websiteUrl": "",
            "voornaam": "",
            "voorvoegselAchternaam": "",
            "achternaam": "",
            "telefoonnummer": "",
            "emailadres": "",
            "adres": {
                "straatnaam": "",
                "huisnummer": None,
                "huisletter": "",
                "huisnummertoevoeging": "",
                "postcode": "9999ZZ",
                "woonplaatsnaam": "",
                "landcode": "",
            },
            "subject": "",
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {
                "inpBsn": BSN,
                "anpIdentificatie": "",
                "inpANummer": "",
                "geslachtsnaam": "",
                "voorvoegselGeslachtsnaam": "",
                "voorletters": "",
                "voornamen": "",
                "geslachtsaanduiding": "",
                "geboortedatum": "",
                "verblijfsadres": {
                    "aoaIdentificatie": "X1",
                    "wplWoonplaatsNaam": "",
                    "gorOpenbareRuimteNaam": "Dorpsweg",
                    "aoaPostcode": "",
                    "aoaHuisnummer": None,
                    "aoaHuisletter": "",
                    "aoaHuisnummertoevoeging": "",
                    "inpLocatiebeschrijving": "",
                },
                "subVerblijfBuitenland": {
                    "lndLandcode": "5010",
                    "lndLandnaam": "België",
                    "subAdresBuitenland1": "",
                    "subAdresBuitenland2": "",
                    "subAdresBuitenland3": "",
                },
            },
            "aanmaakkanaal": "",
            "gevalideerd": False,
        },
    )


# --- niet-natuurlijk persoon ------------------------------------------------------------


def test_create_niet_natuurlijk_persoon_minimal(api):
    klant, _ = _assert_created(
        api,
        {
            "bronorganisatie": RSIN,
            "subjectType": "niet_natuurlijk_persoon",
            "subjectIdentificatie": {"innNnpId": RSIN_2},
        },
        {
            "bronorganisatie": RSIN,
            "klantnummer": "1",
            "bedrijfsnaam": "",
            "functie": "",
            "websiteUrl": "",
            "voornaam": "",
            "voorvoegselAchternaam": "",
            "achternaam": "",
            "telefoonnummer": "",
            "emailadres": "",
            "adres": None,
            "subject": "",
            "subjectType": "niet_natuurlijk_persoon",
            "subjectIdentificatie": {
                "innNnpId": RSIN_2,
                "annIdentificatie": "",
                "statutaireNaam": "",
                "innRechtsvorm": "",
                "bezoekadres": "",
                "subVerblijfBuitenland": None,
            },
            "aanmaakkanaal": "",
            "gevalideerd": False,
        },
    )
    assert NietNatuurlijkPersoon.objects.get(klant=klant).inn_nnp_id == RSIN_2
    assert not NatuurlijkPersoon.objects.filter(klant=klant).exists()


def test_create_niet_natuurlijk_persoon_full(api):
    identificatie = {
        "innNnpId": RSIN_2,
        "annIdentificatie": "ANN-42",
        "statutaireNaam": "Stichting De Korst",
        "innRechtsvorm": "stichting",
        "bezoekadres": "Kerkstraat 7, Amsterdam",
        "subVerblijfBuitenland": SUB_VERBLIJF_BUITENLAND,
    }
    _assert_created(
        api,
        {
            "bronorganisatie": RSIN_2,
            "klantnummer": "77",
            **CONTACT,
            "subjectType": "niet_natuurlijk_persoon",
            "subjectIdentificatie": identificatie,
        },
        {
            "bronorganisatie": RSIN_2,
            "klantnummer": "77",
            **CONTACT,
            "subject": "",
            "subjectType": "niet_natuurlijk_persoon",
            "subjectIdentificatie": identificatie,
        },
    )


# --- vestiging --------------------------------------------------------------------------


def test_create_vestiging_minimal(api):
    klant, _ = _assert_created(
        api,
        {
            "bronorganisatie": RSIN,
            "subjectType": "vestiging",
            "subjectIdentificatie": {"vestigingsNummer": "000012345678"},
        },
        {
            "bronorganisatie": RSIN,
            "klantnummer": "1",
            "bedrijfsnaam": "",
            "functie": "",
            "websiteUrl": "",
            "voornaam": "",
            "voorvoegselAchternaam": "",
            "achternaam": "",
            "telefoonnummer": "",
            "emailadres": "",
            "adres": None,
            "subject": "",
            "subjectType": "vestiging",
            "subjectIdentificatie": {
                "vestigingsNummer": "000012345678",
                "handelsnaam": [],
                "verblijfsadres": None,
                "subVerblijfBuitenland": None,
            },
            "aanmaakkanaal": "",
            "gevalideerd": False,
        },
    )
    assert Vestiging.objects.get(klant=klant).handelsnaam == []


def test_create_vestiging_full(api):
    identificatie = {
        "vestigingsNummer": "000012345678",
        "handelsnaam": ["De Korst", "Bakkerij De Korst B.V."],
        "verblijfsadres": VERBLIJFSADRES,
        "subVerblijfBuitenland": SUB_VERBLIJF_BUITENLAND,
    }
    expected = {
        "bronorganisatie": RSIN,
        "klantnummer": "1",
        **CONTACT,
        "subject": "",
        "subjectType": "vestiging",
        "subjectIdentificatie": identificatie,
    }
    klant, _ = _assert_created(
        api,
        {
            "bronorganisatie": RSIN,
            **CONTACT,
            "subjectType": "vestiging",
            "subjectIdentificatie": identificatie,
        },
        expected,
    )
    assert Vestiging.objects.get(klant=klant).handelsnaam == [
        "De Korst",
        "Bakkerij De Korst B.V.",
    ]


# --- subject URL only -------------------------------------------------------------------


def test_create_with_subject_url_only(api, requests_mock):
    requests_mock.get(SUBJECT, status_code=200, json={"burgerservicenummer": "999990019"})
    klant, _ = _assert_created(
        api,
        {"bronorganisatie": RSIN, "subject": SUBJECT},
        {
            "bronorganisatie": RSIN,
            "klantnummer": "1",
            "bedrijfsnaam": "",
            "functie": "",
            "websiteUrl": "",
            "voornaam": "",
            "voorvoegselAchternaam": "",
            "achternaam": "",
            "telefoonnummer": "",
            "emailadres": "",
            "adres": None,
            "subject": SUBJECT,
            "subjectType": None,
            "subjectIdentificatie": None,
            "aanmaakkanaal": "",
            "gevalideerd": False,
        },
    )
    assert klant.subject_type is None
    assert requests_mock.call_count == 1


def test_create_with_subject_url_and_explicit_null_subject_type(api, requests_mock):
    requests_mock.get(SUBJECT, status_code=200)
    response = _create(api, {"bronorganisatie": RSIN, "subject": SUBJECT, "subjectType": None})
    body = response.json()
    assert (body["subjectType"], body["subjectIdentificatie"]) == (None, None)


def test_subject_type_without_identificatie_has_null_identificatie(api, requests_mock):
    requests_mock.get(SUBJECT, status_code=200)
    response = _create(
        api, {"bronorganisatie": RSIN, "subject": SUBJECT, "subjectType": "natuurlijk_persoon"}
    )
    body = response.json()
    assert body["subjectType"] == "natuurlijk_persoon"
    assert body["subjectIdentificatie"] is None
    assert api.get(body["url"]).json()["subjectIdentificatie"] is None


# --- read, list, delete -----------------------------------------------------------------


def test_retrieve_returns_representation_of_service_created_klant(api, make_klant):
    klant = make_klant(
        klantnummer="123",
        voornaam="Piet",
        emailadres="piet@example.com",
        adres={"straatnaam": "Laan", "huisnummer": 3, "woonplaatsnaam": "Delft"},
    )
    response = api.get(klant_url(klant))
    assert response.status_code == 200
    assert response.json() == {
        "url": klant_url(klant),
        "bronorganisatie": RSIN,
        "klantnummer": "123",
        "bedrijfsnaam": "",
        "functie": "",
        "websiteUrl": "",
        "voornaam": "Piet",
        "voorvoegselAchternaam": "",
        "achternaam": "",
        "telefoonnummer": "",
        "emailadres": "piet@example.com",
        "adres": {
            "straatnaam": "Laan",
            "huisnummer": 3,
            "huisletter": "",
            "huisnummertoevoeging": "",
            "postcode": "",
            "woonplaatsnaam": "Delft",
            "landcode": "",
        },
        "subject": "",
        "subjectType": "natuurlijk_persoon",
        "subjectIdentificatie": {
            "inpBsn": BSN,
            "anpIdentificatie": "",
            "inpANummer": "",
            "geslachtsnaam": "",
            "voorvoegselGeslachtsnaam": "",
            "voorletters": "",
            "voornamen": "",
            "geslachtsaanduiding": "",
            "geboortedatum": "",
            "verblijfsadres": None,
            "subVerblijfBuitenland": None,
        },
        "aanmaakkanaal": "",
        "gevalideerd": False,
    }


def test_list_contains_the_same_representation_as_detail(api):
    created = [
        _create(
            api,
            {
                "bronorganisatie": RSIN,
                "subjectType": "natuurlijk_persoon",
                "subjectIdentificatie": {"inpBsn": BSN},
            },
        ).json(),
        _create(
            api,
            {
                "bronorganisatie": RSIN,
                "subjectType": "vestiging",
                "subjectIdentificatie": {"vestigingsNummer": "1", "handelsnaam": ["X"]},
            },
        ).json(),
    ]
    response = api.get(KLANTEN)
    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [created[1], created[0]],
    }


def test_retrieve_unknown_uuid_is_404(api):
    response = api.get(f"{KLANTEN}/{uuid.uuid4()}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 404


def test_retrieve_malformed_uuid_is_404(api):
    response = api.get(f"{KLANTEN}/not-a-uuid")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("subject_type", ["natuurlijk_persoon", "niet_natuurlijk_persoon"])
def test_delete_then_404(api, make_klant, subject_type):
    identificatie = (
        {"inp_bsn": BSN} if subject_type == "natuurlijk_persoon" else {"inn_nnp_id": RSIN_2}
    )
    klant = make_klant(
        subject_type=subject_type,
        subject_identificatie=identificatie,
        adres={"straatnaam": "Laan"},
    )
    other = make_klant(klantnummer="other")
    url = klant_url(klant)

    response = api.delete(url)
    assert response.status_code == 204
    assert response.content == b""

    assert api.get(url).status_code == 404
    assert api.delete(url).status_code == 404
    assert not Klant.objects.filter(pk=klant.pk).exists()
    assert not KlantAdres.objects.filter(klant_id=klant.pk).exists()
    assert not NatuurlijkPersoon.objects.filter(klant_id=klant.pk).exists()
    assert not NietNatuurlijkPersoon.objects.filter(klant_id=klant.pk).exists()
    # nothing else was touched
    assert api.get(klant_url(other)).status_code == 200
    assert Klant.objects.count() == 1


def test_put_and_patch_of_deleted_klant_are_404(api, make_klant):
    klant = make_klant()
    url = klant_url(klant)
    assert api.delete(url).status_code == 204
    assert api.patch_json(url, {"voornaam": "X"}).status_code == 404
    response = api.put_json(
        url,
        {
            "bronorganisatie": RSIN,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": BSN},
        },
    )
    assert response.status_code == 404
    assert Klant.objects.count() == 0


def test_put_replaces_the_whole_klant(api, make_klant):
    klant = make_klant(
        klantnummer="5",
        voornaam="Piet",
        achternaam="Jansen",
        website_url="https://example.com/piet",
        telefoonnummer="0101234567",
        aanmaakkanaal="telefoon",
    )
    response = api.put_json(
        klant_url(klant),
        {
            "bronorganisatie": RSIN,
            "klantnummer": "5",
            "achternaam": "Pietersen",
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": BSN, "voornamen": "Piet"},
        },
    )
    assert response.status_code == 200, response.content
    expected = {
        "url": klant_url(klant),
        "bronorganisatie": RSIN,
        "klantnummer": "5",
        "bedrijfsnaam": "",
        "functie": "",
        "websiteUrl": "",
        "voornaam": "",
        "voorvoegselAchternaam": "",
        "achternaam": "Pietersen",
        "telefoonnummer": "",
        "emailadres": "",
        "adres": None,
        "subject": "",
        "subjectType": "natuurlijk_persoon",
        "subjectIdentificatie": {
            "inpBsn": BSN,
            "anpIdentificatie": "",
            "inpANummer": "",
            "geslachtsnaam": "",
            "voorvoegselGeslachtsnaam": "",
            "voorletters": "",
            "voornamen": "Piet",
            "geslachtsaanduiding": "",
            "geboortedatum": "",
            "verblijfsadres": None,
            "subVerblijfBuitenland": None,
        },
        "aanmaakkanaal": "",
        "gevalideerd": False,
    }
    assert response.json() == expected
    assert api.get(klant_url(klant)).json() == expected
    klant.refresh_from_db()
    assert (klant.voornaam, klant.website_url, klant.aanmaakkanaal) == ("", "", "")


def test_patch_changes_only_the_given_fields(api, make_klant):
    klant = make_klant(klantnummer="5", voornaam="Piet", achternaam="Jansen")
    before = api.get(klant_url(klant)).json()
    response = api.patch_json(klant_url(klant), {"achternaam": "Pietersen", "functie": "Baas"})
    assert response.status_code == 200, response.content
    assert response.json() == {**before, "achternaam": "Pietersen", "functie": "Baas"}
    assert api.get(klant_url(klant)).json() == response.json()


def test_patch_bronorganisatie_and_klantnummer(api, make_klant):
    klant = make_klant(klantnummer="5")
    response = api.patch_json(klant_url(klant), {"bronorganisatie": RSIN_2, "klantnummer": "6"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["bronorganisatie"], body["klantnummer"]) == (RSIN_2, "6")
    klant.refresh_from_db()
    assert (klant.bronorganisatie, klant.klantnummer) == (RSIN_2, "6")
