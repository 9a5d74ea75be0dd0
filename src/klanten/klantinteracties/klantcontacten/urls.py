"""The routes of the klantcontacten side, included under ``/klantinteracties/api/v1/``.

Register viewsets on ``router`` (``trailing_slash=False``, as the partij side does) or add
paths to ``urlpatterns``; add the collection's list URL name to ``ROOT_LINKS`` to show it in the
API root."""

from rest_framework.routers import SimpleRouter

router = SimpleRouter(trailing_slash=False)

# API root entries: name -> URL name
ROOT_LINKS: dict[str, str] = {}

urlpatterns = [*router.urls]
