"""The OpenID Connect authentication backend of both sign-ins (staff into the admin, residents
into "Mijn klantgegevens"): mozilla-django-oidc-db's backend with every call to the identity
provider (token endpoint, JWKS, userinfo endpoint) through :func:`klanten.outbound.fetch`.

So a provider call has the total deadline ``OIDC_TIMEOUT`` (else ``OUTBOUND_DEADLINE``), reads
at most ``OUTBOUND_MAX_RESPONSE_BYTES``, follows redirects within the host only and reaches no
internal address unless the endpoint lies under the ``api_root`` of a configured service (an
in-cluster Keycloak needs one, as the JWKS of a trusted issuer does). ``OIDC_PROXY`` and
``OIDC_VERIFY_SSL`` are not used: the outbound rules apply to every call.

A refused or failed call raises what the library raises for a provider that cannot be reached
(:class:`requests.ConnectionError`, :class:`requests.Timeout`); a status error a
:class:`requests.HTTPError`; an unusable key set :class:`SuspiciousOperation`. The resident
callback turns these into its failure page (``klanten.mijn.oidc``); for staff the backend turns
them into a failed sign-in (the library's failure page). Nothing here logs a URL or a value
from the provider.
"""

import base64

import jwt
import requests
import structlog
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.utils.encoding import smart_str
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc_db.backends import OIDCAuthenticationBackend as DBBackend
from mozilla_django_oidc_db.models import UserInformationClaimsSources
from mozilla_django_oidc_db.plugins import AnonymousUserOIDCPlugin
from mozilla_django_oidc_db.registry import register as registry

from klanten import outbound

logger = structlog.stdlib.get_logger(__name__)


def provider_call(url: str, *, method: str = "GET", headers=None, data=None) -> requests.Response:
    """Call an endpoint of the identity provider through :func:`klanten.outbound.fetch`; the
    answer as a :class:`requests.Response` (any status), a refusal or failure as the
    :class:`requests.RequestException` the library expects."""
    timeout = getattr(settings, "OIDC_TIMEOUT", None)
    try:
        answer = outbound.fetch(
            url, method=method, headers=headers, data=data, deadline=timeout or None
        )
    except outbound.OutboundError as exc:
        # the reason only: never the URL (the client's values may be in it)
        logger.warning("oidc_provider_onbereikbaar", reason=exc.reason)
        if isinstance(exc, outbound.DeadlineExceeded):
            raise requests.Timeout("De identity provider antwoordde niet op tijd.") from None
        raise requests.ConnectionError(
            f"De identity provider is niet te bereiken ({exc.reason})."
        ) from None
    return answer.as_requests_response()


def _basic_authorization(client_id: str, secret: str) -> str:
    """``client_secret_basic`` exactly as mozilla-django-oidc sends it (requests'
    ``HTTPBasicAuth``: the values as they are, latin-1)."""
    credentials = f"{client_id}:{secret}".encode("latin1")
    return "Basic " + base64.b64encode(credentials).decode("ascii")


class OIDCAuthenticationBackend(DBBackend):
    def authenticate(self, request, nonce=None, code_verifier=None):
        try:
            return super().authenticate(request, nonce=nonce, code_verifier=code_verifier)
        except requests.RequestException as exc:
            if self.config is None or isinstance(
                registry[self.config.identifier], AnonymousUserOIDCPlugin
            ):
                raise  # the resident callback shows its own failure page and audits it
            # staff: a failed sign-in (the admin's failure page), not a server error
            logger.warning("oidc_inloggen_mislukt", fout=type(exc).__name__)
            return None

    def get_token(self, payload):
        """The token request (``client_secret_post``, or ``client_secret_basic`` with
        ``OIDC_TOKEN_USE_BASIC_AUTH``), as upstream."""
        payload = dict(payload)
        headers = {}
        if self.get_settings("OIDC_TOKEN_USE_BASIC_AUTH", False):
            secret = payload.pop("client_secret", None)
            headers["Authorization"] = _basic_authorization(
                payload.get("client_id") or "", secret or ""
            )
        response = provider_call(
            self.OIDC_OP_TOKEN_ENDPOINT, method="POST", headers=headers, data=payload
        )
        self.raise_token_response_error(response)
        return response.json()

    def raise_token_response_error(self, response):
        """:class:`requests.HTTPError` unless 200, as upstream, but without the URL and the
        body in the message."""
        if response.status_code != 200:
            raise requests.HTTPError(
                f"Get Token Error (status: {response.status_code})", response=response
            )

    def retrieve_matching_jwk(self, token):
        """The provider's key matching the token (upstream's selection: ``kid`` unless
        ``OIDC_VERIFY_KID`` is off, and ``alg`` when the key names one)."""
        response = provider_call(self.OIDC_OP_JWKS_ENDPOINT)
        response.raise_for_status()
        jwks = response.json()
        keys = jwks.get("keys") if isinstance(jwks, dict) else None
        if not isinstance(keys, list):
            raise SuspiciousOperation("Could not find a valid JWKS.")
        try:
            jws = jwt.get_unverified_header(token)
        except jwt.DecodeError as exc:
            raise SuspiciousOperation("JWS token verification failed.") from exc
        key = None
        for jwk in keys:
            if not isinstance(jwk, dict):
                continue
            if import_from_settings("OIDC_VERIFY_KID", True) and jwk.get("kid") != smart_str(
                jws.get("kid")
            ):
                continue
            if "alg" in jwk and jwk["alg"] != smart_str(jws.get("alg")):
                continue
            key = jwk
        if key is None:
            raise SuspiciousOperation("Could not find a valid JWKS.")
        try:
            return jwt.PyJWK(key)
        except jwt.PyJWTError as exc:
            raise SuspiciousOperation("Could not find a valid JWKS.") from exc

    def get_userinfo(self, access_token, id_token, payload):
        """The claims from the ID token or, when so configured, from the userinfo endpoint
        (JSON, or a signed JWT with ``application/jwt``), as upstream."""
        assert self.config
        if self.config.userinfo_claims_source == UserInformationClaimsSources.id_token:
            return payload
        response = provider_call(
            self.OIDC_OP_USER_ENDPOINT, headers={"Authorization": f"Bearer {access_token}"}
        )
        response.raise_for_status()
        if response.headers.get("content-type", "").lower().startswith("application/jwt"):
            return self.verify_token(response.text)
        return response.json()
