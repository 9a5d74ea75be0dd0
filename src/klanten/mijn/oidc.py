"""The resident OpenID Connect configuration (a DigiD/eHerkenning broker in production).

A mozilla-django-oidc-db plugin of its own (``mijn-gegevens-oidc``), separate from the staff
configuration (``admin-oidc``): it creates no Django user. The verified ID token becomes the
session's authentication context (``context.authenticatie_context``).
"""

import logging

import requests
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.shortcuts import redirect, render
from django.urls import reverse
from mozilla_django_oidc_db.models import UserInformationClaimsSources
from mozilla_django_oidc_db.plugins import AnonymousUserOIDCPlugin
from mozilla_django_oidc_db.registry import register
from mozilla_django_oidc_db.views import OIDCAuthenticationCallbackView

from klanten.accounts.backends import provider_call
from klanten.accounts.oidc_views import InitView

from . import audit
from .context import AanmeldingGeweigerd, Opties, authenticatie_context, bewaar
from .models import Actie

logger = logging.getLogger(__name__)

MIJN_GEGEVENS_OIDC = "mijn-gegevens-oidc"
# session flags for the next authorization request (re-authentication at a higher level)
OPNIEUW_SESSION_KEY = "mijn_gegevens_opnieuw"
NIVEAU_SESSION_KEY = "mijn_gegevens_niveau"

_CLAIM_PATH = {"type": "array", "items": {"type": "string"}}
OPTIONS_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Opties",
    "description": "Inloggen van inwoners en ondernemers (Mijn klantgegevens).",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "issuer": {
            "type": "string",
            "description": "Verwachte `iss` van de ID tokens (leeg: niet gecontroleerd).",
        },
        "middel": {
            "type": "string",
            "enum": ["", "digid", "digid_machtigen", "eherkenning", "eidas", "overig"],
            "description": "Het middel; leeg: DigiD bij een BSN, eHerkenning bij een KvK-nummer.",
        },
        "acr_claim": {
            **_CLAIM_PATH,
            "description": "Pad naar het betrouwbaarheidsniveau in het ID token (standaard acr).",
        },
        "bsn_claim": {**_CLAIM_PATH, "description": "Pad naar het BSN (standaard bsn)."},
        "kvk_claim": {**_CLAIM_PATH, "description": "Pad naar het KvK-nummer (standaard kvk)."},
        "aliases": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "Eigen niveauwaarden van de inlogdienst → waarde op de schaal.",
        },
        "acr_values": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "description": "Rang → acr_values om mee te sturen bij opnieuw inloggen op een "
            'hoger niveau, bv. {"3": "urn:...:Smartcard"}.',
        },
    },
}


class Inwoner(AnonymousUser):
    """The outcome of a resident sign-in: no Django user, only an authentication context."""

    is_active = True

    def __init__(self, context, id_token: str):
        self.context = context
        self.id_token = id_token


@register(MIJN_GEGEVENS_OIDC)
class MijnGegevensOIDCPlugin(AnonymousUserOIDCPlugin):
    def get_schema(self):
        return OPTIONS_SCHEMA

    def opties(self) -> Opties:
        return Opties.from_options(self.get_config().options)

    def validate_settings(self) -> None:
        config = self.get_config()
        if (
            config.oidc_rp_sign_algo.startswith(("RS", "ES", "PS"))
            and not config.oidc_rp_idp_sign_key
            and config.oidc_provider
            and not config.oidc_provider.oidc_op_jwks_endpoint
        ):
            raise ImproperlyConfigured(
                f"{config.oidc_rp_sign_algo} requires a sign key or a JWKS endpoint."
            )

    def get_extra_params(self, request, extra_params):
        params = dict(extra_params)
        if request.session.pop(OPNIEUW_SESSION_KEY, False):
            params["prompt"] = "login"
        niveau = request.session.pop(NIVEAU_SESSION_KEY, None)
        if niveau is not None and (acr := self.opties().acr_values.get(str(niveau))):
            params["acr_values"] = acr
        return params

    def get_or_create_user(self, access_token, id_token, payload, request):
        config = self.get_config()
        opties = self.opties()
        userinfo = None
        if (
            config.userinfo_claims_source == UserInformationClaimsSources.userinfo_endpoint
            and not _has_identifier(payload, opties)
        ):
            userinfo = _userinfo(config, access_token)
        context = authenticatie_context(
            payload, userinfo, opties, client_id=config.oidc_rp_client_id
        )
        return Inwoner(context, id_token)

    def handle_callback(self, request):
        return mijn_gegevens_callback_view(request)


def _has_identifier(payload: dict, opties: Opties) -> bool:
    from .context import claim

    return any(
        claim(payload, path) not in (None, "")
        for path in (opties.bsn_claim, opties.kvk_claim)
        if path
    )


def _userinfo(config, access_token: str) -> dict | None:
    endpoint = config.oidc_provider.oidc_op_user_endpoint if config.oidc_provider else ""
    if not endpoint or not access_token:
        return None
    try:
        response = provider_call(endpoint, headers={"Authorization": f"Bearer {access_token}"})
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError):
        logger.warning("mijn_gegevens userinfo niet op te halen")
        return None
    return data if isinstance(data, dict) else None


class MijnGegevensCallbackView(OIDCAuthenticationCallbackView):
    """Completes the resident sign-in: the context goes into a fresh session (no
    ``auth.login``: residents are not Django users)."""

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request)
        except AanmeldingGeweigerd as exc:
            audit.leg_vast(Actie.inloggen_geweigerd, reden=exc.code)
            return render(
                request,
                "mijn/aanmelden_geweigerd.html",
                {"reden": exc.code, "melding": exc.message},
                status=403,
            )
        except (requests.RequestException, SuspiciousOperation) as exc:
            logger.warning("mijn_gegevens inloggen mislukt: %s", type(exc).__name__)
            audit.leg_vast(Actie.inloggen_geweigerd, reden="inloggen-mislukt")
            return self.login_failure()

    def login_success(self):
        inwoner = self.user
        # the generic token key of mozilla-django-oidc is for staff logins
        self.request.session.pop("oidc_id_token", None)
        next_url = self.request.session.get("oidc_login_next") or reverse("mijn:overzicht")
        bewaar(self.request, inwoner.context, inwoner.id_token)
        audit.leg_vast(Actie.inloggen, inwoner.context)
        return redirect(next_url)

    def login_failure(self):
        return redirect(reverse("mijn:aanmelden-mislukt"))


mijn_gegevens_callback_view = MijnGegevensCallbackView.as_view()
mijn_gegevens_init_view = InitView.as_view(
    identifier=MIJN_GEGEVENS_OIDC, allow_next_from_query=False
)
