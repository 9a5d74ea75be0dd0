"""Input shapes of the extension endpoints (E1-E4). Shape only; rules live in datamodel."""

import copy

from rest_framework import serializers

from klanten.api.exceptions import camel_field_path as camelize_name
from klanten.contactmomenten.serializers import ContactMomentSerializer, ReferentieField
from klanten.datamodel import rules
from klanten.datamodel.constants import (
    INTERACTIE_ROLLEN,
    InteractieSoort,
    Middel,
    SleutelType,
    SubjectType,
)
from klanten.datamodel.klantcontacten import KlantcontactmomentRol, ObjectType

from .serializers import KlantSerializer
from .validators import bsn_validator, rsin_validator


class IdentiteitSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=SleutelType.choices)
    identificatie = serializers.CharField(max_length=24)

    def to_internal_value(self, data):
        attrs = super().to_internal_value(data)
        identiteit = rules.Identiteit(attrs["type"], attrs["identificatie"])
        try:
            rules.validate_identiteit(identiteit)
        except rules.RuleViolation as exc:
            raise serializers.ValidationError(
                {"identificatie": [serializers.ErrorDetail(exc.messages[0], code=exc.code)]}
            ) from exc
        return identiteit


class ValidatieSerializer(serializers.Serializer):
    """E1: evidence. Either ``idToken`` (from a trusted issuer) or an application's assertion
    (``middel``, ``betrouwbaarheidsniveau``, ``authenticatieMoment``, ``geauthenticeerde``, ...).
    A rank is never accepted from a client: the server derives it."""

    id_token = serializers.CharField(required=False, help_text="Ondertekend ID token (JWT).")
    middel = serializers.ChoiceField(choices=Middel.choices, required=False)
    betrouwbaarheidsniveau = serializers.CharField(
        max_length=200, required=False, help_text="Het niveau zoals het middel het opgaf."
    )
    authenticatie_moment = serializers.DateTimeField(required=False)
    uitgever = serializers.CharField(max_length=500, required=False, default="")
    geauthenticeerde = IdentiteitSerializer(required=False)
    vertegenwoordigde = IdentiteitSerializer(required=False, allow_null=True, default=None)
    machtiging = serializers.CharField(max_length=200, required=False, default="")
    gegevens_bevestigd = serializers.BooleanField(
        default=False, help_text="De persoon heeft de klantgegevens in deze sessie bevestigd."
    )

    ASSERTION_FIELDS = (
        "middel",
        "betrouwbaarheidsniveau",
        "authenticatie_moment",
        "geauthenticeerde",
    )

    def to_internal_value(self, data):
        if isinstance(data, dict) and ("rang" in data or "rank" in data):
            raise serializers.ValidationError(
                {
                    "rang": [
                        serializers.ErrorDetail(
                            "De rang wordt door de server afgeleid en kan niet worden opgegeven.",
                            code="rang-niet-toegestaan",
                        )
                    ]
                }
            )
        return super().to_internal_value(data)

    def validate(self, attrs):
        if attrs.get("id_token"):
            extra = [name for name in self.ASSERTION_FIELDS if name in attrs]
            if extra:
                raise serializers.ValidationError(
                    "Geef een idToken óf een verklaring, niet beide.", code="bron-dubbel"
                )
            return attrs
        missing = {
            name: [serializers.ErrorDetail("Dit veld is vereist.", code="required")]
            for name in self.ASSERTION_FIELDS
            if name not in attrs
        }
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class InteractieSerializer(serializers.Serializer):
    soort = serializers.ChoiceField(choices=InteractieSoort.choices)
    # any absolute http(s) URL: a contactmoment of this service is addressed by the host the
    # service is called by, which may have no dot (a container network)
    url = ReferentieField(
        help_text="De URL van het contactmoment, verzoek of de zaak. Een contactmoment van "
        "deze dienst (Contactmomenten API) wordt een klantcontactmoment."
    )
    rol = serializers.CharField(max_length=50)
    vernietigingsdatum = serializers.DateField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        allowed = INTERACTIE_ROLLEN[attrs["soort"]]
        if attrs["rol"] not in allowed:
            raise serializers.ValidationError(
                {
                    "rol": [
                        serializers.ErrorDetail(
                            f"Rol moet een van {', '.join(allowed)} zijn.", code="invalid_choice"
                        )
                    ]
                }
            )
        return attrs


class KlantbeeldIdentificatieSerializer(serializers.Serializer):
    inp_bsn = serializers.CharField(max_length=9, required=False, validators=[bsn_validator])
    inn_nnp_id = serializers.CharField(max_length=9, required=False, validators=[rsin_validator])
    kvk_nummer = serializers.RegexField(r"^[0-9]{8}$", required=False)
    vestigings_nummer = serializers.RegexField(r"^[0-9]{12}$", required=False)


KLANTBEELD_SLEUTELS = {
    SubjectType.natuurlijk_persoon: {"inp_bsn": SleutelType.bsn},
    SubjectType.niet_natuurlijk_persoon: {
        "inn_nnp_id": SleutelType.rsin,
        "kvk_nummer": SleutelType.kvk,
    },
    SubjectType.vestiging: {"vestigings_nummer": SleutelType.vestigingsnummer},
}


class KlantbeeldSerializer(serializers.Serializer):
    """E3: the subject key, in the body (never in the URL)."""

    subject_type = serializers.ChoiceField(choices=SubjectType.choices)
    identificatie = KlantbeeldIdentificatieSerializer()
    bronorganisatie = serializers.CharField(
        max_length=9, required=False, validators=[rsin_validator]
    )

    def validate(self, attrs):
        keys = KLANTBEELD_SLEUTELS[attrs["subject_type"]]
        given = {name: value for name, value in attrs["identificatie"].items() if value}
        usable = [name for name in given if name in keys]
        if len(given) != 1 or len(usable) != 1:
            raise serializers.ValidationError(
                {
                    "identificatie": [
                        serializers.ErrorDetail(
                            "Geef precies één sleutel die past bij het subjectType: "
                            + ", ".join(camelize_name(name) for name in keys),
                            code="invalid-key",
                        )
                    ]
                }
            )
        name = usable[0]
        attrs["sleutel"] = rules.Identiteit(keys[name], given[name])
        return attrs


_KLANTBEELD_VELDEN = frozenset(KlantbeeldSerializer._declared_fields)
_KLANTBEELD_SUBJECT_TYPES = frozenset(SubjectType.values)
# field instances of their own (the serializers' declared ones stay untouched); only their
# run_validation is used, which keeps no state
_KLANTBEELD_SLEUTEL_VELDEN = {
    name: copy.deepcopy(field)
    for name, field in KlantbeeldIdentificatieSerializer._declared_fields.items()
}
_KLANTBEELD_BRON_VELD = copy.deepcopy(KlantbeeldSerializer._declared_fields["bronorganisatie"])


def klantbeeld_attrs(data) -> dict | None:
    """What ``KlantbeeldSerializer(data=data).validated_data`` is for a plain valid body
    (exactly the three known fields at most, one key in ``identificatie``, strings), by the
    same fields' own validation but without building the serializer: its per-request deep
    copy of the declared fields was most of a klantbeeld's validation. ``None`` for anything
    else, valid or not: the serializer then validates and answers any errors, so an error
    response is the serializer's own."""
    if type(data) is not dict or not data.keys() <= _KLANTBEELD_VELDEN:
        return None
    subject_type, identificatie = data.get("subject_type"), data.get("identificatie")
    if (
        type(subject_type) is not str
        or subject_type not in _KLANTBEELD_SUBJECT_TYPES
        or type(identificatie) is not dict
        or len(identificatie) != 1
    ):
        return None
    keys = KLANTBEELD_SLEUTELS[subject_type]
    [(name, value)] = identificatie.items()
    if name not in keys or type(value) is not str:
        return None
    try:
        value = _KLANTBEELD_SLEUTEL_VELDEN[name].run_validation(value)
        attrs = {"subject_type": subject_type, "identificatie": {name: value}}
        if "bronorganisatie" in data:
            attrs["bronorganisatie"] = _KLANTBEELD_BRON_VELD.run_validation(data["bronorganisatie"])
    except serializers.ValidationError:
        return None
    attrs["sleutel"] = rules.Identiteit(keys[name], value)
    return attrs


class GevalideerdeKlantSerializer(serializers.Serializer):
    """Register a klant and its evidence at once (a person who signed in supplies the data)."""

    klant = KlantSerializer()
    validatie = ValidatieSerializer()


# --- Response shapes (documentation; the views build these dicts directly) -----------------


class IdentiteitWeergaveSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=SleutelType.choices)
    identificatie = serializers.CharField()


class PartijWeergaveSerializer(serializers.Serializer):
    id = serializers.CharField()
    weergave = serializers.CharField()


class ValidatieWeergaveSerializer(serializers.Serializer):
    uuid = serializers.UUIDField()
    klant = serializers.URLField()
    gevalideerd_op = serializers.DateTimeField()
    authenticatie_moment = serializers.DateTimeField()
    middel = serializers.ChoiceField(choices=Middel.choices)
    betrouwbaarheidsniveau = serializers.CharField()
    rang = serializers.IntegerField(min_value=0, max_value=4)
    uitgever = serializers.CharField()
    bron = serializers.CharField()
    geauthenticeerde = IdentiteitWeergaveSerializer()
    vertegenwoordigde = IdentiteitWeergaveSerializer(allow_null=True)
    machtiging = serializers.CharField()
    applicatie = PartijWeergaveSerializer()
    medewerker = PartijWeergaveSerializer()
    gegevens_bevestigd = serializers.BooleanField()


class InteractieWeergaveSerializer(serializers.Serializer):
    url = serializers.URLField()
    klant = serializers.URLField()
    soort = serializers.ChoiceField(choices=InteractieSoort.choices)
    object_url = serializers.URLField()
    rol = serializers.CharField()
    vernietigingsdatum = serializers.DateField(allow_null=True)


class KlantbeeldObjectSerializer(serializers.Serializer):
    object = serializers.URLField(help_text="URL-referentie naar het OBJECT (een zaak).")
    object_type = serializers.ChoiceField(choices=ObjectType.choices)


class KlantbeeldContactmomentSerializer(ContactMomentSerializer):
    """A contactmoment the klant took part in (Contactmomenten API), with the klant's roles
    in it and the objects (zaken) it concerns."""

    rollen = serializers.ListField(child=serializers.ChoiceField(KlantcontactmomentRol.choices))
    objecten = KlantbeeldObjectSerializer(many=True)


class KlantbeeldKlantSerializer(KlantSerializer):
    interacties = InteractieWeergaveSerializer(many=True)
    contactmomenten = KlantbeeldContactmomentSerializer(
        many=True, help_text="De contactmomenten (van deze dienst) waarin de klant betrokken was."
    )


class KlantbeeldWeergaveSerializer(serializers.Serializer):
    subject_type = serializers.ChoiceField(choices=SubjectType.choices)
    klanten = KlantbeeldKlantSerializer(many=True)


class BevestigingslinkSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="Eenmalige link; wordt niet opnieuw getoond.")
    verloopt_op = serializers.DateTimeField()
