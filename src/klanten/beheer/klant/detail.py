"""The detail page of a klant and its history.

The heading is the klant's name and klantnummer; fields carry the readable labels of
``klanten.datamodel.labels``; levels and applications are named; identifiers are shown in
full only with ``datamodel.view_volledige_identificatie`` (and that view is logged); a user
sees only what they may do. The history is the audit trail (API, Mijn klantgegevens, this
admin): Django's own change log is not kept for klanten. A klant that is gone answers 410
when a data manager destroyed it, else 404.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from klanten import huisstijl
from klanten.beheer.log import BeheerActie, leg_vast
from klanten.beheer.maskering import mag_volledig_zien, maskeer
from klanten.beheer.models import BeheerGebeurtenis
from klanten.datamodel import services
from klanten.datamodel.constants import VernietigingsGrond
from klanten.datamodel.labels import label
from klanten.foutpaginas import Weg

from . import weergave
from .acties import correctable
from .inlines import IDENTIFICATIE_INLINES, InteractieInline, KlantAdresInline, ValidatieInline
from .partij import (
    PARTIJ_ALLEEN_LEZEN,
    PARTIJ_VELDEN,
    DigitaalAdresInline,
    PartijIdentificatorInline,
)


def _velden(fields, vervang) -> tuple:
    """``fields`` of a fieldset (names and tuples of names on one line) with each name
    replaced by ``vervang(name)``; a name replaced by None is left out."""
    uit = []
    for veld in fields:
        if isinstance(veld, tuple | list):
            regel = tuple(n for n in (vervang(v) for v in veld) if n)
            if regel:
                uit.append(regel if len(regel) > 1 else regel[0])
        elif (naam := vervang(veld)) is not None:
            uit.append(naam)
    return tuple(uit)


# why a posted value for a read-only field was not saved (item: say what was not changed)


class KlantDetail:
    """The detail page and history part of the klant admin."""

    readonly_fields = (
        "uuid",
        "aangemaakt_op",
        "gewijzigd_op",
        "gevalideerd",
        "validatie_uitleg",
        "gevalideerde_sleutel_type",
        "gevalideerde_sleutel",
        "gevalideerde_sleutel_gemaskeerd",
        "niveau",
        "geregistreerd_door_weergave",
        "subject_correctie",
        "bewaren",
        *PARTIJ_ALLEEN_LEZEN,
    )
    fieldsets = (
        (None, {"fields": ("bronorganisatie", "klantnummer", "subject_type", "subject")}),
        (
            "Contactgegevens",
            {
                "fields": (
                    ("voornaam", "voorvoegsel_achternaam", "achternaam"),
                    "bedrijfsnaam",
                    "functie",
                    ("telefoonnummer", "emailadres"),
                    "website_url",
                    "aanmaakkanaal",
                )
            },
        ),
        (
            "Validatie",
            {
                "fields": (
                    "gevalideerd",
                    "validatie_uitleg",
                    ("gevalideerde_sleutel_type", "gevalideerde_sleutel"),
                    "niveau",
                    "geregistreerd_door_weergave",
                    "subject_correctie",
                )
            },
        ),
        # the partij view of the Klantinteracties API (read-only, klant.partij)
        ("Partij (Klantinteracties)", {"fields": PARTIJ_VELDEN}),
        (
            "Registratie",
            {
                "fields": (
                    "uuid",
                    ("aangemaakt_op", "gewijzigd_op"),
                    "bewaren",
                    "toelichting",
                )
            },
        ),
    )
    change_form_template = "admin/datamodel/klant/change_form.html"
    object_history_template = "admin/datamodel/klant/geschiedenis.html"
    # the detail page shows the latest changes; "Geschiedenis" shows them all
    geschiedenis_op_detailpagina = 10

    def get_inlines(self, request, obj):
        identificatie = (
            [IDENTIFICATIE_INLINES[obj.subject_type]]
            if obj is not None and obj.subject_type in IDENTIFICATIE_INLINES
            else list(IDENTIFICATIE_INLINES.values())
        )
        from klanten.beheer.contactmomenten import ContactmomentInline

        return (
            KlantAdresInline,
            *identificatie,
            ValidatieInline,
            PartijIdentificatorInline,
            DigitaalAdresInline,
            InteractieInline,
            ContactmomentInline,
        )

    def get_fieldsets(self, request, obj=None):
        """Only what this user can see and do: the key masked without the right to see it in
        full, the correction link only with the right to correct, the explanation of a
        change only for who can change; a new klant has no validation yet."""
        volledig = mag_volledig_zien(request.user)
        kan_wijzigen = (
            self.has_change_permission(request, obj) if obj else self.has_add_permission(request)
        )
        corrigeren = obj is not None and self.has_corrigeer_permission(request)
        corrigeren = corrigeren and correctable(obj)

        def vervang(veld):
            if veld == "gevalideerde_sleutel" and not volledig:
                return "gevalideerde_sleutel_gemaskeerd"
            if veld == "subject_correctie" and not corrigeren:
                return None
            if veld == "toelichting" and not kan_wijzigen:
                return None
            if obj is None and veld in ("uuid", "aangemaakt_op", "gewijzigd_op", "bewaren"):
                return None
            return veld

        fieldsets = []
        for name, options in super().get_fieldsets(request, obj):
            if obj is None and name in ("Validatie", "Partij (Klantinteracties)"):
                continue
            fields = _velden(options["fields"], vervang)
            if fields:
                fieldsets.append((name, {**options, "fields": fields}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.subject_type is not None:
            fields = (*fields, "subject_type")  # C8: never changes once set
        if obj is not None and obj.gevalideerd:
            fields = (*fields, "subject")  # V1: only by the correction, with a reason
        return fields

    @admin.display(description=label("gevalideerde_sleutel"))
    def gevalideerde_sleutel_gemaskeerd(self, obj):
        return maskeer(obj.gevalideerde_sleutel) or "-"

    @admin.display(description=label("registratie_rang"))
    def niveau(self, obj):
        if obj is None or obj.registratie_rang is None:
            return "-"
        return weergave.niveau(obj.registratie_rang, weergave.registratie_middel(obj))

    @admin.display(description=label("geregistreerd_door"))
    def geregistreerd_door_weergave(self, obj):
        if obj is None or not obj.geregistreerd_door:
            return "-"
        return weergave.applicatie_label(obj.geregistreerd_door) or "Onbekende applicatie"

    @admin.display(description="Waarom (niet) gevalideerd")
    def validatie_uitleg(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        eerste = obj.validaties.order_by("id").first()
        if obj.gevalideerd and eerste is not None:
            return (
                f"Gevalideerd op {weergave.datumtijd(eerste.gevalideerd_op)} met "
                f"{weergave.niveau(eerste.rang, eerste.middel)}, aangeleverd door "
                f"{eerste.applicatie_weergave or eerste.get_bron_display()}. Een gevalideerde "
                "klant wordt nooit weer niet-gevalideerd."
            )
        if obj.gevalideerd:
            return "Gevalideerd."
        return (
            "Niet gevalideerd: er is geen bewijs van authenticatie vastgelegd. De klant wordt "
            "gevalideerd wanneer de persoon inlogt met een voldoende betrouwbaar middel en de "
            "gegevens bevestigt (bijvoorbeeld via een bevestigingslink)."
        )

    @admin.display(description="Bewaren")
    def bewaren(self, obj):
        """R1/R3: until when a klant is kept, and why."""
        if obj is None or obj.pk is None:
            return "-"
        if obj.gevalideerd:
            return (
                "Gevalideerd: wordt nooit automatisch vernietigd (alleen op verzoek, door de "
                "persoon zelf of hier)."
            )
        vernietiging = services.vernietiging_van(obj)
        if vernietiging is None:
            return "-"
        return (
            f"Wordt vanaf {vernietiging.datum:%d-%m-%Y} automatisch vernietigd "
            f"({VernietigingsGrond(vernietiging.grond).label.lower()})."
        )

    @admin.display(description="Subjectidentificatie corrigeren")
    def subject_correctie(self, obj):
        url = reverse("admin:datamodel_klant_corrigeer_subject", args=[obj.pk])
        return format_html(
            '<a href="{}">Corrigeren (met reden, vastgelegd in de geschiedenis)</a>', url
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        klant = self.get_object(request, unquote(object_id))
        extra_context = dict(extra_context or {})
        if klant is not None and self.has_view_or_change_permission(request, klant):
            geschiedenis = weergave.geschiedenis(klant)[::-1]
            extra_context.update(
                {
                    "title": weergave.kop(klant),
                    "subtitle": None,
                    "kop": weergave.kop(klant),
                    "geschiedenis": geschiedenis[: self.geschiedenis_op_detailpagina],
                    "geschiedenis_aantal": len(geschiedenis),
                    "kan_exporteren": self.has_exporteer_permission(request),
                }
            )
            if (
                request.method == "GET"
                and mag_volledig_zien(request.user)
                and weergave.heeft_identificatie(klant)
            ):
                leg_vast(BeheerActie.inzage_identificatie, request, klant)
        return super().change_view(request, object_id, form_url, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        """One history: the klant's audit trail (API, Mijn klantgegevens and this admin),
        newest first. Django's own change log is not kept for klanten."""
        klant = self.get_object(request, unquote(object_id))
        if klant is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, klant):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": f"Geschiedenis van {weergave.kop(klant)}",
            "kop": weergave.kop(klant),
            "opts": self.opts,
            "original": klant,
            "geschiedenis": weergave.geschiedenis(klant)[::-1],
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.object_history_template, context)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        """A klant that is not there: 410 when a data manager destroyed it (an old link, Back
        after destroying), else 404, instead of Django's redirect to the index."""
        vernietigd = (
            BeheerGebeurtenis.objects.filter(
                actie=BeheerActie.vernietiging, klant_pk=int(object_id)
            ).first()
            if str(object_id).isdigit()
            else None
        )
        if vernietigd is not None:
            rsin, _, nummer = vernietigd.klant_weergave.partition(" - ")
            raise Weg(
                "Deze klant is vernietigd",
                f"De klant met klantnummer {nummer} van "
                f"{huisstijl.bronorganisatie_weergave(rsin)} is op "
                f"{weergave.datumtijd(vernietigd.tijdstip)} vernietigd op verzoek "
                "(privacyverzoek). Er is alleen een grafsteen zonder persoonsgegevens bewaard.",
            )
        raise Http404

    # the audit trail is the history: no second one in Django's LogEntry table
    def log_addition(self, request, obj, message):
        return None

    def log_change(self, request, obj, message):
        return None

    def log_deletions(self, request, queryset):
        return None
