"""The partij view of a klant (Klantinteracties, design K3-K8) on the klant's detail page.

Every klant is a partij with the same uuid. Its page shows, read-only:

- the partij's own fields (``KlantPartij``): soort partij (stored, else derived as
  docs/store.md says), actief, geheimhouding, voorkeurstaal, the organisation a contactpersoon
  works for, whether it is an unconfirmed anchor (K5), the bezoekadres and the interne notitie;
- its identifiers (``PartijIdentificatorInline``): BSN, RSIN, KvK- and vestigingsnummer,
  masked like every identifier unless the user may see them in full (that view is logged with
  the klant's other identifiers, ``weergave.heeft_identificatie``);
- its digital addresses (``DigitaalAdresInline``): the standaard one of each kind first
  (the Klanten API's ``emailadres`` and ``telefoonnummer``), with omschrijving and
  verification date. Addresses given only to a betrokkene in one contact are not the partij's
  and are not shown (K6).

Its klantcontacten are the contactmomenten inline (``klanten.beheer.contactmomenten``).

One write: who may change the klant may make another of its addresses the standaard one
(``klant.standaard``; the *Standaard* column links to it). Everything else of a partij changes
through the APIs (or the klant's own form for the Klanten API fields).
"""

from django.contrib import admin
from django.contrib.admin.utils import flatten
from django.urls import reverse
from django.utils.html import format_html

from klanten.beheer.klantinteracties import AlleenLezen
from klanten.beheer.maskering import mag_volledig_zien, maskeer
from klanten.datamodel.constants import SubjectType
from klanten.datamodel.labels import label
from klanten.datamodel.partijen import DigitaalAdres, PartijIdentificator, SoortPartij

from . import weergave

# the read-only fields of the "Partij (Klantinteracties)" block of the detail page
PARTIJ_VELDEN = (
    "partij_soort",
    ("partij_actief", "partij_geheimhouding", "partij_voorkeurstaal"),
    "partij_contactpersoon_van",
    "partij_anker",
    "partij_bezoekadres",
    "partij_interne_notitie",
)
PARTIJ_ALLEEN_LEZEN = tuple(flatten(PARTIJ_VELDEN))

# ISO 639-2 codes as the Klantinteracties API stores them; others are shown as the code
TALEN = {
    "nld": "Nederlands",
    "dut": "Nederlands",
    "eng": "Engels",
    "deu": "Duits",
    "ger": "Duits",
    "fra": "Frans",
    "fre": "Frans",
    "tur": "Turks",
    "ara": "Arabisch",
    "pol": "Pools",
    "ukr": "Oekraïens",
}


def soort_partij(klant) -> str:
    """The soort partij a klant has in the Klantinteracties API: the stored one, else derived
    (docs/store.md): a contactpersoon works for an organisation; a niet-natuurlijk persoon or
    vestiging is an organisatie; anything else a persoon."""
    if klant.soort_partij:
        return klant.soort_partij
    if klant.werkte_voor_partij_id:
        return SoortPartij.contactpersoon
    if klant.subject_type in (SubjectType.niet_natuurlijk_persoon, SubjectType.vestiging):
        return SoortPartij.organisatie
    return SoortPartij.persoon


def ja_nee(waarde) -> str:
    if waarde is None:
        return "Onbekend"
    return "Ja" if waarde else "Nee"


def adres_regels(adres: dict | None) -> str:
    """A Klantinteracties address (``bezoekadres``) on one line: its address lines and land."""
    if not isinstance(adres, dict):
        return "-"
    delen = [
        str(adres.get(sleutel)).strip()
        for sleutel in ("adresregel1", "adresregel2", "adresregel3", "land")
        if adres.get(sleutel) not in (None, "")
    ]
    return ", ".join(deel for deel in delen if deel) or "-"


class KlantPartij:
    """The partij part of the klant admin: display fields of the "Partij" block."""

    @admin.display(description=label("soort_partij"))
    def partij_soort(self, obj):
        waarde = soort_partij(obj)
        soort = dict(SoortPartij.choices).get(waarde, waarde)
        if obj.soort_partij:
            return soort
        return f"{soort} (afgeleid van het subjecttype)"

    @admin.display(description=label("indicatie_actief"))
    def partij_actief(self, obj):
        return ja_nee(obj.indicatie_actief)

    @admin.display(description=label("indicatie_geheimhouding"))
    def partij_geheimhouding(self, obj):
        return ja_nee(obj.indicatie_geheimhouding)

    @admin.display(description=label("voorkeurstaal"))
    def partij_voorkeurstaal(self, obj):
        code = (obj.voorkeurstaal or "").lower()
        if not code:
            return "-"
        naam = TALEN.get(code)
        return f"{naam} ({code})" if naam else code

    @admin.display(description=label("werkte_voor_partij"))
    def partij_contactpersoon_van(self, obj):
        organisatie = obj.werkte_voor_partij
        if organisatie is None:
            return "-"
        url = reverse("admin:datamodel_klant_change", args=[organisatie.pk])
        return format_html('<a href="{}">{}</a>', url, weergave.kop(organisatie))

    @admin.display(description=label("anker"))
    def partij_anker(self, obj):
        if not obj.anker:
            return "Nee"
        return (
            "Ja: aangemaakt nadat een medewerker de persoon in de BRP koos, zonder dat de "
            "persoon inlogde. Wordt gevalideerd wanneer een vertrouwde applicatie de persoon "
            "later aanmeldt."
        )

    @admin.display(description=label("bezoekadres"))
    def partij_bezoekadres(self, obj):
        return adres_regels(obj.bezoekadres)

    @admin.display(description=label("interne_notitie"))
    def partij_interne_notitie(self, obj):
        return obj.interne_notitie or "-"


class _AlleenLezenInline(AlleenLezen):
    """Shown to who may view the klant and the rows' model; never added, changed or deleted
    here."""

    extra = 0
    max_num = 0
    can_delete = False
    # no add, change or delete controls and no row titles (a row's str() is its identifier)
    template = "admin/beheer/tabular_alleen_lezen.html"


class PartijIdentificatorInline(_AlleenLezenInline, admin.TabularInline):
    model = PartijIdentificator
    fk_name = "klant"
    verbose_name = "partij-identificator"
    verbose_name_plural = "partij-identificatoren (Klantinteracties)"
    velden = ("soort", "identificator", "register", "objecttype", "aangemaakt")

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("code_soort_object_id", "id")

    def get_fields(self, request, obj=None):
        if mag_volledig_zien(request.user):
            return self.velden
        return tuple("identificator_gemaskeerd" if v == "identificator" else v for v in self.velden)

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    @admin.display(description=label("code_soort_object_id"))
    def soort(self, obj):
        return obj.get_code_soort_object_id_display()

    @admin.display(description=label("object_id"))
    def identificator(self, obj):
        return obj.object_id or "-"

    @admin.display(description=label("object_id"))
    def identificator_gemaskeerd(self, obj):
        return maskeer(obj.object_id) or "-"

    @admin.display(description=label("code_register"))
    def register(self, obj):
        return obj.get_code_register_display()

    @admin.display(description=label("code_objecttype"))
    def objecttype(self, obj):
        return obj.get_code_objecttype_display()

    @admin.display(description=label("aangemaakt_op"))
    def aangemaakt(self, obj):
        return weergave.datumtijd(obj.aangemaakt_op)


class DigitaalAdresInline(_AlleenLezenInline, admin.TabularInline):
    """The partij's digital addresses, the standaard one of each kind first."""

    model = DigitaalAdres
    fk_name = "klant"
    verbose_name = "digitaal adres"
    verbose_name_plural = "digitale adressen"
    fields = ("soort", "adres_weergave", "standaard", "omschrijving_weergave", "geverifieerd_op")
    readonly_fields = (*fields, "standaard_met_actie")

    def get_fields(self, request, obj=None):
        """Who may change the klant sees "Standaard maken" beside the other addresses."""
        if obj is not None and request.user.has_perm("datamodel.change_klant"):
            return tuple("standaard_met_actie" if f == "standaard" else f for f in self.fields)
        return self.fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .order_by("soort_digitaal_adres", "-is_standaard_adres", "id")
        )

    @admin.display(description=label("soort_digitaal_adres"))
    def soort(self, obj):
        return obj.get_soort_digitaal_adres_display()

    @admin.display(description=label("adres"))
    def adres_weergave(self, obj):
        return obj.adres

    @admin.display(description=label("omschrijving"))
    def omschrijving_weergave(self, obj):
        return obj.omschrijving or "-"

    @admin.display(description=label("is_standaard_adres"))
    def standaard(self, obj):
        if not obj.is_standaard_adres:
            return "Nee"
        veld = {"email": "E-mailadres", "telefoonnummer": "Telefoonnummer"}.get(
            obj.soort_digitaal_adres
        )
        return f"Ja (het {veld.lower()} van de klant)" if veld else "Ja"

    @admin.display(description=label("is_standaard_adres"))
    def standaard_met_actie(self, obj):
        if obj.is_standaard_adres:
            return self.standaard(obj)
        url = reverse("admin:datamodel_klant_adres_standaard", args=[obj.klant_id, obj.pk])
        return format_html('Nee (<a href="{}">standaard maken</a>)', url)

    @admin.display(description=label("verificatie_datum"))
    def geverifieerd_op(self, obj):
        return f"{obj.verificatie_datum:%d-%m-%Y}" if obj.verificatie_datum else "-"
