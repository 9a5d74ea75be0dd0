"""E1, V3, V4: validating a klant with an application's assertion through
``POST /klanten/{uuid}/validaties``, the evidence records, and registering a validated klant in
one request (``POST /gevalideerde-klanten``)."""

from datetime import datetime

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone
from vng_api_common.audittrails.models import AuditTrail

from klanten.config.models import ValidatieRecht
from klanten.datamodel.models import Klant, NatuurlijkPersoon, Validatie

from .conftest import ALL_SCOPES, BSN, BSN_2, RSIN, RSIN_2, klant_url
from .validatie_helpers import (
    DIGID_BASIS,
    DIGID_HOOG,
    DIGID_MIDDEN,
    DIGID_SUBSTANTIEEL,
    EH,
    EIDAS,
    GEVALIDEERDE_KLANTEN,
    KLANTEN,
    KVK,
    VALIDEREN,
    applicatie_of,
    assertion,
    bsn,
    invalid_params,
    moment,
    np_klant,
    problem,
    validatie_url,
    validating_client,
)

MEDEWERKER = {"user_id": "mw-7", "user_representation": "Medewerker Zeven"}


@pytest.fixture
def balie(make_client):
    """The counter application: klanten.valideren and a registered maximum rank of 4."""
    return validating_client(make_client, "balie", maximale_rang=4, **MEDEWERKER)


@pytest.fixture
def klant(make_klant):
    """A non-validated natural person carrying an (unverified) BSN."""
    return np_klant(make_klant)


def _unchanged(klant: Klant) -> None:
    """A refused validation writes nothing."""
    klant.refresh_from_db()
    assert klant.gevalideerd is False
    assert klant.gevalideerde_sleutel is None
    assert klant.registratie_rang is None
    assert not Validatie.objects.filter(klant=klant).exists()


# --- scopes and the right to assert ---------------------------------------------------------


def test_validating_needs_scope_klanten_valideren(make_client, klant):
    client = validating_client(make_client, "zonder-scope", scopes=ALL_SCOPES)
    response = client.post_json(validatie_url(klant), assertion())
    assert problem(response, 403)["code"] == "permission_denied"
    _unchanged(klant)


def test_an_application_without_a_registered_maximum_rank_is_an_untrusted_source(
    make_client, klant
):
    client = validating_client(make_client, "zonder-recht", maximale_rang=None)
    response = client.post_json(validatie_url(klant), assertion())
    assert problem(response, 403)["code"] == "onvertrouwde-bron"
    _unchanged(klant)


def test_all_rights_do_not_include_a_right_to_assert(make_client, klant):
    client = make_client(all_rights=True, client_id="beheer")
    response = client.post_json(validatie_url(klant), assertion())
    assert problem(response, 403)["code"] == "onvertrouwde-bron"
    _unchanged(klant)


def test_an_application_with_all_rights_and_a_maximum_rank_may_validate(make_client, klant):
    client = make_client(all_rights=True, client_id="beheer")
    ValidatieRecht.objects.create(applicatie=applicatie_of("beheer"), maximale_rang=2)
    response = client.post_json(validatie_url(klant), assertion())
    assert response.status_code == 201, response.content


def test_an_application_asserting_above_its_maximum_rank_is_refused(make_client, klant):
    client = validating_client(make_client, "midden", maximale_rang=2)
    response = client.post_json(validatie_url(klant), assertion(niveau=DIGID_SUBSTANTIEEL))
    assert problem(response, 403)["code"] == "rang-boven-validatierecht"
    _unchanged(klant)


def test_an_application_may_assert_up_to_its_maximum_rank(make_client, klant):
    client = validating_client(make_client, "midden", maximale_rang=2)
    response = client.post_json(validatie_url(klant), assertion(niveau=DIGID_MIDDEN))
    assert response.status_code == 201, response.content


# --- success --------------------------------------------------------------------------------


def test_valid_evidence_is_recorded_and_represented_exactly(balie, klant):
    sent = moment(minutes_ago=7)
    body = {**assertion(), "authenticatieMoment": sent.isoformat()}
    before = timezone.now()

    response = balie.post_json(validatie_url(klant), body)

    assert response.status_code == 201, response.content
    data = response.json()
    validatie = Validatie.objects.get(klant=klant)
    assert data == {
        "uuid": str(validatie.uuid),
        "klant": klant_url(klant),
        "gevalideerdOp": data["gevalideerdOp"],
        "authenticatieMoment": sent.isoformat(),
        "middel": "digid",
        "betrouwbaarheidsniveau": DIGID_MIDDEN,
        "rang": 2,
        "uitgever": "DigiD",
        "bron": "applicatie",
        "geauthenticeerde": {"type": "bsn", "identificatie": BSN},
        "vertegenwoordigde": None,
        "machtiging": "",
        "applicatie": {
            "id": str(applicatie_of("balie").uuid),
            "weergave": "Applicatie balie",
        },
        "medewerker": {"id": "mw-7", "weergave": "Medewerker Zeven"},
        "gegevensBevestigd": True,
    }
    # server time, in the local time zone like the other extension times
    gevalideerd_op = datetime.fromisoformat(data["gevalideerdOp"])
    assert before <= gevalideerd_op <= timezone.now()
    assert gevalideerd_op.utcoffset() == timezone.localtime().utcoffset()
    assert validatie.gevalideerd_op == gevalideerd_op


def test_the_evidence_is_stored_as_given_with_the_derived_rank(balie, klant):
    sent = moment(minutes_ago=3)
    balie.post_json(
        validatie_url(klant),
        {**assertion(niveau=DIGID_HOOG), "authenticatieMoment": sent.isoformat()},
    )
    validatie = Validatie.objects.get(klant=klant)
    assert validatie.authenticatie_moment == sent
    assert validatie.betrouwbaarheidsniveau == DIGID_HOOG
    assert validatie.rang == 4
    assert validatie.bron == "applicatie"
    assert (validatie.geauthenticeerde_type, validatie.geauthenticeerde_identificatie) == (
        "bsn",
        BSN,
    )
    assert validatie.applicatie_id == str(applicatie_of("balie").uuid)
    assert validatie.medewerker_id == "mw-7"
    assert validatie.gegevens_bevestigd is True


def test_the_klant_becomes_validated(balie, klant):
    response = balie.post_json(validatie_url(klant), assertion())
    assert response.status_code == 201, response.content

    klant.refresh_from_db()
    assert klant.gevalideerd is True
    assert (klant.gevalideerde_sleutel_type, klant.gevalideerde_sleutel) == ("bsn", BSN)
    assert klant.registratie_rang == 2
    detail = balie.get(f"{KLANTEN}/{klant.uuid}")
    assert detail.status_code == 200
    assert detail.json()["gevalideerd"] is True
    assert detail.json()["subjectIdentificatie"]["inpBsn"] == BSN


def test_without_uitgever_the_application_is_the_issuer(balie, klant):
    body = assertion()
    del body["uitgever"]
    response = balie.post_json(validatie_url(klant), body)
    assert response.status_code == 201, response.content
    assert response.json()["uitgever"] == "Applicatie balie"


def test_without_user_claims_the_employee_is_empty(make_client, klant):
    client = validating_client(make_client, "portaal")
    response = client.post_json(validatie_url(klant), assertion())
    assert response.status_code == 201, response.content
    assert response.json()["medewerker"] == {"id": "", "weergave": ""}


@pytest.mark.parametrize(
    ("middel", "niveau", "rang"),
    [
        ("eidas", f"{EIDAS}substantial", 3),
        ("eidas", f"{EIDAS}high", 4),
        ("balie_identiteitsbewijs", DIGID_HOOG, 4),
        ("overig", DIGID_MIDDEN, 2),
    ],
)
def test_other_means_validate_too(balie, klant, middel, niveau, rang):
    response = balie.post_json(validatie_url(klant), assertion(middel=middel, niveau=niveau))
    assert response.status_code == 201, response.content
    assert (response.json()["middel"], response.json()["rang"]) == (middel, rang)


# --- V4 refusals: 403 with a specific code --------------------------------------------------


REFUSALS = {
    "digid-basis": ({"niveau": DIGID_BASIS}, "onvoldoende-betrouwbaarheidsniveau"),
    "eidas-low": (
        {"middel": "eidas", "niveau": f"{EIDAS}low"},
        "onvoldoende-betrouwbaarheidsniveau",
    ),
    "onbekend-niveau": ({"niveau": "loa3"}, "onbekend-betrouwbaarheidsniveau"),
    "61-minuten-oud": ({"minutes_ago": 61}, "verouderde-authenticatie"),
    "toekomst": ({"minutes_ago": -10}, "verouderde-authenticatie"),
    "andere-bsn": ({"identificatie": BSN_2}, "identiteit-komt-niet-overeen"),
    "zonder-machtiging": (
        {"identificatie": BSN_2, "middel": "digid_machtigen", "vertegenwoordigde": bsn(BSN)},
        "machtiging-ontbreekt",
    ),
}


@pytest.mark.parametrize(("overrides", "code"), REFUSALS.values(), ids=REFUSALS.keys())
def test_each_refusal_is_a_403_with_its_code(balie, klant, overrides, code):
    response = balie.post_json(validatie_url(klant), assertion(**overrides))
    assert problem(response, 403)["code"] == code
    _unchanged(klant)


def test_a_configured_maximum_authentication_age_is_applied(balie, klant, settings):
    settings.KLANTEN_MAX_AUTHENTICATIE_LEEFTIJD_MINUTEN = 10
    response = balie.post_json(validatie_url(klant), assertion(minutes_ago=15))
    assert problem(response, 403)["code"] == "verouderde-authenticatie"
    response = balie.post_json(validatie_url(klant), assertion(minutes_ago=9))
    assert response.status_code == 201, response.content


def test_a_configured_minimum_rank_is_applied(balie, klant, settings):
    settings.KLANTEN_MINIMUM_RANG = {**settings.KLANTEN_MINIMUM_RANG, "natuurlijk_persoon": 3}
    response = balie.post_json(validatie_url(klant), assertion(niveau=DIGID_MIDDEN))
    assert problem(response, 403)["code"] == "onvoldoende-betrouwbaarheidsniveau"
    _unchanged(klant)
    response = balie.post_json(validatie_url(klant), assertion(niveau=DIGID_SUBSTANTIEEL))
    assert response.status_code == 201, response.content


def test_the_minimum_rank_is_per_subject_type(balie, make_klant, settings):
    settings.KLANTEN_MINIMUM_RANG = {
        "natuurlijk_persoon": 2,
        "niet_natuurlijk_persoon": 3,
        "vestiging": 2,
    }
    organisatie = make_klant(
        subject_type="niet_natuurlijk_persoon", subject_identificatie={"inn_nnp_id": RSIN_2}
    )
    body = assertion(
        middel="eherkenning",
        niveau=f"{EH}loa2plus",
        geauthenticeerde={"type": "rsin", "identificatie": RSIN_2},
    )
    response = balie.post_json(validatie_url(organisatie), body)
    assert problem(response, 403)["code"] == "onvoldoende-betrouwbaarheidsniveau"
    response = balie.post_json(
        validatie_url(organisatie), {**body, "betrouwbaarheidsniveau": f"{EH}loa3"}
    )
    assert response.status_code == 201, response.content
    # the same rank 2 is enough for a natural person
    persoon = np_klant(make_klant)
    response = balie.post_json(validatie_url(persoon), assertion(niveau=DIGID_MIDDEN))
    assert response.status_code == 201, response.content


def test_a_mandate_validates_the_representee(balie, klant):
    body = assertion(
        BSN_2,
        middel="digid_machtigen",
        vertegenwoordigde=bsn(BSN),
        machtiging="Belastingzaken",
    )
    response = balie.post_json(validatie_url(klant), body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["geauthenticeerde"] == {"type": "bsn", "identificatie": BSN_2}
    assert data["vertegenwoordigde"] == {"type": "bsn", "identificatie": BSN}
    assert data["machtiging"] == "Belastingzaken"
    klant.refresh_from_db()
    assert (klant.gevalideerde_sleutel_type, klant.gevalideerde_sleutel) == ("bsn", BSN)


def test_the_representative_cannot_validate_the_klant_of_the_representee_as_himself(
    balie, make_klant
):
    """With a mandate the representee is validated: it must match the klant's BSN."""
    klant = np_klant(make_klant, inp_bsn=BSN_2)
    body = assertion(
        BSN_2, middel="digid_machtigen", vertegenwoordigde=bsn(BSN), machtiging="Belastingzaken"
    )
    response = balie.post_json(validatie_url(klant), body)
    assert problem(response, 403)["code"] == "identiteit-komt-niet-overeen"
    _unchanged(klant)


@pytest.mark.parametrize(("niveau", "status"), [(f"{EH}loa2plus", 403), (f"{EH}loa3", 201)])
def test_a_natural_person_represented_through_eherkenning_needs_rank_3(
    balie, klant, niveau, status
):
    body = assertion(
        middel="eherkenning_bewindvoering",
        niveau=niveau,
        geauthenticeerde={"type": "kvk", "identificatie": KVK},
        vertegenwoordigde=bsn(BSN),
        machtiging="Bewindvoering",
    )
    response = balie.post_json(validatie_url(klant), body)
    assert response.status_code == status, response.content
    if status == 403:
        assert response.json()["code"] == "onvoldoende-betrouwbaarheidsniveau"
        _unchanged(klant)


# --- identity (V4, V5) ----------------------------------------------------------------------


def test_a_klant_whose_unverified_bsn_differs_from_the_authenticated_one_is_refused(
    balie, make_klant
):
    klant = np_klant(make_klant, inp_bsn=BSN_2)
    response = balie.post_json(validatie_url(klant), assertion(BSN))
    assert problem(response, 403)["code"] == "identiteit-komt-niet-overeen"
    _unchanged(klant)
    assert NatuurlijkPersoon.objects.get(klant=klant).inp_bsn == BSN_2


def test_a_klant_without_any_identifier_takes_it_from_the_evidence(balie, make_klant):
    klant = make_klant(subject="https://brp.example.com/ingeschrevenpersonen/1")
    assert klant.subject_type is None

    response = balie.post_json(validatie_url(klant), assertion())

    assert response.status_code == 201, response.content
    data = balie.get(f"{KLANTEN}/{klant.uuid}").json()
    assert data["gevalideerd"] is True
    assert data["subjectType"] == "natuurlijk_persoon"
    assert data["subjectIdentificatie"]["inpBsn"] == BSN
    assert data["subject"] == "https://brp.example.com/ingeschrevenpersonen/1"


def test_a_natural_person_without_bsn_takes_it_from_the_evidence(balie, make_klant):
    klant = np_klant(make_klant, inp_bsn=None)

    response = balie.post_json(validatie_url(klant), assertion())

    assert response.status_code == 201, response.content
    identificatie = balie.get(f"{KLANTEN}/{klant.uuid}").json()["subjectIdentificatie"]
    assert identificatie["inpBsn"] == BSN
    assert identificatie["geslachtsnaam"] == "Dijk"


def test_a_klant_without_identifier_takes_an_organisation_from_the_evidence(balie, make_klant):
    klant = make_klant(subject="https://hr.example.com/nnp/1")
    body = assertion(
        middel="eherkenning",
        niveau=f"{EH}loa3",
        geauthenticeerde={"type": "rsin", "identificatie": RSIN_2},
    )
    response = balie.post_json(validatie_url(klant), body)
    assert response.status_code == 201, response.content
    data = balie.get(f"{KLANTEN}/{klant.uuid}").json()
    assert data["subjectType"] == "niet_natuurlijk_persoon"
    assert data["subjectIdentificatie"]["innNnpId"] == RSIN_2


def test_an_organisation_klant_refuses_bsn_evidence(balie, make_klant):
    klant = make_klant(
        subject_type="niet_natuurlijk_persoon", subject_identificatie={"inn_nnp_id": RSIN_2}
    )
    response = balie.post_json(validatie_url(klant), assertion())
    assert problem(response, 403)["code"] == "identiteit-komt-niet-overeen"
    _unchanged(klant)


def test_an_organisation_klant_without_identifier_refuses_bsn_evidence(balie, make_klant):
    klant = make_klant(
        subject="https://hr.example.com/nnp/1", subject_type="niet_natuurlijk_persoon"
    )
    response = balie.post_json(validatie_url(klant), assertion())
    assert problem(response, 403)["code"] == "identiteit-komt-niet-overeen"
    _unchanged(klant)
    assert not NatuurlijkPersoon.objects.filter(klant=klant).exists()


# --- shape: 400 -----------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["rang", "rank"])
def test_a_client_supplied_rank_is_refused(balie, klant, key):
    response = balie.post_json(validatie_url(klant), {**assertion(), key: 2})
    assert invalid_params(response) == [("rang", "rang-niet-toegestaan")]
    _unchanged(klant)


@pytest.mark.parametrize(
    ("field", "name"),
    [
        ("middel", "middel"),
        ("betrouwbaarheidsniveau", "betrouwbaarheidsniveau"),
        ("authenticatieMoment", "authenticatieMoment"),
        ("geauthenticeerde", "geauthenticeerde"),
    ],
)
def test_each_field_of_an_assertion_is_required(balie, klant, field, name):
    body = assertion()
    del body[field]
    response = balie.post_json(validatie_url(klant), body)
    assert invalid_params(response) == [(name, "required")]
    _unchanged(klant)


def test_an_empty_body_names_every_missing_field(balie, klant):
    response = balie.post_json(validatie_url(klant), {})
    assert sorted(invalid_params(response)) == [
        ("authenticatieMoment", "required"),
        ("betrouwbaarheidsniveau", "required"),
        ("geauthenticeerde", "required"),
        ("middel", "required"),
    ]


def test_an_id_token_and_an_assertion_together_are_refused(balie, klant):
    response = balie.post_json(validatie_url(klant), {**assertion(), "idToken": "a.b.c"})
    assert invalid_params(response) == [("nonFieldErrors", "bron-dubbel")]
    _unchanged(klant)


def test_an_unknown_means_is_refused(balie, klant):
    response = balie.post_json(validatie_url(klant), assertion(middel="itsme"))
    assert invalid_params(response) == [("middel", "invalid_choice")]


def test_a_malformed_authenticated_bsn_is_refused(balie, klant):
    response = balie.post_json(validatie_url(klant), assertion("111222334"))
    assert invalid_params(response) == [("geauthenticeerde.identificatie", "invalid")]
    _unchanged(klant)


def test_an_unknown_kind_of_identity_is_refused(balie, klant):
    body = assertion(geauthenticeerde={"type": "paspoort", "identificatie": "NX12345"})
    response = balie.post_json(validatie_url(klant), body)
    assert invalid_params(response) == [("geauthenticeerde.type", "invalid_choice")]


def test_a_malformed_authentication_moment_is_refused(balie, klant):
    response = balie.post_json(
        validatie_url(klant), {**assertion(), "authenticatieMoment": "gisteren"}
    )
    assert invalid_params(response) == [("authenticatieMoment", "invalid")]


def test_an_unknown_klant_is_a_404(balie):
    response = balie.post_json(
        f"{KLANTEN}/0b0e5a3c-3f4f-4a3e-9d50-7c0d2b0e0a11/validaties", assertion()
    )
    problem(response, 404)
    response = balie.get(f"{KLANTEN}/not-a-uuid/validaties")
    problem(response, 404)


# --- evidence is append-only (V3) -----------------------------------------------------------


@pytest.fixture
def gevalideerd(balie, klant):
    response = balie.post_json(validatie_url(klant), assertion())
    assert response.status_code == 201, response.content
    return klant


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_evidence_cannot_be_changed_or_deleted_through_the_api(balie, gevalideerd, method):
    validatie = Validatie.objects.get(klant=gevalideerd)
    body = {**assertion(BSN_2), "middel": "overig"}
    for path, status in (
        (validatie_url(gevalideerd), 405),
        (f"{validatie_url(gevalideerd)}/{validatie.uuid}", 404),
    ):
        response = getattr(balie, method)(path, body, content_type="application/json")
        problem(response, status)
    after = Validatie.objects.get(pk=validatie.pk)
    assert (after.middel, after.geauthenticeerde_identificatie) == ("digid", BSN)
    gevalideerd.refresh_from_db()
    assert gevalideerd.gevalideerd is True


def test_the_database_refuses_updating_evidence(gevalideerd):
    queryset = Validatie.objects.filter(klant=gevalideerd)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        queryset.update(rang=4)
    assert queryset.get().rang == 2


def test_the_database_refuses_saving_changed_evidence(gevalideerd):
    validatie = Validatie.objects.get(klant=gevalideerd)
    validatie.geauthenticeerde_identificatie = BSN_2
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        validatie.save()
    assert Validatie.objects.get(pk=validatie.pk).geauthenticeerde_identificatie == BSN


def test_validaties_are_listed_oldest_first(balie, klant):
    created = []
    for niveau, minutes in ((DIGID_MIDDEN, 30), (DIGID_HOOG, 20), (DIGID_SUBSTANTIEEL, 10)):
        response = balie.post_json(
            validatie_url(klant), assertion(niveau=niveau, minutes_ago=minutes)
        )
        assert response.status_code == 201, response.content
        created.append(response.json())

    response = balie.get(validatie_url(klant))

    assert response.status_code == 200, response.content
    assert response.json() == created
    assert [v["rang"] for v in response.json()] == [2, 4, 3]
    moments = [datetime.fromisoformat(v["gevalideerdOp"]) for v in response.json()]
    assert moments == sorted(moments)


def test_a_non_validated_klant_has_no_validaties(balie, klant):
    response = balie.get(validatie_url(klant))
    assert response.status_code == 200
    assert response.json() == []


def test_reading_validaties_needs_klanten_lezen(make_client, gevalideerd):
    client = validating_client(make_client, "alleen-valideren", scopes=(VALIDEREN,))
    problem(client.get(validatie_url(gevalideerd)), 403)


# --- POST /gevalideerde-klanten -------------------------------------------------------------


def _gevalideerde_klant(identificatie: str = BSN, **validatie) -> dict:
    return {
        "klant": {
            "bronorganisatie": RSIN,
            "voornaam": "Jan",
            "achternaam": "Dijk",
            "emailadres": "jan@example.com",
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": identificatie},
        },
        "validatie": {**assertion(identificatie), **validatie},
    }


@pytest.mark.parametrize(
    "scopes",
    [("klanten.aanmaken", "klanten.lezen"), (VALIDEREN, "klanten.lezen")],
    ids=["zonder-valideren", "zonder-aanmaken"],
)
def test_registering_a_validated_klant_needs_both_scopes(make_client, scopes):
    client = validating_client(make_client, "portaal", scopes=scopes)
    response = client.post_json(GEVALIDEERDE_KLANTEN, _gevalideerde_klant())
    assert problem(response, 403)["code"] == "permission_denied"
    assert not Klant.objects.exists()


def test_a_validated_klant_is_registered_in_one_request(make_client):
    client = validating_client(
        make_client,
        "portaal",
        scopes=("klanten.aanmaken", VALIDEREN, "klanten.lezen"),
        **MEDEWERKER,
    )

    response = client.post_json(GEVALIDEERDE_KLANTEN, _gevalideerde_klant(gegevensBevestigd=False))

    assert response.status_code == 201, response.content
    data = response.json()
    klant = Klant.objects.get()
    assert data["url"] == klant_url(klant)
    assert response["Location"] == data["url"]
    assert data["gevalideerd"] is True
    assert (data["voornaam"], data["achternaam"], data["emailadres"]) == (
        "Jan",
        "Dijk",
        "jan@example.com",
    )
    assert data["subjectIdentificatie"]["inpBsn"] == BSN
    assert data["klantnummer"]
    assert klant.gevalideerd is True
    assert (klant.gevalideerde_sleutel_type, klant.gevalideerde_sleutel) == ("bsn", BSN)
    assert klant.registratie_rang == 2
    assert klant.geregistreerd_door == applicatie_of("portaal").uuid
    # the person supplied the data in the authenticated session: confirmed
    validatie = Validatie.objects.get(klant=klant)
    assert validatie.gegevens_bevestigd is True
    assert validatie.medewerker_id == "mw-7"
    evidence = client.get(validatie_url(klant)).json()
    assert [v["uuid"] for v in evidence] == [str(validatie.uuid)]
    assert AuditTrail.objects.filter(hoofd_object=data["url"], actie="create").count() == 1


@pytest.mark.parametrize(
    ("validatie", "code"),
    [
        ({"betrouwbaarheidsniveau": DIGID_BASIS}, "onvoldoende-betrouwbaarheidsniveau"),
        ({"betrouwbaarheidsniveau": "loa3"}, "onbekend-betrouwbaarheidsniveau"),
        ({"geauthenticeerde": bsn(BSN_2)}, "identiteit-komt-niet-overeen"),
        (
            {"geauthenticeerde": bsn(BSN_2), "vertegenwoordigde": bsn(BSN)},
            "machtiging-ontbreekt",
        ),
        ({"betrouwbaarheidsniveau": DIGID_HOOG}, "rang-boven-validatierecht"),
    ],
    ids=["te-laag", "onbekend", "andere-bsn", "zonder-machtiging", "boven-recht"],
)
def test_registering_a_validated_klant_is_refused_like_a_validation(make_client, validatie, code):
    client = validating_client(make_client, "portaal", maximale_rang=3)
    response = client.post_json(GEVALIDEERDE_KLANTEN, _gevalideerde_klant(**validatie))
    assert problem(response, 403)["code"] == code
    assert not Klant.objects.exists()
    assert not Validatie.objects.exists()


def test_registering_a_validated_klant_with_stale_authentication_is_refused(make_client):
    client = validating_client(make_client, "portaal")
    body = _gevalideerde_klant(authenticatieMoment=moment(61).isoformat())
    response = client.post_json(GEVALIDEERDE_KLANTEN, body)
    assert problem(response, 403)["code"] == "verouderde-authenticatie"
    assert not Klant.objects.exists()


def test_registering_a_validated_klant_needs_a_right_to_assert(make_client):
    client = validating_client(make_client, "portaal", maximale_rang=None)
    response = client.post_json(GEVALIDEERDE_KLANTEN, _gevalideerde_klant())
    assert problem(response, 403)["code"] == "onvertrouwde-bron"
    assert not Klant.objects.exists()


def test_registering_a_validated_klant_refuses_a_client_supplied_rank(make_client):
    client = validating_client(make_client, "portaal")
    response = client.post_json(GEVALIDEERDE_KLANTEN, _gevalideerde_klant(rang=2))
    assert invalid_params(response) == [("validatie.rang", "rang-niet-toegestaan")]
    assert not Klant.objects.exists()


def test_registering_a_validated_klant_checks_the_klant_data(make_client):
    client = validating_client(make_client, "portaal")
    body = _gevalideerde_klant()
    body["klant"]["bronorganisatie"] = "123456789"
    response = client.post_json(GEVALIDEERDE_KLANTEN, body)
    assert ("klant.bronorganisatie", "invalid") in invalid_params(response)
    assert not Klant.objects.exists()


def test_a_validated_klant_without_identification_takes_it_from_the_evidence(
    make_client, requests_mock
):
    requests_mock.get("https://brp.example.com/ingeschrevenpersonen/1", status_code=200)
    client = validating_client(make_client, "portaal")
    body = _gevalideerde_klant()
    body["klant"]["subjectIdentificatie"] = None
    body["klant"]["subject"] = "https://brp.example.com/ingeschrevenpersonen/1"
    del body["klant"]["subjectType"]
    response = client.post_json(GEVALIDEERDE_KLANTEN, body)
    assert response.status_code == 201, response.content
    data = client.get(response["Location"]).json()
    assert data["subjectType"] == "natuurlijk_persoon"
    assert data["subjectIdentificatie"]["inpBsn"] == BSN


def test_a_second_validated_klant_for_the_same_bsn_is_a_conflict(make_client):
    client = validating_client(make_client, "portaal")
    first = client.post_json(GEVALIDEERDE_KLANTEN, _gevalideerde_klant())
    assert first.status_code == 201, first.content

    body = _gevalideerde_klant()
    body["klant"]["emailadres"] = "ander@example.com"
    second = client.post_json(GEVALIDEERDE_KLANTEN, body)

    data = problem(second, 409)
    assert data["code"] == "gevalideerde-klant-bestaat"
    assert data["bestaandeKlant"] == first.json()["url"]
    assert Klant.objects.count() == 1
    assert Validatie.objects.count() == 1


def test_the_same_bsn_registers_as_validated_in_another_bronorganisatie(make_client):
    client = validating_client(make_client, "portaal")
    assert client.post_json(GEVALIDEERDE_KLANTEN, _gevalideerde_klant()).status_code == 201
    body = _gevalideerde_klant()
    body["klant"]["bronorganisatie"] = RSIN_2
    response = client.post_json(GEVALIDEERDE_KLANTEN, body)
    assert response.status_code == 201, response.content
    assert Klant.objects.filter(gevalideerd=True).count() == 2


def test_a_validated_klant_with_a_klantnummer_taken_is_refused_whole(make_client, make_klant):
    """The unique constraint answers a taken klantnummer (no query of its own): 400
    ``unique``, and nothing of the klant, its evidence or its records is left."""
    make_klant(klantnummer="K-1", subject="https://x.nl/1")
    client = validating_client(
        make_client,
        "portaal",
        scopes=("klanten.aanmaken", VALIDEREN, "klanten.lezen"),
        **MEDEWERKER,
    )
    body = _gevalideerde_klant()
    body["klant"]["klantnummer"] = "K-1"
    audit = AuditTrail.objects.count()

    response = client.post_json(GEVALIDEERDE_KLANTEN, body)

    params = problem(response, 400)["invalidParams"]
    assert [(p["name"], p["code"]) for p in params] == [("nonFieldErrors", "unique")]
    assert Klant.objects.count() == 1 and not Klant.objects.filter(gevalideerd=True).exists()
    assert AuditTrail.objects.count() == audit
