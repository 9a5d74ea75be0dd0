"""The transactional outbox of the notifications (C13).

A write puts its notification in the ``UitgaandeNotificatie`` table, in the same database
transaction as the change itself: either both are stored or neither is. Nothing else happens
inside the request. After the commit:

- with a broker, the ids are handed to this process's **publisher thread**, which publishes a
  ``verstuur_notificaties`` task for them (``TAAK``); a worker sends them. The request never
  talks to the broker itself, so a broker that is down or hangs (a stopped Redis accepts
  connections and never answers) never holds up a write: it holds up the publisher thread, for
  at most ``CELERY_PUBLISH_TIMEOUT`` seconds per attempt, without retries;
- without a broker (``CELERY_TASK_ALWAYS_EAGER``) the web process makes one attempt itself
  (``bezorging.verstuur``); retries never run inside a request.

Whatever was not delivered then (broker down, worker gone, Notificaties API failing) is sent
by the periodic task (Celery beat, every ``NOTIFICATIONS_OUTBOX_INTERVAL`` seconds) or by
``manage.py verstuur_notificaties``: see :mod:`klanten.notificaties.bezorging`.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
from functools import partial

import structlog
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from klanten.celery import app as celery_app

from . import bezorging, invoegen
from .models import NotificatieStatus, UitgaandeNotificatie

logger = structlog.stdlib.get_logger(__name__)

# the Celery task that sends outbox rows (registered by ``klanten.background.tasks``)
TAAK = "klanten.background.tasks.verstuur_notificaties"
# Without a broker, a write whose own notification was delivered also sends at most this many
# other due notifications (retries of earlier ones), so a broker-less installation catches up.
EAGER_INHAALSLAG = 20
# Batches of ids waiting for the publisher thread; beyond this (the broker has been hanging for
# a while) new ids are left to the periodic task.
MAX_WACHTEND = 1000


# --- writing -----------------------------------------------------------------------------------


def _row(bericht: dict) -> UitgaandeNotificatie:
    return UitgaandeNotificatie(
        bericht=bericht,
        actie=str(bericht.get("actie", ""))[:30],
        resource_url=str(bericht.get("resourceUrl", ""))[:1000],
    )


def plaats(bericht: dict, *samen) -> UitgaandeNotificatie:
    """Put a notification in the outbox (in the caller's transaction); it is sent after the
    commit. A rolled-back write leaves nothing behind. ``samen``: other unsaved rows (the
    change's audit record) inserted in the same statement."""
    row = _row(bericht)
    invoegen.voeg_in(*samen, row)
    transaction.on_commit(partial(na_commit, [row.pk]), robust=True)
    return row


def rij(bericht: dict) -> UitgaandeNotificatie:
    """An unsaved outbox row, for a caller that inserts it with other rows (then
    :func:`na_invoegen`)."""
    return _row(bericht)


def na_invoegen(rows: list[UitgaandeNotificatie]) -> None:
    """Outbox rows inserted by the caller: sent after the commit."""
    if rows:
        transaction.on_commit(partial(na_commit, [row.pk for row in rows]), robust=True)


def plaats_meerdere(berichten: list[dict]) -> list[UitgaandeNotificatie]:
    """:func:`plaats` for many notifications at once (one insert, one task)."""
    if not berichten:
        return []
    rows = UitgaandeNotificatie.objects.bulk_create([_row(b) for b in berichten])
    transaction.on_commit(partial(na_commit, [row.pk for row in rows]), robust=True)
    return rows


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


# --- right after the commit ------------------------------------------------------------------


def na_commit(ids: list[int]) -> None:
    """Start sending ``ids``: in this process without a broker (one attempt), otherwise by
    handing them to the publisher thread. Never raises and never waits on the broker: the
    write has been committed, and the outbox keeps the notification for the periodic task
    whatever happens here."""
    try:
        if celery_app.conf.task_always_eager:
            resultaat = bezorging.verstuur(ids=ids)
            if resultaat.afgeleverd and not resultaat.mislukt:
                bezorging.verstuur(limit=EAGER_INHAALSLAG)
        else:
            publisher.submit(ids)
    except Exception as exc:
        logger.warning(
            "notification_enqueue_failed",
            notificatie_ids=ids,
            error=type(exc).__name__,
            detail=str(exc)[:200],
        )


def publiceer(ids: list[int], connection=None) -> None:
    """Ask a worker to send ``ids`` now: publish the task once, without retrying (raises when
    the broker does not answer within ``CELERY_PUBLISH_TIMEOUT`` seconds). Called by the
    publisher thread, never by a request."""
    timeout = settings.CELERY_PUBLISH_TIMEOUT
    connection = connection or verbinding()
    connection.ensure_connection(
        max_retries=1, interval_start=0, interval_step=0, interval_max=0, timeout=timeout
    )
    celery_app.send_task(TAAK, args=(ids,), connection=connection, retry=False)


def verbinding():
    """A broker connection for publishing only: every socket operation (connect, send, read
    the answer) gives up after ``CELERY_PUBLISH_TIMEOUT`` seconds."""
    timeout = settings.CELERY_PUBLISH_TIMEOUT
    return celery_app.connection_for_write(
        transport_options={
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
            "max_retries": 1,
        }
    )


class Publisher:
    """Publishes the "send now" tasks of this process from a daemon thread of its own.

    A request only puts the ids in a queue (never blocks: when the queue is full the ids are
    left to the periodic task). The thread takes everything that waits, publishes one task for
    it and goes on; a failure is logged (``notification_enqueue_failed``) and the ids stay in
    the outbox for the periodic task. The thread is started on first use and again in a forked
    child (gunicorn workers) or after it died.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._queue: queue.Queue | None = None
        self._thread: threading.Thread | None = None
        self._pid: int | None = None

    def submit(self, ids: list[int]) -> None:
        wachtrij = self._ensure_running()
        try:
            wachtrij.put_nowait(list(ids))
        except queue.Full:
            logger.warning(
                "notification_enqueue_failed", notificatie_ids=ids, error="PublisherQueueFull"
            )

    def wait(self, timeout: float) -> bool:
        """Wait until everything submitted so far was published or given up (tests, a
        graceful shutdown). False when that took longer than ``timeout`` seconds."""
        wachtrij = self._queue
        if wachtrij is None:
            return True
        deadline = time.monotonic() + timeout
        with wachtrij.all_tasks_done:
            while wachtrij.unfinished_tasks:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                wachtrij.all_tasks_done.wait(remaining)
        return True

    def _ensure_running(self) -> queue.Queue:
        with self._lock:
            pid = os.getpid()
            if self._thread is None or self._pid != pid or not self._thread.is_alive():
                self._queue = queue.Queue(maxsize=MAX_WACHTEND)
                self._pid = pid
                self._thread = threading.Thread(
                    target=self._run,
                    args=(self._queue,),
                    name="klanten-notificaties-publisher",
                    daemon=True,
                )
                self._thread.start()
            return self._queue

    @staticmethod
    def _run(wachtrij: queue.Queue) -> None:
        connection = None
        url = None
        while True:
            batches = [wachtrij.get()]
            while True:
                try:
                    batches.append(wachtrij.get_nowait())
                except queue.Empty:
                    break
            ids = [pk for batch in batches for pk in batch]
            try:
                if connection is not None and url != celery_app.conf.broker_url:
                    connection.release()  # the broker was configured anew (tests)
                    connection = None
                if connection is None:
                    url, connection = celery_app.conf.broker_url, verbinding()
                publiceer(ids, connection)
            except Exception as exc:
                logger.warning(
                    "notification_enqueue_failed",
                    notificatie_ids=ids,
                    error=type(exc).__name__,
                    detail=str(exc)[:200],
                )
                if connection is not None:
                    with contextlib.suppress(Exception):  # it is dropped anyway
                        connection.release()
                connection = None
            finally:
                for _ in batches:
                    wachtrij.task_done()


publisher = Publisher()
