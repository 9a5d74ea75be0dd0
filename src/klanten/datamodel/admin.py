"""Klanten in the admin, for functional administrators and data managers (docs/admin.md).

The list searches on klantnummer, names, e-mail and phone, and exactly on BSN, RSIN, KvK-,
A- and vestigingsnummer; identifiers are masked there (``*****1234``) and shown in full only on
the detail page, to users with ``datamodel.view_volledige_identificatie`` (logged). The list
costs a constant number of queries at any size (no full-table count).

Saving runs the same rules as the API: identifier formats (11-proef), one subject of one kind
(C8, V6), ``subjectType`` and a validated klant's key never change (V1, C8), no demotion (V1),
at most one validated klant per BSN per organisation (V6), the subject URL answers (C7), a
unique klantnummer (generated when left empty, C5). A violation is a form error, also when the
database catches it first. Every change is written to the klant's audit trail and notified,
as a change through the API is. Evidence records (V3) are append-only and never editable here;
the subject identifier of a validated klant changes only through the correction form, which
needs a permission and a reason and is audited (``services.corrigeer_subject``).

Privacy requests: the action "Exporteren" downloads everything stored about the selected
klanten as JSON; "Vernietigen" destroys them after a confirmation with a reason, sends the
``destroy`` notification and leaves a tombstone without personal data. Both are logged.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, IntegrityError, connection, models
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from djangorestframework_camel_case.util import camelize, underscoreize
from vng_api_common.constants import CommonResourceAction

from klanten.api.serializers import SubVerblijfBuitenlandSerializer, VerblijfsAdresSerializer
from klanten.api.validators import subject_url_responds
from klanten.beheer import export as beheer_export
from klanten.beheer import vernietiging
from klanten.beheer.groups import CORRIGEREN, EXPORTEREN
from klanten.beheer.lijst import (
    BegrensdeTellingPaginator,
    GecachteWaardenFilter,
    identificatie_zoekterm,
    zoek_op_identificatie,
)
from klanten.beheer.log import BeheerActie, herkomst, leg_vast
from klanten.beheer.maskering import mag_volledig_zien, maskeer

from . import rules, services, wijzigingen
from .constants import INTERACTIE_ROLLEN, SleutelType, SubjectType, VernietigingsGrond
from .models import (
    Interactie,
    Klant,
    KlantAdres,
    NatuurlijkPersoon,
    NietNatuurlijkPersoon,
    Validatie,
    Vestiging,
)
from .representation import SUB_VERBLIJF_BUITENLAND_DEFAULTS, VERBLIJFSADRES_DEFAULTS
from .transactions import uitvoeren

_JSON_GROEPEN = {
    "verblijfsadres": (VerblijfsAdresSerializer, VERBLIJFSADRES_DEFAULTS),
    "sub_verblijf_buitenland": (SubVerblijfBuitenlandSerializer, SUB_VERBLIJF_BUITENLAND_DEFAULTS),
}

# forms.URLField: the scheme added to a URL typed without one (Django 6 default)
URL_OVERRIDES = {models.URLField: {"assume_scheme": "https"}}


def _rule_error(rule, value):
    """Run a rule on a non-empty value; a violation becomes a form error."""
    if value in ("", None):
        return value
    try:
        rule(value)
    except rules.RuleViolation as exc:
        raise forms.ValidationError(exc.messages[0], code=exc.code) from exc
    return value


class KlantAdresInline(admin.StackedInline):
    model = KlantAdres
    extra = 0


# --- subject identification ---------------------------------------------------------------


class IdentificatieForm(forms.ModelForm):
    """The identifier formats the API checks (C9) and, for the address groups kept as JSON,
    the API's shape: an object with the standard's keys (unknown keys refused)."""

    field_rules: dict = {}

    def clean(self):
        cleaned = super().clean()
        for field, rule in self.field_rules.items():
            if field in cleaned:
                try:
                    _rule_error(rule, cleaned[field])
                except forms.ValidationError as exc:
                    self.add_error(field, exc)
        for field, (serializer_class, defaults) in _JSON_GROEPEN.items():
            if field in cleaned:
                try:
                    cleaned[field] = _json_groep(cleaned[field], serializer_class, defaults)
                except forms.ValidationError as exc:
                    self.add_error(field, exc)
        return cleaned


def _json_groep(value, serializer_class, defaults):
    """An address group as the API stores it (camelCase, every key present), or None."""
    if value in (None, {}, ""):
        return None
    if not isinstance(value, dict):
        raise forms.ValidationError("Geef een JSON-object (of laat leeg).", code="invalid")
    onbekend = set(value) - set(defaults)
    if onbekend:
        raise forms.ValidationError(
            f"Onbekende sleutels: {', '.join(sorted(onbekend))}. Toegestaan: "
            f"{', '.join(defaults)}.",
            code="invalid",
        )
    serializer = serializer_class(data=underscoreize(value))
    if not serializer.is_valid():
        raise forms.ValidationError(
            "; ".join(
                f"{camelize({name: None}).popitem()[0]}: {errors[0]}"
                for name, errors in serializer.errors.items()
            ),
            code="invalid",
        )
    return {**defaults, **camelize(dict(serializer.validated_data))}


class NatuurlijkPersoonForm(IdentificatieForm):
    field_rules = {"inp_bsn": rules.validate_bsn, "inp_a_nummer": rules.validate_a_nummer}


class NietNatuurlijkPersoonForm(IdentificatieForm):
    field_rules = {"inn_nnp_id": rules.validate_rsin}


class IdentificatieFormSet(forms.BaseInlineFormSet):
    """C8/V6 across the klant and its identification: an identification belongs to the
    klant's subject type (a klant is never a person and an organisation at once), and a klant
    without a subject URL keeps its identification."""

    subject_type: str = ""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        klant = self.instance
        rows = [
            form
            for form in self.forms
            if (form.instance.pk or form.has_changed())
            and not (self.can_delete and self._should_delete_form(form))
        ]
        label = SubjectType(self.subject_type).label.lower()
        if rows and klant.subject_type != self.subject_type:
            raise forms.ValidationError(
                f"Een identificatie van een {label} hoort bij een klant met subjecttype "
                f"'{label}'. Kies dat subjecttype of laat dit blok leeg.",
                code="subject-type-vereist",
            )
        if not rows and klant.subject_type == self.subject_type and not klant.subject:
            raise forms.ValidationError(
                "Geef een subject (URL) of een subjectidentificatie op.", code="invalid-subject"
            )


class IdentificatieInline(admin.StackedInline):
    """An identification of the klant's subject type. Its identifiers are masked for users
    without the permission to see them in full; the key is read-only once the klant is
    validated (V1) and the identification of a validated klant cannot be removed."""

    extra = 0
    max_num = 1
    formset = IdentificatieFormSet
    template = "admin/datamodel/klant/identificatie_inline.html"
    form = IdentificatieForm
    key_field: str = ""
    identifier_fields: tuple[str, ...] = ()
    subject_type: str = ""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.subject_type = self.subject_type
        return formset

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if mag_volledig_zien(request.user):
            return fields
        return [f"{f}_gemaskeerd" if f in self.identifier_fields else f for f in fields]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not mag_volledig_zien(request.user):
            fields += [f"{f}_gemaskeerd" for f in self.identifier_fields]
        elif obj is not None and obj.gevalideerd:
            fields.append(self.key_field)
        return fields

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.gevalideerd:
            return False
        return super().has_delete_permission(request, obj)


def _masked_display(field: str, label: str):
    @admin.display(description=label)
    def display(self, obj):
        return maskeer(getattr(obj, field, "")) or "-"

    return display


class NatuurlijkPersoonInline(IdentificatieInline):
    model = NatuurlijkPersoon
    form = NatuurlijkPersoonForm
    fields = (
        "inp_bsn",
        "anp_identificatie",
        "inp_a_nummer",
        "geslachtsnaam",
        "voorvoegsel_geslachtsnaam",
        "voorletters",
        "voornamen",
        "geslachtsaanduiding",
        "geboortedatum",
        "verblijfsadres",
        "sub_verblijf_buitenland",
    )
    key_field = "inp_bsn"
    subject_type = SubjectType.natuurlijk_persoon
    identifier_fields = ("inp_bsn", "anp_identificatie", "inp_a_nummer")
    inp_bsn_gemaskeerd = _masked_display("inp_bsn", "BSN")
    anp_identificatie_gemaskeerd = _masked_display("anp_identificatie", "ANP-identificatie")
    inp_a_nummer_gemaskeerd = _masked_display("inp_a_nummer", "A-nummer")


class NietNatuurlijkPersoonInline(IdentificatieInline):
    model = NietNatuurlijkPersoon
    form = NietNatuurlijkPersoonForm
    fields = (
        "inn_nnp_id",
        "ann_identificatie",
        "statutaire_naam",
        "inn_rechtsvorm",
        "bezoekadres",
        "sub_verblijf_buitenland",
    )
    key_field = "inn_nnp_id"
    subject_type = SubjectType.niet_natuurlijk_persoon
    identifier_fields = ("inn_nnp_id", "ann_identificatie")
    inn_nnp_id_gemaskeerd = _masked_display("inn_nnp_id", "RSIN")
    ann_identificatie_gemaskeerd = _masked_display("ann_identificatie", "ANN-identificatie")


class VestigingInline(IdentificatieInline):
    model = Vestiging
    fields = ("vestigings_nummer", "handelsnaam", "verblijfsadres", "sub_verblijf_buitenland")
    key_field = "vestigings_nummer"
    subject_type = SubjectType.vestiging
    identifier_fields = ("vestigings_nummer",)
    vestigings_nummer_gemaskeerd = _masked_display("vestigings_nummer", "Vestigingsnummer")


IDENTIFICATIE_INLINES = {
    SubjectType.natuurlijk_persoon: NatuurlijkPersoonInline,
    SubjectType.niet_natuurlijk_persoon: NietNatuurlijkPersoonInline,
    SubjectType.vestiging: VestigingInline,
}


# --- evidence (read-only) and interactions ------------------------------------------------

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
_VALIDATIE_IDENTIFIERS = ("geauthenticeerde_identificatie", "vertegenwoordigde_identificatie")


class ValidatieInline(admin.StackedInline):
    """V3: evidence records are append-only: shown, never added, changed or deleted here."""

    model = Validatie
    extra = 0
    max_num = 0
    can_delete = False
    fields = VALIDATIE_FIELDS
    readonly_fields = VALIDATIE_FIELDS
    verbose_name_plural = "validaties (bewijs van authenticatie; onveranderlijk)"
    geauthenticeerde_identificatie_gemaskeerd = _masked_display(
        "geauthenticeerde_identificatie", "Geauthenticeerde identificatie"
    )
    vertegenwoordigde_identificatie_gemaskeerd = _masked_display(
        "vertegenwoordigde_identificatie", "Vertegenwoordigde identificatie"
    )

    def get_fields(self, request, obj=None):
        if mag_volledig_zien(request.user):
            return self.fields
        return tuple(f"{f}_gemaskeerd" if f in _VALIDATIE_IDENTIFIERS else f for f in self.fields)

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

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


# --- the klant form -------------------------------------------------------------------------


class KlantForm(forms.ModelForm):
    """The klant's own fields with the API's rules; ``toelichting`` goes to the audit trail."""

    toelichting = forms.CharField(
        required=False,
        max_length=1000,
        label="Toelichting",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Waarom u deze wijziging doet; wordt in de audit trail vastgelegd "
        "(geen persoonsgegevens).",
    )
    # set by KlantAdmin.changeform_view when the database refused the save (a race)
    opslagfout: str = ""

    class Meta:
        model = Klant
        # the admin passes the fields of its fieldsets (with the URL field overrides)
        fields = ("bronorganisatie",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "klantnummer" in self.fields:
            self.fields["klantnummer"].required = False
            self.fields[
                "klantnummer"
            ].help_text = (
                "Uniek binnen de bronorganisatie. Leeg laten: er wordt een nummer uitgegeven."
            )

    def clean_bronorganisatie(self):
        return _rule_error(rules.validate_rsin, self.cleaned_data.get("bronorganisatie"))

    def clean_klantnummer(self):
        return _rule_error(rules.validate_klantnummer_format, self.cleaned_data.get("klantnummer"))

    def clean(self):
        cleaned = super().clean()
        instance = self.instance
        if self.opslagfout:
            raise forms.ValidationError(self.opslagfout, code="opslaan-geweigerd")
        subject = cleaned.get("subject", instance.subject) or ""
        subject_type = cleaned.get("subject_type", instance.subject_type)
        if "subject_type" in self.fields and instance.pk and instance.subject_type:
            try:
                rules.validate_subject_type_change(instance.subject_type, subject_type)
            except rules.RuleViolation as exc:
                self.add_error("subject_type", exc.messages[0])
        # C8: without a subject type there is no identification, so the URL is needed
        if not subject and not subject_type and "subject" not in self.errors:
            self.add_error(
                None,
                forms.ValidationError(
                    "Geef een subject (URL) of kies een subjecttype en vul de "
                    "subjectidentificatie in.",
                    code="invalid-subject",
                ),
            )
        # C7 (kla-002): a new or changed subject URL must answer
        changed = subject and subject != (instance.subject if instance.pk else "")
        if changed and "subject" not in self.errors and not subject_url_responds(subject):
            self.add_error(
                "subject", "De subject-URL is ongeldig of niet bereikbaar (HTTP 200 verwacht)."
            )
        # V6: moving a validated klant to another organisation that has one for this BSN
        bronorganisatie = cleaned.get("bronorganisatie")
        if (
            instance.pk
            and instance.gevalideerd
            and instance.gevalideerde_sleutel_type == SleutelType.bsn
            and bronorganisatie
            and bronorganisatie != Klant.objects.get(pk=instance.pk).bronorganisatie
        ):
            bestaand = (
                Klant.objects.filter(
                    bronorganisatie=bronorganisatie,
                    gevalideerd=True,
                    gevalideerde_sleutel_type=SleutelType.bsn,
                    gevalideerde_sleutel=instance.gevalideerde_sleutel,
                )
                .exclude(pk=instance.pk)
                .first()
            )
            if bestaand is not None:
                self.add_error(
                    "bronorganisatie",
                    f"Deze organisatie heeft al een gevalideerde klant voor deze persoon "
                    f"(klantnummer {bestaand.klantnummer}).",
                )
        return cleaned


def _opslagfout(exc: Exception) -> str | None:
    """The form error for a refusal by the database or a rule during the save, or None for
    an unexpected error."""
    if isinstance(exc, rules.RuleViolation):
        return exc.messages[0]
    if isinstance(exc, services.DuplicateKlantnummer):
        exc = exc.__cause__ or exc
    text = str(exc)
    known = {
        "klant_unieke_klantnummer_per_bronorganisatie": "Dit klantnummer is bij deze "
        "bronorganisatie al in gebruik.",
        "een_gevalideerde_klant_per_bsn": "Er bestaat al een gevalideerde klant voor deze "
        "persoon bij deze organisatie.",
        "gevalideerde_klant_heeft_sleutel": "Een gevalideerde klant houdt zijn "
        "subjectidentificatie.",
        "nooit weer niet-gevalideerd": "Een gevalideerde klant wordt nooit weer niet-gevalideerd.",
        "past niet bij subjectType": "De subjectidentificatie past niet bij het subjecttype.",
        "interactie_uniek_per_klant_url_rol": "Deze interactie (URL en rol) is al vastgelegd.",
    }
    for marker, message in known.items():
        if marker in text:
            return message
    return None


def _naam(klant: Klant) -> str:
    persoon = " ".join(
        part for part in (klant.voornaam, klant.voorvoegsel_achternaam, klant.achternaam) if part
    )
    if persoon:
        return persoon
    if klant.bedrijfsnaam:
        return klant.bedrijfsnaam
    identificatie = klant.subject_identificatie
    for attr in ("geslachtsnaam", "statutaire_naam"):
        if identificatie is not None and getattr(identificatie, attr, ""):
            return getattr(identificatie, attr)
    return ""


def _identificatie(klant: Klant) -> str:
    """The klant's key identifier (validated key, else that of its identification)."""
    if klant.gevalideerd and klant.gevalideerde_sleutel:
        return klant.gevalideerde_sleutel
    identificatie = klant.subject_identificatie
    if identificatie is None:
        return ""
    field, _type = services.IDENTIFICATIE_SLEUTEL[klant.subject_type]
    return getattr(identificatie, field, "")


def _heeft_identificatie(klant: Klant) -> bool:
    if klant.gevalideerde_sleutel:
        return True
    identificatie = klant.subject_identificatie
    if identificatie is None:
        return False
    return any(
        getattr(identificatie, field, "")
        for field in (
            "inp_bsn",
            "anp_identificatie",
            "inp_a_nummer",
            "inn_nnp_id",
            "ann_identificatie",
            "vestigings_nummer",
        )
    )


def _gewijzigde_velden(oud, nieuw, prefix="") -> list[str]:
    """The (dotted) names of the fields that differ between two representations."""
    if not isinstance(oud, dict) or not isinstance(nieuw, dict):
        return [prefix] if oud != nieuw and prefix else []
    names = []
    for key in sorted(set(oud) | set(nieuw)):
        if key == "url":
            continue
        name = f"{prefix}.{key}" if prefix else key
        a, b = oud.get(key), nieuw.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            names += _gewijzigde_velden(a, b, name)
        elif a != b:
            names.append(name)
    return names


# --- the klant admin ------------------------------------------------------------------------


@admin.register(Klant)
class KlantAdmin(admin.ModelAdmin):
    form = KlantForm
    list_display = (
        "klantnummer",
        "naam",
        "identificatie",
        "subject_type",
        "bronorganisatie",
        "gevalideerd",
        "aanmaakkanaal",
        "aangemaakt_op",
    )
    list_display_links = ("klantnummer", "naam")
    list_filter = (
        "gevalideerd",
        "subject_type",
        ("bronorganisatie", GecachteWaardenFilter),
        ("aanmaakkanaal", GecachteWaardenFilter),
        ("aangemaakt_op", admin.DateFieldListFilter),
    )
    list_select_related = ("natuurlijk_persoon", "niet_natuurlijk_persoon", "vestiging")
    search_fields = ("=klantnummer", "voornaam", "achternaam", "bedrijfsnaam", "emailadres")
    search_help_text = (
        "Zoek op klantnummer, naam, e-mailadres of telefoonnummer, of exact op BSN, RSIN, "
        "KvK-, A- of vestigingsnummer."
    )
    ordering = ("-id",)
    list_per_page = 50
    paginator = BegrensdeTellingPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # a count per filter choice would read every row
    actions = ("exporteer_json", "vernietig")
    formfield_overrides = URL_OVERRIDES
    readonly_fields = (
        "uuid",
        "aangemaakt_op",
        "gewijzigd_op",
        "gevalideerd",
        "validatie_uitleg",
        "gevalideerde_sleutel_type",
        "gevalideerde_sleutel",
        "gevalideerde_sleutel_gemaskeerd",
        "registratie_rang",
        "geregistreerd_door",
        "subject_correctie",
        "bewaren",
    )
    fieldsets = (
        (None, {"fields": ("bronorganisatie", "klantnummer", "subject_type", "subject")}),
        (
            "Contactgegevens",
            {
                "fields": (
                    "voornaam",
                    "voorvoegsel_achternaam",
                    "achternaam",
                    "bedrijfsnaam",
                    "functie",
                    "telefoonnummer",
                    "emailadres",
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
                    "gevalideerde_sleutel_type",
                    "gevalideerde_sleutel",
                    "registratie_rang",
                    "geregistreerd_door",
                    "subject_correctie",
                )
            },
        ),
        (
            "Registratie",
            {"fields": ("uuid", "aangemaakt_op", "gewijzigd_op", "bewaren", "toelichting")},
        ),
    )
    change_form_template = "admin/datamodel/klant/change_form.html"

    # --- list ----------------------------------------------------------------------------
    @admin.display(description="Naam")
    def naam(self, obj):
        return _naam(obj) or "-"

    @admin.display(description="Identificatie")
    def identificatie(self, obj):
        return maskeer(_identificatie(obj)) or "-"

    def get_search_results(self, request, queryset, search_term):
        nummer = identificatie_zoekterm(search_term)
        if nummer is not None:
            return zoek_op_identificatie(queryset, nummer, search_term), False
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return queryset, may_have_duplicates

    def get_search_fields(self, request):
        return (*self.search_fields, "telefoonnummer")

    # --- permissions ---------------------------------------------------------------------
    def has_exporteer_permission(self, request):
        return request.user.has_perm(f"datamodel.{EXPORTEREN}")

    def has_corrigeer_permission(self, request):
        return request.user.has_perm(f"datamodel.{CORRIGEREN}") and self.has_change_permission(
            request
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        # destruction only through "vernietig": notifications and a tombstone (R2, R3)
        actions.pop("delete_selected", None)
        return actions

    # --- detail page ----------------------------------------------------------------------
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
            InteractieInline,
            ContactmomentInline,
        )

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            # a new klant: no validation yet
            return [fs for fs in fieldsets if fs[0] != "Validatie"]
        if mag_volledig_zien(request.user):
            return fieldsets
        return [
            (
                name,
                {
                    **options,
                    "fields": tuple(
                        "gevalideerde_sleutel_gemaskeerd" if f == "gevalideerde_sleutel" else f
                        for f in options["fields"]
                    ),
                },
            )
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.subject_type is not None:
            fields = (*fields, "subject_type")  # C8: never changes once set
        if obj is not None and obj.gevalideerd:
            fields = (*fields, "subject")  # V1: only by the correction, with a reason
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        fout = getattr(request, "_klanten_opslagfout", "")
        if fout:
            form = type(form.__name__, (form,), {"opslagfout": fout})
        return form

    @admin.display(description="Gevalideerde identificatie")
    def gevalideerde_sleutel_gemaskeerd(self, obj):
        return maskeer(obj.gevalideerde_sleutel) or "-"

    @admin.display(description="Waarom (niet) gevalideerd")
    def validatie_uitleg(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        eerste = obj.validaties.order_by("id").first()
        if obj.gevalideerd and eerste is not None:
            return (
                f"Gevalideerd op {timezone.localtime(eerste.gevalideerd_op):%d-%m-%Y %H:%M} "
                f"met {eerste.get_middel_display()} ({eerste.betrouwbaarheidsniveau}, rang "
                f"{eerste.rang}), aangeleverd door "
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
        if obj is None or obj.pk is None or not _correctable(obj):
            return "-"
        url = reverse("admin:datamodel_klant_corrigeer_subject", args=[obj.pk])
        return format_html(
            '<a href="{}">Corrigeren (met reden, vastgelegd in de audit trail)</a>', url
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        klant = self.get_object(request, unquote(object_id))
        extra_context = dict(extra_context or {})
        if klant is not None and self.has_view_or_change_permission(request, klant):
            extra_context["audittrail"] = self._audittrail(klant)
            extra_context["kan_exporteren"] = self.has_exporteer_permission(request)
            if (
                request.method == "GET"
                and mag_volledig_zien(request.user)
                and _heeft_identificatie(klant)
            ):
                leg_vast(BeheerActie.inzage_identificatie, request, klant)
        return super().change_view(request, object_id, form_url, extra_context)

    @staticmethod
    def _audittrail(klant: Klant) -> list[dict]:
        return [
            {
                "regel": regel,
                "gewijzigd": "(aangemaakt)"
                if regel.oud is None
                else ", ".join(_gewijzigde_velden(regel.oud, regel.nieuw or {})),
            }
            for regel in beheer_export.audittrail(klant)
        ]

    # --- saving: the API's rules, audit trail and notification -----------------------------
    def get_object(self, request, object_id, from_field=None):
        """On a save the klant row is locked first (the lock order of every write), before
        the form reads it; a klant deleted meanwhile is not found (and never re-created)."""
        if request.method != "POST" or not connection.in_atomic_block:
            return super().get_object(request, object_id, from_field)
        queryset = self.get_queryset(request).select_for_update(of=("self",))
        field = Klant._meta.pk if from_field is None else Klant._meta.get_field(from_field)
        try:
            return queryset.get(**{field.name: field.to_python(object_id)})
        except (Klant.DoesNotExist, forms.ValidationError, ValueError):
            return None

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            # a transaction PostgreSQL cancels (deadlock) is run again
            return uitvoeren(super().changeform_view, request, object_id, form_url, extra_context)
        except (IntegrityError, DatabaseError, rules.RuleViolation) as exc:
            # the database (constraint, trigger) or a rule refused what the form let through,
            # e.g. a concurrent save: everything was rolled back; show the form with the error
            fout = _opslagfout(exc)
            if request.method != "POST" or fout is None:
                raise
            request._klanten_opslagfout = fout
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        door = herkomst(request, toelichting=form.cleaned_data.get("toelichting", ""))
        request._klanten_herkomst = door
        # the stored representation (the row is locked, see get_object), before the change
        request._klanten_oud = (
            wijzigingen.representatie(wijzigingen.lees(obj.pk), door.basis_url) if change else None
        )
        if not obj.klantnummer:
            obj.klantnummer = services.next_klantnummer(obj.bronorganisatie)
        obj.save()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # the same record as an API write: one audit record and one notification, nothing
        # when the representation did not change
        door = request._klanten_herkomst
        klant = wijzigingen.lees(form.instance.pk)
        wijzigingen.leg_vast(
            CommonResourceAction.update if change else CommonResourceAction.create,
            klant,
            oud=request._klanten_oud,
            nieuw=wijzigingen.representatie(klant, door.basis_url),
            herkomst=door,
        )

    # --- privacy requests: export -----------------------------------------------------------
    @admin.action(description="Exporteren als JSON (privacyverzoek)", permissions=["exporteer"])
    def exporteer_json(self, request, queryset):
        klanten = list(queryset.order_by("pk"))
        data = beheer_export.export(klanten, request)
        for klant in klanten:
            leg_vast(BeheerActie.export, request, klant)
        response = HttpResponse(
            beheer_export.dumps(data), content_type="application/json; charset=utf-8"
        )
        naam = f"klanten-export-{timezone.localtime():%Y%m%d-%H%M%S}.json"
        response["Content-Disposition"] = f'attachment; filename="{naam}"'
        response["Cache-Control"] = "no-store"
        return response

    def get_urls(self):
        return [
            path(
                "<int:object_id>/corrigeer-subject/",
                self.admin_site.admin_view(self.corrigeer_subject_view),
                name="datamodel_klant_corrigeer_subject",
            ),
            path(
                "<path:object_id>/exporteren/",
                self.admin_site.admin_view(self.exporteer_view),
                name="datamodel_klant_exporteren",
            ),
            *super().get_urls(),
        ]

    def exporteer_view(self, request, object_id):
        """The export of one klant, from its detail page."""
        if not self.has_exporteer_permission(request):
            raise PermissionDenied
        klant = self.get_object(request, unquote(object_id))
        if klant is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return self.exporteer_json(request, Klant.objects.filter(pk=klant.pk))

    # --- privacy requests: destruction ------------------------------------------------------
    @admin.action(description="Vernietigen (privacyverzoek)", permissions=["delete"])
    def vernietig(self, request, queryset):
        return self._vernietig(request, queryset, enkel=False)

    def delete_view(self, request, object_id, extra_context=None):
        """The "Verwijderen" link of the detail page: the same destruction, with notification
        and tombstone."""
        klant = self.get_object(request, unquote(object_id))
        if klant is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_delete_permission(request, klant):
            raise PermissionDenied
        return self._vernietig(request, Klant.objects.filter(pk=klant.pk), enkel=True)

    def _vernietig(self, request, queryset, *, enkel: bool):
        klanten = list(queryset.select_related(*self.list_select_related).order_by("pk"))
        form = vernietiging.VernietigForm(request.POST if request.POST.get("post") else None)
        if request.POST.get("post") and form.is_valid():
            aantal = vernietiging.vernietig(klanten, request, form.cleaned_data["reden"])
            self.message_user(
                request,
                f"{aantal} klant(en) vernietigd. De notificaties zijn verstuurd; van elke "
                "klant blijft alleen een grafsteen zonder persoonsgegevens over.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:datamodel_klant_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": "Klanten vernietigen",
            "opts": self.opts,
            "klanten": [
                {
                    "klant": klant,
                    "naam": _naam(klant),
                    "identificatie": maskeer(_identificatie(klant)),
                }
                for klant in klanten
            ],
            "gevalideerd": [klant for klant in klanten if klant.gevalideerd],
            "form": form,
            "enkel": enkel,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/datamodel/klant/vernietigen.html", context)

    # --- V1: correction of a validated klant's subject identifier -----------------------------
    def corrigeer_subject_view(self, request, object_id):
        klant = get_object_or_404(Klant, pk=object_id)
        if not self.has_corrigeer_permission(request):
            raise PermissionDenied
        if not _correctable(klant):
            messages.error(
                request,
                "Alleen de BSN, het RSIN of het vestigingsnummer van een gevalideerde klant "
                "wordt zo gecorrigeerd.",
            )
            return redirect("admin:datamodel_klant_change", klant.pk)
        field, sleutel_type = _SLEUTELS[klant.subject_type]
        form = CorrectieForm(
            request.POST or None, sleutel_type=sleutel_type, huidig_subject=klant.subject
        )
        if request.method == "POST" and form.is_valid():
            identificatie = form.cleaned_data["identificatie"]
            try:
                services.corrigeer_subject(
                    klant,
                    {field: identificatie} if identificatie else None,
                    form.cleaned_data["reden"],
                    herkomst=herkomst(request),
                    subject=form.cleaned_data["subject"],
                )
            except Klant.DoesNotExist:
                messages.error(request, "Deze klant bestaat niet meer.")
                return redirect("admin:datamodel_klant_changelist")
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


class CorrectieForm(forms.Form):
    """V1: an administrator corrects the subject identifier and/or the subject URL of a
    validated klant (the only way to change either), with a reason."""

    identificatie = forms.CharField(
        max_length=24,
        required=False,
        label="Nieuwe identificatie",
        help_text="Leeg laten: de identificatie blijft zoals ze is.",
    )
    subject = forms.URLField(
        max_length=1000,
        required=False,
        assume_scheme="https",
        label="Subject (URL)",
        help_text="De URL van het subject in de basisregistratie; leeg: geen URL.",
    )
    reden = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reden",
        help_text="Verplicht; wordt in de audit trail vastgelegd.",
    )

    def __init__(self, *args, sleutel_type: str, huidig_subject: str = "", **kwargs):
        super().__init__(*args, initial={"subject": huidig_subject}, **kwargs)
        self.sleutel_type = sleutel_type
        self.huidig_subject = huidig_subject
        self.fields["identificatie"].label = f"Nieuw {SleutelType(sleutel_type).label}"

    def clean_identificatie(self):
        value = self.cleaned_data["identificatie"].strip()
        if not value:
            return ""
        try:
            rules.validate_identiteit(rules.Identiteit(self.sleutel_type, value))
        except rules.RuleViolation as exc:
            raise forms.ValidationError(exc.messages[0], code=exc.code) from exc
        return value

    def clean_subject(self):
        subject = self.cleaned_data["subject"]
        # C7 (kla-002): a new subject URL must answer
        if subject and subject != self.huidig_subject and not subject_url_responds(subject):
            raise forms.ValidationError(
                "De subject-URL is ongeldig of niet bereikbaar (HTTP 200 verwacht).",
                code="bad-url",
            )
        return subject

    def clean_reden(self):
        reden = self.cleaned_data["reden"]
        try:
            rules.require_reason(reden)
        except rules.RuleViolation as exc:
            raise forms.ValidationError(exc.messages[0], code=exc.code) from exc
        return reden.strip()

    def clean(self):
        cleaned = super().clean()
        if (
            not self.errors
            and not cleaned.get("identificatie")
            and cleaned.get("subject") == self.huidig_subject
        ):
            raise forms.ValidationError(
                "Geef een nieuwe identificatie of een nieuw subject op.", code="niets-gewijzigd"
            )
        return cleaned


_SLEUTELS = services.IDENTIFICATIE_SLEUTEL


def _correctable(klant: Klant) -> bool:
    """A validated klant whose key is the one its identification carries (a klant validated
    by KvK-nummer has no such field in the standard representation)."""
    return (
        klant.gevalideerd
        and klant.subject_type in _SLEUTELS
        and _SLEUTELS[klant.subject_type][1] == klant.gevalideerde_sleutel_type
    )
