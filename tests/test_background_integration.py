"""C13 delivery guarantees end to end: a REAL Redis (a second redis-server on its own free
port, started and stopped by these tests; the machine's 6379 is never touched), a REAL Celery
worker and Celery beat (separate processes on the test database), and a local HTTP server on
127.0.0.1 standing in for the Notificaties API (it records every POST and can answer 500).

The API writes are made in this process (Django's test client), with Celery pointed at that
Redis and not eager: this process only stores the notification and publishes the "send now"
task; the worker sends. Every wait is bounded.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import kombu.pools
import pytest
from django.db import connection
from notifications_api_common.models import NotificationsConfig
from zgw_consumers.constants import APITypes, AuthTypes
from zgw_consumers.models import Service

from klanten.background.models import UitgaandeNotificatie
from klanten.celery import app as celery_app

from .conftest import BASE
from .test_notifications import PERSONAL


def reset_pool():
    """Celery keeps a pool of broker connections per URL (kombu's global pools)."""
    kombu.pools.reset()
    celery_app._pool = None


ROOT = Path(__file__).resolve().parents[1]
REDIS_SERVER = shutil.which("redis-server")
# a real second Redis is required, never skipped: redis-server comes with the machine's Redis
pytestmark = pytest.mark.django_db(transaction=True)

STARTUP_TIMEOUT = 60
DELIVERY_TIMEOUT = 30


def _redis_server() -> str:
    if REDIS_SERVER is None:
        pytest.fail("these tests start their own redis-server: install Debian's redis-server")
    return REDIS_SERVER


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


# --- the stand-ins ----------------------------------------------------------------------------


class RedisServer:
    """A redis-server of our own on a free port, without persistence."""

    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        log = open(self.directory / "redis.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            [_redis_server(), "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.directory)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_for(lambda: port_open(self.port), 10, "redis-server to listen")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        wait_for(lambda: not port_open(self.port), 10, "redis-server to stop")


class NotificatiesStub:
    """The Notificaties API: records every POST; ``fail_next(n)`` answers the next n with 500."""

    def __init__(self):
        self.received: list[tuple[str, int, dict]] = []
        self._fail = 0
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with stub._lock:
                    status = 500 if stub._fail > 0 else 201
                    stub._fail = max(0, stub._fail - 1)
                    stub.received.append((self.path, status, body))
                payload = json.dumps(body if status == 201 else {"detail": "kapot"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.api_root = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def fail_next(self, count: int):
        with self._lock:
            self._fail = count

    def for_resource(self, url: str) -> list[tuple[int, dict]]:
        with self._lock:
            return [
                (status, body) for _, status, body in self.received if body["resourceUrl"] == url
            ]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class CeleryProcess:
    def __init__(self, name: str, args: list[str], env: dict, directory: Path):
        self.log_path = directory / f"{name}.log"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "--app", "klanten", *args],
            cwd=ROOT,
            env=env,
            stdout=open(self.log_path, "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()  # warm shutdown
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("background")


@pytest.fixture(scope="module")
def redis_server(workdir):
    server = RedisServer(workdir)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def nrc_stub():
    stub = NotificatiesStub()
    yield stub
    stub.close()


@pytest.fixture(scope="module")
def celery_processes(django_db_setup, redis_server, workdir):
    """A worker (solo pool) and beat on the test database and our Redis."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "klanten.conf.settings",
        # the test database pytest-django created (DB_TEST_NAME, or test_<DB_NAME>)
        "DB_NAME": connection.settings_dict["NAME"],
        "DB_TEST_NAME": connection.settings_dict["NAME"],
        "DB_CONN_MAX_AGE": "0",
        "CELERY_BROKER_URL": redis_server.url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "NOTIFICATIONS_OUTBOX_INTERVAL": "1",
        "LOG_FORMAT": "console",
        "LOG_LEVEL": "INFO",
    }
    worker = CeleryProcess(
        "worker",
        ["worker", "--pool", "solo", "--without-mingle", "--without-gossip"]
        + ["--hostname", f"klanten-test-{redis_server.port}@%h", "--loglevel", "INFO"],
        env,
        workdir,
    )
    beat = CeleryProcess(
        "beat",
        ["beat", "--schedule", str(workdir / "beat-schedule"), "--pidfile=", "--max-interval", "1"]
        + ["--loglevel", "INFO"],
        env,
        workdir,
    )
    try:
        wait_for(lambda: " ready." in worker.log(), STARTUP_TIMEOUT, "the worker to start")
        wait_for(lambda: "beat: Starting" in beat.log(), STARTUP_TIMEOUT, "beat to start")
        yield worker, beat
    finally:
        # before pytest-django drops the test database: no connections may be left
        worker.stop()
        beat.stop()


@pytest.fixture
def background(celery_processes, redis_server, nrc_stub):
    """This process publishes to our Redis (not eager); the Notificaties API is the stub with
    short backoffs (1 s, 2 s, 4 s ...)."""
    old = (celery_app.conf.broker_url, celery_app.conf.task_always_eager)
    celery_app.conf.broker_url = redis_server.url
    celery_app.conf.task_always_eager = False
    reset_pool()
    service = Service.objects.create(
        label="Notificaties API (stub)",
        slug="notificaties-stub",
        api_type=APITypes.nrc,
        api_root=nrc_stub.api_root,
        auth_type=AuthTypes.no_auth,
    )
    config = NotificationsConfig.get_solo()
    config.notifications_api_service = service
    config.notification_delivery_max_retries = 5
    config.notification_delivery_retry_backoff = 1
    config.notification_delivery_base_factor = 2
    config.notification_delivery_retry_backoff_max = 4
    config.save()
    nrc_stub.fail_next(0)
    yield nrc_stub
    reset_pool()
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = old
    # the worker may still be busy with this test's rows: let it finish before the flush
    wait_for(
        lambda: not UitgaandeNotificatie.objects.filter(status="te_versturen").exists(),
        DELIVERY_TIMEOUT,
        "the outbox to be empty",
    )


def create_klant(api) -> str:
    started = time.monotonic()
    response = api.post_json(f"{BASE}/klanten", PERSONAL)
    assert response.status_code == 201, response.content
    # the write never waits for the broker for long
    assert time.monotonic() - started < 10
    return response.json()["url"]


def delivered(stub, url):
    return [body for status, body in stub.for_resource(url) if status == 201]


def assert_delivered_once(stub, url, actie="create", settle: float = 2.5):
    """Exactly one successful delivery, also after a few more periodic runs."""
    wait_for(lambda: delivered(stub, url), DELIVERY_TIMEOUT, f"the {actie} notification")
    time.sleep(settle)  # > 2 periodic runs (every second) and the kick task
    bodies = delivered(stub, url)
    assert len(bodies) == 1, bodies
    assert bodies[0]["actie"] == actie
    assert bodies[0]["kanaal"] == "klanten"
    assert bodies[0]["hoofdObject"] == url
    assert set(bodies[0]) == {
        "kanaal",
        "source",
        "hoofdObject",
        "resource",
        "resourceUrl",
        "actie",
        "aanmaakdatum",
        "kenmerken",
    }
    wait_for(
        lambda: UitgaandeNotificatie.objects.filter(resource_url=url, status="afgeleverd").exists(),
        10,
        "the outbox row to be marked delivered",
    )


def report(celery_processes) -> str:
    worker, beat = celery_processes
    return f"--- worker ---\n{worker.log()[-4000:]}\n--- beat ---\n{beat.log()[-2000:]}"


# --- the tests ----------------------------------------------------------------------------------


def test_a_notification_is_delivered_by_the_worker(background, api, celery_processes):
    url = create_klant(api)
    try:
        assert_delivered_once(background, url)
    except AssertionError:
        print(report(celery_processes))
        raise
    # sent by the worker, not in this process: a single attempt, no failures
    assert [s for s, _ in background.for_resource(url)] == [201]
    # right after the commit, through the task this process published for the new row
    row = UitgaandeNotificatie.objects.get(resource_url=url)
    # one task for the write's rows: the klant's, its partij's and its standaard addresses'
    # (K10)
    partijen = UitgaandeNotificatie.objects.filter(bericht__kanaal="partijen").order_by("pk")
    assert [p.bericht["resource"] for p in partijen] == ["partij", "digitaaladres", "digitaaladres"]
    pks = ", ".join(str(pk) for pk in [row.pk, *(p.pk for p in partijen)])
    worker, _beat = celery_processes
    assert f"'args': '([{pks}],)'" in worker.log()
    patched = api.patch_json(url, {"functie": "bakker"})
    assert patched.status_code == 200
    wait_for(
        lambda: [b["actie"] for b in delivered(background, url)] == ["create", "partial_update"],
        DELIVERY_TIMEOUT,
        "the partial_update notification",
    )


def test_a_write_succeeds_while_redis_is_down_and_is_delivered_after(
    background, api, redis_server, celery_processes
):
    redis_server.stop()
    try:
        url = create_klant(api)  # 201 although the broker is unreachable
        row = UitgaandeNotificatie.objects.get(resource_url=url)
        assert (row.status, row.pogingen) == ("te_versturen", 0)
        time.sleep(1.5)
        assert delivered(background, url) == []  # nothing can send it now
    finally:
        redis_server.start()
    try:
        assert_delivered_once(background, url)
    except AssertionError:
        print(report(celery_processes))
        raise


def test_a_failing_notificaties_api_is_retried_until_delivered(background, api, celery_processes):
    # the create notifies on klanten and (K10) on partijen (the partij, its e-mail address
    # and its phone number): all four fail twice
    background.fail_next(8)
    url = create_klant(api)
    try:
        wait_for(lambda: delivered(background, url), DELIVERY_TIMEOUT, "the retried delivery")
    except AssertionError:
        print(report(celery_processes))
        raise
    time.sleep(2.5)
    # two answers 500, then one 201; after a backoff each time, and never again after
    assert [s for s, _ in background.for_resource(url)] == [500, 500, 201]
    bodies = [b for _, b in background.for_resource(url)]
    assert bodies[0] == bodies[1] == bodies[2]
    row = UitgaandeNotificatie.objects.get(resource_url=url)
    assert (row.status, row.pogingen) == ("afgeleverd", 3)


def test_a_hanging_redis_never_holds_up_a_write(background, api, redis_server, celery_processes):
    """Item 5 of issue 11: a Redis that hangs (SIGSTOP: connections are accepted, nothing is
    answered) is worse than one that is down. The request never talks to the broker (a thread
    publishes after the commit), so every write answers at once; the notifications are
    delivered once Redis answers again."""
    body = {key: value for key, value in PERSONAL.items() if key != "klantnummer"}
    first = create_klant(api)  # Redis answers: the publisher holds a connection to it
    assert_delivered_once(background, first)
    redis_server.process.send_signal(signal.SIGSTOP)
    urls = []
    try:
        for _ in range(2):
            started = time.monotonic()
            response = api.post_json(f"{BASE}/klanten", body)
            took = time.monotonic() - started
            assert response.status_code == 201, response.content
            assert took < 2, f"a write waited {took:.1f} s for a hanging broker"
            urls.append(response.json()["url"])
    finally:
        redis_server.process.send_signal(signal.SIGCONT)
    try:
        for url in urls:
            assert_delivered_once(background, url)
    except AssertionError:
        print(report(celery_processes))
        raise
