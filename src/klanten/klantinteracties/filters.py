"""The list filters of the partij side, named exactly as Open Klant 0.9.0's query parameters.

Filters on one partij-identificator (``partijIdentificator__*``) match when **one** identifier
row matches all of them (KISS sends only ``codeSoortObjectId`` and ``objectId``). Filters on
what we do not serve (K11: vertegenwoordigingen, categorieën) are accepted and match nothing
when given a value.
"""

from django import forms
from django.db.models import Exists, OuterRef, Q
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from klanten.datamodel.klantcontacten import BetrokkeneRol
from klanten.datamodel.models import Klant
from klanten.datamodel.partijen import (
    DigitaalAdres,
    PartijIdentificator,
    SoortDigitaalAdres,
    SoortPartij,
)
from klanten.datamodel.partijrepresentatie import ISO_NAAR_BRP

IDENTIFICATOR_VELDEN = {
    "codeObjecttype": "code_objecttype",
    "codeSoortObjectId": "code_soort_object_id",
    "objectId": "object_id",
    "codeRegister": "code_register",
}


def _niets(queryset, name, value):
    return queryset.none() if value not in (None, "") else queryset


def _geen_filter(queryset, name, value):
    return queryset  # applied together in filter_queryset


def _geldige_url(value: str) -> None:
    from rest_framework import serializers as drf

    from klanten.contactmomenten.serializers import geldige_referentie

    try:
        geldige_referentie(value)
    except drf.ValidationError as exc:
        raise forms.ValidationError("Voer een geldige URL in.", code="invalid") from exc


@extend_schema_field(OpenApiTypes.URI)
class URLFilter(filters.CharFilter):
    """A URL (documented ``format: uri``): any absolute http(s) URL, whatever its host name, as
    the klantcontact side's filters take it (this service's own URLs are
    ``http://klanten:8000/...`` in a container network, which Django's URLValidator refused);
    anything else is a 400."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [_geldige_url])
        super().__init__(*args, **kwargs)


class StrengBooleanVeld(forms.Field):
    """``true``/``false`` (also ``True``/``1``, ``False``/``0``); anything else is a 400."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in ("true", "True", "1"):
            return True
        if value in ("false", "False", "0"):
            return False
        raise forms.ValidationError("Verwacht true of false.", code="invalid")


@extend_schema_field(OpenApiTypes.BOOL)
class BooleanFilter(filters.Filter):
    field_class = StrengBooleanVeld


@extend_schema_field(OpenApiTypes.UUID)
class UUIDFilter(filters.UUIDFilter):
    pass


def identificator_bestaat(prefix_klant: str, waarden: dict, *, sub: dict | None = None) -> Exists:
    """A partij-identificator of the klant (``OuterRef(prefix_klant)``) with all ``waarden``;
    with ``sub``, one whose ``subIdentificatorVan`` matches ``sub``."""
    rijen = PartijIdentificator.objects.filter(klant=OuterRef(prefix_klant), **waarden)
    if sub:
        rijen = rijen.filter(**{f"sub_identificator_van__{k}": v for k, v in sub.items()})
    return Exists(rijen)


def _groep(data: dict, prefix: str) -> dict:
    return {
        kolom: data[f"{prefix}{naam}"]
        for naam, kolom in IDENTIFICATOR_VELDEN.items()
        if data.get(f"{prefix}{naam}") not in (None, "")
    }


class PartijFilter(filters.FilterSet):
    nummer = filters.CharFilter(field_name="klantnummer")
    soortPartij = filters.ChoiceFilter(
        choices=SoortPartij.choices,
        method="filter_soort",
        help_text="Geeft aan van welke specifieke soort partij sprake is.",
    )
    indicatieActief = BooleanFilter(field_name="indicatie_actief")
    indicatieGeheimhouding = BooleanFilter(field_name="indicatie_geheimhouding")
    partijIdentificator__codeObjecttype = filters.CharFilter(method=_geen_filter)
    partijIdentificator__codeSoortObjectId = filters.CharFilter(method=_geen_filter)
    partijIdentificator__objectId = filters.CharFilter(method=_geen_filter)
    partijIdentificator__codeRegister = filters.CharFilter(method=_geen_filter)
    subIdentificatorVan__codeObjecttype = filters.CharFilter(method=_geen_filter)
    subIdentificatorVan__codeSoortObjectId = filters.CharFilter(method=_geen_filter)
    subIdentificatorVan__objectId = filters.CharFilter(method=_geen_filter)
    subIdentificatorVan__codeRegister = filters.CharFilter(method=_geen_filter)
    vertegenwoordigdePartij__url = URLFilter(method=_niets)
    vertegenwoordigdePartij__uuid = UUIDFilter(method=_niets)
    categorierelatie__categorie__naam = filters.CharFilter(method=_niets)
    bezoekadresNummeraanduidingId = filters.CharFilter(field_name="bezoekadres__nummeraanduidingId")
    bezoekadresAdresregel1 = filters.CharFilter(field_name="bezoekadres__adresregel1")
    bezoekadresAdresregel2 = filters.CharFilter(field_name="bezoekadres__adresregel2")
    bezoekadresAdresregel3 = filters.CharFilter(field_name="bezoekadres__adresregel3")
    bezoekadresLand = filters.CharFilter(field_name="bezoekadres__land")
    correspondentieadresNummeraanduidingId = filters.CharFilter(
        field_name="adres__nummeraanduiding_id"
    )
    correspondentieadresAdresregel1 = filters.CharFilter(field_name="adres__adresregel1")
    correspondentieadresAdresregel2 = filters.CharFilter(field_name="adres__adresregel2")
    correspondentieadresAdresregel3 = filters.CharFilter(field_name="adres__adresregel3")
    correspondentieadresLand = filters.CharFilter(method="filter_land")

    class Meta:
        model = Klant
        fields: list[str] = []

    def filter_soort(self, queryset, name, value):
        persoon = Q(soort_partij="", werkte_voor_partij__isnull=True) & (
            Q(subject_type__isnull=True) | Q(subject_type="natuurlijk_persoon")
        )
        organisatie = Q(soort_partij="", werkte_voor_partij__isnull=True) & Q(
            subject_type__in=["niet_natuurlijk_persoon", "vestiging"]
        )
        contactpersoon = Q(soort_partij="", werkte_voor_partij__isnull=False)
        afgeleid = {
            SoortPartij.persoon: persoon,
            SoortPartij.organisatie: organisatie,
            SoortPartij.contactpersoon: contactpersoon,
        }[value]
        return queryset.filter(Q(soort_partij=value) | afgeleid)

    def filter_land(self, queryset, name, value):
        """An ISO code the table converts is stored as its BRP ``landcode``; any other as
        the ISO code itself (``KlantAdres.land``, upper case)."""
        brp = ISO_NAAR_BRP.get(value.upper())
        if brp is not None:
            return queryset.filter(adres__landcode=brp)
        return queryset.filter(Q(adres__land=value.upper()) | Q(adres__landcode=value))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        eigen = _groep(data, "partijIdentificator__")
        sub = _groep(data, "subIdentificatorVan__")
        if eigen or sub:
            queryset = queryset.filter(identificator_bestaat("pk", eigen, sub=sub))
        return queryset


class PartijIdentificatorFilter(filters.FilterSet):
    partijIdentificatorCodeObjecttype = filters.CharFilter(field_name="code_objecttype")
    partijIdentificatorCodeSoortObjectId = filters.CharFilter(field_name="code_soort_object_id")
    partijIdentificatorObjectId = filters.CharFilter(field_name="object_id")
    partijIdentificatorCodeRegister = filters.CharFilter(field_name="code_register")
    anderePartijIdentificator = filters.CharFilter(field_name="andere_partij_identificator")

    class Meta:
        model = PartijIdentificator
        fields: list[str] = []


class DigitaalAdresFilter(filters.FilterSet):
    """``adres`` (K7) is an exact match (normalised) and needs the search permission: the
    viewset checks and logs it."""

    adres = filters.CharFilter(method=_geen_filter, help_text="Exact adres (K7).")
    soortDigitaalAdres = filters.ChoiceFilter(
        field_name="soort_digitaal_adres", choices=SoortDigitaalAdres.choices
    )
    omschrijving = filters.CharFilter(field_name="omschrijving")
    referentie = filters.CharFilter(field_name="referentie")
    isStandaardAdres = BooleanFilter(field_name="is_standaard_adres")
    isGeverifieerd = BooleanFilter(method="filter_geverifieerd")
    verificatieDatum = filters.DateFilter(field_name="verificatie_datum")
    verificatieDatum__gt = filters.DateFilter(field_name="verificatie_datum", lookup_expr="gt")
    verificatieDatum__gte = filters.DateFilter(field_name="verificatie_datum", lookup_expr="gte")
    verificatieDatum__lt = filters.DateFilter(field_name="verificatie_datum", lookup_expr="lt")
    verificatieDatum__lte = filters.DateFilter(field_name="verificatie_datum", lookup_expr="lte")
    verstrektDoorPartij__uuid = UUIDFilter(field_name="klant__uuid")
    verstrektDoorPartij__url = URLFilter(method="filter_partij_url")
    verstrektDoorPartij__soortPartij = filters.ChoiceFilter(
        choices=SoortPartij.choices, method="filter_soort_partij"
    )
    verstrektDoorPartij__partijIdentificator__codeObjecttype = filters.CharFilter(
        method=_geen_filter
    )
    verstrektDoorPartij__partijIdentificator__codeSoortObjectId = filters.CharFilter(
        method=_geen_filter
    )
    verstrektDoorPartij__partijIdentificator__objectId = filters.CharFilter(method=_geen_filter)
    verstrektDoorPartij__partijIdentificator__codeRegister = filters.CharFilter(method=_geen_filter)
    verstrektDoorBetrokkene__uuid = UUIDFilter(field_name="betrokkene__uuid")
    verstrektDoorBetrokkene__url = URLFilter(method="filter_betrokkene_url")
    verstrektDoorBetrokkene__rol = filters.ChoiceFilter(
        field_name="betrokkene__rol", choices=BetrokkeneRol.choices
    )

    class Meta:
        model = DigitaalAdres
        fields: list[str] = []

    def filter_geverifieerd(self, queryset, name, value):
        return queryset.filter(verificatie_datum__isnull=not value)

    def _uuid_uit(self, collectie, value):
        from klanten.datamodel.partijrepresentatie import KIContext

        return KIContext("").uuid_uit_url(collectie, value)

    def filter_partij_url(self, queryset, name, value):
        uuid = self._uuid_uit("partijen", value)
        return queryset.filter(klant__uuid=uuid) if uuid else queryset.none()

    def filter_betrokkene_url(self, queryset, name, value):
        uuid = self._uuid_uit("betrokkenen", value)
        return queryset.filter(betrokkene__uuid=uuid) if uuid else queryset.none()

    def filter_soort_partij(self, queryset, name, value):
        klanten = PartijFilter.filter_soort(None, Klant.objects.all(), name, value)
        return queryset.filter(klant__in=klanten)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        eigen = _groep(self.form.cleaned_data, "verstrektDoorPartij__partijIdentificator__")
        if eigen:
            queryset = queryset.filter(identificator_bestaat("klant_id", eigen))
        return queryset
