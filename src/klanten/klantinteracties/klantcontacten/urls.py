"""The routes of the klantcontacten side, included under ``/klantinteracties/api/v1/`` by
``klanten.klantinteracties.urls``. Importing it registers the resources and expand paths of
this side with the expand engine (``resources.registreer``)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import resources
from .viewsets import (
    ActorKlantcontactViewSet,
    ActorViewSet,
    BetrokkeneViewSet,
    InterneTaakViewSet,
    KlantcontactViewSet,
    MaakKlantcontactViewSet,
    OnderwerpobjectViewSet,
)

resources.registreer()

router = SimpleRouter(trailing_slash=False)
router.register("klantcontacten", KlantcontactViewSet, basename="ki-klantcontact")
router.register("betrokkenen", BetrokkeneViewSet, basename="ki-betrokkene")
router.register("onderwerpobjecten", OnderwerpobjectViewSet, basename="ki-onderwerpobject")
router.register("actoren", ActorViewSet, basename="ki-actor")
router.register("actorklantcontacten", ActorKlantcontactViewSet, basename="ki-actorklantcontact")
router.register("internetaken", InterneTaakViewSet, basename="ki-internetaak")

# API root entries: name -> URL name
ROOT_LINKS: dict[str, str] = {
    "klantcontacten": "ki-klantcontact-list",
    "betrokkenen": "ki-betrokkene-list",
    "onderwerpobjecten": "ki-onderwerpobject-list",
    "actoren": "ki-actor-list",
    "actorklantcontacten": "ki-actorklantcontact-list",
    "internetaken": "ki-internetaak-list",
    "maakKlantcontact": "ki-maak-klantcontact",
}

urlpatterns = [
    path(
        "maak-klantcontact",
        MaakKlantcontactViewSet.as_view({"post": "create"}),
        name="ki-maak-klantcontact",
    ),
    *router.urls,
]
