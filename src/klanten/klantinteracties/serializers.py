"""The request shapes of the partij side (Open Klant 0.9.0), which also document the
responses in the schema. Shape only: the rules are in ``klanten.datamodel`` (partijservices,
rules). Read-only and unknown input fields are ignored; ``null`` is accepted for list fields.
Keys arrive snake_case (the camelCase parser) and are documented camelCase."""

import re

from django.core.validators import EmailValidator, RegexValidator
from rest_framework import serializers

from klanten.datamodel.partijen import (
    CodeObjecttype,
    CodeRegister,
    CodeSoortObjectId,
    SoortDigitaalAdres,
    SoortPartij,
)

TELEFOON = re.compile(r"^(0[1-9][0-9]{8}|\+[0-9]{9,15}|00[0-9]{7,13})$")
NIET_TOEGESTAAN = ("0800", "0900", "1400", "140")


class TekstVeld(serializers.CharField):
    """A string field that takes only strings (DRF would turn ``0`` into ``"0"``)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class UUIDVeld(serializers.UUIDField):
    """A uuid given as a string only (DRF would read ``false`` or ``0`` as a number)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class BooleanVeld(serializers.BooleanField):
    """``true`` or ``false`` only (DRF would also read ``0``, ``"yes"``, ``"on"``)."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class ForeignKeySerializer(serializers.Serializer):
    uuid = UUIDVeld(help_text="Unieke (technische) identificatiecode.")
    url = serializers.URLField(read_only=True, max_length=1000, min_length=1)


class PartijForeignKeySerializer(ForeignKeySerializer):
    uuid = UUIDVeld(help_text="Unieke (technische) identificatiecode van de partij.")


class BetrokkeneForeignKeySerializer(ForeignKeySerializer):
    uuid = UUIDVeld(
        help_text="Unieke (technische) identificatiecode van de betrokkene bij klantcontact."
    )


class DigitaalAdresForeignKeySerializer(ForeignKeySerializer):
    uuid = UUIDVeld(help_text="Unieke (technische) identificatiecode van het digitaal adres.")


class PartijIdentificatorForeignKeySerializer(ForeignKeySerializer):
    uuid = UUIDVeld(help_text="Unieke (technische) identificatiecode van de partij-identificator.")


class PartijIdentificatorGroepTypeSerializer(serializers.Serializer):
    code_objecttype = serializers.ChoiceField(choices=CodeObjecttype.choices)
    code_soort_object_id = serializers.ChoiceField(choices=CodeSoortObjectId.choices)
    object_id = TekstVeld(max_length=200)
    code_register = serializers.ChoiceField(choices=CodeRegister.choices)


class PartijIdentificatorSerializer(serializers.Serializer):
    uuid = UUIDVeld(
        required=False,
        help_text="Unieke (technische) identificatiecode van de partij-identificator.",
    )
    url = serializers.URLField(read_only=True, max_length=1000, min_length=1)
    identificeerde_partij = PartijForeignKeySerializer(required=False, allow_null=True)
    andere_partij_identificator = TekstVeld(max_length=200, required=False, allow_blank=True)
    partij_identificator = PartijIdentificatorGroepTypeSerializer()
    sub_identificator_van = PartijIdentificatorForeignKeySerializer(required=False, allow_null=True)


# ``adresregel1..3`` arrive as ``adresregel_1..3`` (the camelCase parser splits digits off)
# and are documented camelCase again
class AdresSerializer(serializers.Serializer):
    nummeraanduiding_id = TekstVeld(
        max_length=16,
        required=False,
        allow_blank=True,
        validators=[RegexValidator(r"^[0-9]{16}$")],
    )
    straatnaam = TekstVeld(max_length=255, required=False, allow_blank=True)
    huisnummer = serializers.IntegerField(
        min_value=1, max_value=99999, required=False, allow_null=True
    )
    huisnummertoevoeging = TekstVeld(max_length=20, required=False, allow_blank=True)
    postcode = TekstVeld(
        max_length=7,
        required=False,
        allow_blank=True,
        validators=[RegexValidator(r"^[1-9][0-9]{3} [A-Z]{2}$")],
    )
    stad = TekstVeld(max_length=255, required=False, allow_blank=True)
    adresregel_1 = TekstVeld(max_length=80, required=False, allow_blank=True)
    adresregel_2 = TekstVeld(max_length=80, required=False, allow_blank=True)
    adresregel_3 = TekstVeld(max_length=80, required=False, allow_blank=True)
    land = TekstVeld(min_length=2, max_length=2, required=False, allow_blank=True)


class ContactnaamSerializer(serializers.Serializer):
    voorletters = TekstVeld(max_length=10, required=False, allow_blank=True)
    voornaam = TekstVeld(max_length=200, required=False, allow_blank=True)
    voorvoegsel_achternaam = TekstVeld(max_length=10, required=False, allow_blank=True)
    achternaam = TekstVeld(max_length=200, required=False, allow_blank=True)


class PartijIdentificatieSerializer(serializers.Serializer):
    """The three shapes of Open Klant's polymorphic ``partijIdentificatie`` in one object:
    persoon ``{contactnaam}``, organisatie ``{naam}``, contactpersoon ``{werkteVoorPartij,
    contactnaam}`` (``volledigeNaam`` and ``uuid`` read-only)."""

    uuid = UUIDVeld(read_only=True)
    werkte_voor_partij = PartijForeignKeySerializer(required=False, allow_null=True)
    contactnaam = ContactnaamSerializer(required=False, allow_null=True)
    volledige_naam = TekstVeld(read_only=True)
    naam = TekstVeld(max_length=200, required=False, allow_blank=True)


class PartijSerializer(serializers.Serializer):
    uuid = UUIDVeld(read_only=True)
    url = serializers.URLField(read_only=True, max_length=1000, min_length=1)
    nummer = TekstVeld(
        max_length=10,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="Het klantnummer als het alleen uit cijfers bestaat, anders null (K8); "
        "wordt bij invoer genegeerd.",
    )
    interne_notitie = TekstVeld(max_length=1000, required=False, allow_blank=True)
    betrokkenen = BetrokkeneForeignKeySerializer(many=True, read_only=True)
    categorie_relaties = ForeignKeySerializer(many=True, read_only=True)
    digitale_adressen = DigitaalAdresForeignKeySerializer(
        many=True, required=False, allow_null=True
    )
    voorkeurs_digitaal_adres = DigitaalAdresForeignKeySerializer(required=False, allow_null=True)
    vertegenwoordigden = PartijForeignKeySerializer(many=True, read_only=True)
    rekeningnummers = ForeignKeySerializer(many=True, required=False, allow_null=True)
    voorkeurs_rekeningnummer = ForeignKeySerializer(required=False, allow_null=True)
    partij_identificatoren = PartijIdentificatorSerializer(
        many=True, required=False, allow_null=True
    )
    soort_partij = serializers.ChoiceField(choices=SoortPartij.choices)
    indicatie_geheimhouding = BooleanVeld(required=False, allow_null=True)
    voorkeurstaal = TekstVeld(max_length=3, required=False, allow_blank=True)
    indicatie_actief = BooleanVeld()
    bezoekadres = AdresSerializer(required=False, allow_null=True)
    correspondentieadres = AdresSerializer(required=False, allow_null=True)
    partij_identificatie = PartijIdentificatieSerializer(required=False, allow_null=True)

    def validate_rekeningnummers(self, value):
        if value:
            raise serializers.ValidationError(
                "Rekeningnummers worden niet ondersteund (K11).", code="niet-ondersteund"
            )
        return value

    def validate_voorkeurs_rekeningnummer(self, value):
        if value:
            raise serializers.ValidationError(
                "Rekeningnummers worden niet ondersteund (K11).", code="niet-ondersteund"
            )
        return value


def valideer_adres(soort: str, adres: str) -> None:
    """The format of an address of its kind (Open Klant's rules)."""
    if soort == SoortDigitaalAdres.email:
        EmailValidator(message="Voer een geldig e-mailadres in.")(adres)
    elif soort == SoortDigitaalAdres.telefoonnummer and (
        not TELEFOON.fullmatch(adres) or adres.startswith(NIET_TOEGESTAAN)
    ):
        raise serializers.ValidationError("Het telefoonnummer is ongeldig.", code="invalid")


class DigitaalAdresSerializer(serializers.Serializer):
    uuid = UUIDVeld(read_only=True)
    url = serializers.URLField(read_only=True, max_length=1000, min_length=1)
    verstrekt_door_betrokkene = BetrokkeneForeignKeySerializer(required=False, allow_null=True)
    verstrekt_door_partij = PartijForeignKeySerializer(required=False, allow_null=True)
    adres = TekstVeld(max_length=80)
    soort_digitaal_adres = serializers.ChoiceField(choices=SoortDigitaalAdres.choices)
    is_standaard_adres = BooleanVeld(required=False)
    omschrijving = TekstVeld(max_length=40, required=False, allow_blank=True)
    referentie = TekstVeld(
        max_length=50,
        required=False,
        allow_blank=True,
        validators=[RegexValidator(r"^[-a-zA-Z0-9_]+$")],
    )
    verificatie_datum = serializers.DateField(required=False, allow_null=True)

    def validate(self, attrs):
        soort = attrs.get("soort_digitaal_adres")
        if soort is None and self.instance is not None:
            soort = self.instance.soort_digitaal_adres
        adres = attrs.get("adres")
        if adres is None and self.instance is not None and "soort_digitaal_adres" in attrs:
            adres = self.instance.adres
        if soort and adres is not None:
            try:
                valideer_adres(soort, adres)
            except Exception as exc:  # Django or DRF ValidationError
                from django.core.exceptions import ValidationError as DjangoValidationError

                if isinstance(exc, DjangoValidationError | serializers.ValidationError):
                    raise serializers.ValidationError(
                        {"adres": ["Het adres past niet bij het soort digitaal adres."]},
                        code="invalid",
                    ) from exc
                raise
        return attrs
