"""The list filters of the Contactmomenten API, in camelCase and snake_case spelling (as for
klanten, C10: ``klanten.api.filters``).

The FilterSets document the parameters (the schema) and validate their values through
prototype form fields; :func:`pas_toe` applies the cleaned values to a queryset. A URL filter
whose URL is well-formed but points at nothing of this service matches nothing (it is not an
error); a value that is not a URL at all is a 400.
"""

from datetime import UTC, datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db.models import Case, F, OuterRef, QuerySet, Subquery, TextField, Value, When
from django.db.models.functions import Cast, Concat
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from klanten.api.filters import FilterError, canonical_parameters
from klanten.datamodel import rules
from klanten.datamodel.klantcontacten import (
    IS_KLANTCONTACTMOMENT,
    ActorKlantcontact,
    Betrokkene,
    Initiatiefnemer,
    Klantcontact,
    KlantcontactmomentRol,
    ObjectType,
    Onderwerpobject,
    SoortActor,
    met_contactmoment_rol,
)

from . import verwijzingen

_URL = [URLValidator()]


def _referentie(value):
    from rest_framework.exceptions import ValidationError as DRFValidationError

    from .serializers import geldige_referentie

    try:
        geldige_referentie(value)
    except DRFValidationError as exc:
        raise ValidationError("Voer een geldige URL in.", code="invalid") from exc


_REFERENTIE = [_referentie]


@extend_schema_field(OpenApiTypes.URI)
class URLFilter(filters.CharFilter):
    """A filter on a URL (documented as ``format: uri``, as the standard does)."""


REGISTRATIEDATUM_HELP = "De datum en het tijdstip waarop het CONTACTMOMENT is geregistreerd."


def _rsin(value):
    if value:
        rules.validate_rsin(value)


# the standard's `ordering` values (snake_case, as the standard lists them)
ORDERING_VELDEN = (
    "url",
    "bronorganisatie",
    "klant",
    "registratiedatum",
    "kanaal",
    "voorkeurskanaal",
    "tekst",
    "onderwerp_links",
    "initiatiefnemer",
    "medewerker",
    "medewerker_identificatie",
)
ORDERING_CHOICES = [(v, v) for veld in ORDERING_VELDEN for v in (veld, f"-{veld}")]


class ContactMomentFilter(filters.FilterSet):
    vorigContactmoment = URLFilter(
        field_name="vorig_klantcontact",
        validators=_REFERENTIE,
        help_text="URL-referentie naar het vorige CONTACTMOMENT.",
    )
    volgendContactmoment = URLFilter(
        field_name="volgend_klantcontact",
        validators=_REFERENTIE,
        help_text="URL-referentie naar het volgende CONTACTMOMENT.",
    )
    bronorganisatie = filters.CharFilter(
        validators=[_rsin],
        help_text="Het RSIN van de Niet-natuurlijk persoon zijnde de organisatie die de "
        "klantinteractie heeft gecreeerd. Dit moet een geldig RSIN zijn van 9 nummers en "
        "voldoen aan https://nl.wikipedia.org/wiki/Burgerservicenummer#11-proef",
    )
    registratiedatum = filters.IsoDateTimeFilter(
        field_name="plaatsgevonden_op", help_text=REGISTRATIEDATUM_HELP
    )
    registratiedatum__gt = filters.IsoDateTimeFilter(
        field_name="plaatsgevonden_op", lookup_expr="gt", help_text=REGISTRATIEDATUM_HELP
    )
    registratiedatum__gte = filters.IsoDateTimeFilter(
        field_name="plaatsgevonden_op", lookup_expr="gte", help_text=REGISTRATIEDATUM_HELP
    )
    registratiedatum__lt = filters.IsoDateTimeFilter(
        field_name="plaatsgevonden_op", lookup_expr="lt", help_text=REGISTRATIEDATUM_HELP
    )
    registratiedatum__lte = filters.IsoDateTimeFilter(
        field_name="plaatsgevonden_op", lookup_expr="lte", help_text=REGISTRATIEDATUM_HELP
    )
    kanaal = filters.CharFilter(
        help_text="Het communicatiekanaal waarlangs het CONTACTMOMENT gevoerd wordt"
    )
    voorkeurskanaal = filters.CharFilter(
        help_text="Het communicatiekanaal dat voor opvolging van de klantinteractie de voorkeur "
        "heeft van de KLANT."
    )
    voorkeurstaal = filters.CharFilter(
        field_name="taal",
        help_text="Een ISO 639-2/B taalcode waarin de inhoud van het INFORMATIEOBJECT is "
        "vastgelegd. Voorbeeld: `nld`. Zie: https://www.iso.org/standard/4767.html",
    )
    initiatiefnemer = filters.ChoiceFilter(
        choices=Initiatiefnemer.choices, help_text="De partij die het contact heeft geïnitieerd."
    )
    medewerker = URLFilter(
        field_name="medewerker_url",
        validators=_URL,
        help_text="URL-referentie naar een medewerker",
    )
    ordering = filters.ChoiceFilter(
        method="ordening",  # applied by pas_toe
        choices=ORDERING_CHOICES,
        help_text="Het veld waarop de resultaten geordend worden.",
    )

    class Meta:
        model = Klantcontact
        fields: list[str] = []

    def ordening(self, queryset, name, value):  # pragma: no cover - see pas_toe
        return queryset


class KlantContactMomentFilter(filters.FilterSet):
    contactmoment = URLFilter(
        field_name="klantcontact",
        validators=_REFERENTIE,
        help_text="URL-referentie naar het CONTACTMOMENT.",
    )
    klant = URLFilter(
        field_name="klant", validators=_REFERENTIE, help_text="URL-referentie naar de KLANT."
    )
    rol = filters.ChoiceFilter(
        choices=KlantcontactmomentRol.choices,
        help_text="De rol van de KLANT in het CONTACTMOMENT. Indien de KLANT zowel "
        "gesprekspartner als belanghebbende is, dan worden er twee KLANTCONTACTMOMENTen "
        "aangemaakt.",
    )

    class Meta:
        model = Betrokkene
        fields: list[str] = []


class ObjectContactMomentFilter(filters.FilterSet):
    object = URLFilter(
        field_name="object_url",
        validators=_REFERENTIE,
        help_text="URL-referentie naar het gerelateerde OBJECT (in een andere API).",
    )
    contactmoment = URLFilter(
        field_name="klantcontact",
        validators=_REFERENTIE,
        help_text="URL-referentie naar het CONTACTMOMENT.",
    )
    objectType = filters.ChoiceFilter(
        field_name="object_type",
        choices=ObjectType.choices,
        help_text="Het type van het gerelateerde OBJECT.",
    )

    class Meta:
        model = Onderwerpobject
        fields: list[str] = []


class Filters:
    """One FilterSet's parameters: canonical spellings and prototype fields to validate with
    (building a FilterSet per request deep-copies all its filters)."""

    def __init__(self, filterset_class):
        self.prototype = filterset_class()
        self.canonical = canonical_parameters([*filterset_class.base_filters, "page"])

    def clean(self, params: dict[str, str]) -> dict:
        cleaned: dict = {}
        errors: dict = {}
        for name, raw in params.items():
            if name == "ordering" and isinstance(raw, str):
                raw = _ORDERING_ALIASES.get(raw, raw)
            try:
                value = self.prototype.filters[name].field.clean(raw)
                if isinstance(value, datetime):
                    # PostgreSQL takes offsets up to 15:59 only (found by fuzzing: a 500)
                    value = value.astimezone(UTC)
            except ValidationError as exc:
                errors[name] = exc
                continue
            except OverflowError:
                errors[name] = ValidationError("Datum/tijd buiten bereik.", code="overflow")
                continue
            if value not in (None, ""):
                cleaned[name] = value
        if errors:
            raise FilterError(errors)
        return cleaned


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


# the ordering values also in camelCase (onderwerpLinks, -medewerkerIdentificatie)
_ORDERING_ALIASES = {
    f"{sign}{_camel(veld)}": f"{sign}{veld}"
    for veld in ORDERING_VELDEN
    if "_" in veld
    for sign in ("", "-")
}

CONTACTMOMENT_FILTERS = Filters(ContactMomentFilter)
KLANTCONTACTMOMENT_FILTERS = Filters(KlantContactMomentFilter)
OBJECTCONTACTMOMENT_FILTERS = Filters(ObjectContactMomentFilter)


# --- applying them -------------------------------------------------------------------------------


def _contactmoment(queryset: QuerySet, field: str, url: str, request) -> QuerySet:
    key = verwijzingen.contactmoment_uuid(url, request)
    if key is None:
        return queryset.none()
    return queryset.filter(**{f"{field}__uuid": key})


_CONTACTMOMENT_VELDEN = {
    "bronorganisatie": "bronorganisatie",
    "registratiedatum": "plaatsgevonden_op",
    "registratiedatum__gt": "plaatsgevonden_op__gt",
    "registratiedatum__gte": "plaatsgevonden_op__gte",
    "registratiedatum__lt": "plaatsgevonden_op__lt",
    "registratiedatum__lte": "plaatsgevonden_op__lte",
    "kanaal": "kanaal",
    "voorkeurskanaal": "voorkeurskanaal",
    "voorkeurstaal": "taal",
    "initiatiefnemer": "initiatiefnemer",
    "medewerker": "medewerker_url",
}


def _ordering_expression(veld: str, basis):
    """What an ``ordering`` value orders by (the standard names representation fields)."""
    if veld == "url":
        return Cast("uuid", TextField())
    if veld == "klant":
        # the first klant URL among its klantcontactmomenten
        volledig = Case(
            When(
                klant__isnull=False,
                then=Concat(Value(basis.klanten), Cast("klant__uuid", TextField())),
            ),
            default=F("klant_url"),
            output_field=TextField(),
        )
        urls = (
            Betrokkene.objects.filter(IS_KLANTCONTACTMOMENT, klantcontact=OuterRef("pk"))
            .annotate(volledig=volledig)
            .order_by("volledig")
            .values("volledig")[:1]
        )
        return Subquery(urls, output_field=TextField())
    if veld == "medewerker_identificatie":
        return Subquery(
            ActorKlantcontact.objects.filter(
                klantcontact=OuterRef("pk"), actor__soort_actor=SoortActor.medewerker
            )
            .order_by("id")
            .values("actor__object_id")[:1],
            output_field=TextField(),
        )
    return F(
        {
            "registratiedatum": "plaatsgevonden_op",
            "tekst": "inhoud",
            "medewerker": "medewerker_url",
        }.get(veld, veld)
    )


def pas_toe_contactmomenten(queryset: QuerySet, values: dict, request, basis) -> QuerySet:
    for name, value in values.items():
        if name == "ordering":
            continue
        if name == "vorigContactmoment":
            queryset = _contactmoment(queryset, "vorig_klantcontact", value, request)
        elif name == "volgendContactmoment":
            queryset = _contactmoment(queryset, "volgend_klantcontact", value, request)
        else:
            queryset = queryset.filter(**{_CONTACTMOMENT_VELDEN[name]: value})
    ordering = values.get("ordering")
    if ordering:
        veld = ordering.lstrip("-")
        expression = _ordering_expression(veld, basis)
        if ordering.startswith("-"):
            return queryset.order_by(expression.desc(nulls_last=True), "-id")
        return queryset.order_by(expression.asc(nulls_last=True), "id")
    return queryset.order_by("-id")


def pas_toe_klantcontactmomenten(queryset: QuerySet, values: dict, request) -> QuerySet:
    for name, value in values.items():
        if name == "contactmoment":
            queryset = _contactmoment(queryset, "klantcontact", value, request)
        elif name == "klant":
            key = verwijzingen.klant_uuid(value, request)
            if key is not None:
                queryset = queryset.filter(klant__uuid=key)
            else:
                queryset = queryset.filter(klant__isnull=True, klant_url=value)
        elif name == "rol":
            queryset = queryset.filter(met_contactmoment_rol(value))
    return queryset.order_by("-id")


def pas_toe_objectcontactmomenten(queryset: QuerySet, values: dict, request) -> QuerySet:
    for name, value in values.items():
        if name == "contactmoment":
            queryset = _contactmoment(queryset, "klantcontact", value, request)
        elif name == "object":
            queryset = queryset.filter(object_url=value)
        elif name == "objectType":
            queryset = queryset.filter(object_type=value)
    return queryset.order_by("-id")
