"""Input shape of the Klant resource (VNG Klanten API 1.0.0).

Serializers check shape only: types, lengths, enums and identifier formats. The writes
themselves are done by ``klanten.datamodel.services``; the output is built by
``klanten.api.representation`` (a plain function, much cheaper than DRF's serializer
machinery), so ``to_representation`` is not used on the hot read path.
"""

from collections.abc import Mapping

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.settings import api_settings
from vng_api_common.audittrails.api.serializers import AuditTrailSerializer
from vng_api_common.constants import ComponentTypes

from klanten.datamodel import rules
from klanten.datamodel.constants import GeslachtsAanduiding, SoortRechtsvorm, SubjectType

from .prebuilt import PrebuiltFields
from .validators import a_nummer_validator, bsn_validator, rsin_validator, validate_subject_url

_MISSING = object()
# the values of AuditTrail.bron in Klanten API 1.0.0
STANDARD_BRON = ("ac", "nrc", "zrc", "ztc", "drc", "brc", "cmc", "kc")


def _text(max_length: int, **kwargs) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, default="", **kwargs
    )


class KlantAdresSerializer(serializers.Serializer):
    straatnaam = _text(100)
    huisnummer = serializers.IntegerField(
        min_value=0, max_value=99999, required=False, allow_null=True, default=None
    )
    huisletter = _text(1)
    huisnummertoevoeging = _text(4)
    postcode = _text(7)
    woonplaatsnaam = _text(80)
    landcode = _text(
        4,
        help_text="De code, behorende bij de landnaam, zoals opgenomen in de Land/Gebied-tabel "
        "van de BRP.",
    )


class VerblijfsAdresSerializer(serializers.Serializer):
    aoa_identificatie = serializers.CharField(
        max_length=100, help_text="De unieke identificatie van het OBJECT"
    )
    wpl_woonplaats_naam = _text(80)
    gor_openbare_ruimte_naam = serializers.CharField(
        max_length=80,
        help_text="Een door het bevoegde gemeentelijke orgaan aan een OPENBARE RUIMTE "
        "toegekende benaming",
    )
    aoa_postcode = _text(7)
    aoa_huisnummer = serializers.IntegerField(
        min_value=0, max_value=99999, required=False, allow_null=True, default=None
    )
    aoa_huisletter = _text(1)
    aoa_huisnummertoevoeging = _text(4)
    inp_locatiebeschrijving = _text(1000)


class SubVerblijfBuitenlandSerializer(serializers.Serializer):
    lnd_landcode = serializers.CharField(
        max_length=4,
        help_text="De code, behorende bij de landnaam, zoals opgenomen in de Land/Gebied-tabel "
        "van de BRP.",
    )
    lnd_landnaam = serializers.CharField(
        max_length=40,
        help_text="De naam van het land, zoals opgenomen in de Land/Gebied-tabel van de BRP.",
    )
    sub_adres_buitenland_1 = _text(35)
    sub_adres_buitenland_2 = _text(35)
    sub_adres_buitenland_3 = _text(35)


@extend_schema_field({"type": "string", "pattern": r"^[1-9][0-9]{9}$", "maxLength": 10})
class ANummerField(serializers.RegexField):
    """Only the A-nummer rule validates (see below); the schema keeps the standard's pattern
    and maxLength, which DRF-spectacular would otherwise read from the dropped validators."""


class NatuurlijkPersoonSerializer(PrebuiltFields, serializers.Serializer):
    inp_bsn = _text(
        9,
        validators=[bsn_validator],
        help_text="Het burgerservicenummer, bedoeld in artikel 1.1 van de Wet algemene "
        "bepalingen burgerservicenummer.",
    )
    anp_identificatie = _text(
        17,
        help_text="Het door de gemeente uitgegeven unieke nummer voor een ANDER NATUURLIJK PERSOON",
    )
    inp_a_nummer = ANummerField(
        r"^[1-9][0-9]{9}$",
        max_length=10,
        required=False,
        allow_blank=True,
        default="",
        validators=[a_nummer_validator],
        help_text="Het administratienummer van de persoon, bedoeld in de Wet BRP",
    )
    geslachtsnaam = _text(200)
    voorvoegsel_geslachtsnaam = _text(80)
    voorletters = _text(20)
    voornamen = _text(200)
    geslachtsaanduiding = serializers.ChoiceField(
        choices=GeslachtsAanduiding.choices, required=False, allow_blank=True, default=""
    )
    geboortedatum = _text(18)
    verblijfsadres = VerblijfsAdresSerializer(required=False, allow_null=True)
    sub_verblijf_buitenland = SubVerblijfBuitenlandSerializer(required=False, allow_null=True)

    def get_fields(self):
        fields = super().get_fields()
        # the RegexField's own message would hide the fixed code of the A-nummer rule
        fields["inp_a_nummer"].validators = [a_nummer_validator]
        return fields


class NietNatuurlijkPersoonSerializer(PrebuiltFields, serializers.Serializer):
    inn_nnp_id = _text(
        9,
        validators=[rsin_validator],
        help_text="Het door een kamer toegekend uniek nummer voor de INGESCHREVEN "
        "NIET-NATUURLIJK PERSOON",
    )
    ann_identificatie = _text(
        17,
        help_text="Het door de gemeente uitgegeven unieke nummer voor een ANDER "
        "NIET-NATUURLIJK PERSOON",
    )
    statutaire_naam = _text(500)
    inn_rechtsvorm = serializers.ChoiceField(
        choices=SoortRechtsvorm.choices, required=False, allow_blank=True, default=""
    )
    bezoekadres = _text(1000)
    sub_verblijf_buitenland = SubVerblijfBuitenlandSerializer(required=False, allow_null=True)


class VestigingSerializer(PrebuiltFields, serializers.Serializer):
    vestigings_nummer = _text(24, help_text="Een korte unieke aanduiding van de Vestiging.")
    handelsnaam = serializers.ListField(
        child=serializers.CharField(max_length=625), required=False, default=list
    )
    verblijfsadres = VerblijfsAdresSerializer(required=False, allow_null=True)
    sub_verblijf_buitenland = SubVerblijfBuitenlandSerializer(required=False, allow_null=True)


IDENTIFICATIE_SERIALIZERS: dict[str, type[serializers.Serializer]] = {
    SubjectType.natuurlijk_persoon: NatuurlijkPersoonSerializer,
    SubjectType.niet_natuurlijk_persoon: NietNatuurlijkPersoonSerializer,
    SubjectType.vestiging: VestigingSerializer,
}


# its fields (and the identification's) are built once per class, not per request (prebuilt)
class KlantSerializer(PrebuiltFields, serializers.Serializer):
    """A KLANT. ``subjectIdentificatie`` takes the shape chosen by ``subjectType``."""

    url = serializers.URLField(
        read_only=True,
        max_length=1000,
        min_length=1,
        help_text="URL-referentie naar dit object. Dit is de unieke identificatie en locatie "
        "van dit object.",
    )
    bronorganisatie = serializers.CharField(
        max_length=9,
        min_length=1,
        validators=[rsin_validator],
        help_text="Het RSIN van de Niet-natuurlijk persoon zijnde de organisatie die de klant "
        "heeft gecreeerd. Dit moet een geldig RSIN zijn van 9 nummers en voldoen aan "
        "https://nl.wikipedia.org/wiki/Burgerservicenummer#11-proef",
    )
    klantnummer = serializers.CharField(
        max_length=8,
        min_length=1,
        required=False,
        help_text="De unieke identificatie van de klant binnen de bronorganisatie. "
        "Wordt gegenereerd (alleen cijfers) als het ontbreekt.",
    )
    bedrijfsnaam = _text(200, help_text="De bedrijfsnaam van de klant.")
    functie = _text(200, help_text="De functie van de klant.")
    website_url = serializers.URLField(
        max_length=1000,
        min_length=1,
        required=False,
        allow_blank=True,
        default="",
        help_text="Het label of etiket dat aan de specifieke informatie van een webpagina, een "
        "bestand of een plaatje op internet is toegewezen waar de KLANT in de regel op het "
        "internet vindbaar is. Optioneel (wordt als lege string opgeslagen).",
    )
    voornaam = _text(200, help_text="De voornaam, voorletters of roepnaam van de klant.")
    voorvoegsel_achternaam = _text(10, help_text="Het voorvoegsel van de achternaam van de klant.")
    achternaam = _text(200, help_text="De achternaam van de klant.")
    telefoonnummer = _text(20, help_text="Het mobiele of vaste telefoonnummer van de klant.")
    emailadres = serializers.EmailField(
        max_length=254,
        required=False,
        allow_blank=True,
        default="",
        help_text="Het e-mail adres van de klant.",
    )
    adres = KlantAdresSerializer(
        required=False,
        allow_null=True,
        help_text="Adresgegevens zoals opgegeven door de klant (kan ook een buitenlandsadres zijn)",
    )
    subject = serializers.URLField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text="URL-referentie naar een subject",
    )
    subject_type = serializers.ChoiceField(
        choices=SubjectType.choices,
        required=False,
        allow_null=True,
        help_text="Type van de `subject`.",
    )
    aanmaakkanaal = _text(
        50, help_text="Het communicatiekanaal waarlangs de klant is aangemaakt (extensie)."
    )
    gevalideerd = serializers.BooleanField(
        read_only=True,
        help_text="Extensie: de klant is na authenticatie met een voldoende betrouwbaar middel "
        "gekoppeld aan zijn subject (zie /klanten/{uuid}/validaties). Alleen gevalideerde "
        "klanten zijn betrouwbaar en herbruikbaar.",
    )

    def to_internal_value(self, data):
        if not isinstance(data, Mapping):
            raise serializers.ValidationError(
                {api_settings.NON_FIELD_ERRORS_KEY: ["Verwacht een JSON-object."]}, code="invalid"
            )
        errors: dict = {}
        try:
            attrs = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            errors.update(exc.detail)
            attrs = {}

        if "subject_type" in attrs:
            subject_type = attrs["subject_type"]
        elif "subject_type" in data and "subject_type" not in errors:
            # another field failed, so ``attrs`` is empty; the subjectType itself is valid
            subject_type = self.fields["subject_type"].run_validation(data["subject_type"])
        else:
            subject_type = self.instance.subject_type if self.instance else None
        # C8: checked before the identification is read against the (refused) new type
        if self.instance is not None and "subject_type" in data and "subject_type" not in errors:
            try:
                rules.validate_subject_type_change(self.instance.subject_type, subject_type)
            except rules.RuleViolation as exc:
                errors["subject_type"] = [serializers.ErrorDetail(exc.messages[0], code=exc.code)]

        if "subject_identificatie" in data and "subject_type" not in errors:
            try:
                attrs["subject_identificatie"] = self._identificatie(
                    subject_type, data["subject_identificatie"]
                )
            except serializers.ValidationError as exc:
                errors["subject_identificatie"] = exc.detail

        if errors:
            raise serializers.ValidationError(errors)
        return attrs

    def _identificatie(self, subject_type, raw):
        if raw is None:
            return None
        if subject_type not in IDENTIFICATIE_SERIALIZERS:
            try:
                rules.require_subject_type_for_identificatie(subject_type)
            except rules.RuleViolation as exc:
                raise serializers.ValidationError(exc.messages[0], code=exc.code) from exc
        serializer = IDENTIFICATIE_SERIALIZERS[subject_type](data=raw, partial=self.partial)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def validate(self, attrs):
        instance = self.instance
        try:
            subject = require_klant_subject(attrs, instance, self.partial)
        except rules.RuleViolation as exc:
            raise serializers.ValidationError(exc.messages[0], code=exc.code) from exc

        # C7 (kla-002): a new or changed subject URL must resolve
        if is_new_subject_url(subject, instance):
            try:
                validate_subject_url(subject)
            except serializers.ValidationError as exc:
                raise serializers.ValidationError({"subject": exc.detail}) from exc
        return attrs


def require_klant_subject(attrs: dict, instance, partial: bool) -> str:
    """C8: the klant remains findable, by URL or by identification (``rules.require_subject``
    raises ``RuleViolation`` when not); returns its subject URL after the write."""
    subject = attrs.get("subject", instance.subject if instance else "")
    identificatie = attrs.get("subject_identificatie", _MISSING)
    if identificatie is not _MISSING and identificatie is not None:
        has_identificatie = True
    elif identificatie is None and not partial:
        has_identificatie = False  # an explicit null on PUT removes it
    elif instance is not None:
        has_identificatie = instance.subject_identificatie is not None
    else:
        has_identificatie = False
    rules.require_subject(subject, has_identificatie)
    return subject


def is_new_subject_url(subject: str, instance) -> bool:
    """C7 (kla-002) applies: the subject URL is new or changed (it must then resolve)."""
    return bool(subject) and (instance is None or subject != instance.subject)


@extend_schema_serializer(component_name="AuditTrail")
class KlantAuditTrailSerializer(AuditTrailSerializer):
    # ``bron`` with the standard's enum: the library's lists more components than Klanten API
    # 1.0.0 knows (ours is always ``kc``)
    bron = serializers.ChoiceField(
        choices=[
            (value, label) for value, label in ComponentTypes.choices if value in STANDARD_BRON
        ]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bron"].help_text = "De naam van het component waar de wijziging in is gedaan."
