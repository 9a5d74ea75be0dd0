"""The rule functions of ``klanten.datamodel.rules``, one test per rule, with their exact codes.

The class of the exception is part of the contract too: ``Refused`` becomes 403, ``Conflict``
409 and a plain ``RuleViolation`` 400.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from klanten.datamodel import rules
from klanten.datamodel.rules import Bewijs, Conflict, Identiteit, Refused, RuleViolation

from .conftest import BSN, BSN_2, RSIN

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
MINIMUM = {"natuurlijk_persoon": 2, "niet_natuurlijk_persoon": 3, "vestiging": 1}

PERSOON = Identiteit("bsn", BSN)
ANDER = Identiteit("bsn", BSN_2)
ORGANISATIE = Identiteit("kvk", "12345678")


def bewijs(
    rang: int = 2,
    middel: str = "digid",
    geauthenticeerde: Identiteit = PERSOON,
    vertegenwoordigde: Identiteit | None = None,
    machtiging: str = "",
    gegevens_bevestigd: bool = True,
) -> Bewijs:
    return Bewijs(
        middel=middel,
        betrouwbaarheidsniveau="urn:test",
        rang=rang,
        uitgever="test",
        bron="applicatie",
        authenticatie_moment=NOW,
        geauthenticeerde=geauthenticeerde,
        vertegenwoordigde=vertegenwoordigde,
        machtiging=machtiging,
        gegevens_bevestigd=gegevens_bevestigd,
    )


def _code(excinfo) -> str:
    return excinfo.value.code


# --- the exception classes ------------------------------------------------------------------


def test_rule_violations_are_django_validation_errors():
    assert issubclass(RuleViolation, ValidationError)
    assert issubclass(Refused, RuleViolation)
    assert issubclass(Conflict, RuleViolation)
    assert not issubclass(Conflict, Refused)


def test_a_conflict_can_name_the_existing_klant():
    existing = object()
    conflict = Conflict("bestaat", code="gevalideerde-klant-bestaat", existing_klant=existing)
    assert conflict.code == "gevalideerde-klant-bestaat"
    assert conflict.existing_klant is existing
    assert Conflict("x", code="y").existing_klant is None


# --- require_fresh_authentication (V3) ------------------------------------------------------


def test_authentication_61_minutes_old_is_stale():
    with pytest.raises(Refused) as excinfo:
        rules.require_fresh_authentication(NOW - timedelta(minutes=61), NOW, 60)
    assert _code(excinfo) == "verouderde-authenticatie"


def test_authentication_59_minutes_old_is_fresh():
    rules.require_fresh_authentication(NOW - timedelta(minutes=59), NOW, 60)


def test_authentication_exactly_at_the_limit_is_fresh():
    rules.require_fresh_authentication(NOW - timedelta(minutes=60), NOW, 60)


def test_authentication_just_past_the_limit_is_stale():
    with pytest.raises(Refused):
        rules.require_fresh_authentication(NOW - timedelta(minutes=60, seconds=1), NOW, 60)


def test_the_maximum_age_is_configurable():
    rules.require_fresh_authentication(NOW - timedelta(minutes=61), NOW, 120)
    with pytest.raises(Refused) as excinfo:
        rules.require_fresh_authentication(NOW - timedelta(minutes=11), NOW, 10)
    assert _code(excinfo) == "verouderde-authenticatie"


@pytest.mark.parametrize("ahead", [timedelta(minutes=5), timedelta(days=1)])
def test_authentication_in_the_future_is_refused(ahead):
    with pytest.raises(Refused) as excinfo:
        rules.require_fresh_authentication(NOW + ahead, NOW, 60)
    assert _code(excinfo) == "verouderde-authenticatie"


def test_a_small_clock_skew_is_tolerated():
    rules.require_fresh_authentication(NOW + timedelta(seconds=30), NOW, 60)


def test_authentication_now_is_fresh():
    rules.require_fresh_authentication(NOW, NOW, 60)


# --- require_sufficient_rank (V2) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("subject_type", "too_low", "enough"),
    [("natuurlijk_persoon", 1, 2), ("niet_natuurlijk_persoon", 2, 3), ("vestiging", 0, 1)],
)
def test_the_minimum_rank_is_per_subject_type(subject_type, too_low, enough):
    with pytest.raises(Refused) as excinfo:
        rules.require_sufficient_rank(bewijs(rang=too_low), subject_type, MINIMUM)
    assert _code(excinfo) == "onvoldoende-betrouwbaarheidsniveau"
    rules.require_sufficient_rank(bewijs(rang=enough), subject_type, MINIMUM)
    rules.require_sufficient_rank(bewijs(rang=4), subject_type, MINIMUM)


@pytest.mark.parametrize("middel", ["eherkenning", "eherkenning_bewindvoering"])
def test_a_natural_person_through_eherkenning_needs_rank_3(middel):
    with pytest.raises(Refused) as excinfo:
        rules.require_sufficient_rank(bewijs(rang=2, middel=middel), "natuurlijk_persoon", MINIMUM)
    assert _code(excinfo) == "onvoldoende-betrouwbaarheidsniveau"
    rules.require_sufficient_rank(bewijs(rang=3, middel=middel), "natuurlijk_persoon", MINIMUM)


@pytest.mark.parametrize("middel", ["digid", "digid_machtigen", "eidas", "balie_identiteitsbewijs"])
def test_other_means_for_a_natural_person_need_only_the_minimum(middel):
    rules.require_sufficient_rank(bewijs(rang=2, middel=middel), "natuurlijk_persoon", MINIMUM)


def test_eherkenning_for_an_organisation_needs_only_the_minimum():
    minimum = {**MINIMUM, "niet_natuurlijk_persoon": 2}
    rules.require_sufficient_rank(
        bewijs(rang=2, middel="eherkenning"), "niet_natuurlijk_persoon", minimum
    )


def test_a_higher_configured_minimum_wins_over_the_eherkenning_rule():
    minimum = {**MINIMUM, "natuurlijk_persoon": 4}
    with pytest.raises(Refused):
        rules.require_sufficient_rank(
            bewijs(rang=3, middel="eherkenning"), "natuurlijk_persoon", minimum
        )


# --- validated_identity (V4) ----------------------------------------------------------------


def test_without_representee_the_authenticated_person_is_validated():
    assert rules.validated_identity(bewijs()) == PERSOON


def test_a_representee_without_mandate_is_refused():
    with pytest.raises(Refused) as excinfo:
        rules.validated_identity(bewijs(geauthenticeerde=ANDER, vertegenwoordigde=PERSOON))
    assert _code(excinfo) == "machtiging-ontbreekt"


def test_with_a_mandate_the_representee_is_validated():
    validated = rules.validated_identity(
        bewijs(geauthenticeerde=ANDER, vertegenwoordigde=PERSOON, machtiging="bewindvoering")
    )
    assert validated == PERSOON


def test_an_organisation_with_a_mandate_validates_the_natural_person_it_represents():
    validated = rules.validated_identity(
        bewijs(
            middel="eherkenning_bewindvoering",
            geauthenticeerde=ORGANISATIE,
            vertegenwoordigde=PERSOON,
            machtiging="bewindvoering",
        )
    )
    assert validated == PERSOON


def test_representing_oneself_needs_no_mandate():
    assert rules.validated_identity(bewijs(vertegenwoordigde=PERSOON)) == PERSOON


# --- require_application_may_assert (V4) ----------------------------------------------------


def test_an_application_without_a_right_to_validate_is_an_untrusted_source():
    with pytest.raises(Refused) as excinfo:
        rules.require_application_may_assert(2, None)
    assert _code(excinfo) == "onvertrouwde-bron"


def test_an_application_cannot_assert_above_its_maximum_rank():
    with pytest.raises(Refused) as excinfo:
        rules.require_application_may_assert(3, 2)
    assert _code(excinfo) == "rang-boven-validatierecht"


@pytest.mark.parametrize(("rang", "maximale_rang"), [(2, 2), (1, 2), (4, 4), (0, 0)])
def test_an_application_may_assert_up_to_its_maximum_rank(rang, maximale_rang):
    rules.require_application_may_assert(rang, maximale_rang)


def test_a_maximum_rank_of_0_still_refuses_rank_1():
    with pytest.raises(Refused) as excinfo:
        rules.require_application_may_assert(1, 0)
    assert _code(excinfo) == "rang-boven-validatierecht"


# --- require_identity_matches (V4/V5) -------------------------------------------------------


def test_a_klant_without_identifier_matches_any_identity():
    rules.require_identity_matches(None, PERSOON)


def test_the_same_identifier_matches():
    rules.require_identity_matches(Identiteit("bsn", BSN), PERSOON)


def test_another_bsn_does_not_match():
    with pytest.raises(Refused) as excinfo:
        rules.require_identity_matches(ANDER, PERSOON)
    assert _code(excinfo) == "identiteit-komt-niet-overeen"


def test_the_same_number_of_another_kind_does_not_match():
    with pytest.raises(Refused) as excinfo:
        rules.require_identity_matches(Identiteit("rsin", RSIN), Identiteit("bsn", RSIN))
    assert _code(excinfo) == "identiteit-komt-niet-overeen"


# --- require_compatible_subject_type (V6) ---------------------------------------------------


def test_a_klant_without_subject_type_accepts_any_subject():
    rules.require_compatible_subject_type(None, "natuurlijk_persoon")
    rules.require_compatible_subject_type(None, "vestiging")


def test_the_same_subject_type_is_compatible():
    rules.require_compatible_subject_type("natuurlijk_persoon", "natuurlijk_persoon")


@pytest.mark.parametrize(
    ("klant_type", "evidence_type"),
    [
        ("niet_natuurlijk_persoon", "natuurlijk_persoon"),
        ("natuurlijk_persoon", "niet_natuurlijk_persoon"),
        ("vestiging", "niet_natuurlijk_persoon"),
    ],
)
def test_another_subject_type_is_refused(klant_type, evidence_type):
    with pytest.raises(Refused) as excinfo:
        rules.require_compatible_subject_type(klant_type, evidence_type)
    assert _code(excinfo) == "identiteit-komt-niet-overeen"


@pytest.mark.parametrize(
    ("identiteit", "subject_type"),
    [
        (Identiteit("bsn", BSN), "natuurlijk_persoon"),
        (Identiteit("rsin", RSIN), "niet_natuurlijk_persoon"),
        (Identiteit("kvk", "12345678"), "niet_natuurlijk_persoon"),
        (Identiteit("vestigingsnummer", "000012345678"), "vestiging"),
    ],
)
def test_the_subject_type_follows_from_the_kind_of_identifier(identiteit, subject_type):
    assert rules.subject_type_for(identiteit) == subject_type


# --- require_promotion_allowed (V5) ---------------------------------------------------------


def test_promotion_in_mode_forbid_is_a_conflict():
    with pytest.raises(Conflict) as excinfo:
        rules.require_promotion_allowed(False, "forbid", True)
    assert _code(excinfo) == "promotie-niet-toegestaan"
    assert excinfo.value.existing_klant is None


def test_promotion_in_mode_reconfirm_without_confirmation_is_refused():
    with pytest.raises(Refused) as excinfo:
        rules.require_promotion_allowed(False, "reconfirm", False)
    assert _code(excinfo) == "bevestiging-vereist"


def test_promotion_in_mode_reconfirm_with_confirmation_is_allowed():
    rules.require_promotion_allowed(False, "reconfirm", True)


@pytest.mark.parametrize("mode", ["reconfirm", "forbid"])
@pytest.mark.parametrize("bevestigd", [True, False])
def test_evidence_for_a_validated_klant_is_no_promotion(mode, bevestigd):
    rules.require_promotion_allowed(True, mode, bevestigd)


# --- require_validated_subject_unchanged (V1) -----------------------------------------------


def test_the_subject_of_a_validated_klant_cannot_change():
    with pytest.raises(RuleViolation) as excinfo:
        rules.require_validated_subject_unchanged(True, PERSOON, ANDER)
    assert _code(excinfo) == "gevalideerd-subject-onwijzigbaar"
    # a 400, not a 403 or 409
    assert not isinstance(excinfo.value, Refused | Conflict)


def test_the_subject_of_a_validated_klant_cannot_be_removed():
    with pytest.raises(RuleViolation) as excinfo:
        rules.require_validated_subject_unchanged(True, PERSOON, None)
    assert _code(excinfo) == "gevalideerd-subject-onwijzigbaar"


def test_the_same_subject_on_a_validated_klant_is_no_change():
    rules.require_validated_subject_unchanged(True, PERSOON, Identiteit("bsn", BSN))


def test_the_subject_of_a_non_validated_klant_may_change():
    rules.require_validated_subject_unchanged(False, PERSOON, ANDER)
    rules.require_validated_subject_unchanged(False, PERSOON, None)
    rules.require_validated_subject_unchanged(False, None, PERSOON)


# --- require_reason (V1) --------------------------------------------------------------------


@pytest.mark.parametrize("reden", ["", "   ", "\n\t"])
def test_a_correction_without_reason_is_refused(reden):
    with pytest.raises(RuleViolation) as excinfo:
        rules.require_reason(reden)
    assert _code(excinfo) == "reden-verplicht"


def test_a_correction_with_a_reason_is_allowed():
    rules.require_reason("Typefout bij registratie, gecontroleerd met paspoort")


# --- require_not_validated_for_confirmation (E4) --------------------------------------------


def test_a_confirmation_link_for_a_validated_klant_is_a_conflict():
    with pytest.raises(Conflict) as excinfo:
        rules.require_not_validated_for_confirmation(True)
    assert _code(excinfo) == "klant-al-gevalideerd"
    rules.require_not_validated_for_confirmation(False)


# --- validate_identiteit --------------------------------------------------------------------


@pytest.mark.parametrize(
    "identiteit",
    [
        Identiteit("bsn", BSN),
        Identiteit("bsn", BSN_2),
        Identiteit("rsin", RSIN),
        Identiteit("kvk", "12345678"),
        Identiteit("kvk", "00000001"),
        Identiteit("vestigingsnummer", "000012345678"),
    ],
)
def test_well_formed_identifiers_are_accepted(identiteit):
    rules.validate_identiteit(identiteit)


@pytest.mark.parametrize(
    ("identiteit", "code"),
    [
        (Identiteit("bsn", "111222334"), "invalid"),  # 11-proef fails
        (Identiteit("bsn", "11122233"), "invalid-length"),
        (Identiteit("bsn", "1112223333"), "invalid-length"),
        (Identiteit("bsn", "11122233a"), "only-digits"),
        (Identiteit("bsn", "１１１２２２３３３"), "only-digits"),  # full-width digits
        (Identiteit("bsn", ""), "only-digits"),
        (Identiteit("rsin", "002220648"), "invalid"),
        (Identiteit("rsin", "00222064"), "invalid-length"),
        (Identiteit("rsin", "00222064x"), "only-digits"),
        (Identiteit("kvk", "1234567"), "invalid"),
        (Identiteit("kvk", "123456789"), "invalid"),
        (Identiteit("kvk", "1234567a"), "invalid"),
        (Identiteit("vestigingsnummer", "00001234567"), "invalid"),
        (Identiteit("vestigingsnummer", "0000123456789"), "invalid"),
        (Identiteit("vestigingsnummer", "00001234567x"), "invalid"),
        (Identiteit("paspoort", "NX1234567"), "invalid_choice"),
    ],
)
def test_malformed_identifiers_are_refused(identiteit, code):
    with pytest.raises(RuleViolation) as excinfo:
        rules.validate_identiteit(identiteit)
    assert _code(excinfo) == code


@pytest.mark.parametrize("value", [BSN, BSN_2, RSIN])
def test_the_11_proef_accepts_valid_numbers(value):
    assert rules.passes_elfproef(value)


@pytest.mark.parametrize("value", ["111222334", "12345678", "abcdefghi", "", "000000000"])
def test_the_11_proef_refuses_invalid_numbers(value):
    assert not rules.passes_elfproef(value)


# --- the rules of the standard API that validated klanten build on --------------------------


def test_a_klant_needs_a_subject_or_an_identification():
    with pytest.raises(RuleViolation) as excinfo:
        rules.require_subject("", False)
    assert _code(excinfo) == "invalid-subject"
    rules.require_subject("https://example.com/subject", False)
    rules.require_subject("", True)


def test_the_subject_type_of_a_klant_never_changes():
    with pytest.raises(RuleViolation) as excinfo:
        rules.validate_subject_type_change("natuurlijk_persoon", "vestiging")
    assert _code(excinfo) == "wijzigen-niet-toegelaten"
    with pytest.raises(RuleViolation):
        rules.validate_subject_type_change("natuurlijk_persoon", None)
    rules.validate_subject_type_change(None, "vestiging")
    rules.validate_subject_type_change("vestiging", "vestiging")


def test_an_identification_needs_a_subject_type():
    with pytest.raises(RuleViolation) as excinfo:
        rules.require_subject_type_for_identificatie(None)
    assert _code(excinfo) == "subject-type-vereist"
    rules.require_subject_type_for_identificatie("natuurlijk_persoon")


@pytest.mark.parametrize("value", ["0123456789", "123456789", "12345678901", "12345678a0"])
def test_a_malformed_a_nummer_is_refused(value):
    with pytest.raises(RuleViolation) as excinfo:
        rules.validate_a_nummer(value)
    assert _code(excinfo) == "a-nummer-incorrect-format"


def test_a_well_formed_a_nummer_is_accepted():
    rules.validate_a_nummer("1234567890")


@pytest.mark.parametrize("value", ["", "123456789"])
def test_a_klantnummer_has_1_to_8_characters(value):
    with pytest.raises(RuleViolation) as excinfo:
        rules.validate_klantnummer_format(value)
    assert _code(excinfo) == "invalid-length"
    rules.validate_klantnummer_format("12345678")
    rules.validate_klantnummer_format("1")
