"""The OpenID Connect discovery document (``.well-known/openid-configuration``) of a provider,
read when a provider with a discovery endpoint is saved: in the admin (*OIDC providers*) and by
mozilla-django-oidc-db's ``setup_configuration`` step. Both use the library's
``OIDCProviderForm``, whose ``clean`` asks the classmethod ``get_endpoints_from_discovery`` for
the endpoints; upstream that is a plain ``requests.get``. :func:`install` (from
``AccountsConfig.ready``) puts :func:`get_endpoints_from_discovery` in its place, so the read is
an outbound call like every other call to the provider (:func:`klanten.outbound.fetch`):

- a total deadline of ``OIDC_TIMEOUT`` seconds (else ``OUTBOUND_DEADLINE``), at most
  ``OUTBOUND_MAX_RESPONSE_BYTES``, redirects within the host only;
- no internal address unless the discovery URL lies under the ``api_root`` of a configured
  service (an in-cluster Keycloak needs one, as for the sign-in's calls).

The classmethod is the library's override point for exactly this read; the form cannot be
swapped for the ``setup_configuration`` step (it names the class itself), hence one assignment
on the class instead of a subclass. :func:`install` refuses to start when the library no longer
has the method, rather than leave the read unguarded.

Every failure (refused, too slow, unreachable, an answer that is not a discovery document) is a
:class:`~django.forms.ValidationError` on ``oidc_op_discovery_endpoint``: a form error in the
admin, ``ConfigurationRunFailed`` in ``setup_configuration``, never a server error. The log has
``oidc_discovery_mislukt`` with the ``reason`` only, never the URL that was typed.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import structlog
from django import forms
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from mozilla_django_oidc_db.constants import OPEN_ID_CONFIG_PATH

from klanten import outbound

logger = structlog.stdlib.get_logger(__name__)

FIELD = "oidc_op_discovery_endpoint"
# the longest URL the provider's endpoint fields hold (OIDCProvider, URLField max_length)
MAX_URL_LENGTH = 1000

_MESSAGES = {
    outbound.InvalidURL.reason: "Het discovery-endpoint is geen absolute http(s)-URL.",
    outbound.InternalAddress.reason: (
        "Het discovery-endpoint ligt op een intern adres. Een provider op een intern netwerk "
        "heeft een geconfigureerde service (zgw-consumers) nodig waarvan de api_root het "
        "discovery-endpoint omvat."
    ),
    outbound.RedirectRefused.reason: (
        "Het discovery-endpoint verwijst door naar een andere host of van https naar http; "
        "zo'n doorverwijzing wordt niet gevolgd."
    ),
    outbound.DeadlineExceeded.reason: (
        "Het discovery-endpoint antwoordde niet binnen {deadline} seconden (OIDC_TIMEOUT)."
    ),
    outbound.ResponseTooLarge.reason: "Het discovery-document is te groot.",
    outbound.ConnectionFailed.reason: "Het discovery-endpoint is niet te bereiken.",
}


def _is_endpoint(value) -> bool:
    """An absolute http(s) URL with a host, short enough for the provider's fields. (Not
    Django's URLValidator: an in-cluster provider may name itself ``http://keycloak:8080``.)"""
    if not isinstance(value, str) or len(value) > MAX_URL_LENGTH:
        return False
    if any(c.isspace() or not c.isprintable() for c in value):
        return False
    try:
        parts = urlsplit(value)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def _fail(reason: str, message: str) -> ValidationError:
    logger.warning("oidc_discovery_mislukt", reason=reason)
    return forms.ValidationError({FIELD: forms.ValidationError(message, code=reason)})


def get_endpoints_from_discovery(cls, base_url: str) -> dict[str, str]:
    """The endpoints (the form's field names, ``cls.oidc_mapping``) the discovery document
    under ``base_url`` names, read through :func:`klanten.outbound.fetch`.

    As upstream, the document is ``base_url`` joined with ``.well-known/openid-configuration``
    and an endpoint it does not name is left as the form has it. Raises
    :class:`~django.forms.ValidationError` for ``oidc_op_discovery_endpoint``.
    """
    deadline = getattr(settings, "OIDC_TIMEOUT", None) or settings.OUTBOUND_DEADLINE
    try:
        answer = outbound.fetch(
            urljoin(base_url, OPEN_ID_CONFIG_PATH),
            headers={"Accept": "application/json"},
            deadline=deadline,
        )
    except outbound.OutboundError as exc:
        message = _MESSAGES.get(exc.reason, "Het discovery-document kon niet worden gelezen.")
        raise _fail(exc.reason, message.format(deadline=deadline)) from None
    if answer.status != 200:
        raise _fail(
            "status",
            f"Het discovery-endpoint antwoordde met HTTP {answer.status} in plaats van 200.",
        )
    try:
        document = answer.json()
    except (ValueError, RecursionError):  # not UTF-8, not JSON, nested too deep
        document = None
    if not isinstance(document, dict):
        raise _fail("geen-document", "Het antwoord van het discovery-endpoint is geen JSON-object.")

    endpoints: dict[str, str] = {}
    for field_name, name in cls.oidc_mapping.items():
        value = document.get(name)
        if value in (None, ""):
            continue
        if not _is_endpoint(value):
            raise _fail("ongeldig-endpoint", f"Het discovery-document heeft geen geldige {name}.")
        endpoints[field_name] = value
    return endpoints


def install() -> None:
    """Make mozilla-django-oidc-db's provider form read the discovery document through
    :func:`get_endpoints_from_discovery`."""
    from mozilla_django_oidc_db.forms import OIDCProviderForm

    if not isinstance(vars(OIDCProviderForm).get("get_endpoints_from_discovery"), classmethod):
        raise ImproperlyConfigured(
            "mozilla_django_oidc_db.forms.OIDCProviderForm.get_endpoints_from_discovery is gone: "
            "the discovery document would be read without klanten.outbound "
            "(klanten.accounts.discovery)."
        )
    OIDCProviderForm.get_endpoints_from_discovery = classmethod(get_endpoints_from_discovery)
