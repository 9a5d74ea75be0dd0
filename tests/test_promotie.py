"""V5 promotion of a non-validated klant (modes ``reconfirm`` and ``forbid``), appending
evidence to a validated klant, and V1: validation never goes back (no demotion, the subject
identification of a validated klant only changes by an administrator's audited correction)."""

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from vng_api_common.audittrails.models import AuditTrail

from klanten.datamodel import rules, services
from klanten.datamodel.models import Klant, NatuurlijkPersoon, Validatie
from klanten.datamodel.wijzigingen import Actor, Herkomst

from .conftest import BSN, BSN_2, RSIN, klant_url
from .validatie_helpers import (
    DIGID_HOOG,
    DIGID_MIDDEN,
    DIGID_SUBSTANTIEEL,
    GEVALIDEERDE_KLANTEN,
    KLANTEN,
    assertion,
    invalid_params,
    np_klant,
    problem,
    validatie_url,
    validating_client,
)


@pytest.fixture
def balie(make_client):
    return validating_client(
        make_client,
        "balie",
        maximale_rang=4,
        user_id="mw-7",
        user_representation="Medewerker Zeven",
    )


@pytest.fixture
def klant(make_klant):
    return np_klant(make_klant, voornaam="Jan", emailadres="jan@example.com")


@pytest.fixture
def gevalideerd(balie, klant):
    """A klant validated with DigiD Midden (rank 2)."""
    response = balie.post_json(validatie_url(klant), assertion(niveau=DIGID_MIDDEN))
    assert response.status_code == 201, response.content
    klant.refresh_from_db()
    return klant


def _not_validated(klant: Klant) -> None:
    klant.refresh_from_db()
    assert klant.gevalideerd is False
    assert not Validatie.objects.filter(klant=klant).exists()


# --- mode reconfirm (the default) -----------------------------------------------------------


def test_reconfirm_is_the_default_mode():
    assert django_settings.KLANTEN_PROMOTIE_MODUS == "reconfirm"


def test_promotion_without_confirmation_is_refused(balie, klant):
    response = balie.post_json(validatie_url(klant), assertion(bevestigd=False))
    assert problem(response, 403)["code"] == "bevestiging-vereist"
    _not_validated(klant)


def test_promotion_without_the_confirmation_field_is_refused(balie, klant):
    body = assertion()
    del body["gegevensBevestigd"]
    response = balie.post_json(validatie_url(klant), body)
    assert problem(response, 403)["code"] == "bevestiging-vereist"
    _not_validated(klant)


def test_promotion_with_confirmation_validates(balie, klant):
    response = balie.post_json(validatie_url(klant), assertion(bevestigd=True))
    assert response.status_code == 201, response.content
    assert response.json()["gegevensBevestigd"] is True
    klant.refresh_from_db()
    assert klant.gevalideerd is True


def test_promotion_keeps_the_klant_and_its_data(balie, klant):
    response = balie.post_json(validatie_url(klant), assertion())
    assert response.status_code == 201, response.content
    assert Klant.objects.count() == 1
    data = balie.get(f"{KLANTEN}/{klant.uuid}").json()
    assert data["url"] == klant_url(klant)
    assert (data["voornaam"], data["emailadres"]) == ("Jan", "jan@example.com")
    assert data["klantnummer"] == klant.klantnummer


def test_the_mode_argument_of_the_service_overrides_the_setting(klant, settings):
    settings.KLANTEN_PROMOTIE_MODUS = "reconfirm"
    bewijs = _bewijs()
    with pytest.raises(rules.Conflict) as excinfo:
        services.valideer_klant(klant, bewijs, services.Actor(), mode="forbid")
    assert excinfo.value.code == "promotie-niet-toegestaan"
    _not_validated(klant)


# --- mode forbid ----------------------------------------------------------------------------


@pytest.fixture
def forbid(settings):
    settings.KLANTEN_PROMOTIE_MODUS = "forbid"


@pytest.mark.parametrize("bevestigd", [True, False])
def test_promotion_in_mode_forbid_is_a_conflict(forbid, balie, klant, bevestigd):
    response = balie.post_json(validatie_url(klant), assertion(bevestigd=bevestigd))
    data = problem(response, 409)
    assert data["code"] == "promotie-niet-toegestaan"
    assert "bestaandeKlant" not in data
    _not_validated(klant)


def test_mode_forbid_still_registers_a_new_validated_klant(forbid, balie, klant):
    """Forbid asks for a new validated klant instead of promoting the old one."""
    body = {
        "klant": {
            "bronorganisatie": RSIN,
            "subjectType": "natuurlijk_persoon",
            "subjectIdentificatie": {"inpBsn": BSN},
        },
        "validatie": assertion(),
    }
    response = balie.post_json(GEVALIDEERDE_KLANTEN, body)
    assert response.status_code == 201, response.content
    assert response.json()["gevalideerd"] is True
    _not_validated(klant)


def test_mode_forbid_accepts_more_evidence_for_a_validated_klant(balie, gevalideerd, settings):
    settings.KLANTEN_PROMOTIE_MODUS = "forbid"
    response = balie.post_json(validatie_url(gevalideerd), assertion(niveau=DIGID_HOOG))
    assert response.status_code == 201, response.content
    assert Validatie.objects.filter(klant=gevalideerd).count() == 2


# --- more evidence for a validated klant ----------------------------------------------------


def test_a_validated_klant_accepts_more_evidence(balie, gevalideerd):
    response = balie.post_json(validatie_url(gevalideerd), assertion(niveau=DIGID_HOOG))
    assert response.status_code == 201, response.content
    assert response.json()["rang"] == 4

    gevalideerd.refresh_from_db()
    assert gevalideerd.gevalideerd is True
    # the rank it was registered with does not change
    assert gevalideerd.registratie_rang == 2
    assert (gevalideerd.gevalideerde_sleutel_type, gevalideerd.gevalideerde_sleutel) == (
        "bsn",
        BSN,
    )
    assert list(
        Validatie.objects.filter(klant=gevalideerd).order_by("id").values_list("rang", flat=True)
    ) == [2, 4]


def test_more_evidence_needs_no_confirmation(balie, gevalideerd):
    response = balie.post_json(validatie_url(gevalideerd), assertion(bevestigd=False))
    assert response.status_code == 201, response.content
    assert response.json()["gegevensBevestigd"] is False
    gevalideerd.refresh_from_db()
    assert gevalideerd.gevalideerd is True


def test_more_evidence_for_another_person_is_refused(balie, gevalideerd):
    response = balie.post_json(validatie_url(gevalideerd), assertion(BSN_2))
    assert problem(response, 403)["code"] == "identiteit-komt-niet-overeen"
    assert Validatie.objects.filter(klant=gevalideerd).count() == 1


def test_more_evidence_is_checked_like_the_first(balie, gevalideerd):
    response = balie.post_json(validatie_url(gevalideerd), assertion(minutes_ago=90))
    assert problem(response, 403)["code"] == "verouderde-authenticatie"
    assert Validatie.objects.filter(klant=gevalideerd).count() == 1


def test_a_failed_validation_never_demotes(balie, gevalideerd):
    balie.post_json(validatie_url(gevalideerd), assertion(BSN_2))
    balie.post_json(validatie_url(gevalideerd), {**assertion(), "rang": 1})
    gevalideerd.refresh_from_db()
    assert gevalideerd.gevalideerd is True
    assert gevalideerd.gevalideerde_sleutel == BSN


# --- V1: the subject identification of a validated klant ------------------------------------


@pytest.mark.parametrize(
    "identificatie",
    [{"inpBsn": BSN_2}, {"inpBsn": ""}],
    ids=["gewijzigd", "leeg"],
)
def test_patch_cannot_change_or_remove_the_bsn_of_a_validated_klant(
    balie, gevalideerd, identificatie
):
    response = balie.patch_json(
        f"{KLANTEN}/{gevalideerd.uuid}", {"subjectIdentificatie": identificatie}
    )
    assert invalid_params(response) == [
        ("subjectIdentificatie", "gevalideerd-subject-onwijzigbaar")
    ]
    assert NatuurlijkPersoon.objects.get(klant=gevalideerd).inp_bsn == BSN


def _put_body(**changes) -> dict:
    body = {
        "bronorganisatie": RSIN,
        "voornaam": "Jan",
        "emailadres": "jan@example.com",
        "subject": "",
        "subjectType": "natuurlijk_persoon",
        "subjectIdentificatie": {"inpBsn": BSN},
    }
    body.update(changes)
    return body


@pytest.mark.parametrize(
    "identificatie",
    [{"inpBsn": BSN_2}, {"inpBsn": ""}, {"geslachtsnaam": "Dijk"}],
    ids=["gewijzigd", "leeg", "weggelaten"],
)
def test_put_cannot_change_or_remove_the_bsn_of_a_validated_klant(
    balie, gevalideerd, identificatie
):
    response = balie.put_json(
        f"{KLANTEN}/{gevalideerd.uuid}", _put_body(subjectIdentificatie=identificatie)
    )
    assert invalid_params(response) == [
        ("subjectIdentificatie", "gevalideerd-subject-onwijzigbaar")
    ]
    assert NatuurlijkPersoon.objects.get(klant=gevalideerd).inp_bsn == BSN


def test_put_cannot_remove_the_identification_of_a_validated_klant(
    balie, gevalideerd, requests_mock
):
    subject = "https://brp.example.com/ingeschrevenpersonen/1"
    requests_mock.get(subject, status_code=200)
    response = balie.put_json(
        f"{KLANTEN}/{gevalideerd.uuid}", _put_body(subject=subject, subjectIdentificatie=None)
    )
    assert invalid_params(response) == [
        ("subjectIdentificatie", "gevalideerd-subject-onwijzigbaar")
    ]
    assert NatuurlijkPersoon.objects.get(klant=gevalideerd).inp_bsn == BSN
    gevalideerd.refresh_from_db()
    assert gevalideerd.subject == ""


SUBJECT = "https://brp.example.com/ingeschrevenpersonen/1"
ANDER_SUBJECT = "https://brp.example.com/ingeschrevenpersonen/2"


@pytest.fixture
def met_subject(balie, make_klant, requests_mock):
    """A klant validated with DigiD Midden that refers to its subject by URL as well."""
    requests_mock.get(SUBJECT, status_code=200)
    requests_mock.get(ANDER_SUBJECT, status_code=200)
    klant = np_klant(make_klant, subject=SUBJECT, voornaam="Jan", emailadres="jan@example.com")
    response = balie.post_json(validatie_url(klant), assertion(niveau=DIGID_MIDDEN))
    assert response.status_code == 201, response.content
    return klant


@pytest.mark.parametrize("subject", [ANDER_SUBJECT, ""], ids=["ander", "leeg"])
def test_patch_cannot_repoint_or_empty_the_subject_of_a_validated_klant(
    balie, met_subject, subject
):
    """Item 10 of issue 11: the subject URL is protected as the BSN is (V1)."""
    response = balie.patch_json(f"{KLANTEN}/{met_subject.uuid}", {"subject": subject})
    assert invalid_params(response) == [("subject", "gevalideerd-subject-onwijzigbaar")]
    met_subject.refresh_from_db()
    assert met_subject.subject == SUBJECT


@pytest.mark.parametrize(
    "changes", [{"subject": ANDER_SUBJECT}, {"subject": ""}], ids=["ander", "leeg"]
)
def test_put_cannot_repoint_or_empty_the_subject_of_a_validated_klant(balie, met_subject, changes):
    response = balie.put_json(f"{KLANTEN}/{met_subject.uuid}", _put_body(**changes))
    assert invalid_params(response) == [("subject", "gevalideerd-subject-onwijzigbaar")]
    met_subject.refresh_from_db()
    assert met_subject.subject == SUBJECT


def test_the_same_subject_url_is_no_change(balie, met_subject):
    response = balie.put_json(
        f"{KLANTEN}/{met_subject.uuid}", _put_body(subject=SUBJECT, voornaam="Johan")
    )
    assert response.status_code == 200, response.content
    assert (response.json()["subject"], response.json()["voornaam"]) == (SUBJECT, "Johan")


def test_the_subject_of_a_non_validated_klant_can_change(balie, klant, requests_mock):
    requests_mock.get(ANDER_SUBJECT, status_code=200)
    response = balie.patch_json(f"{KLANTEN}/{klant.uuid}", {"subject": ANDER_SUBJECT})
    assert response.status_code == 200, response.content
    assert response.json()["subject"] == ANDER_SUBJECT


def test_a_refused_change_changes_nothing_else(balie, gevalideerd):
    response = balie.patch_json(
        f"{KLANTEN}/{gevalideerd.uuid}",
        {"emailadres": "nieuw@example.com", "subjectIdentificatie": {"inpBsn": BSN_2}},
    )
    problem(response, 400)
    gevalideerd.refresh_from_db()
    assert gevalideerd.emailadres == "jan@example.com"


def test_other_fields_of_a_validated_klant_can_still_change(balie, gevalideerd):
    response = balie.patch_json(
        f"{KLANTEN}/{gevalideerd.uuid}", {"emailadres": "nieuw@example.com"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["emailadres"] == "nieuw@example.com"
    assert response.json()["gevalideerd"] is True
    gevalideerd.refresh_from_db()
    assert gevalideerd.emailadres == "nieuw@example.com"
    assert gevalideerd.gevalideerd is True


def test_put_with_the_same_bsn_changes_other_fields(balie, gevalideerd):
    response = balie.put_json(
        f"{KLANTEN}/{gevalideerd.uuid}", _put_body(emailadres="nieuw@example.com")
    )
    assert response.status_code == 200, response.content
    assert response.json()["emailadres"] == "nieuw@example.com"
    assert response.json()["subjectIdentificatie"]["inpBsn"] == BSN
    assert response.json()["gevalideerd"] is True


def test_other_fields_of_the_identification_can_change(balie, gevalideerd):
    response = balie.patch_json(
        f"{KLANTEN}/{gevalideerd.uuid}",
        {"subjectIdentificatie": {"inpBsn": BSN, "geslachtsnaam": "Dijk"}},
    )
    assert response.status_code == 200, response.content
    identificatie = response.json()["subjectIdentificatie"]
    assert (identificatie["inpBsn"], identificatie["geslachtsnaam"]) == (BSN, "Dijk")


def test_patch_with_null_identification_is_no_change(balie, gevalideerd):
    response = balie.patch_json(f"{KLANTEN}/{gevalideerd.uuid}", {"subjectIdentificatie": None})
    assert response.status_code == 200, response.content
    assert response.json()["subjectIdentificatie"]["inpBsn"] == BSN


def test_the_bsn_of_a_non_validated_klant_can_change(balie, klant):
    response = balie.patch_json(
        f"{KLANTEN}/{klant.uuid}", {"subjectIdentificatie": {"inpBsn": BSN_2}}
    )
    assert response.status_code == 200, response.content
    assert response.json()["subjectIdentificatie"]["inpBsn"] == BSN_2


def test_a_validated_klant_stays_validated_after_updates(balie, gevalideerd):
    for body in ({"voornaam": "Piet"}, {"telefoonnummer": "0612345678"}):
        response = balie.patch_json(f"{KLANTEN}/{gevalideerd.uuid}", body)
        assert response.status_code == 200, response.content
    gevalideerd.refresh_from_db()
    assert gevalideerd.gevalideerd is True
    assert gevalideerd.registratie_rang == 2


# --- V1: an administrator's correction ------------------------------------------------------


def _corrigeer(klant, reden, inp_bsn=BSN_2):
    return services.corrigeer_subject(
        klant,
        {"inp_bsn": inp_bsn},
        reden,
        herkomst=Herkomst(
            Actor(gebruikers_id="beheerder-1", gebruikers_weergave="Beheerder Een"),
            klant_url(klant).removesuffix(str(klant.uuid)),
        ),
    )


@pytest.mark.parametrize("reden", ["", "   "])
def test_a_correction_needs_a_reason(gevalideerd, reden):
    with pytest.raises(rules.RuleViolation) as excinfo:
        _corrigeer(gevalideerd, reden)
    assert excinfo.value.code == "reden-verplicht"
    gevalideerd.refresh_from_db()
    assert gevalideerd.gevalideerde_sleutel == BSN
    assert NatuurlijkPersoon.objects.get(klant=gevalideerd).inp_bsn == BSN
    assert not AuditTrail.objects.filter(actie="correctie_subject").exists()


def test_a_correction_with_a_reason_is_audited(gevalideerd):
    reden = "BSN verwisseld bij registratie; gecontroleerd met paspoort"

    _corrigeer(gevalideerd, reden)

    gevalideerd.refresh_from_db()
    assert gevalideerd.gevalideerd is True
    assert (gevalideerd.gevalideerde_sleutel_type, gevalideerd.gevalideerde_sleutel) == (
        "bsn",
        BSN_2,
    )
    assert NatuurlijkPersoon.objects.get(klant=gevalideerd).inp_bsn == BSN_2
    trail = AuditTrail.objects.get(actie="correctie_subject", bron="kc")
    assert trail.toelichting == reden
    assert trail.hoofd_object == klant_url(gevalideerd)
    assert trail.resource_url == klant_url(gevalideerd)
    assert trail.resource == "klant"
    assert (trail.gebruikers_id, trail.gebruikers_weergave) == ("beheerder-1", "Beheerder Een")
    # the audit trail names the kind of key, never the identifiers themselves (P1)
    assert BSN not in str(trail.oud) and BSN_2 not in str(trail.nieuw)


def test_a_correction_keeps_the_evidence(gevalideerd):
    before = list(Validatie.objects.filter(klant=gevalideerd).values_list("uuid", flat=True))
    _corrigeer(gevalideerd, "Typefout")
    after = list(Validatie.objects.filter(klant=gevalideerd).values_list("uuid", flat=True))
    assert after == before


def test_a_correction_cannot_create_a_second_validated_klant_for_a_bsn(
    balie, gevalideerd, make_klant
):
    ander = np_klant(make_klant, inp_bsn=BSN_2)
    response = balie.post_json(validatie_url(ander), assertion(BSN_2))
    assert response.status_code == 201, response.content

    with pytest.raises(rules.Conflict) as excinfo:
        _corrigeer(gevalideerd, "Typefout")

    assert excinfo.value.code == "gevalideerde-klant-bestaat"
    assert excinfo.value.existing_klant == ander
    gevalideerd.refresh_from_db()
    assert gevalideerd.gevalideerde_sleutel == BSN
    assert NatuurlijkPersoon.objects.get(klant=gevalideerd).inp_bsn == BSN
    assert not AuditTrail.objects.filter(actie="correctie_subject").exists()


# --- helpers --------------------------------------------------------------------------------


def _bewijs(identificatie: str = BSN, rang: int = 3, bevestigd: bool = True) -> rules.Bewijs:
    return rules.Bewijs(
        middel="digid",
        betrouwbaarheidsniveau=DIGID_SUBSTANTIEEL,
        rang=rang,
        uitgever="DigiD",
        bron="applicatie",
        authenticatie_moment=timezone.now(),
        geauthenticeerde=rules.Identiteit("bsn", identificatie),
        gegevens_bevestigd=bevestigd,
    )
