"""Actoren in the admin: who acted for the municipality in klantcontacten (an employee, a
system, a department), registered through the Klantinteracties API (actoren) or the
Contactmomenten API (a contactmoment's medewerkerIdentificatie).

The list: name, soort, actoridentificator, actief and how many klantcontacten and interne
taken each has; search by name or (exactly) by identificator; filters soort and actief; a
constant number of queries per page at any size. The detail page: the actor's fields, its
newest klantcontacten (each linking to the contactmoment page) and interne taken. Read-only
(``klantinteracties.AlleenLezen``); both groups may view them (``datamodel.view_actor``).
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from klanten.datamodel.klantcontacten import Actor, ActorKlantcontact, InterneTaak
from klanten.datamodel.labels import label

from .basis import BeheerAdmin
from .klant import weergave
from .klantinteracties import (
    LAATSTE,
    AlleenLezen,
    MetKop,
    aantal,
    ja_nee,
    klantcontact_link,
    met_titel,
    tabel,
)
from .lijst import BegrensdeTellingPaginator

TOEGEWEZEN = InterneTaak.toegewezen_aan_actoren.through

# actorIdentificatie (Open Klant's per-soort details) in the admin's words
IDENTIFICATIE_LABELS = {
    "functie": "Functie",
    "emailadres": "E-mailadres",
    "telefoonnummer": "Telefoonnummer",
    "omschrijving": "Omschrijving",
    "naam": "Naam",
    "integratie": "Integratie",
    "codeObjecttype": "Objecttype",
    "codeRegister": "Register",
    "codeSoortObjectId": "Soort identificator",
    "objectId": "Identificator",
}


def actor_naam(actor: Actor) -> str:
    """The actor's name; a medewerker of the Contactmomenten API by its name parts; else its
    identificator."""
    if actor.naam:
        return actor.naam
    delen = (actor.voorletters, actor.voorvoegsel_achternaam, actor.achternaam)
    persoon = " ".join(deel for deel in delen if deel)
    return persoon or actor.object_id or "Actor zonder naam"


def kop(actor: Actor) -> str:
    return f"{actor_naam(actor)} ({actor.get_soort_actor_display().lower()})"


@admin.register(Actor)
class ActorAdmin(AlleenLezen, MetKop, BeheerAdmin):
    kop_van = staticmethod(kop)
    list_display = (
        "naam_weergave",
        "soort",
        "identificator",
        "register",
        "actief",
        "aantal_klantcontacten",
        "aantal_interne_taken",
    )
    list_display_links = ("naam_weergave",)
    list_filter = (
        ("soort_actor", met_titel(admin.ChoicesFieldListFilter, label("soort_actor").lower())),
        (
            "indicatie_actief",
            met_titel(admin.BooleanFieldListFilter, label("indicatie_actief").lower()),
        ),
    )
    search_fields = ("naam", "achternaam", "=object_id")
    search_help_text = (
        "Zoek op naam of achternaam (deel van een woord) of op identificator (exact)."
    )
    ordering = ("naam", "achternaam", "id")
    list_per_page = 50
    paginator = BegrensdeTellingPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    fieldsets = (
        (None, {"fields": ("naam_weergave", "soort", "actief", "gegevens")}),
        (
            "Actoridentificator",
            {"fields": ("identificator", "register", "objecttype", "soort_identificator")},
        ),
        (
            "Klantcontacten en interne taken",
            {"fields": ("klantcontacten_lijst", "interne_taken_lijst")},
        ),
        ("Registratie", {"fields": ("uuid_weergave", "aangemaakt")}),
    )
    readonly_fields = (
        "naam_weergave",
        "soort",
        "actief",
        "gegevens",
        "identificator",
        "register",
        "objecttype",
        "soort_identificator",
        "klantcontacten_lijst",
        "interne_taken_lijst",
        "uuid_weergave",
        "aangemaakt",
    )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                klantcontacten_aantal=aantal(ActorKlantcontact, "actor"),
                interne_taken_aantal=aantal(TOEGEWEZEN, "actor"),
            )
        )

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Actoren", **(extra_context or {})})

    @admin.display(description=label("naam"), ordering="naam")
    def naam_weergave(self, obj):
        return actor_naam(obj)

    @admin.display(description=label("soort_actor"), ordering="soort_actor")
    def soort(self, obj):
        return obj.get_soort_actor_display()

    @admin.display(description=label("object_id"))
    def identificator(self, obj):
        return obj.object_id or "-"

    @admin.display(description=label("code_register"))
    def register(self, obj):
        return obj.code_register or "-"

    @admin.display(description=label("code_objecttype"))
    def objecttype(self, obj):
        return obj.code_objecttype or "-"

    @admin.display(description=label("code_soort_object_id"))
    def soort_identificator(self, obj):
        return obj.code_soort_object_id or "-"

    @admin.display(description=label("indicatie_actief"))
    def actief(self, obj):
        return ja_nee(obj.indicatie_actief)

    @admin.display(description="Klantcontacten", ordering="klantcontacten_aantal")
    def aantal_klantcontacten(self, obj):
        return obj.klantcontacten_aantal

    @admin.display(description="Interne taken", ordering="interne_taken_aantal")
    def aantal_interne_taken(self, obj):
        return obj.interne_taken_aantal

    @admin.display(description=label("actor_identificatie"))
    def gegevens(self, obj):
        """actorIdentificatie (functie, e-mailadres ... of a medewerker) one per line."""
        gegevens = obj.actor_identificatie if isinstance(obj.actor_identificatie, dict) else {}
        regels = [
            (IDENTIFICATIE_LABELS.get(sleutel, sleutel), waarde)
            for sleutel, waarde in gegevens.items()
            if waarde not in (None, "", [], {})
        ]
        if not regels:
            return "-"
        return format_html(
            "<br>".join(["{}: {}"] * len(regels)), *(deel for regel in regels for deel in regel)
        )

    @admin.display(description="Klantcontacten")
    def klantcontacten_lijst(self, obj):
        links = (
            ActorKlantcontact.objects.filter(actor=obj)
            .select_related("klantcontact")
            .order_by("-klantcontact__plaatsgevonden_op", "-id")[:LAATSTE]
        )
        regels = [
            (klantcontact_link(link.klantcontact), link.klantcontact.onderwerp or "-")
            for link in links
        ]
        return tabel(
            (label("plaatsgevonden_op"), label("onderwerp")), regels, obj.klantcontacten_aantal
        )

    @admin.display(description="Interne taken")
    def interne_taken_lijst(self, obj):
        taken = InterneTaak.objects.filter(toegewezen_aan_actoren=obj).order_by(
            "-toegewezen_op", "-id"
        )[:LAATSTE]
        regels = [
            (
                format_html(
                    '<a href="{}">{}</a>',
                    reverse("admin:datamodel_internetaak_change", args=[taak.pk]),
                    taak.gevraagde_handeling,
                ),
                taak.get_status_display(),
                weergave.datumtijd(taak.toegewezen_op),
            )
            for taak in taken
        ]
        return tabel(
            (label("gevraagde_handeling"), label("status"), label("toegewezen_op")),
            regels,
            obj.interne_taken_aantal,
        )

    @admin.display(description=label("uuid"))
    def uuid_weergave(self, obj):
        return str(obj.uuid)

    @admin.display(description=label("aangemaakt_op"))
    def aangemaakt(self, obj):
        return weergave.datumtijd(obj.aangemaakt_op)
