"""Error pages for people (400, 403, 404, 410, 500 and a refused form): Dutch, in the
product's style, with a way back and without technical detail.

Residents (``/mijn-gegevens/`` and anything a resident can reach) get the pages of Mijn
klantgegevens with a link back to it; staff (``/admin/``, or a signed-in staff user) get the
admin's pages with a link to the admin's index. The API keeps its problem+json answers
(``klanten.urls`` sends those first). A view that knows that what was asked for existed but is
gone raises ``Weg``; ``WegMiddleware`` answers it with the 410 page.

The 500 page is rendered without the request's context processors and without a database
query: it must work when the database is what failed.
"""

import logging

from django.http import HttpResponse
from django.template import loader
from django.template.response import TemplateResponse

from klanten import huisstijl

logger = logging.getLogger(__name__)

MIJN_PREFIX = "/mijn-gegevens/"
ADMIN_PREFIX = "/admin/"


class Weg(Exception):
    """What was asked for existed, and is gone (410): a klant the resident deleted, a klant a
    data manager destroyed. ``titel`` and ``tekst`` say what happened, in plain words."""

    def __init__(self, titel: str = "", tekst: str = ""):
        super().__init__(titel)
        self.titel = titel
        self.tekst = tekst


# status → (title, text) for residents and for staff
TEKSTEN = {
    400: {
        "bewoner": (
            "Dit verzoek kunnen wij niet verwerken",
            "Het adres of het formulier is niet volledig of niet juist overgekomen. Ga terug "
            "en probeer het opnieuw.",
        ),
        "medewerker": (
            "Dit verzoek kan niet worden verwerkt",
            "Het adres of het formulier is niet volledig of niet juist overgekomen. Ga terug "
            "en probeer het opnieuw.",
        ),
    },
    403: {
        "bewoner": (
            "U heeft geen toegang tot deze pagina",
            "Deze pagina of deze gegevens zijn niet voor u. Bent u ingelogd met uw eigen "
            "DigiD of eHerkenning? Ga dan naar uw eigen gegevens.",
        ),
        "medewerker": (
            "U heeft geen toegang tot deze pagina",
            "Uw rol geeft geen recht op deze pagina of handeling. Heeft u dit recht nodig, "
            "vraag dan een functioneel beheerder om de juiste rol.",
        ),
    },
    404: {
        "bewoner": (
            "Deze pagina bestaat niet (meer)",
            "Misschien heeft u een oude link gebruikt of de pagina is verplaatst.",
        ),
        "medewerker": (
            "Deze pagina bestaat niet (meer)",
            "Het gegeven bestaat niet, of niet meer: misschien is het verwijderd of na afloop "
            "van de bewaartermijn vernietigd. Zoek het opnieuw op.",
        ),
    },
    410: {
        "bewoner": (
            "Deze gegevens zijn verwijderd",
            "Deze gegevens bestaan niet meer.",
        ),
        "medewerker": (
            "Dit gegeven is verwijderd",
            "Dit gegeven bestaat niet meer.",
        ),
    },
    500: {
        "bewoner": (
            "Er ging bij ons iets mis",
            "Door een fout bij ons kon deze pagina niet worden getoond. Probeer het over een "
            "paar minuten opnieuw. Blijft dit gebeuren, neem dan contact op met de gemeente.",
        ),
        "medewerker": (
            "Er ging iets mis",
            "Door een fout in Klanten kon deze pagina niet worden getoond. Probeer het over "
            "een paar minuten opnieuw; blijft dit gebeuren, meld het dan bij de functioneel "
            "beheerder (met het tijdstip).",
        ),
    },
}
CSRF = {
    "bewoner": (
        "Deze pagina is verlopen",
        "Het formulier was te lang open, of uw browser stuurde het niet goed mee. Er is niets "
        "opgeslagen. Ga terug, laad de pagina opnieuw en probeer het nog een keer.",
    ),
    "medewerker": (
        "Dit formulier is verlopen",
        "Het formulier was te lang open of is niet vanaf deze pagina verstuurd. Er is niets "
        "opgeslagen. Ga terug, laad de pagina opnieuw en probeer het nog een keer.",
    ),
}


def voor_medewerker(request, *, zonder_database: bool = False) -> bool:
    """Whether the page is for staff: the admin, or a signed-in staff user outside Mijn
    klantgegevens (``zonder_database``: decide by the path alone)."""
    if request.path.startswith(ADMIN_PREFIX):
        return True
    if request.path.startswith(MIJN_PREFIX) or zonder_database:
        return False
    user = getattr(request, "user", None)
    try:
        return bool(user is not None and user.is_authenticated and user.is_staff)
    except Exception:  # the session or user could not be read: a resident's page then
        logger.warning("foutpagina: gebruiker niet te lezen", exc_info=True)
        return False


def _bewoner_context(request) -> dict:
    """The signed-in resident's context (for "Uitloggen"), without extending the session."""
    from klanten.mijn.context import SessieVerlopen, huidige_context

    try:
        return {"context": huidige_context(request, touch=False)}
    except SessieVerlopen:
        return {}
    except Exception:  # noqa: BLE001 - an error page never fails on the session
        return {}


def foutpagina(request, status: int, titel: str = "", tekst: str = "", **extra) -> HttpResponse:
    """The error page ``status`` for whoever asked (staff or resident)."""
    medewerker = voor_medewerker(request)
    standaard_titel, standaard_tekst = TEKSTEN[status]["medewerker" if medewerker else "bewoner"]
    context = {
        "status": status,
        "titel": titel or standaard_titel,
        "tekst": tekst or standaard_tekst,
        **extra,
    }
    if medewerker:
        from django.contrib import admin

        context = {**admin.site.each_context(request), "title": context["titel"], **context}
        template = "foutpaginas/medewerker.html"
    else:
        context = {**_bewoner_context(request), **context}
        template = "foutpaginas/bewoner.html"
    response = TemplateResponse(request, template, context, status=status)
    response["Cache-Control"] = "no-store"
    return response.render()


# --- Django's error handlers (klanten.urls) and CSRF failure view ---------------------------


def bad_request(request, exception=None):
    return foutpagina(request, 400)


def permission_denied(request, exception=None):
    return foutpagina(request, 403)


def page_not_found(request, exception=None):
    return foutpagina(request, 404)


def csrf_failure(request, reason=""):
    titel, tekst = CSRF["medewerker" if voor_medewerker(request) else "bewoner"]
    return foutpagina(request, 403, titel, tekst)


def server_error(request):
    """Rendered from the template alone: no context processors, no session, no database."""
    medewerker = voor_medewerker(request, zonder_database=True)
    titel, tekst = TEKSTEN[500]["medewerker" if medewerker else "bewoner"]
    html = loader.get_template("foutpaginas/500.html").render(
        {
            "titel": titel,
            "tekst": tekst,
            "medewerker": medewerker,
            "terug_url": ADMIN_PREFIX if medewerker else MIJN_PREFIX,
            "product_titel": huisstijl.titel(),
        }
    )
    return HttpResponse(html, status=500, headers={"Cache-Control": "no-store"})


class WegMiddleware:
    """Answers ``Weg`` raised by a view with the 410 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, Weg):
            return foutpagina(request, 410, exception.titel, exception.tekst)
        return None
