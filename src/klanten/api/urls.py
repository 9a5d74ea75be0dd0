from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularJSONAPIView,
    SpectacularRedocView,
    SpectacularYAMLAPIView,
)
from rest_framework.routers import SimpleRouter

from .extensions import BevestigingsverzoekView, InteractieViewSet, KlantbeeldView, ValidatieViewSet
from .root import APIRootView
from .viewsets import KlantAuditTrailViewSet, KlantViewSet

router = SimpleRouter(trailing_slash=False)
router.register("klanten", KlantViewSet, basename="klant")

audittrail_list = KlantAuditTrailViewSet.as_view(
    {"get": "list"}, basename="audittrail", detail=False
)
audittrail_detail = KlantAuditTrailViewSet.as_view(
    {"get": "retrieve"}, basename="audittrail", detail=True
)

# unversioned schema views: otherwise drf-spectacular writes ``1.0.0 (1)`` as info.version and
# the served schema differs from docs/openapi.yaml
urlpatterns = [
    # the klant list and detail first (the reads; no other pattern here can match them)
    path("", include(router.urls)),
    path("", APIRootView.as_view(), name="api-root"),
    path(
        "schema/openapi.yaml",
        SpectacularYAMLAPIView.as_view(versioning_class=None),
        name="schema-yaml",
    ),
    path(
        "schema/openapi.json",
        SpectacularJSONAPIView.as_view(versioning_class=None),
        name="schema-json",
    ),
    path("schema/", SpectacularRedocView.as_view(url_name="schema-json"), name="schema-redoc"),
    re_path(
        r"^klanten/(?P<klant_uuid>[^/]+)/audittrail$",
        audittrail_list,
        name="audittrail-list",
    ),
    re_path(
        r"^klanten/(?P<klant_uuid>[^/]+)/audittrail/(?P<uuid>[^/]+)$",
        audittrail_detail,
        name="audittrail-detail",
    ),
    # extensions (contract section 2)
    re_path(
        r"^klanten/(?P<klant_uuid>[^/]+)/validaties$",
        ValidatieViewSet.as_view({"get": "list", "post": "create"}, basename="validatie"),
        name="validatie-list",
    ),
    re_path(
        r"^klanten/(?P<klant_uuid>[^/]+)/interacties$",
        InteractieViewSet.as_view({"get": "list", "post": "create"}, basename="interactie"),
        name="interactie-list",
    ),
    re_path(
        r"^klanten/(?P<klant_uuid>[^/]+)/interacties/(?P<uuid>[^/]+)$",
        InteractieViewSet.as_view({"delete": "destroy"}, basename="interactie", detail=True),
        name="interactie-detail",
    ),
    re_path(
        r"^klanten/(?P<klant_uuid>[^/]+)/bevestigingsverzoek$",
        BevestigingsverzoekView.as_view(),
        name="bevestigingsverzoek",
    ),
    path("klantbeeld", KlantbeeldView.as_view(), name="klantbeeld"),
    path(
        "gevalideerde-klanten",
        KlantViewSet.as_view({"post": "create_gevalideerd"}, basename="klant"),
        name="gevalideerde-klant-create",
    ),
]
