"""Input shapes of the Klantinteracties klantcontact resources (Open Klant 0.9.0 wire).

Serializers check shape only: types, lengths, enums. References (``{uuid}`` objects) are
resolved by the views, the rules live in ``klanten.datamodel`` (``kicontacten``); the output is
built by ``datamodel.kicontactrepresentatie``. Read-only and unknown input fields are ignored
(K1: KISS sends ``betrokkenen: []`` and ``medewerkerIdentificatie``); ``null`` is accepted for
optional fields.
"""

from collections.abc import Mapping

from rest_framework import serializers
from rest_framework.settings import api_settings

from klanten.datamodel.klantcontacten import BetrokkeneRol, InterneTaakStatus, SoortActor
from klanten.klantinteracties.serializers import TekstVeld, UUIDVeld

TELEFOON = r"^(0[1-9][0-9]{8}|\+[0-9]{9,15}|00[0-9]{7,13})$"
POSTCODE = r"^[1-9][0-9]{3} [A-Z]{2}$"


class ObjectSerializer(serializers.Serializer):
    """A body (or nested group) must be a JSON object."""

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: ["Verwacht een JSON-object."]}, code="invalid"
            )
        return super().to_internal_value(data)


class StrengBoolean(serializers.BooleanField):
    """``true`` or ``false`` only (DRF would also read ``0``, ``"yes"``...)."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class StrengGetal(serializers.IntegerField):
    """A JSON integer only (DRF would also read ``"7"`` or ``7.0``)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


def _text(max_length: int | None = None, **kwargs) -> serializers.CharField:
    """An optional text; ``null`` reads as empty."""
    if max_length:
        kwargs["max_length"] = max_length
    kwargs.setdefault("required", False)
    return NullAsBlankCharField(allow_blank=True, **kwargs)


class NullAsBlankCharField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)

    def validate_empty_values(self, data):
        if data is None:
            return True, ""
        return super().validate_empty_values(data)


class ReferentieSerializer(ObjectSerializer):
    """A reference ``{uuid, url}``: the ``uuid`` identifies it (``url`` is read-only)."""

    uuid = UUIDVeld()
    url = serializers.URLField(read_only=True, max_length=1000, min_length=1)


def _uuid_url() -> dict:
    """The read-only identity of every resource (documented for the answers)."""
    return {
        "uuid": serializers.UUIDField(read_only=True),
        "url": serializers.URLField(read_only=True, max_length=1000, min_length=1),
    }


def _refs() -> ReferentieSerializer:
    return ReferentieSerializer(many=True, read_only=True)


def _ref(**kwargs) -> ReferentieSerializer:
    return ReferentieSerializer(**kwargs)


class MetadataField(serializers.DictField):
    child = TekstVeld(max_length=255, allow_blank=True)


class KlantcontactSerializer(ObjectSerializer):
    uuid = _uuid_url()["uuid"]
    url = _uuid_url()["url"]
    ging_over_onderwerpobjecten = _refs()
    had_betrokken_actoren = serializers.ListField(child=serializers.DictField(), read_only=True)
    omvatte_bijlagen = _refs()
    had_betrokkenen = _refs()
    leidde_tot_interne_taken = _refs()
    nummer = _text(10)
    referentienummer = _text(10)
    kanaal = TekstVeld(max_length=50)
    onderwerp = TekstVeld(max_length=200, allow_blank=True)
    inhoud = _text(1000)
    reactie = _text(4000)
    indicatie_contact_gelukt = StrengBoolean(required=False, allow_null=True)
    hoofd_onderwerp_type = serializers.URLField(
        max_length=200, required=False, allow_blank=True, allow_null=True
    )
    verdere_actie_ondernomen = StrengBoolean(required=False, default=False)
    taal = TekstVeld(max_length=3)
    vertrouwelijk = StrengBoolean()
    plaatsgevonden_op = serializers.DateTimeField(required=False)
    metadata = MetadataField(required=False, allow_null=True)

    def validate(self, attrs):
        # Open Klant's database check: a contact that succeeded needs no further action
        if attrs.get("indicatie_contact_gelukt") and attrs.get("verdere_actie_ondernomen"):
            raise serializers.ValidationError(
                {
                    "verdere_actie_ondernomen": [
                        "Een gelukt contact (indicatieContactGelukt) kan geen verdere actie "
                        "ondernomen hebben."
                    ]
                },
                code="invalid",
            )
        if attrs.get("hoofd_onderwerp_type") is None:
            attrs.pop("hoofd_onderwerp_type", None)
        if attrs.get("metadata") is None:
            attrs.pop("metadata", None)
        return attrs


class BetrokkeneContactnaamSerializer(ObjectSerializer):
    voorletters = _text(10)
    voornaam = _text(200)
    voorvoegsel_achternaam = _text(10)
    achternaam = _text(200)


class BetrokkeneAdresSerializer(ObjectSerializer):
    nummeraanduiding_id = _text(16)
    straatnaam = _text(255)
    huisnummer = StrengGetal(required=False, allow_null=True, min_value=1, max_value=99999)
    huisnummertoevoeging = _text(20)
    postcode = _text(7)
    stad = _text(255)
    # ``adresregel1..3`` arrive as ``adresregel_1..3`` (the camelCase parser splits digits
    # off) and are documented camelCase again
    adresregel_1 = _text(80)
    adresregel_2 = _text(80)
    adresregel_3 = _text(80)
    land = _text(2)

    def validate_nummeraanduiding_id(self, value):
        if value and not (len(value) == 16 and value.isdigit()):
            raise serializers.ValidationError("Een BAG-id is 16 cijfers.", code="invalid")
        return value

    def validate_postcode(self, value):
        import re

        if value and not re.fullmatch(POSTCODE, value):
            raise serializers.ValidationError(
                "Een postcode is vier cijfers, een spatie en twee hoofdletters.", code="invalid"
            )
        return value

    def validate_land(self, value):
        if value and len(value) != 2:
            raise serializers.ValidationError("Een landcode is ISO 3166 alpha-2.", code="invalid")
        return value


ADRES_WIRE = {
    "nummeraanduiding_id": "nummeraanduidingId",
    "straatnaam": "straatnaam",
    "huisnummer": "huisnummer",
    "huisnummertoevoeging": "huisnummertoevoeging",
    "postcode": "postcode",
    "stad": "stad",
    "adresregel_1": "adresregel1",
    "adresregel_2": "adresregel2",
    "adresregel_3": "adresregel3",
    "land": "land",
}


def adres_opslag(value: dict | None) -> dict | None:
    """An address group as stored: JSON in the wire's shape (every key)."""
    if value is None:
        return None
    return {
        wire: value.get(veld, None if veld == "huisnummer" else "")
        for veld, wire in ADRES_WIRE.items()
    }


class BetrokkeneVeldenSerializer(ObjectSerializer):
    """A betrokkene without its klantcontact (``maak-klantcontact`` gives none)."""

    uuid = _uuid_url()["uuid"]
    url = _uuid_url()["url"]
    digitale_adressen = _refs()
    volledige_naam = TekstVeld(read_only=True)
    was_partij = _ref(required=False, allow_null=True)
    bezoekadres = BetrokkeneAdresSerializer(required=False, allow_null=True)
    correspondentieadres = BetrokkeneAdresSerializer(required=False, allow_null=True)
    contactnaam = BetrokkeneContactnaamSerializer(required=False, allow_null=True)
    rol = serializers.ChoiceField(choices=BetrokkeneRol.choices)
    organisatienaam = _text(200)
    initiator = StrengBoolean()


class BetrokkeneSerializer(BetrokkeneVeldenSerializer):
    had_klantcontact = _ref()


class OnderwerpobjectidentificatorSerializer(ObjectSerializer):
    object_id = _text(200)
    code_objecttype = _text(200)
    code_register = _text(200)
    code_soort_object_id = _text(200)


class OnderwerpobjectVeldenSerializer(ObjectSerializer):
    uuid = _uuid_url()["uuid"]
    url = _uuid_url()["url"]
    was_klantcontact = _ref(required=False, allow_null=True)
    onderwerpobjectidentificator = OnderwerpobjectidentificatorSerializer(
        required=False, allow_null=True
    )


class OnderwerpobjectSerializer(OnderwerpobjectVeldenSerializer):
    klantcontact = _ref(required=False, allow_null=True)


class MaakKlantcontactSerializer(ObjectSerializer):
    klantcontact = KlantcontactSerializer()
    betrokkene = BetrokkeneVeldenSerializer(required=False, allow_null=True)
    onderwerpobject = OnderwerpobjectVeldenSerializer(required=False, allow_null=True)


class ActoridentificatorSerializer(OnderwerpobjectidentificatorSerializer):
    pass


class MedewerkerIdentificatieSerializer(ObjectSerializer):
    functie = TekstVeld(max_length=40, allow_blank=True)
    emailadres = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    telefoonnummer = serializers.RegexField(TELEFOON, max_length=20, allow_blank=True)


class GeautomatiseerdeActorIdentificatieSerializer(ObjectSerializer):
    functie = TekstVeld(max_length=40, allow_blank=True)
    omschrijving = _text(200)


class OrganisatorischeEenheidIdentificatieSerializer(ObjectSerializer):
    omschrijving = _text(200)
    emailadres = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    faxnummer = _text(20)
    telefoonnummer = serializers.RegexField(
        TELEFOON, max_length=20, required=False, allow_blank=True
    )


ACTOR_IDENTIFICATIE = {
    SoortActor.medewerker: MedewerkerIdentificatieSerializer,
    SoortActor.geautomatiseerde_actor: GeautomatiseerdeActorIdentificatieSerializer,
    SoortActor.organisatorische_eenheid: OrganisatorischeEenheidIdentificatieSerializer,
}
ACTOR_IDENTIFICATIE_WIRE = {
    "functie": "functie",
    "emailadres": "emailadres",
    "telefoonnummer": "telefoonnummer",
    "omschrijving": "omschrijving",
    "faxnummer": "faxnummer",
}


class ActorSerializer(ObjectSerializer):
    uuid = _uuid_url()["uuid"]
    url = _uuid_url()["url"]
    naam = TekstVeld(max_length=200, allow_blank=True)
    soort_actor = serializers.ChoiceField(choices=SoortActor.choices)
    indicatie_actief = StrengBoolean(required=False, default=True)
    actoridentificator = ActoridentificatorSerializer(required=False, allow_null=True)
    actor_identificatie = serializers.DictField(required=False, allow_null=True)

    def validate(self, attrs):
        identificatie = attrs.get("actor_identificatie")
        if identificatie is not None:
            serializer = ACTOR_IDENTIFICATIE[attrs["soort_actor"]](data=identificatie)
            if not serializer.is_valid():
                raise serializers.ValidationError({"actor_identificatie": serializer.errors})
            attrs["actor_identificatie"] = {
                ACTOR_IDENTIFICATIE_WIRE[k]: v for k, v in serializer.validated_data.items()
            }
        return attrs


class ActorKlantcontactSerializer(ObjectSerializer):
    uuid = _uuid_url()["uuid"]
    url = _uuid_url()["url"]
    actor = _ref()
    klantcontact = _ref()


class InterneTaakSerializer(ObjectSerializer):
    uuid = _uuid_url()["uuid"]
    url = _uuid_url()["url"]
    toegewezen_op = serializers.DateTimeField(read_only=True)
    nummer = _text(10)
    referentienummer = _text(10)
    gevraagde_handeling = TekstVeld(max_length=200)
    aanleidinggevend_klantcontact = _ref()
    toegewezen_aan_actor = _ref(required=False, allow_null=True)
    toegewezen_aan_actoren = ReferentieSerializer(many=True, required=False, allow_null=True)
    toelichting = _text(1000)
    status = serializers.ChoiceField(choices=InterneTaakStatus.choices)
    afgehandeld_op = serializers.DateTimeField(required=False, allow_null=True)
