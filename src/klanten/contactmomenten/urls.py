from django.urls import include, path, re_path
from drf_spectacular.views import (
    SpectacularJSONAPIView,
    SpectacularRedocView,
    SpectacularYAMLAPIView,
)
from rest_framework.routers import SimpleRouter

from klanten.api.root import APIRootView

from .schema import SPECTACULAR_SETTINGS
from .viewsets import (
    ContactMomentAuditTrailViewSet,
    ContactMomentViewSet,
    KlantContactMomentViewSet,
    ObjectContactMomentViewSet,
)

router = SimpleRouter(trailing_slash=False)
router.register("contactmomenten", ContactMomentViewSet, basename="contactmoment")
router.register("klantcontactmomenten", KlantContactMomentViewSet, basename="klantcontactmoment")
router.register("objectcontactmomenten", ObjectContactMomentViewSet, basename="objectcontactmoment")

_schema = {"versioning_class": None, "custom_settings": SPECTACULAR_SETTINGS}
# the API root /contactmomenten/api/v1/: links to the resources and the schema
ROOT_LINKS = {
    "contactmomenten": "contactmoment-list",
    "klantcontactmomenten": "klantcontactmoment-list",
    "objectcontactmomenten": "objectcontactmoment-list",
    "schema": "contactmomenten-schema-yaml",
    "schemaJson": "contactmomenten-schema-json",
    "documentatie": "contactmomenten-schema-redoc",
}

urlpatterns = [
    path(
        "schema/openapi.yaml",
        SpectacularYAMLAPIView.as_view(**_schema),
        name="contactmomenten-schema-yaml",
    ),
    path(
        "schema/openapi.json",
        SpectacularJSONAPIView.as_view(**_schema),
        name="contactmomenten-schema-json",
    ),
    path(
        "schema/",
        SpectacularRedocView.as_view(url_name="contactmomenten-schema-json"),
        name="contactmomenten-schema-redoc",
    ),
    re_path(
        r"^contactmomenten/(?P<contactmoment_uuid>[^/]+)/audittrail$",
        ContactMomentAuditTrailViewSet.as_view(
            {"get": "list"}, basename="audittrail", detail=False
        ),
        name="contactmoment-audittrail-list",
    ),
    re_path(
        r"^contactmomenten/(?P<contactmoment_uuid>[^/]+)/audittrail/(?P<uuid>[^/]+)$",
        ContactMomentAuditTrailViewSet.as_view(
            {"get": "retrieve"}, basename="audittrail", detail=True
        ),
        name="contactmoment-audittrail-detail",
    ),
    path("", APIRootView.as_view(links=ROOT_LINKS), name="contactmomenten-api-root"),
    path("", include(router.urls)),
]
