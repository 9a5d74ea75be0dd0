"""The authentication context of a signed-in resident, derived from the ID token.

``authenticatie_context`` maps verified ID token claims onto who signed in (BSN or KvK number),
how (means, raw level) and how reliably (rank on the assurance scale, V2). The ``acr`` is read
from the ID token only, never from userinfo; the identifier may come from userinfo when the
provider sends it there. The context lives in the server-side session.
"""

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import salted_hmac

from klanten.datamodel import rules
from klanten.datamodel.assurance import UnknownAssuranceLevel, resolve_rank
from klanten.datamodel.constants import Middel, SleutelType, ValidatieBron

SESSION_KEY = "mijn_gegevens"
ID_TOKEN_SESSION_KEY = "mijn_gegevens_id_token"

# default claim paths (lists: a path into nested claims)
DEFAULT_OPTIONS = {
    "issuer": "",
    "middel": "",
    "acr_claim": ["acr"],
    "bsn_claim": ["bsn"],
    "kvk_claim": ["kvk"],
    "aliases": {},
    "acr_values": {},
}


def pseudoniem(sleutel_type: str, sleutel: str) -> str:
    """A keyed, non-reversible pseudonym of a person's identifier for the audit log."""
    return salted_hmac("klanten.mijn", f"{sleutel_type}:{sleutel}", algorithm="sha256").hexdigest()


class AanmeldingGeweigerd(Exception):
    """The sign-in cannot be accepted; ``code`` names the reason (shown and audited)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Opties:
    """The resident OIDC client's options (``OIDCClient.options``)."""

    issuer: str = ""
    middel: str = ""
    acr_claim: tuple[str, ...] = ("acr",)
    bsn_claim: tuple[str, ...] = ("bsn",)
    kvk_claim: tuple[str, ...] = ("kvk",)
    aliases: dict = field(default_factory=dict)
    acr_values: dict = field(default_factory=dict)

    @classmethod
    def from_options(cls, options: dict | None) -> "Opties":
        merged = {**DEFAULT_OPTIONS, **(options or {})}

        def path(value) -> tuple[str, ...]:
            if isinstance(value, str):
                return tuple(value.split(".")) if value else ()
            return tuple(value or ())

        return cls(
            issuer=merged["issuer"] or "",
            middel=merged["middel"] or "",
            acr_claim=path(merged["acr_claim"]),
            bsn_claim=path(merged["bsn_claim"]),
            kvk_claim=path(merged["kvk_claim"]),
            aliases=dict(merged["aliases"] or {}),
            acr_values={str(k): v for k, v in (merged["acr_values"] or {}).items()},
        )


def claim(claims: dict, path: tuple[str, ...]):
    value = claims
    for part in path:
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


@dataclass(frozen=True)
class AuthenticatieContext:
    middel: str
    niveau: str
    rang: int
    uitgever: str
    authenticatie_moment: datetime
    sleutel_type: str
    sleutel: str
    ingelogd_op: datetime
    laatst_actief: datetime

    @property
    def identiteit(self) -> rules.Identiteit:
        return rules.Identiteit(self.sleutel_type, self.sleutel)

    @property
    def subject_type(self) -> str:
        return rules.subject_type_for(self.identiteit)

    @property
    def pseudoniem(self) -> str:
        return pseudoniem(self.sleutel_type, self.sleutel)

    @property
    def minimum_rang(self) -> int:
        """V9: the configured minimum rank for this kind of subject."""
        return settings.KLANTEN_MINIMUM_RANG[self.subject_type]

    def vereiste_rang(self, klant=None) -> int:
        """V9: the rank a session needs for a klant: at least the configured minimum and the
        rank the klant was registered with."""
        required = self.minimum_rang
        if klant is not None and klant.registratie_rang is not None:
            required = max(required, klant.registratie_rang)
        return required

    def bewijs(self, *, gegevens_bevestigd: bool) -> rules.Bewijs:
        """V3 evidence of this session (the ID token was verified during the sign-in)."""
        return rules.Bewijs(
            middel=self.middel,
            betrouwbaarheidsniveau=self.niveau,
            rang=self.rang,
            uitgever=self.uitgever,
            bron=ValidatieBron.id_token,
            authenticatie_moment=self.authenticatie_moment,
            geauthenticeerde=self.identiteit,
            gegevens_bevestigd=gegevens_bevestigd,
        )

    # --- session storage ---------------------------------------------------------------
    def to_session(self) -> dict:
        data = asdict(self)
        for key in ("authenticatie_moment", "ingelogd_op", "laatst_actief"):
            data[key] = data[key].isoformat()
        return data

    @classmethod
    def from_session(cls, data: dict) -> "AuthenticatieContext":
        values = dict(data)
        for key in ("authenticatie_moment", "ingelogd_op", "laatst_actief"):
            values[key] = datetime.fromisoformat(values[key])
        return cls(**values)


def _aud_contains(aud, client_id: str) -> bool:
    if isinstance(aud, str):
        return aud == client_id
    return isinstance(aud, list) and client_id in aud


def authenticatie_context(
    id_token_claims: dict,
    userinfo: dict | None,
    opties: Opties,
    *,
    client_id: str,
    now: datetime | None = None,
) -> AuthenticatieContext:
    """Map the (signature-checked) ID token claims, and userinfo for the identifier only,
    onto an authentication context; refuse what cannot be trusted or understood."""
    now = now or timezone.now()
    userinfo = userinfo or {}

    issuer = id_token_claims.get("iss") or ""
    if not issuer or (opties.issuer and issuer != opties.issuer):
        raise AanmeldingGeweigerd(
            "onbekende-uitgever", "Het ID token komt van een onbekende uitgever."
        )
    if not _aud_contains(id_token_claims.get("aud"), client_id):
        raise AanmeldingGeweigerd(
            "ongeldig-token", "Het ID token is niet voor deze dienst bestemd."
        )

    # the level: from the ID token only (userinfo never carries a trustworthy acr)
    raw_level = claim(id_token_claims, opties.acr_claim)
    if raw_level in (None, ""):
        raise AanmeldingGeweigerd(
            "niveau-ontbreekt", "De inlogdienst gaf geen betrouwbaarheidsniveau door."
        )
    try:
        rang = resolve_rank(str(raw_level), opties.aliases)
    except UnknownAssuranceLevel:
        raise AanmeldingGeweigerd(
            "onbekend-niveau", "Het betrouwbaarheidsniveau van de inlogdienst is onbekend."
        ) from None

    moment_value = id_token_claims.get("auth_time", id_token_claims.get("iat"))
    try:
        moment = datetime.fromtimestamp(int(moment_value), tz=UTC)
    except (TypeError, ValueError, OverflowError):
        raise AanmeldingGeweigerd(
            "authenticatiemoment-ontbreekt", "Het moment van inloggen ontbreekt."
        ) from None
    if moment > now + timedelta(minutes=1):
        raise AanmeldingGeweigerd(
            "authenticatiemoment-ongeldig", "Het moment van inloggen ligt in de toekomst."
        )

    identiteit = None
    for sleutel_type, path in (
        (SleutelType.bsn, opties.bsn_claim),
        (SleutelType.kvk, opties.kvk_claim),
    ):
        if not path:
            continue
        value = claim(id_token_claims, path)
        if value in (None, ""):
            value = claim(userinfo, path)
        if value not in (None, ""):
            identiteit = rules.Identiteit(str(sleutel_type), str(value))
            break
    if identiteit is None:
        raise AanmeldingGeweigerd(
            "identiteit-ontbreekt", "De inlogdienst gaf geen BSN of KvK-nummer door."
        )
    try:
        rules.validate_identiteit(identiteit)
    except rules.RuleViolation:
        raise AanmeldingGeweigerd(
            "identiteit-ongeldig", "Het doorgegeven BSN of KvK-nummer is ongeldig."
        ) from None

    middel = opties.middel or (
        Middel.digid if identiteit.type == SleutelType.bsn else Middel.eherkenning
    )
    return AuthenticatieContext(
        middel=str(middel),
        niveau=str(raw_level),
        rang=rang,
        uitgever=issuer,
        authenticatie_moment=moment,
        sleutel_type=identiteit.type,
        sleutel=identiteit.identificatie,
        ingelogd_op=now,
        laatst_actief=now,
    )


# --- the session -----------------------------------------------------------------------


class SessieVerlopen(Exception):
    """The resident session exceeded its idle time or its maximum duration."""


def huidige_context(request, *, touch: bool = True) -> AuthenticatieContext | None:
    """The context of this session, or None; raises SessieVerlopen (and clears it) when it
    is too old."""
    data = request.session.get(SESSION_KEY)
    if not data:
        return None
    try:
        context = AuthenticatieContext.from_session(data)
    except (TypeError, ValueError, KeyError):
        wis(request)
        return None
    now = timezone.now()
    idle = timedelta(minutes=settings.MIJN_GEGEVENS_SESSIE_INACTIEF_MINUTEN)
    maximum = timedelta(minutes=settings.MIJN_GEGEVENS_SESSIE_MAX_MINUTEN)
    if now - context.laatst_actief > idle or now - context.ingelogd_op > maximum:
        wis(request)
        raise SessieVerlopen(context)
    if touch:
        context = AuthenticatieContext(**{**context.__dict__, "laatst_actief": now})
        request.session[SESSION_KEY] = context.to_session()
    return context


def bewaar(request, context: AuthenticatieContext, id_token: str) -> None:
    """Start a resident session: a new session key (no fixation), then the context."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = context.to_session()
    request.session[ID_TOKEN_SESSION_KEY] = id_token


def wis(request) -> str | None:
    """End the resident session; returns its ID token (for the logout at the provider)."""
    request.session.pop(SESSION_KEY, None)
    id_token = request.session.pop(ID_TOKEN_SESSION_KEY, None)
    request.session.cycle_key()
    return id_token
