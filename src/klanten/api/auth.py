"""ZGW JWT authorization for the APIs of this service: Klanten (component ``kc``),
Contactmomenten (``cmc``) and Klantinteracties (``ki``; also ``Token`` keys, :class:`TokenAuth`).

Checks a client's token the ZGW way (client lookup, HS256 signature, ``iat`` and expiry, the
ZGW error codes of vng_api_common) and reads an application's scopes for the component of the
API the request is for (by its path, ``klanten.api.middleware.API_COMPONENTS``), without
consulting the Autorisaties API configuration singleton per request. One application may hold
scopes for several components (one Autorisatie per component).

Every token check refuses with 403 (problem+json), never a 500, also for claims of the wrong
type or size:

- ``client_id`` must be a non-empty string without NUL characters, checked before anything
  else (PostgreSQL cannot even look a NUL up): ``invalid-client-identifier``;
- ``iat`` must be a NumericDate (an integer or finite number, not a list, object or boolean):
  ``jwt-invalid-iat-claim``; one more than ``JWT_CLOCK_SKEW`` seconds in the future is refused
  (``jwt-not-yet-valid``), as such a token would otherwise stay valid for as long as its
  issuer wished; one older than ``JWT_EXPIRY`` (+ ``JWT_LEEWAY``) seconds is ``jwt-expired``;
- ``user_id`` and ``user_representation`` (recorded in the audit trail and the evidence) must
  be strings of at most 255 characters without NUL: ``jwt-invalid-user_id-claim`` and
  ``jwt-invalid-user_representation-claim``.

Log lines of refused tokens carry no claim values, except the ``client_id`` of a token whose
signature was verified.

A per-process cache keeps verified tokens and what a client id resolves to (its applications
and their scopes) for ``AUTH_CACHE_SECONDS``: a read then costs no authorization queries. Any
change to a client's secret, application or scopes clears the cache of the process that made
it (signals); other processes pick it up within the cache time. ``AUTH_CACHE_SECONDS=0``
turns the cache off.
"""

import math
import threading
import time

import jwt
import structlog
from django.conf import settings
from django.db.models.signals import post_delete, post_save
from rest_framework.exceptions import PermissionDenied
from vng_api_common.authorizations.models import Applicatie, Autorisatie
from vng_api_common.constants import ComponentTypes
from vng_api_common.models import JWTSecret

from .middleware import component_for_path

COMPONENT = ComponentTypes.kc
_MAX_TOKENS = 10_000
# the audit trail's gebruikersId/gebruikersWeergave and the evidence's medewerker fields
MAX_USER_CLAIM_LENGTH = 255
USER_CLAIMS = ("user_id", "user_representation")
# a NumericDate beyond this (the year 9999) is no date at all
_MAX_NUMERIC_DATE = 253_402_300_799

logger = structlog.stdlib.get_logger(__name__)


class _AuthCache:
    def __init__(self):
        self._lock = threading.Lock()
        self.tokens: dict[
            str, tuple[float, float, dict]
        ] = {}  # token → (valid_until, stored, payload)
        self.clients: dict[str, tuple[float, list]] = {}  # client_id → (stored, applicaties)

    def clear(self, **_kwargs) -> None:
        with self._lock:
            self.tokens.clear()
            self.clients.clear()

    @staticmethod
    def ttl() -> int:
        return settings.AUTH_CACHE_SECONDS

    def get_payload(self, token: str) -> dict | None:
        entry = self.tokens.get(token)
        if entry is None:
            return None
        valid_until, stored, payload = entry
        now = time.time()
        if now >= valid_until or now - stored >= self.ttl():
            self.tokens.pop(token, None)
            return None
        return payload

    def put_payload(self, token: str, payload: dict) -> None:
        if self.ttl() <= 0:
            return
        leeway = settings.TIME_LEEWAY
        valid_until = payload["iat"] + settings.JWT_EXPIRY + leeway
        if "exp" in payload:
            valid_until = min(valid_until, float(payload["exp"]) + leeway)
        with self._lock:
            if len(self.tokens) >= _MAX_TOKENS:
                self.tokens.pop(next(iter(self.tokens)))
            self.tokens[token] = (valid_until, time.time(), payload)

    def get_applicaties(self, client_id: str) -> list | None:
        entry = self.clients.get(client_id)
        if entry is None or time.time() - entry[0] >= self.ttl():
            return None
        return entry[1]

    def put_applicaties(self, client_id: str, applicaties: list) -> None:
        if self.ttl() > 0 and applicaties:
            with self._lock:
                if len(self.clients) >= _MAX_TOKENS:
                    self.clients.pop(next(iter(self.clients)))
                self.clients[client_id] = (time.time(), applicaties)


auth_cache = _AuthCache()
for _model in (JWTSecret, Applicatie, Autorisatie):
    post_save.connect(auth_cache.clear, sender=_model, dispatch_uid=f"auth-cache-{_model.__name__}")
    post_delete.connect(
        auth_cache.clear, sender=_model, dispatch_uid=f"auth-cache-del-{_model.__name__}"
    )


def _numeric_date(value) -> int | None:
    """A JWT NumericDate as whole seconds, or None when ``value`` is none (RFC 7519 section 2:
    a JSON number; a string of ASCII digits is accepted as vng_api_common did)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 12:
        value = int(value)
    if isinstance(value, float) and math.isfinite(value):
        value = int(value)
    if isinstance(value, int) and -_MAX_NUMERIC_DATE <= value <= _MAX_NUMERIC_DATE:
        return value
    return None


def verify_token(encoded: str) -> dict:
    """The verified claims of a client's token, or PermissionDenied with a ZGW error code."""
    try:
        unverified = jwt.decode(encoded, options={"verify_signature": False})
    except jwt.DecodeError:
        raise PermissionDenied(
            "JWT could not be decoded. Possibly you made a copy-paste mistake.",
            code="jwt-decode-error",
        ) from None
    if "client_id" not in unverified:
        raise PermissionDenied(
            "Client identifier is niet aanwezig in JWT", code="missing-client-identifier"
        )
    client_id = unverified["client_id"]
    if not isinstance(client_id, str) or not client_id or "\x00" in client_id:
        raise PermissionDenied("Client identifier bestaat niet", code="invalid-client-identifier")
    secret = (
        JWTSecret.objects.exclude(secret="")
        .filter(identifier=client_id)
        .values_list("secret", flat=True)
        .first()
    )
    if secret is None:
        raise PermissionDenied("Client identifier bestaat niet", code="invalid-client-identifier")
    try:
        payload = jwt.decode(
            encoded,
            secret,
            algorithms=["HS256"],
            leeway=settings.TIME_LEEWAY,
            # iat is checked below, with the clock skew and JWT_EXPIRY
            options={"require": ["iat"], "verify_iat": False},
        )
    except jwt.InvalidSignatureError:
        logger.info("invalid_jwt_signature")
        raise PermissionDenied(
            "Client credentials zijn niet geldig", code="invalid-jwt-signature"
        ) from None
    except jwt.MissingRequiredClaimError as exc:
        raise PermissionDenied(
            f"Missing required {exc.claim} claim", code=f"jwt-missing-{exc.claim}-claim"
        ) from None
    except jwt.PyJWTError as exc:
        name = type(exc).__name__
        logger.info("jwt_validation_failed", exception_type=name)
        raise PermissionDenied("JWT did not validate", code=f"jwt-{name.lower()}") from None
    _check_claims(payload, client_id)
    return payload


def _check_claims(payload: dict, client_id: str) -> None:
    """The claims vng_api_common does not check (or checks only with a warning). ``payload``
    is verified: ``client_id`` is a configured client."""
    iat = _numeric_date(payload["iat"])
    if iat is None:
        raise PermissionDenied(
            "De iat-claim moet een tijdstip zijn (NumericDate).", code="jwt-invalid-iat-claim"
        )
    now = time.time()
    if iat > now + settings.JWT_CLOCK_SKEW:
        logger.warning("jwt_not_yet_valid", client_id=client_id)
        raise PermissionDenied(
            "De JWT is in de toekomst uitgegeven (iat); controleer de klok van de client.",
            code="jwt-not-yet-valid",
        )
    if now - iat >= settings.JWT_EXPIRY + settings.TIME_LEEWAY:
        raise PermissionDenied("The JWT used for this request is expired", code="jwt-expired")
    payload["iat"] = iat
    for claim in USER_CLAIMS:
        value = payload.get(claim)
        if value is None:
            continue
        if not isinstance(value, str) or len(value) > MAX_USER_CLAIM_LENGTH or "\x00" in value:
            raise PermissionDenied(
                f"De {claim}-claim moet tekst van hoogstens {MAX_USER_CLAIM_LENGTH} tekens zijn.",
                code=f"jwt-invalid-{claim}-claim",
            )


class KlantenJWTAuth:
    """``request.jwt_auth``: the request's token, its verified claims and what it grants."""

    def __init__(self, encoded: str | None = None, component: str | None = None):
        self.encoded = encoded
        # the component whose scopes count: the API the request is for
        self.component = component or COMPONENT

    @property
    def payload(self) -> dict | None:
        if self.encoded is None:
            return None
        if not hasattr(self, "_payload"):
            payload = auth_cache.get_payload(self.encoded)
            if payload is None:
                payload = verify_token(self.encoded)  # or raises with the ZGW error code
                auth_cache.put_payload(self.encoded, payload)
            self._payload = payload
        return self._payload

    @property
    def client_id(self) -> str | None:
        if not self.payload:
            return None
        return self.payload["client_id"]

    @property
    def applicaties(self) -> list:
        if self.client_id is None:
            return []
        if not hasattr(self, "_applicaties"):
            applicaties = auth_cache.get_applicaties(self.client_id)
            if applicaties is None:
                applicaties = list(
                    Applicatie.objects.filter(
                        client_ids__contains=[self.client_id]
                    ).prefetch_related("autorisaties")
                )
                if not applicaties:
                    applicaties = self._external_applicaties()
                auth_cache.put_applicaties(self.client_id, applicaties)
            self._applicaties = applicaties
        return self._applicaties

    def _external_applicaties(self) -> list:
        """An external Autorisaties API, when configured (vng_api_common). Imported here: the
        module builds serializers for it whose warnings need not be printed by every
        process that never consults it."""
        from vng_api_common.authorizations.middleware import JWTAuth

        external = JWTAuth(self.encoded)
        external._payload = self.payload  # verified above; not decoded (and logged) again
        return list(external.applicaties)

    def scopes(self, component: str | None = None) -> set[str] | None:
        """The scopes granted for ``component`` (default: the Klanten API's, whichever API the
        request is for); None means all rights."""
        component = component or COMPONENT
        if not hasattr(self, "_scopes"):
            self._scopes = {}
        if component not in self._scopes:
            granted: set[str] | None = set()
            for applicatie in self.applicaties:
                if applicatie.heeft_alle_autorisaties:
                    granted = None
                    break
                for autorisatie in applicatie.autorisaties.all():
                    if autorisatie.component == component:
                        granted.update(autorisatie.scopes)
            self._scopes[component] = granted
        return self._scopes[component]

    def has_auth(self, scopes, component=None, **fields) -> bool:
        """Whether the request holds ``scopes`` for ``component`` (default: the component of
        the API the request is for)."""
        if scopes is None:
            return False
        granted = self.scopes(component or self.component)
        if granted is None:
            return bool(self.applicaties)
        return scopes.is_contained_in(list(granted))


class TokenAuth(KlantenJWTAuth):
    """K2: ``Authorization: Token <key>`` (Open Klant's scheme, what Open Forms, KISS and Open
    Inwoner send), accepted by the Klantinteracties API only. The key identifies an API client
    (``klanten.config.tokens``); its scopes are the client's, as for a JWT. An unknown or
    inactive key is refused with 403 (``ongeldige-token``) when a permission check reads it.
    One statement per request (the key with the client's autorisaties and validation rights),
    not cached: a deactivated key or a changed autorisatie counts from the next request, in
    every process."""

    def __init__(self, sleutel: str, component: str | None = None):
        super().__init__(None, component)
        self.sleutel = sleutel

    @property
    def payload(self) -> dict | None:
        return {}

    @property
    def client_id(self) -> str | None:
        return None

    @property
    def applicaties(self) -> list:
        if not hasattr(self, "_applicaties"):
            from klanten.config.tokens import applicatie_voor_sleutel

            applicatie = applicatie_voor_sleutel(self.sleutel)
            if applicatie is None:
                logger.info("invalid_api_token")
                raise PermissionDenied("Ongeldige token.", code="ongeldige-token")
            # its autorisaties and validation rights came with it: no other query
            self._applicaties = [applicatie]
        return self._applicaties


TOKEN_PATHS = ("/klantinteracties/api/",)


class KlantenAuthMiddleware:
    """Puts the request's token (``Authorization: Bearer <jwt>``, or for Klantinteracties
    ``Authorization: Token <key>``) in ``request.jwt_auth``; it is verified when a permission
    check first reads it."""

    header = "HTTP_AUTHORIZATION"
    prefix = "Bearer "
    token_prefix = "Token "

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        authorization = request.META.get(self.header, "")
        component = component_for_path(request.path)
        if authorization.startswith(self.token_prefix) and request.path.startswith(TOKEN_PATHS):
            sleutel = authorization[len(self.token_prefix) :].strip()
            request.jwt_auth = TokenAuth(sleutel, component)
            return self.get_response(request)
        encoded = (
            authorization[len(self.prefix) :] if authorization.startswith(self.prefix) else None
        )
        request.jwt_auth = KlantenJWTAuth(encoded, component)
        return self.get_response(request)
