"""V4: turning trusted evidence into a :class:`rules.Bewijs`.

Two sources are trusted: a signed ID token from a configured issuer (verified against its
JWKS: signature, issuer, audience, expiry), or an assertion by an application whose
registered maximum rank covers the asserted level. Everything else is refused (403).
"""

import json
from datetime import UTC, datetime

import jwt
import structlog
from django.conf import settings
from django.core.cache import cache
from vng_api_common.authorizations.models import Applicatie

from klanten import outbound
from klanten.config.models import ValidatieRecht, VertrouwdeUitgever

from . import rules
from .assurance import UnknownAssuranceLevel, resolve_rank
from .constants import Middel, SleutelType, ValidatieBron

logger = structlog.stdlib.get_logger(__name__)

SIGNING_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"]


def _refuse(message: str, code: str) -> rules.Refused:
    return rules.Refused(message, code=code)


def _rank(raw, aliases=None) -> int:
    try:
        return resolve_rank(raw, aliases)
    except UnknownAssuranceLevel as exc:
        raise _refuse(
            "Onbekend betrouwbaarheidsniveau.", "onbekend-betrouwbaarheidsniveau"
        ) from exc


def _jwks(uitgever: VertrouwdeUitgever, refresh: bool = False) -> jwt.PyJWKSet:
    key = f"klanten:jwks:{uitgever.pk}:{uitgever.jwks_url}"
    data = None if refresh else cache.get(key)
    if data is None:
        data = _fetch_jwks(uitgever)
        keyset = _keyset(data)  # only a usable key set is cached
        cache.set(key, data, settings.KLANTEN_JWKS_CACHE_SECONDEN)
        return keyset
    return _keyset(data)


def _fetch_jwks(uitgever: VertrouwdeUitgever):
    """The issuer's JWKS, decoded: an outbound call (:func:`klanten.outbound.fetch`: the total
    deadline ``OUTBOUND_DEADLINE``, at most ``OUTBOUND_MAX_RESPONSE_BYTES``, redirects within
    the host only, and no internal address unless the URL lies under a configured service, so
    an issuer inside the cluster needs a service whose ``api_root`` covers its JWKS URL)."""
    try:
        response = outbound.fetch(uitgever.jwks_url)
    except outbound.OutboundError as exc:
        raise _onbereikbaar(uitgever, exc.reason) from exc
    if not 200 <= response.status < 300:
        raise _onbereikbaar(uitgever, f"http-{response.status}")
    try:
        return response.json()
    except ValueError as exc:  # also a body that is not UTF-8
        raise _onbereikbaar(uitgever, "geen-json") from exc


def _onbereikbaar(uitgever: VertrouwdeUitgever, reason: str) -> rules.Refused:
    # the issuer's id and the reason only: never the URL
    logger.warning("jwks_onbereikbaar", uitgever=uitgever.pk, reason=reason)
    return _refuse("De sleutels van de uitgever zijn niet op te halen.", "uitgever-onbereikbaar")


def _keyset(data) -> jwt.PyJWKSet:
    try:
        if not isinstance(data, dict):
            raise jwt.PyJWKSetError("The JWK Set is not a JSON object")
        return jwt.PyJWKSet.from_dict(data)
    except jwt.PyJWTError as exc:
        raise _refuse(
            "De sleutels van de uitgever zijn ongeldig.", "uitgever-onbereikbaar"
        ) from exc


def _signing_key(uitgever: VertrouwdeUitgever, kid: str | None):
    # a key rotation: fetch the set once more, but at most once a minute per issuer, so
    # tokens with made-up key ids cannot make us hammer the issuer
    for refresh in (False, True):
        if refresh and not cache.add(f"klanten:jwks-refetch:{uitgever.pk}", True, 60):
            break
        keyset = _jwks(uitgever, refresh=refresh)
        for key in keyset.keys:
            if kid is None or key.key_id == kid:
                return key
    raise _refuse("Het token is niet ondertekend door de uitgever.", "token-handtekening-ongeldig")


def _claim(claims: dict, path: str):
    """A claim by its name (which may contain dots, as eHerkenning's
    ``urn:etoegang:1.9:...`` do) or else by a dotted path into nested objects."""
    if path in claims:
        return claims[path]
    value = claims
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def bewijs_from_id_token(token: str, *, gegevens_bevestigd: bool) -> rules.Bewijs:
    try:
        unverified = jwt.decode(token, options={"verify_signature": False})
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise _refuse("Het ID token is geen geldig JWT.", "ongeldig-token") from exc
    issuer = unverified.get("iss")
    uitgever = None
    if isinstance(issuer, str) and issuer and "\x00" not in issuer:
        uitgever = VertrouwdeUitgever.objects.filter(issuer=issuer, actief=True).first()
    if uitgever is None:
        raise _refuse("Deze uitgever wordt niet vertrouwd.", "onvertrouwde-bron")
    if header.get("alg") not in SIGNING_ALGORITHMS:
        raise _refuse(
            "Het token gebruikt geen toegestaan algoritme.", "token-handtekening-ongeldig"
        )

    key = _signing_key(uitgever, header.get("kid"))
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=SIGNING_ALGORITHMS,
            audience=uitgever.audience,
            issuer=uitgever.issuer,
            options={"require": ["exp", "iat", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise _refuse("Het ID token is verlopen.", "token-verlopen") from exc
    except jwt.InvalidAudienceError as exc:
        raise _refuse(
            "Het ID token is niet voor Klanten bestemd.", "token-audience-ongeldig"
        ) from exc
    except jwt.InvalidSignatureError as exc:
        raise _refuse(
            "De handtekening van het token klopt niet.", "token-handtekening-ongeldig"
        ) from exc
    except jwt.PyJWTError as exc:
        raise _refuse("Het ID token is ongeldig.", "ongeldig-token") from exc

    raw_level = _claim(claims, uitgever.niveau_claim)
    if raw_level is None:
        raise _refuse(
            "Het token bevat geen betrouwbaarheidsniveau.", "onbekend-betrouwbaarheidsniveau"
        )
    rang = _rank(raw_level, uitgever.aliassen)
    auth_time = claims.get("auth_time", claims["iat"])
    try:
        if isinstance(auth_time, bool) or not isinstance(auth_time, int | float):
            raise TypeError(auth_time)
        moment = datetime.fromtimestamp(int(auth_time), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise _refuse("Het ID token heeft een ongeldige auth_time.", "ongeldig-token") from exc

    geauthenticeerde = None
    for claim, sleutel_type in (
        (uitgever.bsn_claim, SleutelType.bsn),
        (uitgever.kvk_claim, SleutelType.kvk),
        (uitgever.vestigingsnummer_claim, SleutelType.vestigingsnummer),
    ):
        value = _claim(claims, claim) if claim else None
        if value:
            geauthenticeerde = rules.Identiteit(sleutel_type, str(value))
            break
    if geauthenticeerde is None:
        raise _refuse("Het token bevat geen identificatie.", "identiteit-ontbreekt")
    vertegenwoordigde = None
    if uitgever.vertegenwoordigde_claim:
        value = _claim(claims, uitgever.vertegenwoordigde_claim)
        if value:
            vertegenwoordigde = rules.Identiteit(SleutelType.bsn, str(value))
    machtiging = _claim(claims, uitgever.machtiging_claim) if uitgever.machtiging_claim else None
    if machtiging is not None and not isinstance(machtiging, str):
        machtiging = json.dumps(machtiging, sort_keys=True)

    bewijs = rules.Bewijs(
        middel=uitgever.middel,
        betrouwbaarheidsniveau=str(raw_level),
        rang=rang,
        uitgever=uitgever.issuer,
        bron=ValidatieBron.id_token,
        authenticatie_moment=moment,
        geauthenticeerde=geauthenticeerde,
        vertegenwoordigde=vertegenwoordigde,
        machtiging=(machtiging or "")[:200],
        gegevens_bevestigd=gegevens_bevestigd,
    )
    _validate_identities(bewijs)
    return bewijs


def validatierecht(applicatie) -> ValidatieRecht | None:
    """The validation rights of ``applicatie`` (None: none, or no applicatie): as read with
    its ``Token`` key when it was (``config.tokens``), else one query (not cached on the
    instance: the JWT path shares its applicaties between requests)."""
    if applicatie is None:
        return None
    relatie = Applicatie.validatierecht.related
    if relatie.is_cached(applicatie):
        return relatie.get_cached_value(applicatie)
    return ValidatieRecht.objects.filter(applicatie=applicatie).first()


def bewijs_from_assertion(
    *,
    applicatie,
    middel: str,
    betrouwbaarheidsniveau: str,
    authenticatie_moment: datetime,
    uitgever: str,
    geauthenticeerde: rules.Identiteit,
    vertegenwoordigde: rules.Identiteit | None,
    machtiging: str,
    gegevens_bevestigd: bool,
) -> rules.Bewijs:
    if middel not in Middel.values:
        raise rules.RuleViolation("Onbekend middel.", code="invalid_choice")
    rang = _rank(betrouwbaarheidsniveau)
    recht = validatierecht(applicatie)
    rules.require_application_may_assert(rang, recht.maximale_rang if recht else None)
    bewijs = rules.Bewijs(
        middel=middel,
        betrouwbaarheidsniveau=betrouwbaarheidsniveau,
        rang=rang,
        uitgever=uitgever or (applicatie.label if applicatie else ""),
        bron=ValidatieBron.applicatie,
        authenticatie_moment=authenticatie_moment,
        geauthenticeerde=geauthenticeerde,
        vertegenwoordigde=vertegenwoordigde,
        machtiging=machtiging,
        gegevens_bevestigd=gegevens_bevestigd,
    )
    _validate_identities(bewijs)
    return bewijs


def _validate_identities(bewijs: rules.Bewijs) -> None:
    for identiteit in (bewijs.geauthenticeerde, bewijs.vertegenwoordigde):
        if identiteit is not None:
            try:
                rules.validate_identiteit(identiteit)
            except rules.RuleViolation as exc:
                raise _refuse(
                    "De identificatie in het bewijs is ongeldig.", "identiteit-ongeldig"
                ) from exc


# K4: the level a trusted Klantinteracties client asserts, per means and rank (the canonical
# values of the scale, ``assurance.CANONICAL_RANKS``)
_NIVEAU_PER_RANG = {
    Middel.digid: {
        1: "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
        2: "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract",
        3: "urn:oasis:names:tc:SAML:2.0:ac:classes:Smartcard",
        4: "urn:oasis:names:tc:SAML:2.0:ac:classes:SmartcardPKI",
    },
    Middel.eherkenning: {
        0: "urn:etoegang:core:assurance-class:loa1",
        1: "urn:etoegang:core:assurance-class:loa2",
        2: "urn:etoegang:core:assurance-class:loa2plus",
        3: "urn:etoegang:core:assurance-class:loa3",
        4: "urn:etoegang:core:assurance-class:loa4",
    },
}


def bewijs_van_klantinteracties_client(
    applicatie, identiteit: rules.Identiteit, context: dict | None = None
) -> rules.Bewijs | None:
    """K4: the evidence a Klantinteracties client gives for the person or organisation of
    ``identiteit`` (who signed in to it), or None when it gives none.

    - with an ``X-Authenticatie-Context`` (``context``: ``middel``, ``niveau``, ``moment``) the
      client asserts that level, as any application asserting evidence: at most its maximum
      rank (``ValidatieRecht``), else refused (403);
    - without it, a client configured as a trusted asserter
      (``vertrouwde_bron_klantinteracties``) asserts its maximum rank, by DigiD for a BSN and
      eHerkenning otherwise, authenticated now;
    - any other client gives no evidence (KISS: its partijen are unconfirmed anchors).
    """
    if context is not None:
        return bewijs_from_assertion(
            applicatie=applicatie,
            middel=context["middel"],
            betrouwbaarheidsniveau=context["niveau"],
            authenticatie_moment=context["moment"],
            uitgever="",
            geauthenticeerde=identiteit,
            vertegenwoordigde=None,
            machtiging="",
            gegevens_bevestigd=True,
        )
    recht = validatierecht(applicatie)
    if recht is None or not recht.vertrouwde_bron_klantinteracties:
        return None
    middel = Middel.digid if identiteit.type == SleutelType.bsn else Middel.eherkenning
    rang = recht.maximale_rang
    niveaus = _NIVEAU_PER_RANG[middel]
    if rang not in niveaus:
        return None
    bewijs = rules.Bewijs(
        middel=middel,
        betrouwbaarheidsniveau=niveaus[rang],
        rang=rang,
        uitgever=applicatie.label,
        bron=ValidatieBron.applicatie,
        authenticatie_moment=datetime.now(UTC),
        geauthenticeerde=identiteit,
        gegevens_bevestigd=True,
    )
    _validate_identities(bewijs)
    return bewijs
