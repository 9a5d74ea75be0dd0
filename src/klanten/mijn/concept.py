"""What a resident had typed when the session ended while editing (idle sign-out).

Nothing of it is saved as their data: the form was not processed. The typed values are kept
in the (server-side) session for the same person and the same page only, until that person
signs in again and opens the page (they are put back in the form, to check and save), signs
out, or the resident session's maximum time has passed. Someone else signing in on the same
browser never sees them: the values are bound to the pseudonym of who typed them.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from .context import AuthenticatieContext
from .forms import KlantgegevensForm

SESSION_KEY = "mijn_gegevens_concept"
# the form fields that are kept (never the confirmation tick: that is asked again)
VELDEN = tuple(KlantgegevensForm.base_fields)
_MAX_LENGTE = 1000


def bewaar(request, context: AuthenticatieContext) -> bool:
    """Keep the posted form fields of an expired session's POST; True when there were any."""
    gegevens = {
        naam: request.POST.get(naam, "")[:_MAX_LENGTE] for naam in VELDEN if naam in request.POST
    }
    if not any(gegevens.values()):
        return False
    tot = timezone.now() + timedelta(minutes=settings.MIJN_GEGEVENS_SESSIE_MAX_MINUTEN)
    request.session[SESSION_KEY] = {
        "pseudoniem": context.pseudoniem,
        "pad": request.path,
        "gegevens": gegevens,
        "tot": tot.isoformat(),
    }
    return True


def vergeet_van_ander(request, context: AuthenticatieContext) -> None:
    """Drop kept values of another person (signed in on the same browser)."""
    concept = request.session.get(SESSION_KEY)
    if concept and concept.get("pseudoniem") != context.pseudoniem:
        request.session.pop(SESSION_KEY, None)


def neem(request, context: AuthenticatieContext) -> dict | None:
    """The values kept for this person and this page (and forget them), or None."""
    concept = request.session.get(SESSION_KEY)
    if not concept or concept.get("pad") != request.path:
        return None
    request.session.pop(SESSION_KEY, None)
    try:
        geldig = datetime.fromisoformat(concept["tot"]) > timezone.now()
    except (KeyError, TypeError, ValueError):
        return None
    if not geldig or concept.get("pseudoniem") != context.pseudoniem:
        return None
    return {naam: waarde for naam, waarde in concept.get("gegevens", {}).items() if naam in VELDEN}


def vergeet(request) -> None:
    request.session.pop(SESSION_KEY, None)
