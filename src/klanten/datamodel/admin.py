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

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten, unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, IntegrityError, models, transaction
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from vng_api_common.constants import CommonResourceAction

from klanten import huisstijl
from klanten.api.notify import AuditActor, notificeer, representatie, schrijf_audittrail
from klanten.api.validators import subject_url_responds
from klanten.beheer import adresgroepen, vernietiging, weergave
from klanten.beheer import export as beheer_export
from klanten.beheer.basis import BeheerAdmin
from klanten.beheer.groups import CORRIGEREN, EXPORTEREN
from klanten.beheer.lijst import (
    ZOEK_IN,
    ZOEK_IN_PARAM,
    BegrensdeTellingPaginator,
    BronorganisatieFilter,
    GecachteWaardenFilter,
    zoek,
)
from klanten.beheer.log import BeheerActie, gebruiker_weergave, leg_vast
from klanten.beheer.maskering import mag_volledig_zien, maskeer
from klanten.beheer.models import BeheerGebeurtenis
from klanten.foutpaginas import Weg

from . import rules, services
from .constants import INTERACTIE_ROLLEN, SleutelType, SubjectType, VernietigingsGrond
from .labels import label, pad_label
from .models import (
    IDENTIFICATIE_ATTR,
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
# the application named in the audit trail for changes made in the admin
BEHEEROMGEVING = "Beheeromgeving Klanten"


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
    max_num = 1
    fields = (
        "straatnaam",
        ("huisnummer", "huisletter", "huisnummertoevoeging"),
        "postcode",
        "woonplaats_naam",
        "landcode",
    )


# --- subject identification ---------------------------------------------------------------


class IdentificatieForm(adresgroepen.AdresgroepenForm):
    """The identifier formats the API checks (C9); the address groups are edited as fields
    and checked as the API checks them (``klanten.beheer.adresgroepen``)."""

    field_rules: dict = {}

    def clean(self):
        cleaned = super().clean()
        for field, rule in self.field_rules.items():
            if field in cleaned:
                try:
                    _rule_error(rule, cleaned[field])
                except forms.ValidationError as exc:
                    self.add_error(field, exc)
        return cleaned


class RegelsVeld(forms.Field):
    """A list of texts edited as one line each (the handelsnamen of a vestiging)."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return list(value)
        return [regel.strip() for regel in (value or "").splitlines() if regel.strip()]


class NatuurlijkPersoonForm(
    adresgroepen.VerblijfsadresVelden, adresgroepen.BuitenlandVelden, IdentificatieForm
):
    field_rules = {"inp_bsn": rules.validate_bsn, "inp_a_nummer": rules.validate_a_nummer}


class NietNatuurlijkPersoonForm(adresgroepen.BuitenlandVelden, IdentificatieForm):
    field_rules = {"inn_nnp_id": rules.validate_rsin}


class VestigingForm(
    adresgroepen.VerblijfsadresVelden, adresgroepen.BuitenlandVelden, IdentificatieForm
):
    handelsnaam = RegelsVeld(
        label="Handelsnamen", required=False, help_text="Eén handelsnaam per regel."
    )


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
    validated (V1) and the identification of a validated klant cannot be removed. The
    address groups are fields of their own (collapsed while empty); a reader sees each
    group as one line."""

    extra = 0
    max_num = 1
    formset = IdentificatieFormSet
    template = "admin/datamodel/klant/identificatie_inline.html"
    form = IdentificatieForm
    key_field: str = ""
    identifier_fields: tuple[str, ...] = ()
    subject_type: str = ""
    hoofdvelden: tuple = ()
    groepen: tuple[str, ...] = ()

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.subject_type = self.subject_type
        return formset

    def get_fieldsets(self, request, obj=None):
        volledig = mag_volledig_zien(request.user)
        lezer = not self.has_change_permission(request, obj)
        hoofd = tuple(
            f if volledig or f not in self.identifier_fields else f"{f}_gemaskeerd"
            for f in self.hoofdvelden
        )
        if lezer:
            return [(None, {"fields": (*hoofd, *(f"{g}_weergave" for g in self.groepen))})]
        bestaand = getattr(obj, IDENTIFICATIE_ATTR[self.subject_type], None) if obj else None
        fieldsets = [(None, {"fields": hoofd})]
        for groep in self.groepen:
            leeg = not getattr(bestaand, groep, None)
            fieldsets.append(
                (
                    label(groep),
                    {
                        "fields": _adresregels(adresgroepen.velden(groep)),
                        "classes": ("collapse",) if leeg else (),
                    },
                )
            )
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not mag_volledig_zien(request.user):
            fields += [f"{f}_gemaskeerd" for f in self.identifier_fields]
        elif obj is not None and obj.gevalideerd:
            fields.append(self.key_field)
        if not self.has_change_permission(request, obj):
            fields += [f"{g}_weergave" for g in self.groepen]
        return fields

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.gevalideerd:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=label("verblijfsadres"))
    def verblijfsadres_weergave(self, obj):
        return adresgroepen.weergave(obj.verblijfsadres)

    @admin.display(description=label("sub_verblijf_buitenland"))
    def sub_verblijf_buitenland_weergave(self, obj):
        return adresgroepen.weergave(obj.sub_verblijf_buitenland)


def _adresregels(velden: tuple[str, ...]) -> tuple:
    """The fields of an address group, house number, letter and addition on one line."""
    huisnummer = tuple(v for v in velden if "huisnummer" in v or "huisletter" in v)
    regels: list = []
    for veld in velden:
        if veld in huisnummer:
            if veld == huisnummer[0]:
                regels.append(huisnummer)
        else:
            regels.append(veld)
    return tuple(regels)


def _masked_display(field: str):
    @admin.display(description=label(field))
    def display(self, obj):
        return maskeer(getattr(obj, field, "")) or "-"

    return display


class NatuurlijkPersoonInline(IdentificatieInline):
    model = NatuurlijkPersoon
    form = NatuurlijkPersoonForm
    hoofdvelden = (
        "inp_bsn",
        "anp_identificatie",
        "inp_a_nummer",
        "geslachtsnaam",
        "voorvoegsel_geslachtsnaam",
        "voorletters",
        "voornamen",
        "geslachtsaanduiding",
        "geboortedatum",
    )
    groepen = ("verblijfsadres", "sub_verblijf_buitenland")
    key_field = "inp_bsn"
    subject_type = SubjectType.natuurlijk_persoon
    identifier_fields = ("inp_bsn", "anp_identificatie", "inp_a_nummer")
    inp_bsn_gemaskeerd = _masked_display("inp_bsn")
    anp_identificatie_gemaskeerd = _masked_display("anp_identificatie")
    inp_a_nummer_gemaskeerd = _masked_display("inp_a_nummer")


class NietNatuurlijkPersoonInline(IdentificatieInline):
    model = NietNatuurlijkPersoon
    form = NietNatuurlijkPersoonForm
    hoofdvelden = (
        "inn_nnp_id",
        "ann_identificatie",
        "statutaire_naam",
        "inn_rechtsvorm",
        "bezoekadres",
    )
    groepen = ("sub_verblijf_buitenland",)
    key_field = "inn_nnp_id"
    subject_type = SubjectType.niet_natuurlijk_persoon
    identifier_fields = ("inn_nnp_id", "ann_identificatie")
    inn_nnp_id_gemaskeerd = _masked_display("inn_nnp_id")
    ann_identificatie_gemaskeerd = _masked_display("ann_identificatie")


class VestigingInline(IdentificatieInline):
    model = Vestiging
    form = VestigingForm
    hoofdvelden = ("vestigings_nummer", "handelsnaam")
    groepen = ("verblijfsadres", "sub_verblijf_buitenland")
    key_field = "vestigings_nummer"
    subject_type = SubjectType.vestiging
    identifier_fields = ("vestigings_nummer",)
    vestigings_nummer_gemaskeerd = _masked_display("vestigings_nummer")


IDENTIFICATIE_INLINES = {
    SubjectType.natuurlijk_persoon: NatuurlijkPersoonInline,
    SubjectType.niet_natuurlijk_persoon: NietNatuurlijkPersoonInline,
    SubjectType.vestiging: VestigingInline,
}


# --- evidence (read-only) and interactions ------------------------------------------------

VALIDATIE_FIELDS = (
    ("gevalideerd_op", "authenticatie_moment"),
    ("middel", "niveau"),
    ("uitgever", "bron"),
    ("geauthenticeerde_type", "geauthenticeerde_identificatie"),
    ("vertegenwoordigde_type", "vertegenwoordigde_identificatie", "machtiging"),
    ("applicatie_weergave", "medewerker_weergave"),
    "gegevens_bevestigd",
)
_VALIDATIE_IDENTIFIERS = ("geauthenticeerde_identificatie", "vertegenwoordigde_identificatie")


def niveau_met_techniek(naam: str, technisch: str):
    """A level by its name, the raw value (a URN) folded away underneath."""
    if not technisch:
        return naam
    return format_html(
        '{}<details class="technisch"><summary>Technische waarde</summary>'
        "<code>{}</code></details>",
        naam,
        technisch,
    )


class ValidatieInline(admin.StackedInline):
    """V3: evidence records are append-only: shown, never added, changed or deleted here."""

    model = Validatie
    extra = 0
    max_num = 0
    can_delete = False
    fields = VALIDATIE_FIELDS
    verbose_name = "bewijs van authenticatie"
    verbose_name_plural = "bewijs van authenticatie (validaties, onveranderlijk)"
    geauthenticeerde_identificatie_gemaskeerd = _masked_display("geauthenticeerde_identificatie")
    vertegenwoordigde_identificatie_gemaskeerd = _masked_display("vertegenwoordigde_identificatie")

    def get_fields(self, request, obj=None):
        if mag_volledig_zien(request.user):
            return self.fields
        return tuple(
            tuple(f"{f}_gemaskeerd" if f in _VALIDATIE_IDENTIFIERS else f for f in regel)
            if isinstance(regel, tuple)
            else regel
            for regel in self.fields
        )

    def get_readonly_fields(self, request, obj=None):
        return flatten(self.get_fields(request, obj))

    @admin.display(description=label("registratie_rang"))
    def niveau(self, obj):
        return niveau_met_techniek(
            weergave.niveau(obj.rang, obj.middel), obj.betrouwbaarheidsniveau
        )

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
        help_text="Waarom u deze wijziging doet; wordt in de geschiedenis vastgelegd "
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
_SLEUTEL_REDEN = (
    "de identificatie van een gevalideerde klant verandert alleen via 'Subjectidentificatie "
    "corrigeren', met een reden"
)
NIET_GEWIJZIGD_REDENEN = {
    "gevalideerd": "een gevalideerde klant blijft gevalideerd",
    "subject_type": "het subjecttype ligt vast zodra het is gekozen",
    "gevalideerde_sleutel": _SLEUTEL_REDEN,
    "gevalideerde_sleutel_type": _SLEUTEL_REDEN,
    "inp_bsn": _SLEUTEL_REDEN,
    "inn_nnp_id": _SLEUTEL_REDEN,
    "vestigings_nummer": _SLEUTEL_REDEN,
    "DELETE": "de subjectidentificatie van een gevalideerde klant kan niet worden verwijderd",
}
_ALLEEN_LEZEN = "Klanten houdt dit gegeven zelf bij"


# --- the klant admin ------------------------------------------------------------------------


class KlantenLijst(ChangeList):
    """The klanten list; ``zoek_in`` (where to search) is the search's, not a filter."""

    zoek_in_param = ZOEK_IN_PARAM
    zoek_in_keuzes = tuple(ZOEK_IN.items())

    def __init__(self, request, *args, **kwargs):
        self.zoek_in = request.GET.get(ZOEK_IN_PARAM, "")
        super().__init__(request, *args, **kwargs)

    def get_filters_params(self, params=None):
        lookup_params = super().get_filters_params(params)
        lookup_params.pop(ZOEK_IN_PARAM, None)
        return lookup_params


@admin.register(Klant)
class KlantAdmin(BeheerAdmin):
    form = KlantForm
    list_display = (
        "klantnummer",
        "naam",
        "identificatie",
        "subject_type",
        "bronorganisatie_weergave",
        "gevalideerd",
        "aanmaakkanaal",
        "aangemaakt",
    )
    list_display_links = ("klantnummer", "naam")
    list_filter = (
        "gevalideerd",
        "subject_type",
        ("bronorganisatie", BronorganisatieFilter),
        ("aanmaakkanaal", GecachteWaardenFilter),
        ("aangemaakt_op", admin.DateFieldListFilter),
    )
    list_select_related = ("natuurlijk_persoon", "niet_natuurlijk_persoon", "vestiging")
    # the search itself is klanten.beheer.lijst.zoek; these only switch the search box on
    search_fields = ("=klantnummer", "voornaam", "achternaam", "bedrijfsnaam", "emailadres")
    search_help_text = (
        "Cijfers zoeken exact op BSN, RSIN, KvK-, A- of vestigingsnummer of klantnummer. "
        "Woorden zoeken in naam en e-mailadres. Kies 'Zoeken in' voor telefoonnummer."
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
        "niveau",
        "geregistreerd_door_weergave",
        "subject_correctie",
        "bewaren",
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

    # --- list ----------------------------------------------------------------------------
    @admin.display(description="Naam")
    def naam(self, obj):
        return weergave.naam(obj) or "-"

    @admin.display(description="Identificatie")
    def identificatie(self, obj):
        return maskeer(weergave.identificatie(obj)) or "-"

    @admin.display(description=label("bronorganisatie"), ordering="bronorganisatie")
    def bronorganisatie_weergave(self, obj):
        return huisstijl.bronorganisatie_naam(obj.bronorganisatie) or obj.bronorganisatie

    @admin.display(description=label("aangemaakt_op"), ordering="aangemaakt_op")
    def aangemaakt(self, obj):
        return date_format(timezone.localtime(obj.aangemaakt_op), "SHORT_DATE_FORMAT")

    def get_search_results(self, request, queryset, search_term):
        """Digits match identifiers exactly; names, phone numbers and e-mail addresses in
        part only where the data manager chose to search (``klanten.beheer.lijst.zoek``)."""
        zoek_in = request.GET.get(ZOEK_IN_PARAM, "")
        return zoek(queryset, search_term, zoek_in if zoek_in in ZOEK_IN else ""), False

    def get_changelist(self, request, **kwargs):
        return KlantenLijst

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Klanten", **(extra_context or {})})

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
        return (KlantAdresInline, *identificatie, ValidatieInline, InteractieInline)

    def get_fieldsets(self, request, obj=None):
        """Only what this user can see and do: the key masked without the right to see it in
        full, the correction link only with the right to correct, the explanation of a
        change only for who can change; a new klant has no validation yet."""
        volledig = mag_volledig_zien(request.user)
        kan_wijzigen = (
            self.has_change_permission(request, obj) if obj else self.has_add_permission(request)
        )
        corrigeren = obj is not None and self.has_corrigeer_permission(request)
        corrigeren = corrigeren and _correctable(obj)

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
            if obj is None and name == "Validatie":
                continue
            fields = _velden(options["fields"], vervang)
            if fields:
                fieldsets.append((name, {**options, "fields": fields}))
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        fields = super().get_readonly_fields(request, obj)
        if obj is not None and obj.subject_type is not None:
            return (*fields, "subject_type")  # C8: never changes once set
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        fout = getattr(request, "_klanten_opslagfout", "")
        if fout:
            form = type(form.__name__, (form,), {"opslagfout": fout})
        return form

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

    # --- saving: the API's rules, audit trail and notification -----------------------------
    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id:
            klant = self.get_object(request, unquote(object_id))
            if klant is not None:
                request._klanten_genegeerd = self._niet_gewijzigd(request, klant)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (IntegrityError, DatabaseError, rules.RuleViolation) as exc:
            # the database (constraint, trigger) or a rule refused what the form let through,
            # e.g. a concurrent save: everything was rolled back; show the form with the error
            fout = _opslagfout(exc)
            if request.method != "POST" or fout is None:
                raise
            request._klanten_opslagfout = fout
            return super().changeform_view(request, object_id, form_url, extra_context)

    def _niet_gewijzigd(self, request, klant: Klant) -> list[str]:
        """The read-only fields a POST carried a value for (a browser never sends them):
        each with the reason it is not saved."""
        posted = request.POST
        namen = [f for f in self.get_readonly_fields(request, klant) if f in posted]
        for inline in self.get_inline_instances(request, klant):
            prefix = inline.get_formset(request, klant).get_default_prefix()
            alleen_lezen = set(inline.get_readonly_fields(request, klant))
            for key in posted:
                match = re.fullmatch(rf"{re.escape(prefix)}-\d+-(\w+)", key)
                if not match:
                    continue
                veld = match.group(1)
                if veld in alleen_lezen or (
                    veld == "DELETE"
                    and posted.get(key)
                    and not inline.has_delete_permission(request, klant)
                ):
                    namen.append(veld)
        regels = []
        for naam in dict.fromkeys(namen):
            tekst = "Subjectidentificatie verwijderen" if naam == "DELETE" else label(naam)
            regels.append(f"{tekst} ({NIET_GEWIJZIGD_REDENEN.get(naam, _ALLEEN_LEZEN)})")
        return regels

    def save_model(self, request, obj, form, change):
        request._klanten_oud = (
            representatie(Klant.objects.get(pk=obj.pk), request) if change else None
        )
        if not obj.klantnummer:
            obj.klantnummer = services.next_klantnummer(obj.bronorganisatie)
        obj.save()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        request._klanten_gewijzigd = []
        if change and not form.has_changed() and not any(f.has_changed() for f in formsets):
            return
        klant = form.instance
        nieuw = representatie(klant, request)
        oud = getattr(request, "_klanten_oud", None)
        actie = CommonResourceAction.update if change else CommonResourceAction.create
        if change and oud == nieuw:
            return
        request._klanten_gewijzigd = weergave.gewijzigde_velden(oud or {}, nieuw)
        schrijf_audittrail(
            actie,
            oud=oud,
            nieuw=nieuw,
            resource_weergave=klant.unique_representation(),
            actor=AuditActor(
                applicatie_id="",
                applicatie_weergave=BEHEEROMGEVING,
                gebruikers_id=request.user.get_username(),
                gebruikers_weergave=gebruiker_weergave(request.user),
                toelichting=form.cleaned_data.get("toelichting", ""),
            ),
            resultaat=200 if change else 201,
        )
        notificeer(actie, nieuw, klant, request=request, status_code=200 if change else 201)

    # --- what the data manager is told after saving ---------------------------------------
    def message_user(self, request, message, level=messages.INFO, *args, **kwargs):
        if getattr(request, "_klanten_eigen_melding", False) and level == messages.SUCCESS:
            return  # replaced by _meld_opslaan
        super().message_user(request, message, level, *args, **kwargs)

    def response_add(self, request, obj, post_url_continue=None):
        request._klanten_eigen_melding = True
        response = super().response_add(request, obj, post_url_continue)
        request._klanten_eigen_melding = False
        self.message_user(request, f"{weergave.kop(obj)} is aangemaakt.", messages.SUCCESS)
        return response

    def response_change(self, request, obj):
        request._klanten_eigen_melding = True
        response = super().response_change(request, obj)
        request._klanten_eigen_melding = False
        self._meld_opslaan(request, obj)
        return response

    def _meld_opslaan(self, request, obj):
        """Say what was saved, that nothing was, and which posted values were not."""
        gewijzigd = getattr(request, "_klanten_gewijzigd", [])
        if gewijzigd:
            velden = ", ".join(pad_label(pad) for pad in gewijzigd)
            self.message_user(
                request, f"De wijzigingen zijn opgeslagen ({velden}).", messages.SUCCESS
            )
        else:
            self.message_user(
                request,
                "Er is niets gewijzigd: de gegevens waren al zo. Er is niets vastgelegd.",
                messages.INFO,
            )
        genegeerd = getattr(request, "_klanten_genegeerd", [])
        if genegeerd:
            self.message_user(
                request, "Niet gewijzigd: " + "; ".join(genegeerd) + ".", messages.WARNING
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
                    "naam": weergave.naam(klant),
                    "identificatie": maskeer(weergave.identificatie(klant)),
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
        form = CorrectieForm(request.POST or None, sleutel_type=sleutel_type)
        if request.method == "POST" and form.is_valid():
            klant_url = request.build_absolute_uri(
                reverse("klant-detail", kwargs={"uuid": klant.uuid})
            )
            try:
                with transaction.atomic():
                    services.corrigeer_subject(
                        klant,
                        {field: form.cleaned_data["identificatie"]},
                        form.cleaned_data["reden"],
                        klant_url=klant_url,
                        gebruiker_id=request.user.get_username(),
                        gebruiker_weergave=gebruiker_weergave(request.user),
                    )
            except rules.RuleViolation as exc:
                form.add_error("identificatie", exc.messages[0])
            else:
                messages.success(request, "De subjectidentificatie is gecorrigeerd.")
                return redirect("admin:datamodel_klant_change", klant.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Subjectidentificatie corrigeren: {weergave.kop(klant)}",
            "kop": weergave.kop(klant),
            "opts": self.model._meta,
            "original": klant,
            "form": form,
        }
        return TemplateResponse(request, "admin/datamodel/klant/corrigeer_subject.html", context)


class CorrectieForm(forms.Form):
    """V1: an administrator corrects the subject identifier of a validated klant."""

    identificatie = forms.CharField(max_length=24, label="Nieuwe identificatie")
    reden = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reden",
        help_text="Verplicht; wordt in de geschiedenis van de klant vastgelegd.",
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


_SLEUTELS = services.IDENTIFICATIE_SLEUTEL


def _correctable(klant: Klant) -> bool:
    """A validated klant whose key is the one its identification carries (a klant validated
    by KvK-nummer has no such field in the standard representation)."""
    return (
        klant.gevalideerd
        and klant.subject_type in _SLEUTELS
        and _SLEUTELS[klant.subject_type][1] == klant.gevalideerde_sleutel_type
    )
