"""What every resource of the Klantinteracties API shares (both halves: the partij side here,
the klantcontacten side in ``klantcontacten/``).

Subclass :class:`KlantinteractiesViewSet` and set

- ``resource``: its name in the expand registry (``expand.registreer_resource``), used to
  represent objects (``weergave`` + ``laad``) and to read ``?expand=``;
- ``collectie``: its path segment (``"partijen"``), for ``Location`` headers;
- ``filterset_class``: a django-filter ``FilterSet`` whose filter names are exactly the query
  parameters (documented in the schema, validated: bad values are a 400 with
  ``invalidParams``); every other parameter than these, ``page``, ``pageSize`` and ``expand``
  is refused (400, ``unknown-parameters``), as Open Klant does;
- ``required_scopes`` (default :data:`scopes.CRUD_SCOPES`);
- ``basis_queryset(self)``: the rows this request may see (K6/V7 visibility).

Then ``self.lijst()`` answers a list (filters, pagination, expand; a constant number of
queries per page), ``self.toon(obj)`` one object (with expand), ``self.object_of_404()``
the object of the path (unknown or malformed uuid: 404), ``self.aangemaakt(obj)`` a 201 with
``Location``. Errors are ZGW problem JSON with the six keys (``klanten.api.exceptions``);
retrieve answers carry an ``ETag`` (``If-None-Match``: 304). Writes go through the services in
``klanten.datamodel`` with ``klanten.api.request_context.herkomst(request)``, which record the
audit trail and the notifications.
"""

from django.http import Http404
from rest_framework import status, viewsets
from rest_framework.exceptions import ErrorDetail, ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from vng_api_common.permissions import AuthScopesRequired

from klanten.api.extensions import ContentTypeRequiredMixin
from klanten.api.representation import CamelCaseData, CamelCaseList
from klanten.api.request_context import parse_uuid
from klanten.api.viewsets import ETagMixin

from . import expand
from .context import KIContext, context_voor
from .pagination import KlantinteractiesPagination
from .scopes import CRUD_SCOPES

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY
PAGINA_PARAMETERS = ("page", "pageSize")


def fout(veld: str, message: str, code: str) -> ValidationError:
    """A 400 with one invalid parameter ``veld`` (camelCase, as the client spelled it)."""
    return ValidationError({veld: [ErrorDetail(message, code=code)]})


def filter_fouten(errors) -> ValidationError:
    """A form's errors (django-filter) as a DRF ValidationError with their codes."""
    return ValidationError(
        {
            name: [
                ErrorDetail(str(error.message % (error.params or {})), code=error.code or "invalid")
                for error in errs.as_data()
            ]
            for name, errs in errors.items()
        }
    )


class KlantinteractiesViewSet(ContentTypeRequiredMixin, ETagMixin, viewsets.GenericViewSet):
    lookup_field = "uuid"
    lookup_value_regex = "[^/]+"
    permission_classes = (AuthScopesRequired,)
    pagination_class = KlantinteractiesPagination
    required_scopes = CRUD_SCOPES
    filterset_class = None
    resource: str
    collectie: str
    model = None

    # --- context --------------------------------------------------------------------------
    def ctx(self) -> KIContext:
        if not hasattr(self, "_ctx"):
            self._ctx = context_voor(self.request)
        return self._ctx

    def basis_queryset(self):
        return self.model.objects.all()

    def get_queryset(self):
        # the schema generator and django-filter's introspection
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.basis_queryset()

    # --- query parameters -------------------------------------------------------------------
    def toegestane_parameters(self, *, lijst: bool) -> set[str]:
        toegestaan = set()
        if expand.paden(self.resource):
            toegestaan.add(expand.PARAMETER)
        if lijst:
            toegestaan.update(PAGINA_PARAMETERS)
            if self.filterset_class is not None:
                toegestaan.update(self.filterset_class.base_filters)
        return toegestaan

    def controleer_parameters(self, *, lijst: bool) -> None:
        onbekend = sorted(set(self.request.query_params) - self.toegestane_parameters(lijst=lijst))
        if onbekend:
            raise ValidationError(
                {
                    NON_FIELD: [
                        ErrorDetail(
                            f"Onbekende query parameters: {', '.join(onbekend)}",
                            code="unknown-parameters",
                        )
                    ]
                }
            )

    def filter_queryset(self, queryset):
        if self.filterset_class is None:
            return queryset
        data = {
            name: value
            for name, value in self.request.query_params.items()
            if name in self.filterset_class.base_filters
        }
        filterset = self.filterset_class(data=data, queryset=queryset, request=self.request)
        if not filterset.is_valid():
            raise filter_fouten(filterset.errors)
        return filterset.qs

    # --- answers ----------------------------------------------------------------------------
    def weergaven(self, objecten: list, boom: dict) -> list[dict]:
        return expand.weergeven(self.resource, objecten, boom, self.ctx())

    def lijst(self, queryset=None) -> Response:
        self.controleer_parameters(lijst=True)
        boom = expand.lees(self.request, self.resource)
        queryset = self.filter_queryset(
            self.get_queryset() if queryset is None else queryset
        ).order_by("pk")
        rijen = self.paginator.paginate_queryset(queryset, self.request, view=self)
        return self.paginator.get_paginated_response(CamelCaseList(self.weergaven(rijen, boom)))

    def aantal(self, queryset) -> int:
        """The number of matches of a list's ``queryset`` (counted for a full page only)."""
        return queryset.order_by().count()

    def object_of_404(self, queryset=None):
        key = parse_uuid(self.kwargs[self.lookup_field])
        queryset = self.get_queryset() if queryset is None else queryset
        obj = queryset.filter(uuid=key).first()
        if obj is None:
            raise Http404
        return obj

    def toon(self, obj, *, status_code=status.HTTP_200_OK, expand_lezen=True) -> Response:
        boom = expand.lees(self.request, self.resource) if expand_lezen else {}
        data = CamelCaseData(self.weergaven([obj], boom)[0])
        headers = {"Location": data["url"]} if status_code == status.HTTP_201_CREATED else None
        return Response(data, status=status_code, headers=headers)

    def aangemaakt(self, obj) -> Response:
        return self.toon(obj, status_code=status.HTTP_201_CREATED, expand_lezen=False)

    # --- prepared reads (``leesvormen``) ----------------------------------------------------
    def voorbereide_pagina(self, rijen, aantal, grootte: int | None = None) -> Response:
        """A list's first page read in prepared statements, where :meth:`lijst` reads it
        through the ORM: ``rijen(limit)`` the objects, ``aantal()`` the number of matches
        (``KlantinteractiesPagination.eerste_pagina``), with expand."""
        boom = expand.lees(self.request, self.resource)
        objecten = self.paginator.eerste_pagina(rijen, aantal, self.request, grootte=grootte)
        return self.paginator.get_paginated_response(CamelCaseList(self.weergaven(objecten, boom)))

    def voorbereid_object(self, lees):
        """The object of the path as ``lees(uuid)`` reads it in a prepared statement (None:
        404; a malformed uuid: 404), where :meth:`object_of_404` reads it through the ORM."""
        obj = lees(parse_uuid(self.kwargs[self.lookup_field]))
        if obj is None:
            raise Http404
        return obj

    def gelezen(self):
        """The object of the path that a retrieve shows."""
        return self.object_of_404()

    # --- default reads ----------------------------------------------------------------------
    def list(self, request, *args, **kwargs):
        return self.lijst()

    def retrieve(self, request, *args, **kwargs):
        self.controleer_parameters(lijst=False)
        return self.toon(self.gelezen())
