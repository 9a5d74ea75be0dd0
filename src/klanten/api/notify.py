"""Audit trail records (C12) and notifications (C13) of klant writes.

Shared by the API viewsets, the resident pages ("Mijn klantgegevens") and the destruction
task, so that a klant changed by the person themselves or destroyed because its retention
ended produces the same ``create`` / ``partial_update`` / ``destroy`` notification as a change
through the API. A notification is put in the outbox (``klanten.background.outbox``) in the
write's own transaction and sent after the commit.
"""

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from notifications_api_common.models import NotificationsConfig
from notifications_api_common.settings import get_setting
from notifications_api_common.viewsets import NotificationMixin
from vng_api_common.audittrails.models import AuditTrail
from vng_api_common.constants import CommonResourceAction

from klanten.background import outbox
from klanten.datamodel.models import Klant

from .kanalen import KANAAL_KLANTEN
from .representation import KLANT_LIST_RELATIONS, CamelCaseData, klant_data

AUDIT_BRON = "kc"
_ACTIE_WEERGAVE = dict(zip(CommonResourceAction.names, CommonResourceAction.labels, strict=True))


def collection_url(request) -> str:
    """The absolute URL of the klanten collection, ending in a slash."""
    return request.build_absolute_uri(reverse("klant-list")) + "/"


def representatie(klant: Klant, request) -> CamelCaseData:
    """The API representation of a klant (as stored now), for audit records and
    notifications outside the API viewsets."""
    klant = Klant.objects.select_related(*KLANT_LIST_RELATIONS).get(pk=klant.pk)
    return CamelCaseData(klant_data(klant, collection_url(request)))


@dataclass(frozen=True)
class AuditActor:
    """Who made a change, as the audit trail shows it."""

    applicatie_id: str
    applicatie_weergave: str
    gebruikers_id: str = ""
    gebruikers_weergave: str = ""
    toelichting: str = ""
    logrecord_id: str = ""


def schrijf_audittrail(
    actie: str,
    *,
    oud: dict | None,
    nieuw: dict | None,
    resource_weergave: str,
    actor: AuditActor,
    resultaat: int = 200,
) -> AuditTrail:
    """C12: one audit trail record of a klant (``oud``/``nieuw`` are API representations)."""
    data = nieuw or oud
    return AuditTrail.objects.create(
        bron=AUDIT_BRON,
        logrecord_id=actor.logrecord_id,
        applicatie_id=actor.applicatie_id,
        applicatie_weergave=actor.applicatie_weergave,
        actie=actie,
        actie_weergave=_ACTIE_WEERGAVE.get(actie, ""),
        gebruikers_id=actor.gebruikers_id,
        gebruikers_weergave=actor.gebruikers_weergave,
        resultaat=resultaat,
        hoofd_object=data["url"],
        resource="klant",
        resource_url=data["url"],
        toelichting=actor.toelichting,
        resource_weergave=resource_weergave,
        oud=oud,
        nieuw=nieuw,
    )


class _KlantNotifier(NotificationMixin):
    """The notifications-api-common machinery for one klant write, outside a viewset."""

    def __init__(self, request, actie: str):
        self.request = request
        self.action = actie

    def get_kanaal(self):
        return KANAAL_KLANTEN

    def get_queryset(self):
        return Klant.objects.all()

    def _message(self, data, instance=None):
        # the library would publish a task on commit; the outbox is written in this
        # transaction instead, and sent after the commit
        outbox.plaats(self.construct_message(data, instance=instance))


def notificeer(
    actie: str, data: dict, klant: Klant, *, request=None, status_code: int = 200
) -> None:
    """C13: the notification of a klant write (``create``, ``update``, ``partial_update``,
    ``destroy``), stored in the write's transaction and sent after it commits. ``data`` is
    the API representation; the message carries its URL and the kenmerk ``subjectType``
    only."""
    _KlantNotifier(request, actie).notify(status_code, data, instance=klant)


def klant_url_zonder_request(klant: Klant) -> str:
    """The URL of a klant where no request is at hand (the background tasks): built from
    ``SITE_DOMAIN`` and ``IS_HTTPS``."""
    scheme = "https" if settings.IS_HTTPS else "http"
    path = reverse("klant-detail", kwargs={"uuid": klant.uuid})
    return f"{scheme}://{settings.SITE_DOMAIN}{path}"


def notificeer_vernietigingen(klanten: list[Klant]) -> int:
    """R2: the ``destroy`` notifications of klanten destroyed by the retention task, the same
    message as a delete through the API (URL and kenmerk only), stored in the caller's
    transaction. Returns how many were stored."""
    if get_setting("NOTIFICATIONS_DISABLED") or not klanten:
        return 0
    if NotificationsConfig.get_client() is None:
        if get_setting("NOTIFICATIONS_GUARANTEE_DELIVERY"):
            raise RuntimeError("Notifications API configuration is broken or absent.")
        return 0
    notifier = _KlantNotifier(None, CommonResourceAction.destroy)
    berichten = [
        notifier.construct_message({"url": klant_url_zonder_request(klant)}, instance=klant)
        for klant in klanten
    ]
    outbox.plaats_meerdere(berichten)
    return len(berichten)
