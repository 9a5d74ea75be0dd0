"""``/klantinteracties/api/v1/``: the API root (200, Open Forms' configuration check), the
schema, the partij side (here) and the klantcontacten side (``klantcontacten/urls.py``).
Paths we do not serve (K11: rekeningnummers, vertegenwoordigingen, categorieën, bijlagen) fall
through to the 404 problem JSON."""

from django.urls import include, path
from drf_spectacular.views import (
    SpectacularJSONAPIView,
    SpectacularRedocView,
    SpectacularYAMLAPIView,
)
from rest_framework.routers import SimpleRouter

from klanten.api.root import APIRootView

from .klantcontacten import urls as klantcontacten_urls
from .partijen import DigitaalAdresViewSet, PartijIdentificatorViewSet, PartijViewSet
from .schema import SPECTACULAR_SETTINGS

router = SimpleRouter(trailing_slash=False)
router.register("partijen", PartijViewSet, basename="ki-partij")
router.register(
    "partij-identificatoren", PartijIdentificatorViewSet, basename="ki-partijidentificator"
)
router.register("digitaleadressen", DigitaalAdresViewSet, basename="ki-digitaaladres")

_schema = {"versioning_class": None, "custom_settings": SPECTACULAR_SETTINGS}
ROOT_LINKS = {
    "partijen": "ki-partij-list",
    "partijIdentificatoren": "ki-partijidentificator-list",
    "digitaleadressen": "ki-digitaaladres-list",
    **klantcontacten_urls.ROOT_LINKS,
    "schema": "klantinteracties-schema-yaml",
    "schemaJson": "klantinteracties-schema-json",
    "documentatie": "klantinteracties-schema-redoc",
}

urlpatterns = [
    path(
        "schema/openapi.yaml",
        SpectacularYAMLAPIView.as_view(**_schema),
        name="klantinteracties-schema-yaml",
    ),
    path(
        "schema/openapi.json",
        SpectacularJSONAPIView.as_view(**_schema),
        name="klantinteracties-schema-json",
    ),
    path(
        "schema/",
        SpectacularRedocView.as_view(url_name="klantinteracties-schema-json"),
        name="klantinteracties-schema-redoc",
    ),
    path("", APIRootView.as_view(links=ROOT_LINKS), name="klantinteracties-api-root"),
    path("", include(router.urls)),
    path("", include(klantcontacten_urls.urlpatterns)),
]
