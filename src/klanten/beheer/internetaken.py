"""Interne taken in the admin: the follow-up tasks (contactverzoeken) the klantcontactcentrum
registers through the Klantinteracties API, each arising from a klantcontact and assigned to
actoren.

The list: nummer, gevraagde handeling, status, toegewezen aan, toegewezen op, afgehandeld op
and the klantcontact (linking to the contactmoment page); newest first; search by nummer
(exact), gevraagde handeling or actor name (parts); filters status and toegewezen op; a
constant number of queries per page at any size. The detail page: the task's fields, its
klantcontact, actoren and the klanten of that klantcontact. Read-only
(``klantinteracties.AlleenLezen``): a task is handled in the application that shows it to
employees, through the API. Both groups may view them (``datamodel.view_internetaak``).
"""

from django.contrib import admin
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator

from klanten.datamodel.klantcontacten import Actor, Betrokkene, InterneTaak
from klanten.datamodel.labels import label

from .actoren import actor_naam
from .basis import BeheerAdmin
from .klant import weergave
from .klantinteracties import AlleenLezen, MetKop, klantcontact_link, met_titel
from .lijst import BegrensdeTellingPaginator

HANDELING_LENGTE = 80


def kop(taak: InterneTaak) -> str:
    nummer = taak.nummer or "zonder nummer"
    return f"Interne taak {nummer}: {Truncator(taak.gevraagde_handeling).chars(60)}"


def _actor_links(actoren) -> str:
    if not actoren:
        return "-"
    return format_html_join(
        ", ",
        '<a href="{}">{}</a>',
        (
            (reverse("admin:datamodel_actor_change", args=[actor.pk]), actor_naam(actor))
            for actor in actoren
        ),
    )


class InterneTaakInline(AlleenLezen, admin.TabularInline):
    """The interne taken arising from a klantcontact, on the contactmoment's page."""

    model = InterneTaak
    fk_name = "aanleidinggevend_klantcontact"
    extra = 0
    max_num = 0
    can_delete = False
    template = "admin/beheer/tabular_alleen_lezen.html"
    verbose_name = "interne taak"
    verbose_name_plural = "interne taken"
    fields = ("taak", "status_weergave", "toegewezen_aan", "toegewezen")
    readonly_fields = fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(
                Prefetch("toegewezen_aan_actoren", queryset=Actor.objects.order_by("naam", "id"))
            )
            .order_by("-toegewezen_op", "-id")
        )

    @admin.display(description=label("gevraagde_handeling"))
    def taak(self, obj):
        url = reverse("admin:datamodel_internetaak_change", args=[obj.pk])
        tekst = Truncator(obj.gevraagde_handeling).chars(HANDELING_LENGTE) or "-"
        return format_html('<a href="{}">{}</a>', url, tekst)

    @admin.display(description=label("status"))
    def status_weergave(self, obj):
        return obj.get_status_display()

    @admin.display(description=label("toegewezen_aan_actoren"))
    def toegewezen_aan(self, obj):
        return _actor_links(list(obj.toegewezen_aan_actoren.all()))

    @admin.display(description=label("toegewezen_op"))
    def toegewezen(self, obj):
        return weergave.datumtijd(obj.toegewezen_op)


@admin.register(InterneTaak)
class InterneTaakAdmin(AlleenLezen, MetKop, BeheerAdmin):
    kop_van = staticmethod(kop)
    list_display = (
        "nummer_weergave",
        "handeling",
        "status_weergave",
        "toegewezen_aan",
        "toegewezen",
        "afgehandeld",
        "klantcontact",
    )
    list_display_links = ("nummer_weergave", "handeling")
    list_filter = (
        ("status", met_titel(admin.ChoicesFieldListFilter, label("status").lower())),
        ("toegewezen_op", met_titel(admin.DateFieldListFilter, label("toegewezen_op").lower())),
    )
    search_fields = ("=nummer", "gevraagde_handeling", "toegewezen_aan_actoren__naam")
    search_help_text = (
        "Zoek op nummer (exact), gevraagde handeling of de naam van een actor (deel van een woord)."
    )
    ordering = ("-toegewezen_op", "-id")
    list_per_page = 50
    paginator = BegrensdeTellingPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("nummer_weergave", "referentienummer_weergave"),
                    "gevraagde_handeling_weergave",
                    "status_weergave",
                    "toelichting_weergave",
                    ("toegewezen", "afgehandeld"),
                    "toegewezen_aan",
                )
            },
        ),
        ("Klantcontact", {"fields": ("klantcontact", "klanten")}),
        ("Registratie", {"fields": ("uuid_weergave", "geregistreerd_door_weergave", "aangemaakt")}),
    )
    readonly_fields = (
        "nummer_weergave",
        "referentienummer_weergave",
        "gevraagde_handeling_weergave",
        "status_weergave",
        "toelichting_weergave",
        "toegewezen",
        "afgehandeld",
        "toegewezen_aan",
        "klantcontact",
        "klanten",
        "uuid_weergave",
        "geregistreerd_door_weergave",
        "aangemaakt",
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("aanleidinggevend_klantcontact")
            .prefetch_related(
                Prefetch("toegewezen_aan_actoren", queryset=Actor.objects.order_by("naam", "id"))
            )
        )

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Interne taken", **(extra_context or {})})

    @admin.display(description=label("nummer"), ordering="nummer")
    def nummer_weergave(self, obj):
        return obj.nummer or "-"

    @admin.display(description=label("referentienummer"))
    def referentienummer_weergave(self, obj):
        return obj.referentienummer or "-"

    @admin.display(description=label("gevraagde_handeling"), ordering="gevraagde_handeling")
    def handeling(self, obj):
        return Truncator(obj.gevraagde_handeling).chars(HANDELING_LENGTE) or "-"

    @admin.display(description=label("gevraagde_handeling"))
    def gevraagde_handeling_weergave(self, obj):
        return obj.gevraagde_handeling or "-"

    @admin.display(description=label("status"), ordering="status")
    def status_weergave(self, obj):
        return obj.get_status_display()

    @admin.display(description=label("toelichting"))
    def toelichting_weergave(self, obj):
        return obj.toelichting or "-"

    @admin.display(description=label("toegewezen_op"), ordering="toegewezen_op")
    def toegewezen(self, obj):
        return weergave.datumtijd(obj.toegewezen_op)

    @admin.display(description=label("afgehandeld_op"), ordering="afgehandeld_op")
    def afgehandeld(self, obj):
        return weergave.datumtijd(obj.afgehandeld_op)

    @admin.display(description=label("toegewezen_aan_actoren"))
    def toegewezen_aan(self, obj):
        return _actor_links(list(obj.toegewezen_aan_actoren.all()))

    @admin.display(description=label("aanleidinggevend_klantcontact"))
    def klantcontact(self, obj):
        return klantcontact_link(obj.aanleidinggevend_klantcontact)

    @admin.display(description="Klanten")
    def klanten(self, obj):
        """The klanten of this service that took part in the klantcontact (each linking to its
        page); anonymous betrokkenen are counted, not named."""
        betrokkenen = list(
            Betrokkene.objects.filter(klantcontact_id=obj.aanleidinggevend_klantcontact_id)
            .select_related(
                "klant",
                "klant__natuurlijk_persoon",
                "klant__niet_natuurlijk_persoon",
                "klant__vestiging",
            )
            .order_by("id")
        )
        links = [
            (reverse("admin:datamodel_klant_change", args=[b.klant_id]), weergave.kop(b.klant))
            for b in betrokkenen
            if b.klant is not None
        ]
        zonder = len(betrokkenen) - len(links)
        delen = []
        if links:
            delen.append(format_html_join(", ", '<a href="{}">{}</a>', links))
        if zonder:
            delen.append(
                format_html("{} betrokkene{} zonder klant", zonder, "n" if zonder > 1 else "")
            )
        if not delen:
            return "-"
        return format_html_join("; ", "{}", ((deel,) for deel in delen))

    @admin.display(description=label("uuid"))
    def uuid_weergave(self, obj):
        return str(obj.uuid)

    @admin.display(description=label("geregistreerd_door"))
    def geregistreerd_door_weergave(self, obj):
        if not obj.geregistreerd_door:
            return "-"
        return weergave.applicatie_label(obj.geregistreerd_door) or "Onbekende applicatie"

    @admin.display(description=label("aangemaakt_op"))
    def aangemaakt(self, obj):
        return weergave.datumtijd(obj.aangemaakt_op)
