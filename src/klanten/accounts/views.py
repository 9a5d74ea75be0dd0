"""Staff sign-out: also at the OpenID provider when the session came from it."""

from urllib.parse import urlencode

from django.contrib import admin, auth
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from mozilla_django_oidc_db.constants import (
    CONFIG_IDENTIFIER_SESSION_KEY,
    OIDC_ADMIN_CONFIG_IDENTIFIER,
)
from mozilla_django_oidc_db.models import OIDCClient


def provider_logout_url(request) -> str | None:
    """The provider's end-session URL for a staff session that signed in through OIDC."""
    if request.session.get(CONFIG_IDENTIFIER_SESSION_KEY) != OIDC_ADMIN_CONFIG_IDENTIFIER:
        return None
    id_token = request.session.get("oidc_id_token")
    client = (
        OIDCClient.objects.select_related("oidc_provider")
        .filter(identifier=OIDC_ADMIN_CONFIG_IDENTIFIER)
        .first()
    )
    endpoint = (
        client.oidc_provider.oidc_op_logout_endpoint if client and client.oidc_provider else ""
    )
    if not id_token or not endpoint:
        return None
    params = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": request.build_absolute_uri(reverse("admin:login")),
            "client_id": client.oidc_rp_client_id,
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{params}"


@require_POST
@never_cache
def logout(request):
    url = provider_logout_url(request)
    if url is None:
        return admin.site.logout(request)
    auth.logout(request)
    # a page that continues to the provider (the CSP's form-action blocks a cross-origin
    # redirect after a form submission)
    return render(request, "accounts/uitloggen_provider.html", {"logout_url": url})
