"""Input shapes of the Contactmomenten API 1.0.0 (and the documented output shapes).

Serializers check shape only: types, lengths, enums and identifier formats. References
(``vorigContactmoment``, ``contactmoment``, ``klant``, ``object``) are resolved and checked by
the views (``verwijzingen``), the rules live in ``klanten.datamodel``; the output is built
by ``representation`` (plain functions over database rows).
"""

from collections.abc import Mapping
from urllib.parse import urlsplit

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.settings import api_settings

from klanten.api.prebuilt import PrebuiltFields
from klanten.api.validators import rsin_validator
from klanten.datamodel.klantcontacten import Initiatiefnemer, KlantcontactmomentRol, ObjectType

URL_HELP = (
    "URL-referentie naar dit object. Dit is de unieke identificatie en locatie van dit object."
)


def geldige_referentie(value: str) -> None:
    """A reference is an absolute http(s) URL. Unlike Django's URLValidator it takes any host
    name (``http://klanten:8000/...`` in a container network, ``http://testserver``): a URL
    of this service is whatever its requests are addressed to."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises for a malformed port)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or any(char.isspace() for char in value)
    ):
        raise serializers.ValidationError("Voer een geldige URL in.", code="invalid")


@extend_schema_field({"type": "string", "format": "uri", "maxLength": 1000, "minLength": 1})
class ReferentieField(serializers.CharField):
    """A URL reference to a resource (here or elsewhere), see :func:`geldige_referentie`."""

    def __init__(self, **kwargs):
        super().__init__(max_length=1000, min_length=1, **kwargs)
        self.validators.append(geldige_referentie)


def _url(help_text: str, **kwargs) -> serializers.Field:
    if kwargs.get("read_only"):
        return serializers.URLField(max_length=1000, min_length=1, help_text=help_text, **kwargs)
    return ReferentieField(help_text=help_text, **kwargs)


def _text(max_length: int | None, help_text: str) -> serializers.CharField:
    kwargs = {"max_length": max_length} if max_length else {}
    return serializers.CharField(required=False, allow_blank=True, help_text=help_text, **kwargs)


# a body must be a JSON object (never a 500 or a silent empty write for a list); the fields
# are built once per class, not per request (``klanten.api.prebuilt``)
class ObjectSerializer(PrebuiltFields, serializers.Serializer):
    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: ["Verwacht een JSON-object."]}, code="invalid"
            )
        return super().to_internal_value(data)


class MedewerkerSerializer(ObjectSerializer):
    identificatie = _text(24, "Een korte unieke aanduiding van de MEDEWERKER.")
    achternaam = _text(
        200, "De achternaam zoals de MEDEWERKER die in het dagelijkse verkeer gebruikt."
    )
    voorletters = _text(
        20,
        "De verzameling letters die gevormd wordt door de eerste letter van alle in volgorde "
        "voorkomende voornamen.",
    )
    voorvoegsel_achternaam = _text(
        10,
        "Dat deel van de geslachtsnaam dat voorkomt in Tabel 36 (GBA), voorvoegseltabel, en "
        "door een spatie van de geslachtsnaam is",
    )


class ContactMomentSerializer(ObjectSerializer):
    url = _url(URL_HELP, read_only=True)
    vorig_contactmoment = _url(
        "URL-referentie naar het vorige CONTACTMOMENT.", required=False, allow_null=True
    )
    volgend_contactmoment = _url(
        "URL-referentie naar het volgende CONTACTMOMENT.", read_only=True, allow_null=True
    )
    bronorganisatie = serializers.CharField(
        max_length=9,
        min_length=1,
        validators=[rsin_validator],
        help_text="Het RSIN van de Niet-natuurlijk persoon zijnde de organisatie die de "
        "klantinteractie heeft gecreeerd. Dit moet een geldig RSIN zijn van 9 nummers en "
        "voldoen aan https://nl.wikipedia.org/wiki/Burgerservicenummer#11-proef",
    )
    registratiedatum = serializers.DateTimeField(
        required=False,
        help_text="De datum en het tijdstip waarop het CONTACTMOMENT is geregistreerd. "
        "Standaard: het moment van aanmaken.",
    )
    kanaal = _text(50, "Het communicatiekanaal waarlangs het CONTACTMOMENT gevoerd wordt")
    voorkeurskanaal = _text(
        50,
        "Het communicatiekanaal dat voor opvolging van de klantinteractie de voorkeur heeft "
        "van de KLANT.",
    )
    voorkeurstaal = _text(
        3,
        "Een ISO 639-2/B taalcode waarin de inhoud van het INFORMATIEOBJECT is vastgelegd. "
        "Voorbeeld: `nld`. Zie: https://www.iso.org/standard/4767.html",
    )
    tekst = _text(
        None, "Een toelichting die inhoudelijk de klantinteractie van de klant beschrijft."
    )
    onderwerp_links = serializers.ListField(
        child=serializers.URLField(
            max_length=1000,
            min_length=1,
            help_text="URL naar een product, webpagina of andere entiteit zodat contactmomenten "
            "gegroepeerd kunnen worden.",
        ),
        required=False,
        help_text="Eén of meerdere links naar een product, webpagina of andere entiteit zodat "
        "contactmomenten gegroepeerd kunnen worden op onderwerp.",
    )
    initiatiefnemer = serializers.ChoiceField(
        choices=Initiatiefnemer.choices,
        required=False,
        allow_blank=True,
        help_text="De partij die het contact heeft geïnitieerd.",
    )
    medewerker = serializers.URLField(
        max_length=1000,
        required=False,
        allow_blank=True,
        help_text="URL-referentie naar een medewerker",
    )
    medewerker_identificatie = MedewerkerSerializer(required=False, allow_null=True)


class KlantContactMomentSerializer(ObjectSerializer):
    url = _url(URL_HELP, read_only=True)
    contactmoment = _url("URL-referentie naar het CONTACTMOMENT.")
    klant = _url("URL-referentie naar de KLANT.")
    rol = serializers.ChoiceField(
        choices=KlantcontactmomentRol.choices,
        help_text="De rol van de KLANT in het CONTACTMOMENT. Indien de KLANT zowel "
        "gesprekspartner als belanghebbende is, dan worden er twee KLANTCONTACTMOMENTen "
        "aangemaakt.",
    )


class ObjectContactMomentSerializer(ObjectSerializer):
    url = _url(URL_HELP, read_only=True)
    contactmoment = _url("URL-referentie naar het CONTACTMOMENT.")
    object = _url("URL-referentie naar het gerelateerde OBJECT (in een andere API).")
    object_type = serializers.ChoiceField(
        choices=ObjectType.choices, help_text="Het type van het gerelateerde OBJECT."
    )
