"""The data managers' admin: the klanten (``klanten.beheer.klant``), the access log
(read-only) and the overview of the environment settings."""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from notifications_api_common.models import NotificationsConfig

from klanten.background.status import achtergrond_status
from klanten.config.clients import RANK_LABELS
from klanten.config.models import APIClientApplicatie, VertrouwdeUitgever
from klanten.datamodel.constants import SubjectType

from . import actoren, contactmomenten, internetaken, kanaal  # noqa: F401 - they register admins
from .klant import admin as klant_admin  # noqa: F401 - registers the klant admin
from .models import BeheerGebeurtenis, Instellingen


@admin.register(BeheerGebeurtenis)
class BeheerGebeurtenisAdmin(admin.ModelAdmin):
    """Who viewed full identifiers, exported or destroyed which klant. Written by the
    application only."""

    list_display = (
        "tijdstip",
        "actie",
        "medewerker",
        "klant_weergave",
        "klant_uuid",
        "toelichting",
    )
    list_filter = ("actie",)
    search_fields = ("=gebruiker", "gebruiker_weergave", "=klant_uuid", "klant_weergave")
    search_help_text = (
        "Zoek op de naam of gebruikersnaam van de medewerker, de uuid van de klant of "
        "'bronorganisatie - klantnummer'."
    )
    date_hierarchy = "tijdstip"
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER

    @admin.display(description="medewerker", ordering="gebruiker_weergave")
    def medewerker(self, obj):
        """The person by name; the user name (the account, e.g. at the identity provider)
        is searchable and on the record itself."""
        return obj.gebruiker_weergave or obj.gebruiker

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


_MIN_RANK_ENV = {
    SubjectType.natuurlijk_persoon: "MIN_RANK_NATUURLIJK_PERSOON",
    SubjectType.niet_natuurlijk_persoon: "MIN_RANK_NIET_NATUURLIJK_PERSOON",
    SubjectType.vestiging: "MIN_RANK_VESTIGING",
}
PROMOTIE_MODI = {
    "reconfirm": "Herbevestigen: een niet-gevalideerde klant wordt gevalideerd wanneer de "
    "persoon na inloggen de gegevens bevestigt.",
    "forbid": "Verboden: een niet-gevalideerde klant wordt nooit gevalideerd; registreer een "
    "nieuwe gevalideerde klant.",
}
ZICHTBAARHEID = {
    "applicatie": "Alleen de applicatie die de klant registreerde (en applicaties met "
    "klanten.beheer of alle autorisaties).",
    "iedereen": "Iedere applicatie met klanten.lezen (oudere landschappen).",
}


def _instelling(naam: str, env: str, waarde, uitleg: str = "") -> dict:
    if isinstance(waarde, bool):
        waarde = "ja" if waarde else "nee"
    return {"naam": naam, "env": env, "waarde": waarde, "uitleg": uitleg}


def validatie_instellingen() -> list[dict]:
    rows = [
        _instelling(
            f"Minimale rang om te valideren: {SubjectType(subject_type).label.lower()}",
            env,
            settings.KLANTEN_MINIMUM_RANG[subject_type],
            RANK_LABELS[settings.KLANTEN_MINIMUM_RANG[subject_type]],
        )
        for subject_type, env in _MIN_RANK_ENV.items()
    ]
    rows += [
        _instelling(
            "Promotie van niet-gevalideerde klanten",
            "PROMOTION_MODE",
            settings.KLANTEN_PROMOTIE_MODUS,
            PROMOTIE_MODI.get(settings.KLANTEN_PROMOTIE_MODUS, ""),
        ),
        _instelling(
            "Maximale leeftijd van een authenticatie (minuten)",
            "MAX_AUTHENTICATION_AGE_MINUTES",
            settings.KLANTEN_MAX_AUTHENTICATIE_LEEFTIJD_MINUTEN,
        ),
        _instelling(
            "Zichtbaarheid van niet-gevalideerde klanten",
            "NON_VALIDATED_VISIBILITY",
            settings.KLANTEN_ZICHTBAARHEID_NIET_GEVALIDEERD,
            ZICHTBAARHEID.get(settings.KLANTEN_ZICHTBAARHEID_NIET_GEVALIDEERD, ""),
        ),
        _instelling(
            "Geldigheid van een bevestigingslink (uren)",
            "CONFIRMATION_LINK_VALIDITY_HOURS",
            settings.KLANTEN_BEVESTIGINGSLINK_GELDIG_UREN,
        ),
        _instelling(
            "Bewaartijd van een opgehaalde JWKS (seconden)",
            "JWKS_CACHE_SECONDS",
            settings.KLANTEN_JWKS_CACHE_SECONDEN,
        ),
    ]
    return rows


_BEWAREN = (
    ("Bewaartermijn van een niet-gevalideerde klant (dagen)", "RETENTION_PERIOD_DAYS",
     "KLANTEN_BEWAARTERMIJN_DAGEN"),
    ("Respijt zonder interactie (dagen)", "RETENTION_GRACE_DAYS",
     "KLANTEN_RESPIJT_ZONDER_INTERACTIE_DAGEN"),
    ("Automatische vernietiging aan", "RETENTION_ENABLED", "KLANTEN_VERNIETIGING_AAN"),
    ("Klanten per batch", "RETENTION_BATCH_SIZE", "KLANTEN_VERNIETIGING_BATCH"),
)  # fmt: skip


def bewaar_instellingen() -> list[dict]:
    return [
        _instelling(naam, env, getattr(settings, setting))
        for naam, env, setting in _BEWAREN
        if hasattr(settings, setting)
    ]


def notificatie_instellingen() -> list[dict]:
    config = NotificationsConfig.get_solo()
    service = config.notifications_api_service
    uitgaand = achtergrond_status()["notifications"]
    return [
        _instelling(
            "Notificaties uitgeschakeld", "NOTIFICATIONS_DISABLED", settings.NOTIFICATIONS_DISABLED
        ),
        _instelling(
            "Notificaties API",
            "",
            f"{service.label} ({service.api_root})" if service else "niet ingesteld",
            "" if service else "Zonder Notificaties API worden geen notificaties verstuurd.",
        ),
        _instelling("Kanaal", "", kanaal.KANAAL_KLANTEN.label, "Kenmerk: subjectType."),
        _instelling("Bron (source)", "NOTIFICATIONS_SOURCE", settings.NOTIFICATIONS_SOURCE),
        _instelling(
            "Nog niet afgeleverd",
            "",
            f"{uitgaand['pending']} te versturen ({uitgaand['overdue']} achterstallig), "
            f"{uitgaand['failed']} mislukt",
            "Notificaties wachten in de outbox tot de Notificaties API ze aanneemt.",
        ),
    ]


@admin.register(Instellingen)
class InstellingenAdmin(admin.ModelAdmin):
    """Read-only: these are environment settings (docs/configuration.md). The kanaal
    registration is checked at the Notificaties API on request, and (with the right to change
    the notification configuration) registered."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "",
                self.admin_site.admin_view(self.changelist_view),
                name="{}_{}_changelist".format(*info),
            )
        ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        mag_registreren = request.user.has_perm(
            "notifications_api_common.change_notificationsconfig"
        )
        status = None
        if request.method == "POST":
            if "registreer" in request.POST:
                if not mag_registreren:
                    raise PermissionDenied
                status = kanaal.registreer()
                level = messages.SUCCESS if status.status == "geregistreerd" else messages.ERROR
                messages.add_message(request, level, status.melding)
            else:
                status = kanaal.controleer()
            request.session["klanten_kanaal_status"] = {
                "status": status.status,
                "melding": status.melding,
                "url": status.url,
                "filters": status.filters,
            }
            return redirect(reverse("admin:beheer_instellingen_changelist"))
        opgeslagen = request.session.pop("klanten_kanaal_status", None)
        if opgeslagen:
            status = kanaal.KanaalStatus(**opgeslagen)
        context = {
            **self.admin_site.each_context(request),
            "title": "Instellingen (omgeving)",
            "opts": self.opts,
            "validatie": validatie_instellingen(),
            "bewaren": bewaar_instellingen(),
            "notificaties": notificatie_instellingen(),
            "kanaal_status": status,
            "verwachte_filters": kanaal.verwachte_filters(),
            "mag_registreren": mag_registreren,
            "aantal_clients": APIClientApplicatie.objects.count(),
            "aantal_uitgevers": VertrouwdeUitgever.objects.filter(actief=True).count(),
            "wachtwoord_login": settings.ADMIN_PASSWORD_LOGIN,
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/beheer/instellingen.html", context)
