"""The views that start an OpenID Connect sign-in, with the optional availability check of the
identity provider (``check_op_availability``) through :func:`klanten.outbound.fetch` as well
(:func:`klanten.accounts.backends.provider_call`)."""

import requests
import structlog
from mozilla_django_oidc_db.exceptions import OIDCProviderOutage
from mozilla_django_oidc_db.views import (
    OIDCAuthenticationRequestInitView,
    OIDCAuthenticationRequestView,
)

from .backends import provider_call

logger = structlog.stdlib.get_logger(__name__)


class ProviderCheck:
    def check_idp_availability(self) -> None:
        """:class:`OIDCProviderOutage` unless the authorization endpoint answers below 401
        (upstream's check; a 400 for the missing parameters counts as available)."""
        try:
            response = provider_call(self.get_settings("OIDC_OP_AUTH_ENDPOINT"))
            if response.status_code > 400:
                response.raise_for_status()
        except requests.RequestException as exc:
            logger.info("oidc_provider_niet_beschikbaar", fout=type(exc).__name__)
            raise OIDCProviderOutage("Identity provider appears to be down.") from None


class InitView(ProviderCheck, OIDCAuthenticationRequestInitView):
    """A sign-in of a configuration given by ``identifier`` (the residents')."""


class AdminInitView(ProviderCheck, OIDCAuthenticationRequestView):
    """The staff sign-in (``OIDC_AUTHENTICATE_CLASS``)."""
