"""C13 delivery guarantees: the notification outbox and its delivery (klanten.notificaties)
without a real worker. The end-to-end behaviour with Redis and a Celery worker:
test_background_integration."""

import socket
import threading
import time
from datetime import timedelta

import kombu.pools
import pytest
from django.db import transaction
from django.utils import timezone
from freezegun import freeze_time
from notifications_api_common.models import NotificationsConfig

from klanten.background.models import UitgaandeNotificatie
from klanten.background.tasks import ruim_notificaties_op, verstuur_notificaties
from klanten.celery import app as celery_app
from klanten.notificaties import bezorging, outbox

from .conftest import BASE
from .test_notifications import NOTIFICATIES, PERSONAL, configure, expected, sent
from .threads import outcomes, start_thread


def reset_pool():
    """Celery keeps a pool of broker connections per URL (kombu's global pools)."""
    kombu.pools.reset()
    celery_app._pool = None


NOW = "2024-03-01T10:00:00Z"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def broker_down(settings):
    """A broker is configured (not eager) but nothing listens on its port."""
    old = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    celery_app.conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
    celery_app.conf.task_always_eager = False
    reset_pool()
    yield
    reset_pool()
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = old


def message(pk_url="https://klanten.example/klanten/api/v1/klanten/1", actie="create"):
    return {**expected(pk_url, actie), "aanmaakdatum": "2024-03-01T11:00:00+01:00"}


def test_backoff_follows_the_admin_configuration(db):
    config = NotificationsConfig.get_solo()
    # the defaults a fresh installation gets (migration background 0002)
    assert (
        config.notification_delivery_max_retries,
        config.notification_delivery_retry_backoff,
        config.notification_delivery_base_factor,
        config.notification_delivery_retry_backoff_max,
    ) == (7, 25, 4, 52000)
    waits = [bezorging.backoff(config, poging) for poging in range(1, 9)]
    assert waits == [25, 100, 400, 1600, 6400, 25600, 52000, 52000]


def test_write_succeeds_when_the_broker_is_unreachable(
    broker_down, api, requests_mock, django_capture_on_commit_callbacks, caplog
):
    configure()
    requests_mock.post(NOTIFICATIES, status_code=201, json={})
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api.post_json(f"{BASE}/klanten", PERSONAL)
    assert response.status_code == 201
    assert len(callbacks) == 1
    assert time.monotonic() - started < 5
    # the broker was tried by the publisher thread (and refused the connection)
    assert outbox.publisher.wait(10)
    assert "notification_enqueue_failed" in caplog.text
    assert "Connection refused" in caplog.text
    # nothing sent from the request; the notification waits in the outbox
    assert sent(requests_mock) == []
    # the klant's, its partij's and its two standaard addresses' (K10)
    rows = list(UitgaandeNotificatie.objects.order_by("pk"))
    assert [(row.status, row.pogingen) for row in rows] == [("te_versturen", 0)] * 4
    # the periodic task (once a worker and the broker are back) delivers them
    assert verstuur_notificaties() == 4
    assert sent(requests_mock) == [row.bericht for row in rows]
    assert set(UitgaandeNotificatie.objects.values_list("status", flat=True)) == {"afgeleverd"}


def test_nothing_depends_on_the_after_commit_step(
    api, requests_mock, django_capture_on_commit_callbacks
):
    """The request process dies right after the commit: the periodic task sends it."""
    configure()
    requests_mock.post(NOTIFICATIES, status_code=201, json={})
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post_json(f"{BASE}/klanten", PERSONAL)
    assert response.status_code == 201
    assert sent(requests_mock) == []
    verstuur_notificaties()
    assert [(m["kanaal"], m["resource"], m["actie"]) for m in sent(requests_mock)] == [
        ("klanten", "klant", "create"),
        ("partijen", "partij", "create"),
        ("partijen", "digitaaladres", "create"),
        ("partijen", "digitaaladres", "create"),
    ]


def test_a_failing_after_commit_step_never_fails_the_write(
    api, requests_mock, monkeypatch, django_capture_on_commit_callbacks
):
    configure()

    def kapot(*args, **kwargs):
        raise RuntimeError("onverwacht")

    monkeypatch.setattr(bezorging, "verstuur", kapot)
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post_json(f"{BASE}/klanten", PERSONAL)
    assert response.status_code == 201
    assert set(UitgaandeNotificatie.objects.values_list("status", flat=True)) == {"te_versturen"}


def test_a_rolled_back_write_leaves_nothing(db, requests_mock):
    configure()
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.plaats(message())
        raise RuntimeError
    assert not UitgaandeNotificatie.objects.exists()


def test_without_broker_a_delivery_catches_up_on_due_retries(db, requests_mock):
    configure()
    requests_mock.post(NOTIFICATIES, status_code=201, json={})
    with freeze_time(NOW):
        earlier = [
            UitgaandeNotificatie.objects.create(
                bericht=message(actie="update"), pogingen=1, volgende_poging=timezone.now()
            )
            for _ in range(3)
        ]
        later = UitgaandeNotificatie.objects.create(
            bericht=message(actie="update"),
            pogingen=1,
            volgende_poging=timezone.now() + timedelta(hours=1),
        )
        new = UitgaandeNotificatie.objects.create(bericht=message())
        outbox.na_commit([new.pk])
    assert len(sent(requests_mock)) == 4
    statuses = dict(UitgaandeNotificatie.objects.values_list("pk", "status"))
    assert {statuses[r.pk] for r in [*earlier, new]} == {"afgeleverd"}
    assert statuses[later.pk] == "te_versturen"  # its backoff has not passed


def test_without_broker_a_failed_first_attempt_stops_there(db, requests_mock):
    configure()
    requests_mock.post(NOTIFICATIES, status_code=500)
    with freeze_time(NOW):
        UitgaandeNotificatie.objects.create(bericht=message(actie="update"), pogingen=1)
        new = UitgaandeNotificatie.objects.create(bericht=message())
        outbox.na_commit([new.pk])
    # one attempt, for the write's own notification only
    assert len(requests_mock.request_history) == 1


def test_disabled_or_unconfigured_notifications_store_nothing(api, settings):
    settings.NOTIFICATIONS_DISABLED = True
    configure()
    assert api.post_json(f"{BASE}/klanten", PERSONAL).status_code == 201
    assert not UitgaandeNotificatie.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_row_being_sent_is_not_sent_again(requests_mock):
    configure()
    requests_mock.post(NOTIFICATIES, status_code=201, json={})
    row = UitgaandeNotificatie.objects.create(bericht=message())
    holding, release = threading.Event(), threading.Event()

    def other_sender():
        with transaction.atomic():
            UitgaandeNotificatie.objects.select_for_update().get(pk=row.pk)
            holding.set()
            assert release.wait(timeout=30)

    thread = start_thread(other_sender)
    try:
        assert holding.wait(timeout=10)
        started = time.monotonic()
        assert bezorging.verstuur().afgeleverd == 0  # skipped, not waited for
        assert time.monotonic() - started < 5
    finally:
        release.set()
        thread.outcome(timeout=30)
    assert bezorging.verstuur().afgeleverd == 1
    assert bezorging.verstuur().afgeleverd == 0
    assert len(sent(requests_mock)) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_send_each_notification_once(requests_mock):
    configure()
    requests_mock.post(NOTIFICATIES, status_code=201, json={})
    rows = [
        UitgaandeNotificatie.objects.create(bericht=message(f"https://k.example/klanten/{i}"))
        for i in range(30)
    ]
    barrier = threading.Barrier(3)

    def sender():
        barrier.wait(timeout=10)
        bezorging.verstuur()

    outcomes([start_thread(sender) for _ in range(3)], timeout=60)
    posted = [m["resourceUrl"] for m in sent(requests_mock)]
    assert sorted(posted) == sorted(r.bericht["resourceUrl"] for r in rows)
    assert set(UitgaandeNotificatie.objects.values_list("status", flat=True)) == {"afgeleverd"}


def test_clean_up_of_delivered_notifications(db, settings):
    settings.NOTIFICATIONS_KEEP_DELIVERED_DAYS = 7
    with freeze_time(NOW):
        now = timezone.now()
        old = UitgaandeNotificatie.objects.create(
            bericht=message(), status="afgeleverd", afgeleverd_op=now - timedelta(days=8)
        )
        recent = UitgaandeNotificatie.objects.create(
            bericht=message(), status="afgeleverd", afgeleverd_op=now - timedelta(days=6)
        )
        failed = UitgaandeNotificatie.objects.create(
            bericht=message(), status="mislukt", aangemaakt_op=now - timedelta(days=60)
        )
        assert ruim_notificaties_op() == 1
    remaining = set(UitgaandeNotificatie.objects.values_list("pk", flat=True))
    assert remaining == {recent.pk, failed.pk}
    assert old.pk not in remaining


def test_health_counts_undelivered_notifications(client, db):
    with freeze_time(NOW):
        now = timezone.now()
        UitgaandeNotificatie.objects.create(bericht=message(), volgende_poging=now)
        UitgaandeNotificatie.objects.create(
            bericht=message(), volgende_poging=now - timedelta(minutes=30)
        )
        UitgaandeNotificatie.objects.create(bericht=message(), status="mislukt", pogingen=8)
        UitgaandeNotificatie.objects.create(bericht=message(), status="afgeleverd")
        response = client.get("/health/background", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["status"] == "warning"
    assert body["problems"] == ["notifications_failed", "notifications_overdue"]
    assert body["notifications"] == {
        "undelivered": 3,
        "pending": 2,
        "overdue": 1,
        "failed": 1,
        "oldest_undelivered": "2024-03-01T11:00:00+01:00",
    }
    assert body["destruction"] == {
        "last_success": None,
        "last_success_destroyed": None,
        "last_run": None,
    }


@pytest.fixture
def admin_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("beheer", "beheer@example.com", "x")
    client.force_login(user)
    return client


def test_admin_shows_the_outbox_and_resends_failed_notifications(admin_client, requests_mock):
    configure()
    requests_mock.post(NOTIFICATIES, status_code=201, json={})
    failed = UitgaandeNotificatie.objects.create(
        bericht=message(), status="mislukt", pogingen=8, laatste_fout="HTTP 503: onderhoud"
    )
    delivered = UitgaandeNotificatie.objects.create(bericht=message(), status="afgeleverd")
    url = "/admin/background/uitgaandenotificatie/"
    html = admin_client.get(url).content.decode()
    assert 'Niet afgeleverde notificaties: <span id="onafgeleverd">1</span>' in html
    assert "HTTP 503: onderhoud" in html
    assert "Opnieuw versturen" in html
    assert admin_client.get(f"{url}{failed.pk}/change/").status_code == 200

    response = admin_client.post(
        url,
        {"action": "opnieuw_versturen", "_selected_action": [failed.pk, delivered.pk]},
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "1 notificatie(s) worden opnieuw verstuurd." in text
    assert "1 al afgeleverde notificatie(s) overgeslagen." in text
    failed.refresh_from_db()
    assert (failed.status, failed.pogingen) == ("te_versturen", 0)
    verstuur_notificaties()
    failed.refresh_from_db()
    assert failed.status == "afgeleverd"
    assert len(sent(requests_mock)) == 1  # the delivered one was not sent again


def test_resending_needs_the_change_permission(client, django_user_model, db):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("kijker", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_uitgaandenotificatie"))
    client.force_login(user)
    url = "/admin/background/uitgaandenotificatie/"
    assert "opnieuw_versturen" not in client.get(url).content.decode()
    user.user_permissions.add(Permission.objects.get(codename="change_uitgaandenotificatie"))
    assert "opnieuw_versturen" in client.get(url).content.decode()


class _SlowNotificaties:
    """A Notificaties API on 127.0.0.1 that stores every notification, then answers 201; the
    first answer comes after ``delay`` seconds."""

    def __init__(self, delay: float, trickle: bool = False):
        import json
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.received: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                stub.received.append(json.loads(self.rfile.read(length)))
                if trickle and len(stub.received) == 1:
                    # the answer a byte at a time, each well within a read timeout
                    self.wfile.write(b"HTTP/1.1 201 Created\r\n")
                    for _ in range(int(delay / 0.2)):
                        self.wfile.write(b"X-Wacht: 1\r\n")
                        self.wfile.flush()
                        time.sleep(0.2)
                    self.wfile.write(b"Content-Length: 2\r\n\r\n{}")
                    return
                if len(stub.received) == 1:
                    time.sleep(delay)
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.api_root = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("trickle", [False, True], ids=["silent", "trickling"])
@pytest.mark.parametrize(("timeout", "sent"), [(1, 2), (3, 1)])
def test_a_notificaties_api_slower_than_the_timeout_gets_the_notification_again(
    db, settings, timeout, sent, trickle
):
    """Item 10 of issue 11: the delivery timeout is NOTIFICATIONS_DELIVERY_TIMEOUT. An answer
    later than that is a failed attempt although the Notificaties API stored the
    notification, so the retry sends it again: at least once (docs/background.md). The timeout
    bounds the whole call: an answer that trickles in a byte at a time is cut off too."""
    from zgw_consumers.constants import APITypes, AuthTypes
    from zgw_consumers.models import Service

    settings.NOTIFICATIONS_DELIVERY_TIMEOUT = timeout
    stub = _SlowNotificaties(delay=1.5, trickle=trickle)
    try:
        service = Service.objects.create(
            label="Trage NRC",
            slug="trage-nrc",
            api_type=APITypes.nrc,
            api_root=stub.api_root,
            auth_type=AuthTypes.no_auth,
            timeout=30,  # the service's own timeout is not the one used
        )
        config = NotificationsConfig.get_solo()
        config.notifications_api_service = service
        config.save()
        row = UitgaandeNotificatie.objects.create(bericht=message())
        bezorging.verstuur()
        row.refresh_from_db()
        if sent == 2:
            assert (row.status, row.pogingen) == ("te_versturen", 1)
            assert row.laatste_fout.startswith("DeadlineExceeded")
            UitgaandeNotificatie.objects.filter(pk=row.pk).update(volgende_poging=timezone.now())
            bezorging.verstuur()
            row.refresh_from_db()
        assert (row.status, row.pogingen) == ("afgeleverd", sent)
        assert stub.received == [row.bericht] * sent
    finally:
        stub.close()
