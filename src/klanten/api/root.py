"""The API root, ``/klanten/api/v1/`` (the address ``bin/run`` prints): links to the resources
and to the schema, for a person or client finding their way. Not part of the standard, so not
in the schema; no token needed (the links reveal nothing the schema does not)."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, views
from rest_framework.response import Response

from .representation import CamelCaseData

LINKS = {
    "klanten": "klant-list",
    "gevalideerdeKlanten": "gevalideerde-klant-create",
    "klantbeeld": "klantbeeld",
    "schema": "schema-yaml",
    "schemaJson": "schema-json",
    "documentatie": "schema-redoc",
}


@extend_schema(exclude=True)
class APIRootView(views.APIView):
    """``links``: name → URL name (the Contactmomenten API's root passes its own)."""

    permission_classes = (permissions.AllowAny,)
    links = LINKS

    def get(self, request):
        return Response(
            CamelCaseData(
                {
                    name: request.build_absolute_uri(reverse(view))
                    for name, view in self.links.items()
                }
            )
        )
