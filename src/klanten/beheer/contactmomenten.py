"""Contactmomenten in the admin: on the klant's page (the contactmomenten it took part in)
and a list of their own, searchable by date and kanaal.

Read-only: contactmomenten are registered by the applications of the klantcontactcentrum
through the Contactmomenten API (and removed through it or by retention), so every change
has its audit record and notification. The groups ``Klantgegevens raadpleger`` and
``Klantgegevens beheerder`` may view them (``datamodel.view_contactmoment``).
"""

import re
from datetime import date, datetime, time, timedelta

from django.contrib import admin
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from klanten.datamodel.contactrepresentatie import medewerker as medewerker_subquery
from klanten.datamodel.klantcontacten import (
    Betrokkene,
    Contactmoment,
    Onderwerpobject,
    contactmoment_rol,
)
from klanten.datamodel.labels import label

from .basis import BeheerAdmin
from .internetaken import InterneTaakInline
from .klantinteracties import AlleenLezen, MetKop
from .lijst import BegrensdeTellingPaginator, GecachteWaardenFilter

TEKST_LENGTE = 120


def medewerker_weergave(medewerker_url: str, identificatie: dict | None) -> str:
    """Who acted for the municipality: the identification's name (and id), else the URL."""
    if identificatie:
        naam = " ".join(
            deel
            for deel in (
                identificatie.get("voorletters"),
                identificatie.get("voorvoegselAchternaam"),
                identificatie.get("achternaam"),
            )
            if deel
        )
        code = identificatie.get("identificatie") or ""
        if naam and code:
            return f"{naam} ({code})"
        return naam or code or "-"
    return medewerker_url or "-"


class _AlleenLezen(AlleenLezen):
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("datamodel.view_contactmoment")


class ContactmomentInline(_AlleenLezen, admin.TabularInline):
    """The contactmomenten a klant took part in, newest first, on the klant's page."""

    model = Betrokkene
    fk_name = "klant"
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name = "contactmoment"
    verbose_name_plural = "contactmomenten (klantcontacten)"
    template = "admin/beheer/tabular_alleen_lezen.html"
    fields = (
        "datum",
        "kanaal",
        "onderwerp",
        "initiatiefnemer",
        "medewerker",
        "tekst",
        "rol_weergave",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("klantcontact")
            .annotate(medewerker_identificatie=medewerker_subquery("klantcontact_id"))
            .order_by("-klantcontact__plaatsgevonden_op", "-id")
        )

    @admin.display(description="Datum")
    def datum(self, obj):
        url = reverse("admin:datamodel_contactmoment_change", args=[obj.klantcontact_id])
        moment = timezone.localtime(obj.klantcontact.plaatsgevonden_op)
        return format_html('<a href="{}">{}</a>', url, f"{moment:%d-%m-%Y %H:%M}")

    @admin.display(description="Kanaal")
    def kanaal(self, obj):
        return obj.klantcontact.kanaal or "-"

    @admin.display(description=label("onderwerp"))
    def onderwerp(self, obj):
        return obj.klantcontact.onderwerp or "-"

    @admin.display(description="Initiatiefnemer")
    def initiatiefnemer(self, obj):
        return obj.klantcontact.get_initiatiefnemer_display() or "-"

    @admin.display(description="Medewerker")
    def medewerker(self, obj):
        return medewerker_weergave(obj.klantcontact.medewerker_url, obj.medewerker_identificatie)

    @admin.display(description="Tekst")
    def tekst(self, obj):
        return Truncator(obj.klantcontact.inhoud).chars(TEKST_LENGTE) or "-"

    @admin.display(description="Rol")
    def rol_weergave(self, obj):
        return contactmoment_rol(obj.rol, obj.klantcontactmoment_rol) or "-"


class KlantcontactmomentInline(_AlleenLezen, admin.TabularInline):
    model = Betrokkene
    fk_name = "klantcontact"
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name = "klant"
    verbose_name_plural = "klanten (klantcontactmomenten)"
    fields = ("klant_link", "rol_weergave")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("klant")

    @admin.display(description="Klant")
    def klant_link(self, obj):
        if obj.klant is not None:
            url = reverse("admin:datamodel_klant_change", args=[obj.klant_id])
            return format_html('<a href="{}">{}</a>', url, obj.klant.unique_representation())
        return obj.klant_url or "(anoniem)"

    @admin.display(description="Rol")
    def rol_weergave(self, obj):
        return contactmoment_rol(obj.rol, obj.klantcontactmoment_rol) or "-"


class ObjectcontactmomentInline(_AlleenLezen, admin.TabularInline):
    model = Onderwerpobject
    fk_name = "klantcontact"
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name = "object"
    verbose_name_plural = "objecten (objectcontactmomenten)"
    fields = ("object_type", "object_url")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).exclude(object_url="")


# a date as people type it: 2024-03-01, 1-3-2024, 01/03/2024
_DATUM = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), (1, 2, 3)),
    (re.compile(r"^(\d{1,2})[-/](\d{1,2})[-/](\d{4})$"), (3, 2, 1)),
)


def datum_zoekterm(term: str) -> date | None:
    term = term.strip()
    for pattern, (jaar, maand, dag) in _DATUM:
        match = pattern.match(term)
        if match:
            try:
                return date(int(match[jaar]), int(match[maand]), int(match[dag]))
            except ValueError:
                return None
    return None


def kop(klantcontact) -> str:
    """The readable name of a contactmoment: when and through which kanaal."""
    moment = timezone.localtime(klantcontact.plaatsgevonden_op)
    kanaal = f" ({klantcontact.kanaal})" if klantcontact.kanaal else ""
    return f"Contactmoment van {moment:%d-%m-%Y %H:%M}{kanaal}"


@admin.register(Contactmoment)
class ContactmomentAdmin(_AlleenLezen, MetKop, BeheerAdmin):
    kop_van = staticmethod(kop)
    list_display = (
        "registratiedatum",
        "kanaal",
        "initiatiefnemer",
        "medewerker",
        "tekst",
        "aantal_klanten",
        "bronorganisatie",
    )
    list_filter = (
        ("kanaal", GecachteWaardenFilter),
        "initiatiefnemer",
        ("plaatsgevonden_op", admin.DateFieldListFilter),
    )
    search_fields = ("=kanaal",)
    search_help_text = (
        "Zoek op datum (2024-03-01 of 1-3-2024) of op kanaal (exact, bijvoorbeeld telefoon)."
    )
    ordering = ("-plaatsgevonden_op", "-id")
    list_per_page = 50
    paginator = BegrensdeTellingPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    inlines = (KlantcontactmomentInline, ObjectcontactmomentInline, InterneTaakInline)
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "registratiedatum",
                    "kanaal",
                    "voorkeurskanaal",
                    "taal",
                    "initiatiefnemer",
                    "medewerker",
                    "inhoud",
                    "onderwerp_links",
                )
            },
        ),
        (
            "Registratie",
            {
                "fields": (
                    "uuid",
                    "bronorganisatie",
                    "vorig_klantcontact",
                    "geregistreerd_door",
                    "aangemaakt_op",
                    "gewijzigd_op",
                )
            },
        ),
    )
    readonly_fields = (
        "registratiedatum",
        "kanaal",
        "voorkeurskanaal",
        "taal",
        "initiatiefnemer",
        "medewerker",
        "inhoud",
        "onderwerp_links",
        "uuid",
        "bronorganisatie",
        "vorig_klantcontact",
        "geregistreerd_door",
        "aangemaakt_op",
        "gewijzigd_op",
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                medewerker_identificatie=medewerker_subquery(),
                klanten=Count("betrokkenen", filter=Q(betrokkenen__klant__isnull=False)),
            )
        )

    def get_search_results(self, request, queryset, search_term):
        datum = datum_zoekterm(search_term)
        if datum is not None:
            begin = timezone.make_aware(datetime.combine(datum, time.min))
            return queryset.filter(
                plaatsgevonden_op__gte=begin, plaatsgevonden_op__lt=begin + timedelta(days=1)
            ), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="Registratiedatum", ordering="plaatsgevonden_op")
    def registratiedatum(self, obj):
        return timezone.localtime(obj.plaatsgevonden_op).strftime("%d-%m-%Y %H:%M")

    @admin.display(description="Medewerker")
    def medewerker(self, obj):
        return medewerker_weergave(obj.medewerker_url, obj.medewerker_identificatie)

    @admin.display(description="Tekst")
    def tekst(self, obj):
        return Truncator(obj.inhoud).chars(TEKST_LENGTE) or "-"

    @admin.display(description="Klanten", ordering="klanten")
    def aantal_klanten(self, obj):
        return obj.klanten
