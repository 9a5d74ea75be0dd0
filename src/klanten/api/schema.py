"""OpenAPI generation: the standard's shapes (polymorphic Klant, headers, error bodies)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.utils import OpenApiExample, OpenApiParameter
from rest_framework import exceptions, status
from vng_api_common.schema import DEFAULT_ACTION_ERRORS
from vng_api_common.schema import AutoSchema as VNGAutoSchema
from vng_api_common.serializers import FoutSerializer, ValidatieFoutSerializer

from klanten.datamodel.constants import SubjectType

from .serializers import IDENTIFICATIE_SERIALIZERS

# component names as the standard has them
_IDENTIFICATIE_COMPONENTS = {
    SubjectType.natuurlijk_persoon: "NatuurlijkPersoon",
    SubjectType.niet_natuurlijk_persoon: "NietNatuurlijkPersoon",
    SubjectType.vestiging: "Vestiging",
}


# the action whose error responses an extension operation (no viewset action, or responses
# given with @extend_schema) documents, by HTTP method
_EXTENSION_ERROR_ACTION = {"GET": "list", "POST": "create", "DELETE": "destroy"}


def alleen_klanten(endpoints, **kwargs):
    """drf-spectacular preprocessing hook: the Klanten API's endpoints only (this service also
    serves the Contactmomenten API, with a schema of its own)."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/klanten/api/v1/")]


class AutoSchema(VNGAutoSchema):
    def _get_filter_parameters(self):
        """The standard's query parameters have no ``title``: a model field's verbose name
        (the admin's readable label, klanten.datamodel.labels) is not part of the API."""
        parameters = super()._get_filter_parameters()
        for parameter in parameters:
            parameter.get("schema", {}).pop("title", None)
        return parameters

    def _resolve_path_parameters(self, variables):
        """uuid path parameters as the standard types them (``format: uuid``), not as the
        lookup regex (found by fuzzing: the schema allowed any string without a slash)."""
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            name = parameter["name"]
            if name == "uuid" or name.endswith("_uuid"):
                parameter["schema"] = {"type": "string", "format": "uuid"}
                if not parameter.get("description"):
                    parameter["description"] = (
                        "Unieke identificatie van de audit regel."
                        if name == "uuid" and "/audittrail/" in self.path
                        else "Unieke resource identifier (UUID4)"
                    )
        return parameters

    def _get_response_bodies(self, direction="response"):
        """Document the error responses an operation really gives (found by fuzzing).

        The library derives them from the viewset action, which the extension operations
        (APIViews, or responses given with ``@extend_schema``) bypass: they got only their success
        response. They get the errors of the corresponding standard action, plus 404 when the path
        names a klant. The klant list answers 404 for a page out of range and the audit trail
        list for an unknown klant (C3). The request limits (P3, klanten.api.middleware): 413 for
        a body over the maximum size on an operation with a body, 414 for a query string over
        the maximum length on the list with filters."""
        bodies = super()._get_response_bodies(direction)
        if any(code.startswith("4") for code in bodies):
            codes = set()
            if getattr(self.view, "action", None) == "list" and (
                "{" in self.path or getattr(self.view, "pagination_class", None) is not None
            ):
                codes.add(exceptions.NotFound.status_code)
        else:
            action = _EXTENSION_ERROR_ACTION.get(self.method)
            if action is None:
                return bodies
            klasses = list(DEFAULT_ACTION_ERRORS[action])
            if "{" in self.path:
                klasses.append(exceptions.NotFound)
            codes = {klass.status_code for klass in klasses}
        if self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None:
            codes.add(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        # errors of an action the library does not know of (a refused delete: 400)
        codes.update(
            getattr(self.view, "schema_extra_errors", {}).get(
                getattr(self.view, "action", None), ()
            )
        )
        if getattr(self.view, "action", None) == "list" and getattr(
            self.view, "filterset_class", None
        ):
            codes.add(status.HTTP_414_REQUEST_URI_TOO_LONG)
        if self.get_cache_headers():
            # C11: If-None-Match with a matching ETag gives 304 without a body
            bodies.setdefault("304", {"description": "Not modified"})
        for code in sorted(codes):
            if str(code) not in bodies:
                serializer = (
                    ValidatieFoutSerializer
                    if code == exceptions.ValidationError.status_code
                    else FoutSerializer
                )
                bodies[str(code)] = self._get_response_for_code(
                    serializer, str(code), direction=direction
                )
        return dict(sorted(bodies.items()))

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

    def get_content_type_headers(self) -> list[OpenApiParameter]:
        # an operation without a request body (bevestigingsverzoek) needs no Content-Type
        if self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is None:
            return []
        return super().get_content_type_headers()

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
        return list(getattr(self.view, "schema_tags", ("klanten",)))


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


def _references(schema) -> set[str]:
    """The names of the components ``schema`` refers to (directly)."""
    found: set[str] = set()
    stack = [schema]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                found.add(ref.removeprefix("#/components/schemas/"))
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return found


def request_components(result: dict) -> set[str]:
    """Every component a request body uses, directly or through other components (and the
    variants of a discriminated component)."""
    schemas = result.get("components", {}).get("schemas", {})
    pending: set[str] = set()
    for item in result.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                pending |= _references(operation["requestBody"])
    # a discriminator's variants refer to the component, not the other way round
    variants = {
        name: {parent for parent in _references(schema.get("allOf", [])) if parent in schemas}
        for name, schema in schemas.items()
    }
    seen: set[str] = set()
    while pending:
        name = pending.pop()
        if name in seen or name not in schemas:
            continue
        seen.add(name)
        pending |= _references(schemas[name])
        pending |= {variant for variant, parents in variants.items() if name in parents}
    return seen


def _drop_defaults(schema) -> None:
    stack = [schema]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            value.pop("default", None)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def remove_request_defaults(result, generator, request, public):
    """drf-spectacular postprocessing hook: no ``default`` in a component a request uses.

    A ``default`` tells a generated client to send that value when its user leaves the field
    out (openapi-python-client does). The server applies a serializer field's default itself
    on a create and a full update, but a partial update (PATCH) leaves absent fields alone, also
    in the nested groups it merges: a client that sent the schema's ``""`` for every field its
    user did not set would blank the klant's names with every PATCH. One component serves every
    direction (as in the standard), so the defaults go everywhere a request can reach; the
    descriptions say what an absent field becomes.
    """
    schemas = result.get("components", {}).get("schemas", {})
    for name in request_components(result):
        _drop_defaults(schemas[name])
    return result
