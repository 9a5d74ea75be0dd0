from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import include, path

from klanten import foutpaginas
from klanten.api.exceptions import problem_response
from klanten.api.middleware import API_PREFIX

urlpatterns = [
    # the APIs first: Django tries the patterns in order, and every API request would otherwise
    # fail through the pages' patterns before it reaches its own
    path("klanten/api/v1/", include("klanten.api.urls")),
    path("contactmomenten/api/v1/", include("klanten.contactmomenten.urls")),
    path("klantinteracties/api/v1/", include("klanten.klantinteracties.urls")),
    path("", lambda request: HttpResponseRedirect("/klanten/api/v1/schema/")),
    # staff sign-in (OIDC, break-glass password + 2FA) and residents' "Mijn klantgegevens"
    path("", include("klanten.accounts.urls")),
    path("admin/", admin.site.urls),
    path("mijn-gegevens/", include("klanten.mijn.urls")),
    # /health/live, /health/ready, /metrics (served by klanten.health.middleware first)
    path("", include("klanten.health.urls")),
    # vng_api_common's error documentation pages (the `type` of a problem+json body)
    path("ref/", include("vng_api_common.urls")),
    # the kanalen documentation page: the documentatieLink of register_kanalen (C13)
    path("ref/", include("notifications_api_common.urls")),
]


def handler400(request, exception=None):
    # a request Django refuses before the API sees it (e.g. too many query parameters)
    if request.path.startswith(API_PREFIX):
        return problem_response(
            request,
            400,
            "bad_request",
            "Ongeldig verzoek.",
            "Het verzoek kan niet worden verwerkt (te groot of misvormd).",
        )
    return foutpaginas.bad_request(request, exception)


def handler403(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return problem_response(
            request, 403, "permission_denied", "Geen toegang.", "U heeft geen toegang."
        )
    return foutpaginas.permission_denied(request, exception)


def handler404(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return problem_response(
            request, 404, "not_found", "Niet gevonden.", "De gevraagde resource bestaat niet."
        )
    return foutpaginas.page_not_found(request, exception)


def handler500(request):
    if request.path.startswith(API_PREFIX):
        return problem_response(
            request, 500, "error", "Er is een serverfout opgetreden.", "Internal Server Error"
        )
    return foutpaginas.server_error(request)
