"""Klanten in the admin: contact data, identification, evidence (read-only) and interactions.

The admin calls the same rules as the API: evidence records (V3) are append-only and never
editable here; the state ``gevalideerd`` and the validated key are read-only (V1), and the
subject identifier of a validated klant changes only through the correction form, which
needs a reason and is written to the audit trail (``services.corrigeer_subject``).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from . import rules, services
from .constants import INTERACTIE_ROLLEN, SleutelType
from .models import (
    Interactie,
    Klant,
    KlantAdres,
    NatuurlijkPersoon,
    NietNatuurlijkPersoon,
    Validatie,
    Vestiging,
)

# forms.URLField: the scheme added to a URL typed without one (Django 6 default)
URL_OVERRIDES = {models.URLField: {"assume_scheme": "https"}}


class KlantAdresInline(admin.StackedInline):
    model = KlantAdres
    extra = 0


class IdentificatieInline(admin.StackedInline):
    """An identification; its key field is read-only once the klant is validated (V1)."""

    extra = 0
    key_field: str = ""

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.gevalideerd:
            return (*fields, self.key_field)
        return fields

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.gevalideerd:
            return False
        return super().has_delete_permission(request, obj)


class NatuurlijkPersoonInline(IdentificatieInline):
    model = NatuurlijkPersoon
    key_field = "inp_bsn"


class NietNatuurlijkPersoonInline(IdentificatieInline):
    model = NietNatuurlijkPersoon
    key_field = "inn_nnp_id"


class VestigingInline(IdentificatieInline):
    model = Vestiging
    key_field = "vestigings_nummer"


VALIDATIE_FIELDS = (
    "gevalideerd_op",
    "authenticatie_moment",
    "middel",
    "betrouwbaarheidsniveau",
    "rang",
    "uitgever",
    "bron",
    "geauthenticeerde_type",
    "geauthenticeerde_identificatie",
    "vertegenwoordigde_type",
    "vertegenwoordigde_identificatie",
    "machtiging",
    "applicatie_weergave",
    "medewerker_weergave",
    "gegevens_bevestigd",
)


class ValidatieInline(admin.StackedInline):
    """V3: evidence records are append-only: shown, never added, changed or deleted here."""

    model = Validatie
    extra = 0
    max_num = 0
    can_delete = False
    fields = VALIDATIE_FIELDS
    readonly_fields = VALIDATIE_FIELDS
    verbose_name_plural = "validaties (bewijs van authenticatie; onveranderlijk)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InteractieForm(forms.ModelForm):
    url = forms.URLField(max_length=1000, assume_scheme="https", label="URL")

    class Meta:
        model = Interactie
        fields = ("soort", "url", "rol", "vernietigingsdatum")

    def clean(self):
        """E2: the same roles per kind as the API accepts."""
        cleaned = super().clean()
        soort, rol = cleaned.get("soort"), cleaned.get("rol")
        if soort and rol and rol not in INTERACTIE_ROLLEN[soort]:
            self.add_error(
                "rol",
                forms.ValidationError(
                    "Rol moet een van %(rollen)s zijn.",
                    code="invalid_choice",
                    params={"rollen": ", ".join(INTERACTIE_ROLLEN[soort])},
                ),
            )
        return cleaned


class InteractieInline(admin.TabularInline):
    model = Interactie
    form = InteractieForm
    extra = 0
    fields = ("soort", "url", "rol", "vernietigingsdatum", "aangemaakt_op")
    formfield_overrides = URL_OVERRIDES
    readonly_fields = ("aangemaakt_op",)


class CorrectieForm(forms.Form):
    """V1: an administrator corrects the subject identifier of a validated klant."""

    identificatie = forms.CharField(max_length=24, label="Nieuwe identificatie")
    reden = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reden",
        help_text="Verplicht; wordt in de audit trail vastgelegd.",
    )

    def __init__(self, *args, sleutel_type: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.sleutel_type = sleutel_type
        self.fields["identificatie"].label = f"Nieuw {SleutelType(sleutel_type).label}"

    def clean_identificatie(self):
        value = self.cleaned_data["identificatie"].strip()
        try:
            rules.validate_identiteit(rules.Identiteit(self.sleutel_type, value))
        except rules.RuleViolation as exc:
            raise forms.ValidationError(exc.messages[0], code=exc.code) from exc
        return value

    def clean_reden(self):
        reden = self.cleaned_data["reden"]
        try:
            rules.require_reason(reden)
        except rules.RuleViolation as exc:
            raise forms.ValidationError(exc.messages[0], code=exc.code) from exc
        return reden.strip()


@admin.register(Klant)
class KlantAdmin(admin.ModelAdmin):
    """Klanten for data managers; the full data-manager admin is a later issue."""

    list_display = (
        "klantnummer",
        "bronorganisatie",
        "achternaam",
        "subject_type",
        "gevalideerd",
        "aangemaakt_op",
    )
    list_filter = ("gevalideerd", "subject_type")
    formfield_overrides = URL_OVERRIDES
    search_fields = ("klantnummer", "achternaam", "emailadres")
    readonly_fields = (
        "uuid",
        "aangemaakt_op",
        "gewijzigd_op",
        "gevalideerd",
        "gevalideerde_sleutel_type",
        "gevalideerde_sleutel",
        "registratie_rang",
        "geregistreerd_door",
        "subject_correctie",
    )
    inlines = (
        KlantAdresInline,
        NatuurlijkPersoonInline,
        NietNatuurlijkPersoonInline,
        VestigingInline,
        ValidatieInline,
        InteractieInline,
    )
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.subject_type is not None:
            return (*fields, "subject_type")  # C8: never changes once set
        return fields

    # --- V1: correction of a validated klant's subject identifier -----------------------------
    def get_urls(self):
        return [
            path(
                "<int:object_id>/corrigeer-subject/",
                self.admin_site.admin_view(self.corrigeer_subject_view),
                name="datamodel_klant_corrigeer_subject",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="Subjectidentificatie corrigeren")
    def subject_correctie(self, obj):
        if obj is None or obj.pk is None or not _correctable(obj):
            return "-"
        url = reverse("admin:datamodel_klant_corrigeer_subject", args=[obj.pk])
        return format_html(
            '<a href="{}">Corrigeren (met reden, vastgelegd in de audit trail)</a>', url
        )

    def corrigeer_subject_view(self, request, object_id):
        klant = get_object_or_404(Klant, pk=object_id)
        if not self.has_change_permission(request, klant):
            raise PermissionDenied
        if not _correctable(klant):
            messages.error(
                request,
                "Alleen de BSN, het RSIN of het vestigingsnummer van een gevalideerde klant "
                "wordt zo gecorrigeerd.",
            )
            return redirect("admin:datamodel_klant_change", klant.pk)
        field, sleutel_type = _SLEUTELS[klant.subject_type]
        form = CorrectieForm(request.POST or None, sleutel_type=sleutel_type)
        if request.method == "POST" and form.is_valid():
            klant_url = request.build_absolute_uri(
                reverse("klant-detail", kwargs={"uuid": klant.uuid})
            )
            try:
                services.corrigeer_subject(
                    klant,
                    {field: form.cleaned_data["identificatie"]},
                    form.cleaned_data["reden"],
                    klant_url=klant_url,
                    gebruiker_id=request.user.get_username(),
                    gebruiker_weergave=request.user.get_full_name() or request.user.get_username(),
                )
            except rules.RuleViolation as exc:
                form.add_error("identificatie", exc.messages[0])
            else:
                messages.success(request, "De subjectidentificatie is gecorrigeerd.")
                return redirect("admin:datamodel_klant_change", klant.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Subjectidentificatie corrigeren: {klant}",
            "opts": self.model._meta,
            "original": klant,
            "form": form,
        }
        return TemplateResponse(request, "admin/datamodel/klant/corrigeer_subject.html", context)


_SLEUTELS = services.IDENTIFICATIE_SLEUTEL


def _correctable(klant: Klant) -> bool:
    """A validated klant whose key is the one its identification carries (a klant validated
    by KvK-nummer has no such field in the standard representation)."""
    return (
        klant.gevalideerd
        and klant.subject_type in _SLEUTELS
        and _SLEUTELS[klant.subject_type][1] == klant.gevalideerde_sleutel_type
    )
