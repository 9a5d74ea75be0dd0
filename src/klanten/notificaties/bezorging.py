"""The delivery of the outbox to the Notificaties API (C13).

The periodic task (Celery beat, every ``NOTIFICATIONS_OUTBOX_INTERVAL`` seconds), the task a
write publishes for its own rows and ``manage.py verstuur_notificaties`` all call
:func:`verstuur`: it sends the due rows oldest first, with exponential backoff between the
attempts of a row and at most ``max_retries + 1`` attempts (both from the admin's Notificaties
configuration), after which the row is marked failed and can be sent again from the admin.

Every sender takes a row with ``SELECT ... FOR UPDATE SKIP LOCKED`` and keeps the lock while
it posts and records the result, so two senders never send the same row at the same time.

Delivery is **at least once**. A notification reaches the Notificaties API more than once
only when an attempt that the Notificaties API did accept is recorded as failed, and so is
retried after its backoff:

- the Notificaties API answered later than ``NOTIFICATIONS_DELIVERY_TIMEOUT`` seconds
  (for the whole call, however the bytes trickle in), or the connection broke after the
  request was sent, or it answered an error status although it stored the notification;
- the sender died (or lost its database connection) between the POST and the commit of its
  result.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urljoin

import structlog
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from notifications_api_common.exponential_backoff import get_exponential_backoff_interval
from notifications_api_common.models import NotificationsConfig

from klanten.outbound import OutboundError, fetch

from .models import NotificatieStatus, UitgaandeNotificatie

logger = structlog.stdlib.get_logger(__name__)

# Candidates read per query while draining.
BATCH = 100
ERROR_LENGTH = 500


@dataclass
class Resultaat:
    afgeleverd: int = 0
    mislukt: int = 0  # failed attempts (the row is retried later or marked failed)
    ids: list[int] = field(default_factory=list)


def backoff(config: NotificationsConfig, poging: int) -> int:
    """Seconds to wait after failed attempt number ``poging`` (1, 2, ...):
    ``retry_backoff * base_factor ** (poging - 1)``, at most ``retry_backoff_max``."""
    return get_exponential_backoff_interval(
        factor=config.notification_delivery_retry_backoff,
        retries=poging - 1,
        maximum=config.notification_delivery_retry_backoff_max,
        base=config.notification_delivery_base_factor,
        full_jitter=False,
    )


def verstuur(
    ids: list[int] | None = None, limit: int | None = None, max_seconds: float | None = None
) -> Resultaat:
    """Send the due notifications (only ``ids`` when given), oldest first; each row at most
    once per call. Every row is sent in its own transaction while it is locked."""
    resultaat = Resultaat()
    client = config = None
    started = time.monotonic()
    seen: set[int] = set()
    while True:
        candidates = UitgaandeNotificatie.objects.filter(
            status=NotificatieStatus.te_versturen, volgende_poging__lte=timezone.now()
        ).exclude(pk__in=seen)
        if ids is not None:
            candidates = candidates.filter(pk__in=ids)
        batch = list(
            candidates.order_by("volgende_poging", "id").values_list("pk", flat=True)[:BATCH]
        )
        if not batch:
            return resultaat
        if client is None:
            # only now: the periodic task finds nothing to send most of the time
            client = NotificationsConfig.get_client()
            if client is None:
                logger.warning("notifications_client_unavailable", te_versturen=len(batch))
                return resultaat
            config = NotificationsConfig.get_solo()
        for pk in batch:
            if limit is not None and len(seen) >= limit:
                return resultaat
            if max_seconds is not None and time.monotonic() - started > max_seconds:
                return resultaat
            seen.add(pk)
            afgeleverd = _verstuur_een(client, config, pk)
            if afgeleverd is None:
                continue  # taken by another sender, or no longer due
            resultaat.ids.append(pk)
            if afgeleverd:
                resultaat.afgeleverd += 1
            else:
                resultaat.mislukt += 1


def _verstuur_een(client, config: NotificationsConfig, pk: int) -> bool | None:
    with transaction.atomic():
        row = (
            UitgaandeNotificatie.objects.select_for_update(skip_locked=True)
            .filter(
                pk=pk,
                status=NotificatieStatus.te_versturen,
                volgende_poging__lte=timezone.now(),
            )
            .first()
        )
        if row is None:
            return None
        fout = _post(config.notifications_api_service, row.bericht)
        now = timezone.now()
        row.pogingen += 1
        row.laatste_poging_op = now
        if fout is None:
            row.status = NotificatieStatus.afgeleverd
            row.afgeleverd_op = now
            row.laatste_fout = ""
        else:
            row.laatste_fout = fout[:ERROR_LENGTH]
            if row.pogingen > config.notification_delivery_max_retries:
                row.status = NotificatieStatus.mislukt
            else:
                row.volgende_poging = now + timedelta(seconds=backoff(config, row.pogingen))
            logger.warning(
                "notification_delivery_failed",
                notificatie_id=row.pk,
                poging=row.pogingen,
                definitief=row.status == NotificatieStatus.mislukt,
                error=row.laatste_fout[:200],
            )
        row.save(
            update_fields=[
                "status",
                "pogingen",
                "laatste_poging_op",
                "afgeleverd_op",
                "laatste_fout",
                "volgende_poging",
            ]
        )
        return fout is None


def _post(service, bericht: dict) -> str | None:
    """POST one notification; None when delivered, else a short description of the error.
    The whole call (connecting, sending, the answer) gives up after
    ``NOTIFICATIONS_DELIVERY_TIMEOUT`` seconds, through ``klanten.outbound.fetch`` with the
    Notificaties API service's credentials."""
    try:
        response = fetch(
            urljoin(service.api_root, "notificaties"),
            method="POST",
            json=bericht,
            service=service,
            deadline=settings.NOTIFICATIONS_DELIVERY_TIMEOUT,
        )
    except OutboundError as exc:
        return f"{type(exc).__name__}: {exc.reason}"
    except Exception as exc:  # e.g. building the client's credentials
        return f"{type(exc).__name__}: {exc}"
    if response.status >= 400:
        return f"HTTP {response.status}: {response.body[:300].decode(errors='replace')}"
    return None


def ruim_op() -> int:
    """Remove delivered notifications older than ``NOTIFICATIONS_KEEP_DELIVERED_DAYS``."""
    grens = timezone.now() - timedelta(days=settings.NOTIFICATIONS_KEEP_DELIVERED_DAYS)
    deleted, _ = UitgaandeNotificatie.objects.filter(
        status=NotificatieStatus.afgeleverd, afgeleverd_op__lt=grens
    ).delete()
    return deleted
