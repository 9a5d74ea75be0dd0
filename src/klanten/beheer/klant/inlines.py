"""The inlines of a klant's detail page: its address, its subject identification (one of
three kinds; identifiers masked without the right to see them in full, the key read-only once
validated, address groups as fields), its evidence (read-only, V3) and its interactions."""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten
from django.utils.html import format_html

from klanten.beheer.klantinteracties import AlleenLezen
from klanten.beheer.maskering import mag_volledig_zien, maskeer
from klanten.datamodel.constants import SubjectType
from klanten.datamodel.labels import label
from klanten.datamodel.models import (
    IDENTIFICATIE_ATTR,
    Interactie,
    KlantAdres,
    NatuurlijkPersoon,
    NietNatuurlijkPersoon,
    Validatie,
    Vestiging,
)

from . import adresgroepen, weergave
from .forms import (
    URL_OVERRIDES,
    IdentificatieForm,
    IdentificatieFormSet,
    InteractieForm,
    NatuurlijkPersoonForm,
    NietNatuurlijkPersoonForm,
    VestigingForm,
)


class KlantAdresForm(forms.ModelForm):
    """The klant's address. A changed BRP ``landcode`` says the country: an ISO code a
    Klantinteracties client gave without a BRP code (``land``, shown read-only) is cleared
    with it, so the partij never shows a stale country (docs/klantinteracties.md)."""

    class Meta:
        model = KlantAdres
        fields: list[str] = []

    def save(self, commit=True):
        if "landcode" in self.changed_data:
            self.instance.land = ""
        return super().save(commit)


class KlantAdresInline(admin.StackedInline):
    model = KlantAdres
    form = KlantAdresForm
    extra = 0
    max_num = 1
    fields = (
        "straatnaam",
        ("huisnummer", "huisletter", "huisnummertoevoeging"),
        "postcode",
        "woonplaats_naam",
        ("landcode", "land"),
    )
    readonly_fields = ("land",)


# --- subject identification ---------------------------------------------------------------


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


class ValidatieInline(AlleenLezen, admin.StackedInline):
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


class InteractieInline(admin.TabularInline):
    model = Interactie
    form = InteractieForm
    extra = 0
    fields = ("soort", "url", "rol", "vernietigingsdatum", "aangemaakt_op")
    formfield_overrides = URL_OVERRIDES
    readonly_fields = ("aangemaakt_op",)
