"""'Mijn klantgegevens': a signed-in resident sees, corrects, deletes and registers their own
validated klant (V9), and confirms a non-validated klant through a confirmation link (E4/V5)."""

import functools
import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timezone import localtime
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from mozilla_django_oidc_db.exceptions import OIDCProviderOutage
from mozilla_django_oidc_db.models import OIDCClient

from klanten.datamodel import rules, services
from klanten.datamodel.models import Klant
from klanten.datamodel.transactions import uitvoeren
from klanten.datamodel.wijzigingen import Actor, Herkomst
from klanten.foutpaginas import Weg

from . import audit, concept
from .context import AuthenticatieContext, SessieVerlopen, huidige_context, wis
from .forms import BevestigForm, KlantgegevensForm
from .models import Actie, Gebeurtenis
from .oidc import (
    MIJN_GEGEVENS_OIDC,
    NIVEAU_SESSION_KEY,
    OPNIEUW_SESSION_KEY,
    mijn_gegevens_init_view,
)

logger = logging.getLogger(__name__)

BEVESTIGING_SESSION_KEY = "mijn_gegevens_bevestiging"
APPLICATIE_ID = "mijn-gegevens"
APPLICATIE_WEERGAVE = "Mijn klantgegevens (zelfservice)"
AANMAAKKANAAL = "mijn-gegevens"
PREFIX = "/mijn-gegevens/"

LINK_REDENEN = {
    "verlopen": ("Deze link is verlopen", 410),
    "gebruikt": ("Deze link is al gebruikt", 410),
    "onbekend": ("Deze link is niet geldig", 404),
}


# --- helpers ---------------------------------------------------------------------------


def _oidc_client() -> OIDCClient | None:
    return (
        OIDCClient.objects.select_related("oidc_provider")
        .filter(identifier=MIJN_GEGEVENS_OIDC, enabled=True, oidc_provider__isnull=False)
        .first()
    )


def beschikbaar() -> bool:
    return bool(settings.MIJN_GEGEVENS_BRONORGANISATIE) and _oidc_client() is not None


def inlog_url(volgende: str = PREFIX, *, niveau: int | None = None, opnieuw=False) -> str:
    params = {"volgende": volgende}
    if niveau is not None:
        params["niveau"] = str(niveau)
    if opnieuw:
        params["opnieuw"] = "1"
    return f"{reverse('mijn:inloggen')}?{urlencode(params)}"


def audit_actor(context: AuthenticatieContext) -> Actor:
    return Actor(
        applicatie_id=APPLICATIE_ID,
        applicatie_weergave=APPLICATIE_WEERGAVE,
        gebruikers_id=f"pseudoniem:{context.pseudoniem[:40]}",
        gebruikers_weergave=f"De klant zelf ({context.middel}, rang {context.rang})",
    )


def herkomst(request, context: AuthenticatieContext) -> Herkomst:
    """The resident's writes are recorded as the API's are (audit trail, notification), with
    the klant's API URL."""
    return Herkomst(audit_actor(context), request.build_absolute_uri(reverse("klant-list")) + "/")


def service_actor() -> services.Actor:
    return services.Actor(applicatie_id=APPLICATIE_ID, applicatie_weergave=APPLICATIE_WEERGAVE)


def eigen_klanten(context: AuthenticatieContext):
    """V9: the signed-in person's own validated klanten at the configured organisation."""
    return (
        Klant.objects.select_related("adres")
        .filter(
            bronorganisatie=settings.MIJN_GEGEVENS_BRONORGANISATIE,
            gevalideerd=True,
            gevalideerde_sleutel_type=context.sleutel_type,
            gevalideerde_sleutel=context.sleutel,
        )
        .order_by("id")
    )


def hoger_niveau(request, context: AuthenticatieContext, vereist: int, volgende: str):
    audit.leg_vast(Actie.geweigerd, context, reden="onvoldoende-betrouwbaarheidsniveau")
    return render(
        request,
        "mijn/hoger_niveau.html",
        {
            "context": context,
            "vereist": vereist,
            "inlog_url": inlog_url(volgende, niveau=vereist, opnieuw=True),
        },
        status=403,
    )


def ingelogd(view):
    """The view needs a live resident session with at least the configured minimum rank;
    it gets the context as its second argument."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not beschikbaar():
            return render(request, "mijn/niet_beschikbaar.html", status=503)
        try:
            context = huidige_context(request)
        except SessieVerlopen as exc:
            verlopen = exc.args[0]
            audit.leg_vast(Actie.sessie_verlopen, verlopen)
            # a form sent after the session ended is not processed: say so, and keep what
            # was typed for this person's next sign-in
            verstuurd = request.method == "POST"
            return render(
                request,
                "mijn/sessie_verlopen.html",
                {
                    "inlog_url": inlog_url(request.path),
                    "niet_verwerkt": verstuurd,
                    "bewaard": verstuurd and concept.bewaar(request, verlopen),
                },
            )
        if context is None:
            return render(
                request,
                "mijn/start.html",
                {
                    "inlog_url": inlog_url(request.path),
                    "bevestiging": request.path.startswith(f"{PREFIX}bevestigen"),
                },
            )
        if context.rang < context.minimum_rang:
            return hoger_niveau(request, context, context.minimum_rang, request.path)
        concept.vergeet_van_ander(request, context)
        return view(request, context, *args, **kwargs)

    return never_cache(wrapper)


def eigen_klant(context: AuthenticatieContext, uuid) -> Klant:
    """The person's own klant; 410 when this person deleted it (e.g. Back after deleting),
    404 for anything else (someone else's klant is never confirmed to exist)."""
    klant = eigen_klanten(context).filter(uuid=uuid).first()
    if klant is not None:
        return klant
    verwijderd = (
        Gebeurtenis.objects.filter(
            actie=Actie.verwijderen, klant_uuid=uuid, pseudoniem=context.pseudoniem
        )
        .order_by("-tijdstip")
        .first()
    )
    if verwijderd is not None:
        raise Weg(
            "Deze gegevens heeft u verwijderd",
            f"U heeft deze gegevens op {date_format(localtime(verwijderd.tijdstip))} "
            "verwijderd. Ze zijn er niet meer en kunnen niet meer worden gewijzigd.",
        )
    raise Http404


def weigering(request, context, exc: rules.RuleViolation, klant=None):
    """A refused write: the reason as a page (403/409), never a server error."""
    code = exc.code or "geweigerd"
    audit.leg_vast(Actie.geweigerd, context, klant=klant, reden=code)
    if code == "verouderde-authenticatie":
        return render(
            request,
            "mijn/opnieuw_inloggen.html",
            {"context": context, "inlog_url": inlog_url(request.path, opnieuw=True)},
            status=403,
        )
    if isinstance(exc, rules.Conflict) and code == "gevalideerde-klant-bestaat":
        return render(request, "mijn/bestaande_klant.html", {"context": context}, status=409)
    return render(
        request,
        "mijn/geweigerd.html",
        {"context": context, "melding": exc.messages[0], "code": code},
        status=409 if isinstance(exc, rules.Conflict) else 403,
    )


# --- sign-in and sign-out --------------------------------------------------------------


@require_GET
@never_cache
def inloggen(request):
    """Start the resident sign-in at the OpenID provider; ``volgende`` must be a page of
    Mijn klantgegevens."""
    if not beschikbaar():
        return render(request, "mijn/niet_beschikbaar.html", status=503)
    volgende = request.GET.get("volgende") or PREFIX
    if not volgende.startswith(PREFIX) or not url_has_allowed_host_and_scheme(
        volgende, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        volgende = PREFIX
    if request.GET.get("opnieuw"):
        request.session[OPNIEUW_SESSION_KEY] = True
    niveau = request.GET.get("niveau", "")
    if niveau.isascii() and niveau.isdigit():
        request.session[NIVEAU_SESSION_KEY] = int(niveau)
    try:
        return mijn_gegevens_init_view(request, return_url=volgende)
    except OIDCProviderOutage:
        return render(request, "mijn/niet_beschikbaar.html", status=503)


@require_GET
@never_cache
def aanmelden_mislukt(request):
    return render(request, "mijn/aanmelden_mislukt.html", {"inlog_url": inlog_url()}, status=401)


@require_POST
def uitloggen(request):
    """End the resident session here and, when the provider supports it, there too."""
    try:
        context = huidige_context(request, touch=False)
    except SessieVerlopen:
        context = None
    id_token = wis(request)
    request.session.pop(BEVESTIGING_SESSION_KEY, None)
    concept.vergeet(request)
    if context is not None:
        audit.leg_vast(Actie.uitloggen, context)
    client = _oidc_client()
    endpoint = client.oidc_provider.oidc_op_logout_endpoint if client else ""
    if endpoint and id_token:
        params = urlencode(
            {
                "id_token_hint": id_token,
                "post_logout_redirect_uri": request.build_absolute_uri(reverse("mijn:uitgelogd")),
                "client_id": client.oidc_rp_client_id,
            }
        )
        separator = "&" if "?" in endpoint else "?"
        # a page that continues to the provider: a redirect after a form submission to
        # another origin would be blocked by the Content-Security-Policy (form-action)
        return render(
            request,
            "mijn/uitloggen_provider.html",
            {"logout_url": f"{endpoint}{separator}{params}"},
        )
    return redirect("mijn:uitgelogd")


@require_GET
@never_cache
def uitgelogd(request):
    return render(request, "mijn/uitgelogd.html")


# --- own klant data (V9) ---------------------------------------------------------------


@require_GET
@ingelogd
def overzicht(request, context):
    toegankelijk, te_laag = [], []
    for klant in eigen_klanten(context):
        (toegankelijk if context.rang >= context.vereiste_rang(klant) else te_laag).append(klant)
    audit.leg_vast(Actie.bekijken, context)
    hoger = max((context.vereiste_rang(k) for k in te_laag), default=None)
    return render(
        request,
        "mijn/overzicht.html",
        {
            "context": context,
            "klanten": toegankelijk,
            "te_laag": te_laag,
            "hoger_niveau": hoger,
            "hoger_inlog_url": inlog_url(PREFIX, niveau=hoger, opnieuw=True) if te_laag else "",
            "organisatie": context.subject_type != "natuurlijk_persoon",
        },
    )


@require_http_methods(["GET", "POST"])
@ingelogd
def registreren(request, context):
    if eigen_klanten(context).exists():
        return redirect("mijn:overzicht")
    organisatie = context.subject_type != "natuurlijk_persoon"
    teruggezet = concept.neem(request, context) if request.method == "GET" else None
    form = KlantgegevensForm(request.POST or None, organisatie=organisatie, initial=teruggezet)
    if request.method == "POST" and form.is_valid():
        data = {
            **form.klant_data(),
            "bronorganisatie": settings.MIJN_GEGEVENS_BRONORGANISATIE,
            "subject_type": context.subject_type,
            "aanmaakkanaal": AANMAAKKANAAL,
        }
        bewijs = context.bewijs(gegevens_bevestigd=True)

        def registreer():
            klant = services.create_gevalideerde_klant(
                data, bewijs, service_actor(), herkomst=herkomst(request, context)
            )
            audit.leg_vast(Actie.registreren, context, klant=klant)

        try:
            uitvoeren(registreer)
        except rules.RuleViolation as exc:
            return weigering(request, context, exc)
        messages.success(request, "Uw gegevens zijn vastgelegd.")
        return redirect("mijn:overzicht")
    return render(
        request,
        "mijn/registreren.html",
        {
            "context": context,
            "form": form,
            "organisatie": organisatie,
            "teruggezet": bool(teruggezet),
        },
    )


@require_http_methods(["GET", "POST"])
@ingelogd
def wijzigen(request, context, uuid):
    klant = eigen_klant(context, uuid)
    vereist = context.vereiste_rang(klant)
    if context.rang < vereist:
        return hoger_niveau(request, context, vereist, request.path)
    organisatie = context.subject_type != "natuurlijk_persoon"
    teruggezet = concept.neem(request, context) if request.method == "GET" else None
    form = KlantgegevensForm(
        request.POST or None,
        organisatie=organisatie,
        initial={**KlantgegevensForm.initial_for(klant), **(teruggezet or {})},
    )
    if request.method == "POST" and form.is_valid():

        def wijzig():
            gewijzigd = services.update_klant(
                klant, form.klant_data(), partial=True, herkomst=herkomst(request, context)
            )
            audit.leg_vast(Actie.wijzigen, context, klant=gewijzigd)

        try:
            uitvoeren(wijzig)
        except Klant.DoesNotExist as exc:  # deleted meanwhile
            raise Http404 from exc
        except rules.RuleViolation as exc:
            return weigering(request, context, exc, klant=klant)
        messages.success(request, "Uw wijzigingen zijn opgeslagen.")
        return redirect("mijn:overzicht")
    return render(
        request,
        "mijn/wijzigen.html",
        {
            "context": context,
            "form": form,
            "klant": klant,
            "organisatie": organisatie,
            "teruggezet": bool(teruggezet),
        },
    )


@require_http_methods(["GET", "POST"])
@ingelogd
def verwijderen(request, context, uuid):
    klant = eigen_klant(context, uuid)
    vereist = context.vereiste_rang(klant)
    if context.rang < vereist:
        return hoger_niveau(request, context, vereist, request.path)
    if request.method == "POST":

        def verwijder():
            # as the API does: the audit trail goes with the klant, the record of its
            # deletion stays (and our own log keeps the fact)
            services.delete_klant(klant, herkomst=herkomst(request, context))
            audit.leg_vast(Actie.verwijderen, context, klant=klant)

        try:
            uitvoeren(verwijder)
        except Klant.DoesNotExist as exc:  # deleted meanwhile
            raise Http404 from exc
        except rules.Conflict:  # legacy data it could not repair (partijherstel): never a 500
            messages.error(
                request, "Uw gegevens konden nu niet worden verwijderd. Probeer het later opnieuw."
            )
            return redirect("mijn:overzicht")
        messages.success(request, "Uw gegevens zijn verwijderd.")
        return redirect("mijn:overzicht")
    return render(request, "mijn/verwijderen.html", {"context": context, "klant": klant})


# --- confirmation link (E4, V5) --------------------------------------------------------


def _link_ongeldig(request, reden: str, context=None):
    titel, status = LINK_REDENEN.get(reden, LINK_REDENEN["onbekend"])
    audit.leg_vast(Actie.geweigerd, context, reden=f"link-{reden}")
    request.session.pop(BEVESTIGING_SESSION_KEY, None)
    return render(
        request,
        "mijn/link_ongeldig.html",
        {"context": context, "reden": reden, "titel": titel},
        status=status,
    )


@require_GET
@never_cache
def bevestigen_link(request, token):
    """The link from the message: keep the token in the session only (it leaves the URL and
    the browser history at once) and continue on the confirmation page."""
    try:
        services.peek_bevestigingsverzoek(token)
    except services.LinkUnusable as exc:
        return _link_ongeldig(request, exc.reason)
    request.session[BEVESTIGING_SESSION_KEY] = token
    return redirect("mijn:bevestigen")


@require_http_methods(["GET", "POST"])
@never_cache
def bevestigen(request):
    token = request.session.get(BEVESTIGING_SESSION_KEY)
    if not token:
        return _link_ongeldig(request, "onbekend")
    try:
        verzoek = services.peek_bevestigingsverzoek(token)
    except services.LinkUnusable as exc:
        return _link_ongeldig(request, exc.reason)
    return _bevestigen(request, token, verzoek)


@ingelogd
def _bevestigen(request, context, token, verzoek):
    klant = verzoek.klant
    identiteit = context.identiteit
    # never show the data of someone else: the identifier on the klant (if any) must match
    try:
        rules.require_compatible_subject_type(klant.subject_type, context.subject_type)
        rules.require_identity_matches(services.klant_identiteit(klant), identiteit)
    except rules.RuleViolation as exc:
        audit.leg_vast(Actie.geweigerd, context, klant=klant, reden=exc.code)
        return render(request, "mijn/andere_persoon.html", {"context": context}, status=403)
    if identiteit.type == "bsn" and services._existing_validated(klant, identiteit) is not None:
        audit.leg_vast(Actie.geweigerd, context, klant=klant, reden="gevalideerde-klant-bestaat")
        return render(request, "mijn/bestaande_klant.html", {"context": context}, status=409)

    organisatie = context.subject_type != "natuurlijk_persoon"
    teruggezet = concept.neem(request, context) if request.method == "GET" else None
    form = BevestigForm(
        request.POST or None,
        organisatie=organisatie,
        initial={**BevestigForm.initial_for(klant), **(teruggezet or {})},
    )
    if request.method == "POST" and form.is_valid():

        def bevestig():
            bevestigd = services.bevestig_klant(
                token,
                form.klant_data(),
                context.bewijs(gegevens_bevestigd=True),
                service_actor(),
                herkomst=herkomst(request, context),
            )
            audit.leg_vast(Actie.bevestigen, context, klant=bevestigd)
            return bevestigd

        try:
            klant = uitvoeren(bevestig)
        except services.LinkUnusable as exc:
            return _link_ongeldig(request, exc.reason, context)
        except rules.RuleViolation as exc:
            return weigering(request, context, exc, klant=klant)
        request.session.pop(BEVESTIGING_SESSION_KEY, None)
        messages.success(request, "Bedankt. Uw gegevens zijn bevestigd.")
        if klant.bronorganisatie == settings.MIJN_GEGEVENS_BRONORGANISATIE:
            return redirect("mijn:overzicht")
        return render(request, "mijn/bevestigd.html", {"context": context})
    return render(
        request,
        "mijn/bevestigen.html",
        {
            "context": context,
            "form": form,
            "klant": klant,
            "organisatie": organisatie,
            "teruggezet": bool(teruggezet),
        },
    )
