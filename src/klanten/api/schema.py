"""OpenAPI generation: the standard's shapes (polymorphic Klant, headers, error bodies)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiExample, OpenApiParameter
from vng_api_common.schema import AutoSchema as VNGAutoSchema

from klanten.datamodel.constants import SubjectType

from .serializers import IDENTIFICATIE_SERIALIZERS

# component names as the standard has them
_IDENTIFICATIE_COMPONENTS = {
    SubjectType.natuurlijk_persoon: "NatuurlijkPersoon",
    SubjectType.niet_natuurlijk_persoon: "NietNatuurlijkPersoon",
    SubjectType.vestiging: "Vestiging",
}


class AutoSchema(VNGAutoSchema):
    def get_cache_headers(self) -> list[OpenApiParameter]:
        if self.method not in ("GET", "HEAD") or getattr(self.view, "action", None) != "retrieve":
            return []
        return [
            OpenApiParameter(
                name="If-None-Match",
                type=str,
                location=OpenApiParameter.HEADER,
                required=False,
                description=_(
                    "Voer een voorwaardelijk verzoek uit. Deze header moet één of meerdere "
                    "ETag-waardes bevatten van resources die de consumer gecached heeft. Indien "
                    "de waarde van de ETag van de huidige resource voorkomt in deze set, dan "
                    "antwoordt de provider met een lege HTTP 304 request."
                ),
                examples=[
                    OpenApiExample(
                        name="oneValue",
                        summary="Eén ETag-waarde",
                        value='"79054025255fb1a26e4bc422aef54eb4"',
                    ),
                    OpenApiExample(
                        name="multipleValues",
                        summary="Meerdere ETag-waardes",
                        value='"79054025255fb1a26e4bc422aef54eb4", '
                        '"e4d909c290d0fb1ca068ffaddf22cbd0"',
                    ),
                ],
            ),
            OpenApiParameter(
                name="ETag",
                type=str,
                location=OpenApiParameter.HEADER,
                response=[200],
                description=_(
                    "De ETag berekend op de response body JSON. Indien twee resources exact "
                    "dezelfde ETag hebben, dan zijn deze resources identiek aan elkaar. Je kan "
                    "de ETag gebruiken om caching te implementeren."
                ),
            ),
        ]

    def get_log_headers(self) -> list[OpenApiParameter]:
        # the library only recognises its own audit trail mixins; the klant writes are audited
        # by hand (C12) and read these headers as the standard documents them
        if getattr(self.view, "audit", None) is None or self.method in ("GET", "HEAD"):
            return []
        return [
            OpenApiParameter(
                name=name,
                type=str,
                location=OpenApiParameter.HEADER,
                required=False,
                description=description,
            )
            for name, description in (
                (
                    "X-NLX-Logrecord-ID",
                    _("Identifier of the request, traceable throughout the network"),
                ),
                ("X-Audit-Toelichting", _("Explanation why the request is done")),
            )
        ]

    def get_location_headers(self) -> list[OpenApiParameter]:
        if not self._is_create_operation():
            return []
        return super().get_location_headers()

    def get_tags(self) -> list[str]:
        return ["klanten"]


class KlantSerializerExtension(OpenApiSerializerExtension):
    """The Klant schema as the standard writes it: a ``subjectType`` discriminator with one
    ``allOf`` variant per subject type carrying ``subjectIdentificatie``."""

    target_class = "klanten.api.serializers.KlantSerializer"

    def get_name(self, auto_schema, direction):
        return "Klant"

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        schema["discriminator"] = {"propertyName": "subjectType"}
        klant_ref = {"$ref": "#/components/schemas/Klant"}
        for subject_type, serializer_class in IDENTIFICATIE_SERIALIZERS.items():
            name = _IDENTIFICATIE_COMPONENTS[subject_type]
            identificatie = auto_schema.resolve_serializer(serializer_class(), direction)
            wrapper_name = f"subject_identificatie_{name}"
            wrapper = ResolvedComponent(
                name=wrapper_name,
                type=ResolvedComponent.SCHEMA,
                object=wrapper_name,
                schema={
                    "type": "object",
                    "properties": {"subjectIdentificatie": identificatie.ref},
                },
            )
            auto_schema.registry.register_on_missing(wrapper)
            variant_name = str(subject_type.value)
            variant = ResolvedComponent(
                name=variant_name,
                type=ResolvedComponent.SCHEMA,
                object=variant_name,
                schema={"type": "object", "allOf": [klant_ref, wrapper.ref]},
            )
            auto_schema.registry.register_on_missing(variant)
        return schema
