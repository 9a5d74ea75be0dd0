"""V2: the assurance scale: every value of the contract's table, per-issuer aliases, unknown
values, and the start-up checks of the configured minimum rank and the V5/V7 modes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from klanten.config.models import VertrouwdeUitgever
from klanten.datamodel.assurance import (
    CANONICAL_RANKS,
    MAX_RANK,
    RANK_NATUURLIJK_PERSOON_VIA_EHERKENNING,
    UnknownAssuranceLevel,
    resolve_rank,
    validate_aliases,
)

from .validatie_helpers import (
    EH,
    EIDAS,
    SAML,
    assertion,
    np_klant,
    problem,
    validatie_url,
    validating_client,
)

ROOT = Path(__file__).resolve().parents[1]

# The table of contract V2, row by row: (raw value, rank)
TABLE = [
    # eIDAS ("low" covers ranks 1 and 2; it maps to the lower one)
    (f"{EIDAS}low", 1),
    (f"{EIDAS}substantial", 3),
    (f"{EIDAS}high", 4),
    # DigiD (SAML AuthnContextClassRef, also sent as OIDC acr)
    (f"{SAML}PasswordProtectedTransport", 1),  # Basis
    (f"{SAML}MobileTwoFactorContract", 2),  # Midden
    (f"{SAML}Smartcard", 3),  # Substantieel
    (f"{SAML}SmartcardPKI", 4),  # Hoog
    # eHerkenning
    (f"{EH}loa1", 0),  # EH1
    (f"{EH}loa2", 1),  # EH2
    (f"{EH}loa2plus", 2),  # EH2+
    (f"{EH}loa3", 3),  # EH3
    (f"{EH}loa4", 4),  # EH4
]

ALIASES = {
    "loa3": f"{EH}loa3",
    "3": f"{EH}loa3",
    "loa2plus": f"{EH}loa2plus",
    "midden": f"{SAML}MobileTwoFactorContract",
}


# --- the table ------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "rank"), TABLE, ids=[raw for raw, _ in TABLE])
def test_every_row_of_the_table_maps_to_its_rank(raw, rank):
    assert resolve_rank(raw) == rank


def test_the_scale_holds_exactly_the_table():
    assert dict(TABLE) == CANONICAL_RANKS


def test_the_scale_runs_from_0_to_4():
    assert {rank for _, rank in TABLE} == {0, 1, 2, 3, 4}
    assert MAX_RANK == 4


def test_representing_a_natural_person_through_eherkenning_needs_rank_3():
    assert RANK_NATUURLIJK_PERSOON_VIA_EHERKENNING == 3


def test_surrounding_whitespace_is_ignored():
    assert resolve_rank(f"  {SAML}Smartcard\n") == 3


# --- aliases per issuer ---------------------------------------------------------------------


@pytest.mark.parametrize(("alias", "rank"), [("loa3", 3), ("3", 3), ("loa2plus", 2), ("midden", 2)])
def test_an_alias_of_the_issuer_resolves_to_the_rank_of_its_target(alias, rank):
    assert resolve_rank(alias, ALIASES) == rank


def test_a_numeric_alias_sent_as_number_resolves():
    assert resolve_rank(3, {"3": f"{EH}loa3"}) == 3


def test_canonical_values_still_resolve_for_an_issuer_with_aliases():
    assert resolve_rank(f"{EIDAS}high", ALIASES) == 4


def test_an_alias_of_one_issuer_is_unknown_without_its_aliases():
    with pytest.raises(UnknownAssuranceLevel) as excinfo:
        resolve_rank("loa3")
    assert excinfo.value.code == "onbekend-betrouwbaarheidsniveau"


def test_an_alias_is_not_read_as_a_rank():
    """A bare "4" is not rank 4: only an issuer's alias gives it a meaning."""
    with pytest.raises(UnknownAssuranceLevel):
        resolve_rank("4", ALIASES)


# --- unknown values -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "2",
        "high",
        "http://eidas.europa.eu/LoA/medium",
        f"{SAML}Password",
        f"{EH}loa5",
        f"{EH}LOA3",  # values are case sensitive
        "urn:oasis:names:tc:SAML:2.0:ac:classes:Kerberos",
    ],
)
def test_unknown_raw_values_are_refused(raw):
    with pytest.raises(UnknownAssuranceLevel) as excinfo:
        resolve_rank(raw)
    assert excinfo.value.code == "onbekend-betrouwbaarheidsniveau"
    assert isinstance(excinfo.value, ValidationError)


def test_an_alias_pointing_outside_the_scale_does_not_resolve():
    with pytest.raises(UnknownAssuranceLevel):
        resolve_rank("loa9", {"loa9": f"{EH}loa9"})


# --- validate_aliases -----------------------------------------------------------------------


def test_aliases_to_known_levels_are_accepted():
    validate_aliases(ALIASES)
    validate_aliases({})


def test_aliases_to_unknown_levels_are_refused():
    with pytest.raises(ValidationError) as excinfo:
        validate_aliases({"loa3": f"{EH}loa3", "loa9": f"{EH}loa9", "x": "rang 4"})
    assert excinfo.value.code == "onbekend-betrouwbaarheidsniveau"
    message = excinfo.value.messages[0]
    assert f"{EH}loa9" in message
    assert "rang 4" in message
    assert f"{EH}loa3" not in message


def test_an_alias_to_another_alias_is_refused():
    """Aliases point at canonical values only; chains are not followed."""
    with pytest.raises(ValidationError):
        validate_aliases({"3": f"{EH}loa3", "drie": "3"})


@pytest.mark.django_db
def test_a_trusted_issuer_with_an_alias_to_an_unknown_level_does_not_validate():
    uitgever = VertrouwdeUitgever(
        naam="Broker",
        issuer="https://broker.example.com",
        jwks_url="https://broker.example.com/jwks",
        audience="klanten",
        middel="digid",
        aliassen={"loa3": "urn:onbekend"},
    )
    with pytest.raises(ValidationError) as excinfo:
        uitgever.full_clean()
    assert "urn:onbekend" in str(excinfo.value)


@pytest.mark.django_db
def test_a_trusted_issuer_with_valid_aliases_validates():
    uitgever = VertrouwdeUitgever(
        naam="Broker",
        issuer="https://broker.example.com",
        jwks_url="https://broker.example.com/jwks",
        audience="klanten",
        middel="eherkenning",
        aliassen=ALIASES,
    )
    uitgever.full_clean()


# --- through the API: the server derives the rank ----------------------------------------


@pytest.mark.parametrize(("raw", "rank"), [(raw, r) for raw, r in TABLE if r >= 2])
def test_the_recorded_rank_is_derived_from_the_raw_value(raw, rank, make_client, make_klant):
    client = validating_client(make_client, "balie", maximale_rang=4)
    klant = np_klant(make_klant)
    response = client.post_json(validatie_url(klant), assertion(niveau=raw, middel="overig"))
    assert response.status_code == 201, response.content
    assert response.json()["rang"] == rank
    assert response.json()["betrouwbaarheidsniveau"] == raw


def test_an_unknown_level_is_refused_by_the_api(make_client, make_klant):
    client = validating_client(make_client, "balie", maximale_rang=4)
    klant = np_klant(make_klant)
    response = client.post_json(validatie_url(klant), assertion(niveau="loa3"))
    assert problem(response, 403)["code"] == "onbekend-betrouwbaarheidsniveau"
    klant.refresh_from_db()
    assert klant.gevalideerd is False


# --- start-up checks ------------------------------------------------------------------------

STARTUP = "import django; django.setup(); print('started')"


def _start(**env) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("MIN_RANK_", "PROMOTION_MODE", "NON_VALIDATED_VISIBILITY"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="klanten.conf.settings",
        PYTHONPATH=str(ROOT / "src"),
        SECRET_KEY="startup-test-secret",
        DEBUG="false",
        ALLOWED_HOSTS="localhost",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", STARTUP],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _refused(result: subprocess.CompletedProcess, *names: str) -> None:
    assert result.returncode != 0, result.stdout
    assert "started" not in result.stdout
    assert "django.core.exceptions.ImproperlyConfigured" in result.stderr, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    for name in names:
        assert name in last, last


def test_the_default_configuration_starts():
    result = _start()
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


@pytest.mark.parametrize(
    "setting",
    ["MIN_RANK_NATUURLIJK_PERSOON", "MIN_RANK_NIET_NATUURLIJK_PERSOON", "MIN_RANK_VESTIGING"],
)
def test_a_configured_minimum_rank_of_0_is_refused_at_startup(setting):
    _refused(_start(**{setting: "0"}), setting)


@pytest.mark.parametrize("value", ["5", "-1"])
def test_a_configured_minimum_rank_outside_the_scale_is_refused_at_startup(value):
    _refused(_start(MIN_RANK_NATUURLIJK_PERSOON=value), "MIN_RANK_NATUURLIJK_PERSOON")


def test_a_non_numeric_minimum_rank_is_refused_at_startup():
    _refused(_start(MIN_RANK_VESTIGING="midden"), "MIN_RANK_VESTIGING")


@pytest.mark.parametrize("value", ["1", "4"])
def test_a_configured_minimum_rank_within_the_scale_starts(value):
    result = _start(MIN_RANK_NATUURLIJK_PERSOON=value, MIN_RANK_VESTIGING=value)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("value", ["allow", "promote", "FORBID"])
def test_an_invalid_promotion_mode_is_refused_at_startup(value):
    _refused(_start(PROMOTION_MODE=value), "PROMOTION_MODE")


@pytest.mark.parametrize("value", ["forbid", "reconfirm"])
def test_a_valid_promotion_mode_starts(value):
    assert _start(PROMOTION_MODE=value).returncode == 0


@pytest.mark.parametrize("value", ["alle", "beheer", "APPLICATIE"])
def test_an_invalid_visibility_setting_is_refused_at_startup(value):
    _refused(_start(NON_VALIDATED_VISIBILITY=value), "NON_VALIDATED_VISIBILITY")


@pytest.mark.parametrize("value", ["applicatie", "iedereen"])
def test_a_valid_visibility_setting_starts(value):
    assert _start(NON_VALIDATED_VISIBILITY=value).returncode == 0
