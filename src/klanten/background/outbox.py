"""The transactional outbox of the notifications (C13).

A klant write puts its notification in the ``UitgaandeNotificatie`` table, in the same
database transaction as the change itself: either both are stored or neither is. Nothing
else happens inside the request. After the commit:

- with a broker, the web process publishes a ``verstuur_notificaties`` task for the new rows
  (a short connection timeout, no retries: when the broker is down the request simply
  continues); a worker sends them;
- without a broker (``CELERY_TASK_ALWAYS_EAGER``) the web process makes one attempt itself;
  retries never run inside a request.

Whatever was not delivered then (broker down, worker gone, Notificaties API failing) is sent
by the periodic task (Celery beat, every ``NOTIFICATIONS_OUTBOX_INTERVAL`` seconds) or by
``manage.py verstuur_notificaties``, with exponential backoff between attempts and at most
``max_retries + 1`` attempts (both from the admin's Notificaties configuration), after which
the row is marked failed and can be sent again from the admin.

Every sender takes a row with ``SELECT ... FOR UPDATE SKIP LOCKED`` and keeps the lock while
it posts and records the result, so two senders never send the same row; only a sender that
dies between the POST and its commit leaves the row to be sent again (at least once).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

import requests
import structlog
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from notifications_api_common.exponential_backoff import get_exponential_backoff_interval
from notifications_api_common.models import NotificationsConfig

from klanten.celery import app as celery_app

from .models import NotificatieStatus, UitgaandeNotificatie

logger = structlog.stdlib.get_logger(__name__)

# Without a broker, a write whose own notification was delivered also sends at most this many
# other due notifications (retries of earlier ones), so a broker-less installation catches up.
EAGER_INHAALSLAG = 20
# Candidates read per query while draining.
BATCH = 100
ERROR_LENGTH = 500


# --- writing -----------------------------------------------------------------------------------


def _row(bericht: dict) -> UitgaandeNotificatie:
    return UitgaandeNotificatie(
        bericht=bericht,
        actie=str(bericht.get("actie", ""))[:30],
        resource_url=str(bericht.get("resourceUrl", ""))[:1000],
    )


def plaats(bericht: dict) -> UitgaandeNotificatie:
    """Put a notification in the outbox (in the caller's transaction); it is sent after the
    commit. A rolled-back write leaves nothing behind."""
    row = _row(bericht)
    row.save()
    transaction.on_commit(partial(na_commit, [row.pk]), robust=True)
    return row


def plaats_meerdere(berichten: list[dict]) -> list[UitgaandeNotificatie]:
    """:func:`plaats` for many notifications at once (one insert, one task)."""
    if not berichten:
        return []
    rows = UitgaandeNotificatie.objects.bulk_create([_row(b) for b in berichten])
    transaction.on_commit(partial(na_commit, [row.pk for row in rows]), robust=True)
    return rows


# --- right after the commit ------------------------------------------------------------------


def na_commit(ids: list[int]) -> None:
    """Start sending ``ids``: in this process without a broker (one attempt), otherwise by
    publishing a task. Never raises: the write has been committed, and the outbox keeps the
    notification for the periodic task whatever happens here."""
    try:
        if celery_app.conf.task_always_eager:
            resultaat = verstuur(ids=ids)
            if resultaat.afgeleverd and not resultaat.mislukt:
                verstuur(limit=EAGER_INHAALSLAG)
        else:
            publiceer(ids)
    except Exception as exc:
        logger.warning(
            "notification_enqueue_failed",
            notificatie_ids=ids,
            error=type(exc).__name__,
            detail=str(exc)[:200],
        )


def publiceer(ids: list[int]) -> None:
    """Ask a worker to send ``ids`` now. Gives up after ``CELERY_PUBLISH_TIMEOUT`` seconds
    without retrying (raises), so a broker outage never holds up a request for long."""
    from .tasks import verstuur_notificaties

    timeout = settings.CELERY_PUBLISH_TIMEOUT
    with celery_app.pool.acquire(block=True, timeout=timeout) as connection:
        connection.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, interval_max=0, timeout=timeout
        )
        verstuur_notificaties.apply_async(args=(ids,), connection=connection, retry=False)


# --- sending -----------------------------------------------------------------------------------


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
        fout = _post(client, row.bericht)
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


def _post(client, bericht: dict) -> str | None:
    """POST one notification; None when delivered, else a short description of the error."""
    try:
        response = client.post("notificaties", json=bericht)
    except requests.RequestException as exc:
        return f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # e.g. building the client's credentials
        return f"{type(exc).__name__}: {exc}"
    if response.status_code >= 400:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    return None


# --- the admin and the periodic clean-up -------------------------------------------------------


def opnieuw_versturen(ids) -> int:
    """Send notifications again (the admin's action): not-yet-delivered rows start over with
    a fresh number of attempts, right away. Delivered rows are left alone (no duplicates)."""
    with transaction.atomic():
        pks = list(
            UitgaandeNotificatie.objects.select_for_update()
            .filter(pk__in=ids)
            .exclude(status=NotificatieStatus.afgeleverd)
            .values_list("pk", flat=True)
        )
        UitgaandeNotificatie.objects.filter(pk__in=pks).update(
            status=NotificatieStatus.te_versturen,
            pogingen=0,
            volgende_poging=timezone.now(),
        )
        if pks:
            transaction.on_commit(partial(na_commit, pks), robust=True)
    return len(pks)


def ruim_op() -> int:
    """Remove delivered notifications older than ``NOTIFICATIONS_KEEP_DELIVERED_DAYS``."""
    grens = timezone.now() - timedelta(days=settings.NOTIFICATIONS_KEEP_DELIVERED_DAYS)
    deleted, _ = UitgaandeNotificatie.objects.filter(
        status=NotificatieStatus.afgeleverd, afgeleverd_op__lt=grens
    ).delete()
    return deleted
