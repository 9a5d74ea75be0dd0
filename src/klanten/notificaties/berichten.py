"""What to notify: the message to the Notificaties API, built from data in hand.

The message has the shape notifications-api-common gives it (its ``NotificatieSerializer``:
camelCase keys, ``aanmaakdatum`` in the local time zone, ``None`` kenmerken as ``""``), but it
is made from the URLs and kenmerken the caller passes: nothing is looked up by URL and no
model is read, so any resource of any API can be notified.
"""

from __future__ import annotations

import threading
import time

import structlog
from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.utils import timezone
from djangorestframework_camel_case.util import camelize
from notifications_api_common.api.serializers import NotificatieSerializer
from notifications_api_common.models import NotificationsConfig
from notifications_api_common.settings import get_setting
from zgw_consumers.models import Service

logger = structlog.stdlib.get_logger(__name__)


def bericht(
    *,
    kanaal: str,
    resource: str,
    actie: str,
    resource_url: str,
    hoofd_object: str | None = None,
    kenmerken: dict | None = None,
) -> dict:
    """One notification message: ``kanaal`` (e.g. ``klanten``), ``resource`` (``klant``),
    ``actie`` (``create``, ``update``, ``partial_update``, ``destroy``), the resource's URL and
    its main object's URL (the resource itself when not given), and the kenmerken."""
    data = {
        "kanaal": kanaal,
        "hoofd_object": hoofd_object or resource_url,
        "resource": resource,
        "resource_url": resource_url,
        "actie": str(actie),
        "aanmaakdatum": timezone.now(),
        "kenmerken": dict(kenmerken or {}),
    }
    if source := get_setting("NOTIFICATIONS_SOURCE"):
        data["source"] = source
    return camelize(NotificatieSerializer(instance=data).data)


def aan() -> bool:
    """Whether notifications are to be stored: not switched off and a Notificaties API is
    configured. Without one a write succeeds without a notification, unless
    ``NOTIFICATIONS_GUARANTEE_DELIVERY`` asks to refuse it (RuntimeError, as
    notifications-api-common does)."""
    if get_setting("NOTIFICATIONS_DISABLED"):
        return False
    if not get_setting("NOTIFICATIONS_SOURCE"):
        logger.warning("no_notification_source_set")
    if not _geconfigureerd():
        if get_setting("NOTIFICATIONS_GUARANTEE_DELIVERY"):
            raise RuntimeError("Notifications API configuration is broken or absent.")
        return False
    return True


class _ConfiguratieCache:
    """Whether a Notificaties API is configured, kept per process for
    ``NOTIFICATIONS_CONFIG_CACHE_SECONDS`` so that a write costs no query for it: a change of
    the configuration (or of a service) applies at once in the process that made it and within
    that time in the others."""

    def __init__(self):
        self._lock = threading.Lock()
        self._tot = 0.0
        self._waarde = False

    def clear(self, **_kwargs) -> None:
        with self._lock:
            self._tot = 0.0

    def get(self) -> bool:
        if time.monotonic() < self._tot:
            return self._waarde
        config = NotificationsConfig.get_solo()
        waarde = config.notifications_api_service_id is not None
        ttl = settings.NOTIFICATIONS_CONFIG_CACHE_SECONDS
        if ttl > 0:
            with self._lock:
                self._waarde, self._tot = waarde, time.monotonic() + ttl
        return waarde


configuratie_cache = _ConfiguratieCache()
_geconfigureerd = configuratie_cache.get
for _model in (NotificationsConfig, Service):
    post_save.connect(
        configuratie_cache.clear, sender=_model, dispatch_uid=f"nrc-config-{_model.__name__}"
    )
    post_delete.connect(
        configuratie_cache.clear, sender=_model, dispatch_uid=f"nrc-config-del-{_model.__name__}"
    )
