"""The Celery tasks of Klanten (scheduled in ``CELERY_BEAT_SCHEDULE``, see docs/background.md)."""

import structlog
from celery import shared_task
from django.conf import settings

from klanten.notificaties import bezorging
from klanten.notificaties.outbox import TAAK

from . import retention

logger = structlog.stdlib.get_logger(__name__)

# a periodic run of the outbox releases the worker after this long; the next run continues
OUTBOX_MAX_SECONDS = 300


@shared_task(name=TAAK, ignore_result=True)
def verstuur_notificaties(ids: list[int] | None = None) -> int:
    """C13: send what is due in the outbox (only ``ids`` when given: right after a write)."""
    resultaat = bezorging.verstuur(ids=ids, max_seconds=OUTBOX_MAX_SECONDS)
    if resultaat.ids:
        logger.info(
            "notifications_sent", afgeleverd=resultaat.afgeleverd, mislukt=resultaat.mislukt
        )
    return resultaat.afgeleverd


@shared_task(name="klanten.background.tasks.vernietig_klanten", ignore_result=True)
def vernietig_klanten() -> int:
    """R2: the daily destruction of non-validated klanten whose retention ended."""
    if not settings.KLANTEN_VERNIETIGING_AAN:
        logger.info("retention_disabled")
        return 0
    return retention.voer_uit().aantal_vernietigd


@shared_task(name="klanten.background.tasks.ruim_notificaties_op", ignore_result=True)
def ruim_notificaties_op() -> int:
    """Remove delivered notifications older than NOTIFICATIONS_KEEP_DELIVERED_DAYS."""
    return bezorging.ruim_op()
