"""The project's URLs plus the framework floor endpoints (bench only).

``/klanten/api/v1/bench/constant``: a DRF APIView returning a constant dict through the same
middleware, renderer and exception handling as the API (under the API's path, so it takes the
API's middleware: issue 15), without authorization: the cost of a request that does no work.
``/klanten/api/v1/bench/constant-auth``: the same behind the API's JWT authorization
(``klanten.lezen``), to separate the cost of the token and client lookups. The old paths
``/bench/constant`` and ``/bench/constant-auth`` (the pages' middleware) stay for comparison.
"""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView
from vng_api_common.permissions import AuthScopesRequired

from klanten.api.scopes import SCOPE_KLANTEN_LEZEN
from klanten.urls import handler404, handler500
from klanten.urls import urlpatterns as product_urlpatterns

CONSTANT = {"status": "ok", "component": "klanten", "version": "1.0.0"}


class ConstantView(APIView):
    permission_classes = ()

    def get(self, request):
        return Response(CONSTANT)


class ConstantAuthView(APIView):
    permission_classes = (AuthScopesRequired,)
    required_scopes = {"get": SCOPE_KLANTEN_LEZEN}

    def get(self, request):
        return Response(CONSTANT)


urlpatterns = [
    path("klanten/api/v1/bench/constant", ConstantView.as_view()),
    path("klanten/api/v1/bench/constant-auth", ConstantAuthView.as_view()),
    path("bench/constant", ConstantView.as_view()),
    path("bench/constant-auth", ConstantAuthView.as_view()),
    *product_urlpatterns,
]

__all__ = ["handler404", "handler500", "urlpatterns"]
