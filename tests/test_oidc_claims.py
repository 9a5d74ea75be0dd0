"""Resident sign-in: claim mapping, rank derivation and every refusal (unit tests), plus the
refusals seen through the real provider and the setup_configuration step."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings

from klanten.datamodel.constants import SleutelType
from klanten.mijn.context import (
    AanmeldingGeweigerd,
    AuthenticatieContext,
    Opties,
    authenticatie_context,
)
from klanten.mijn.oidc import MIJN_GEGEVENS_OIDC, MijnGegevensOIDCPlugin

from .conftest import BSN, RSIN
from .oidc_fixtures import (
    DIGID_BASIS,
    DIGID_HOOG,
    DIGID_MIDDEN,
    DIGID_SUBSTANTIEEL,
    EH3,
    configure_oidc,
)

NOW = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
ISS = "https://broker.example/oidc"


def claims(**extra):
    base = {
        "iss": ISS,
        "aud": "klanten-mijn",
        "sub": "abc",
        "acr": DIGID_MIDDEN,
        "auth_time": int((NOW - timedelta(minutes=2)).timestamp()),
        "iat": int(NOW.timestamp()),
        "bsn": BSN,
    }
    base.update(extra)
    return {k: v for k, v in base.items() if v is not None}


def derive(id_token, userinfo=None, **options):
    return authenticatie_context(
        id_token,
        userinfo,
        Opties.from_options({"issuer": ISS, **options}),
        client_id="klanten-mijn",
        now=NOW,
    )


def refused(id_token, userinfo=None, **options) -> str:
    with pytest.raises(AanmeldingGeweigerd) as info:
        derive(id_token, userinfo, **options)
    return info.value.code


# --- claim mapping ----------------------------------------------------------------------


def test_digid_midden():
    context = derive(claims())
    assert context.identiteit.type == SleutelType.bsn
    assert context.sleutel == BSN
    assert (context.middel, context.niveau, context.rang) == ("digid", DIGID_MIDDEN, 2)
    assert context.uitgever == ISS
    assert context.authenticatie_moment == NOW - timedelta(minutes=2)
    assert context.subject_type == "natuurlijk_persoon"


@pytest.mark.parametrize(
    "acr,rang",
    [
        (DIGID_BASIS, 1),
        (DIGID_MIDDEN, 2),
        (DIGID_SUBSTANTIEEL, 3),
        (DIGID_HOOG, 4),
        ("http://eidas.europa.eu/LoA/substantial", 3),
        ("urn:etoegang:core:assurance-class:loa2plus", 2),
    ],
)
def test_rank_from_the_scale(acr, rang):
    assert derive(claims(acr=acr)).rang == rang


def test_aliases_of_the_provider():
    context = derive(claims(acr="loa3"), aliases={"loa3": DIGID_SUBSTANTIEEL})
    assert (context.niveau, context.rang) == ("loa3", 3)


def test_configured_claim_names_and_nested_paths():
    token = claims(bsn=None, acr=None, extra={"loa": DIGID_HOOG}, sub=BSN)
    context = derive(token, acr_claim=["extra", "loa"], bsn_claim=["sub"])
    assert (context.sleutel, context.rang) == (BSN, 4)
    # dotted strings are accepted as paths too
    assert derive(token, acr_claim="extra.loa", bsn_claim="sub").rang == 4


def test_kvk_means_eherkenning():
    context = derive(claims(bsn=None, kvk="69599084", acr=EH3))
    assert (context.sleutel_type, context.middel, context.rang) == ("kvk", "eherkenning", 3)
    assert context.subject_type == "niet_natuurlijk_persoon"


def test_configured_means():
    assert derive(claims(), middel="eidas").middel == "eidas"


def test_identifier_may_come_from_userinfo():
    context = derive(claims(bsn=None), userinfo={"bsn": BSN})
    assert context.sleutel == BSN


def test_auth_time_falls_back_to_iat():
    context = derive(claims(auth_time=None))
    assert context.authenticatie_moment == NOW


def test_audience_may_be_a_list():
    assert derive(claims(aud=["andere", "klanten-mijn"])).sleutel == BSN


def test_session_round_trip():
    context = derive(claims())
    assert AuthenticatieContext.from_session(context.to_session()) == context


def test_pseudonym_is_stable_and_not_the_bsn():
    one, two = derive(claims()), derive(claims(acr=DIGID_HOOG))
    assert one.pseudoniem == two.pseudoniem
    assert BSN not in one.pseudoniem and len(one.pseudoniem) == 64


# --- refusals ---------------------------------------------------------------------------


def test_acr_only_in_userinfo_is_refused():
    """The level counts only from the ID token."""
    assert refused(claims(acr=None), userinfo={"acr": DIGID_HOOG}) == "niveau-ontbreekt"


def test_unknown_level_is_refused():
    assert refused(claims(acr="loa9")) == "onbekend-niveau"


def test_alias_to_an_unknown_level_is_refused():
    assert refused(claims(acr="x"), aliases={"y": DIGID_HOOG}) == "onbekend-niveau"


def test_other_issuer_is_refused():
    assert refused(claims(iss="https://evil.example")) == "onbekende-uitgever"


def test_missing_issuer_is_refused():
    assert refused(claims(iss=None), issuer="") == "onbekende-uitgever"


def test_other_audience_is_refused():
    assert refused(claims(aud="andere-client")) == "ongeldig-token"


def test_missing_identifier_is_refused():
    assert refused(claims(bsn=None)) == "identiteit-ontbreekt"


@pytest.mark.parametrize("bsn", ["123456789", "12345678", "abcdefghi"])
def test_invalid_bsn_is_refused(bsn):
    assert refused(claims(bsn=bsn)) == "identiteit-ongeldig"


def test_invalid_kvk_is_refused():
    assert refused(claims(bsn=None, kvk="123")) == "identiteit-ongeldig"


def test_authentication_in_the_future_is_refused():
    future = int((NOW + timedelta(minutes=5)).timestamp())
    assert refused(claims(auth_time=future)) == "authenticatiemoment-ongeldig"


def test_missing_authentication_moment_is_refused():
    assert refused(claims(auth_time=None, iat=None)) == "authenticatiemoment-ontbreekt"


# --- V9 rank requirements -----------------------------------------------------------------


class _Klant:
    def __init__(self, registratie_rang):
        self.registratie_rang = registratie_rang


def test_required_rank_is_the_minimum_and_the_registration_rank(settings):
    settings.KLANTEN_MINIMUM_RANG = {**settings.KLANTEN_MINIMUM_RANG, "natuurlijk_persoon": 2}
    context = derive(claims())
    assert context.minimum_rang == 2
    assert context.vereiste_rang() == 2
    assert context.vereiste_rang(_Klant(1)) == 2
    assert context.vereiste_rang(_Klant(3)) == 3
    settings.KLANTEN_MINIMUM_RANG = {**settings.KLANTEN_MINIMUM_RANG, "natuurlijk_persoon": 3}
    assert context.vereiste_rang(_Klant(2)) == 3


def test_evidence_of_the_session():
    bewijs = derive(claims()).bewijs(gegevens_bevestigd=True)
    assert (bewijs.middel, bewijs.rang, bewijs.bron, bewijs.uitgever) == (
        "digid",
        2,
        "id_token",
        ISS,
    )
    assert bewijs.gegevens_bevestigd
    assert bewijs.geauthenticeerde.identificatie == BSN


# --- through the real provider ------------------------------------------------------------


@pytest.fixture
def op(oidc_provider, settings, db):
    settings.MIJN_GEGEVENS_BRONORGANISATIE = RSIN
    configure_oidc(oidc_provider)
    return oidc_provider


def callback(client, op):
    response = client.get("/mijn-gegevens/inloggen", {"volgende": "/mijn-gegevens/"})
    return client.get(
        op.authorize(response["Location"], "http://testserver/").removeprefix("http://testserver")
    )


@pytest.mark.parametrize(
    "acr,claims_,reden",
    [
        ("onbekend-niveau", {"bsn": BSN}, "onbekend-niveau"),
        (None, {"bsn": BSN}, "niveau-ontbreekt"),
        (DIGID_MIDDEN, {}, "identiteit-ontbreekt"),
        (DIGID_MIDDEN, {"bsn": "123456789"}, "identiteit-ongeldig"),
    ],
)
def test_provider_refusals_show_a_page_and_are_audited(client, op, acr, claims_, reden):
    from klanten.mijn.models import Gebeurtenis

    op.next_login("iemand", acr, claims_)
    response = callback(client, op)
    assert response.status_code == 403
    assert reden in response.content.decode()
    assert Gebeurtenis.objects.filter(actie="inloggen_geweigerd", reden=reden).exists()
    assert "mijn_gegevens" not in client.session


def test_wrong_expected_issuer_is_refused(client, op):
    configure_oidc(op, mijn_options={"issuer": "https://andere-uitgever.example"})
    op.next_login("iemand", DIGID_MIDDEN, {"bsn": BSN})
    response = callback(client, op)
    assert response.status_code == 403
    assert "onbekende-uitgever" in response.content.decode()


def test_identifier_only_at_userinfo_is_not_looked_up_by_default(client, op):
    op.next_login("iemand", DIGID_MIDDEN, {"bsn": BSN}, userinfoOnly=["bsn"])
    response = callback(client, op)
    assert response.status_code == 403
    assert "identiteit-ontbreekt" in response.content.decode()


def test_wrongly_configured_identifier_claim_is_refused(client, op):
    configure_oidc(op, mijn_options={"bsn_claim": ["bsn_elders"]})
    op.next_login("iemand", DIGID_MIDDEN, {"bsn": BSN})
    response = callback(client, op)
    assert response.status_code == 403
    assert "identiteit-ontbreekt" in response.content.decode()


def test_identifier_from_userinfo_when_configured(client, op):
    """With userinfo as an extra claims source, an identifier missing from the ID token is
    looked up there (the level always comes from the ID token)."""
    from mozilla_django_oidc_db.models import OIDCClient

    from klanten.mijn.context import SESSION_KEY

    configure_oidc(op, mijn_options={"bsn_claim": ["bsn"]})
    OIDCClient.objects.filter(identifier=MIJN_GEGEVENS_OIDC).update(
        userinfo_claims_source="userinfo_endpoint"
    )
    op.next_login("iemand", DIGID_MIDDEN, {"bsn": BSN}, userinfoOnly=["bsn"])
    assert callback(client, op).status_code == 302
    assert client.session[SESSION_KEY]["sleutel"] == BSN


def test_cancelled_sign_in(client, op):
    client.get("/mijn-gegevens/inloggen", {"volgende": "/mijn-gegevens/"})
    state = next(iter(client.session["oidc_states"]))
    response = client.get("/oidc/callback/", {"error": "access_denied", "state": state})
    assert response["Location"] == "/mijn-gegevens/inloggen/mislukt"
    assert "mislukt" in client.get(response["Location"]).content.decode()


def test_disabled_configuration_shows_unavailable(client, op):
    configure_oidc(op, mijn=False)
    assert client.get("/mijn-gegevens/").status_code == 503
    assert client.get("/mijn-gegevens/inloggen").status_code == 503


def test_without_organisation_unavailable(client, op, settings):
    settings.MIJN_GEGEVENS_BRONORGANISATIE = ""
    assert client.get("/mijn-gegevens/").status_code == 503


def test_next_must_stay_within_mijn_gegevens(client, op):
    client.get("/mijn-gegevens/inloggen", {"volgende": "https://evil.example/"})
    assert client.session["oidc_login_next"] == "/mijn-gegevens/"
    client.get("/mijn-gegevens/inloggen", {"volgende": "/admin/"})
    assert client.session["oidc_login_next"] == "/mijn-gegevens/"


def test_higher_level_request_sends_prompt_and_acr_values(client, op):
    configure_oidc(op, mijn_options={"acr_values": {"3": DIGID_SUBSTANTIEEL}})
    response = client.get(
        "/mijn-gegevens/inloggen", {"volgende": "/mijn-gegevens/", "niveau": "3", "opnieuw": "1"}
    )
    from urllib.parse import parse_qs, urlparse

    query = parse_qs(urlparse(response["Location"]).query)
    assert query["prompt"] == ["login"]
    assert query["acr_values"] == [DIGID_SUBSTANTIEEL]


def test_bad_bronorganisatie_is_a_check_error():
    from klanten.mijn.checks import check_bronorganisatie

    with override_settings(MIJN_GEGEVENS_BRONORGANISATIE="123456789"):
        assert [e.id for e in check_bronorganisatie(None)] == ["mijn.E001"]
    with override_settings(MIJN_GEGEVENS_BRONORGANISATIE=RSIN):
        assert check_bronorganisatie(None) == []


def test_plugin_is_registered_and_validates_its_settings(db, oidc_provider):
    from mozilla_django_oidc_db.registry import register

    configure_oidc(oidc_provider)
    plugin = register[MIJN_GEGEVENS_OIDC]
    assert isinstance(plugin, MijnGegevensOIDCPlugin)
    plugin.validate_settings()
    assert plugin.get_schema()["properties"]["acr_claim"]["type"] == "array"


# --- setup_configuration ----------------------------------------------------------------


def test_setup_configuration_for_both_clients(db, tmp_path, oidc_provider):
    from mozilla_django_oidc_db.models import OIDCClient

    config = oidc_provider.configuration
    yaml = tmp_path / "config.yaml"
    yaml.write_text(
        f"""
oidc_db_config_enable: true
oidc_db_config_admin_auth:
  providers:
    - identifier: organisatie
      endpoint_config:
        oidc_op_authorization_endpoint: {config["authorization_endpoint"]}
        oidc_op_token_endpoint: {config["token_endpoint"]}
        oidc_op_user_endpoint: {config["userinfo_endpoint"]}
        oidc_op_logout_endpoint: {config["end_session_endpoint"]}
        oidc_op_jwks_endpoint: {config["jwks_uri"]}
  items:
    - identifier: admin-oidc
      oidc_provider_identifier: organisatie
      oidc_rp_client_id: klanten-beheer
      oidc_rp_client_secret: geheim
      oidc_rp_scopes_list: [openid, email, profile]
      oidc_rp_sign_algo: RS256
      options:
        user_settings:
          claim_mappings:
            username: [sub]
            email: [email]
        groups_settings:
          claim_mapping: [roles]
          make_users_staff: true
          sync: true
          sync_pattern: "klanten-*"
klanten_mijn_gegevens_oidc_enable: true
klanten_mijn_gegevens_oidc:
  oidc_provider_identifier: organisatie
  oidc_rp_client_id: klanten-mijn
  oidc_rp_client_secret: geheim
  issuer: {oidc_provider.issuer}
  bsn_claim: [bsn]
  aliases:
    loa3: {DIGID_SUBSTANTIEEL}
"""
    )
    call_command("setup_configuration", yaml_file=str(yaml))
    admin = OIDCClient.objects.get(identifier="admin-oidc")
    assert admin.enabled and admin.oidc_rp_client_id == "klanten-beheer"
    assert admin.oidc_provider.identifier == "organisatie"
    mijn = OIDCClient.objects.get(identifier=MIJN_GEGEVENS_OIDC)
    assert mijn.enabled and mijn.oidc_provider == admin.oidc_provider
    assert mijn.options["aliases"] == {"loa3": DIGID_SUBSTANTIEEL}
    assert mijn.options["issuer"] == oidc_provider.issuer
    assert Opties.from_options(mijn.options).bsn_claim == ("bsn",)


def test_setup_configuration_refuses_unknown_alias_targets(db, tmp_path):
    yaml = tmp_path / "config.yaml"
    yaml.write_text(
        """
klanten_mijn_gegevens_oidc_enable: true
klanten_mijn_gegevens_oidc:
  oidc_provider_identifier: organisatie
  oidc_rp_client_id: klanten-mijn
  oidc_rp_client_secret: geheim
  aliases:
    loa3: niet-op-de-schaal
"""
    )
    with pytest.raises(Exception, match="validate requirements"):
        call_command("setup_configuration", yaml_file=str(yaml))
