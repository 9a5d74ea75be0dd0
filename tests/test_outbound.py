"""Outbound calls (klanten.outbound) and the subject check (kla-002) that makes them: a total
deadline, a maximum answer size, redirects within the same host only, and no internal
addresses unless a configured service covers them (whose credentials are then sent).

The servers are real local HTTP servers on 127.0.0.1 (threads of this process); reaching them
takes a configured service, which is exactly the rule under test.
"""

import contextlib
import gzip
import ipaddress
import json
import socket
import time
from http.server import BaseHTTPRequestHandler

import pytest
from zgw_consumers.constants import APITypes, AuthTypes
from zgw_consumers.models import Service

from klanten import outbound
from klanten.datamodel.models import Klant

from .conftest import BASE, RSIN
from .lokale_server import lokale_server

HUGE = 3 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet
        pass

    def do_GET(self):
        self.server.requests.append((self.path, dict(self.headers)))
        route = self.path.split("?", 1)[0]
        # a BrokenPipe: the client gave up, as it should
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            getattr(self, "route_" + route.strip("/").replace("-", "_"), self.route_ok)()

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.server.requests.append((self.path, dict(self.headers), self.rfile.read(length)))
        self._answer(b"{}", headers=[("Content-Type", "application/json")])

    def _answer(self, body: bytes, status=200, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def route_ok(self):
        self._answer(
            b'{"burgerservicenummer": "999990019"}', headers=[("Content-Type", "application/json")]
        )

    def route_slow_body(self):
        """Headers at once, then one byte a second (each read returns quickly)."""
        self.send_response(200)
        self.send_header("Content-Length", "100")
        self.end_headers()
        for _ in range(100):
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(1)

    def route_slow_headers(self):
        """The status line itself, one byte every half second."""
        for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}":
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(0.5)

    def route_huge(self):
        self._answer(b"x" * HUGE)

    def route_huge_unannounced(self):
        """No Content-Length: the body ends when the connection closes."""
        self.send_response(200)
        self.send_header("Connection", "close")
        self.end_headers()
        for _ in range(HUGE // 65536):
            self.wfile.write(b"x" * 65536)
        self.close_connection = True

    def route_gzip_bomb(self):
        self._answer(gzip.compress(b"\0" * HUGE), headers=[("Content-Encoding", "gzip")])

    def route_redirect_other_host(self):
        self._answer(b"", 302, [("Location", f"http://localhost:{self.server.server_port}/ok")])

    def route_redirect_same_host(self):
        self._answer(b"", 302, [("Location", "/ok")])

    def route_loop(self):
        self._answer(b"", 302, [("Location", "/loop")])

    def route_missing(self):
        self._answer(b"{}", 404)


@pytest.fixture
def server():
    with lokale_server(_Handler) as httpd:
        yield httpd


def _service(api_root: str, **fields) -> Service:
    return Service.objects.create(
        label="Lokale registratie",
        slug=f"lokaal-{Service.objects.count()}",
        api_type=APITypes.orc,
        api_root=api_root,
        auth_type=fields.pop("auth_type", AuthTypes.no_auth),
        **fields,
    )


@pytest.fixture
def local_service(db, server):
    return _service(f"{server.base}/")


# --- internal addresses --------------------------------------------------------------------
@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.1.2.3",
        "::1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "fe80::1",
        "fc00::1",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "::ffff:127.0.0.1",
        "64:ff9b::a01:203",
        "2002:7f00:1::",
    ],
)
def test_internal_addresses(address):
    assert outbound.is_internal_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"])
def test_public_addresses(address):
    assert not outbound.is_internal_address(ipaddress.ip_address(address))


@pytest.fixture
def no_network(monkeypatch):
    """Fail on any connection attempt or name lookup."""

    def refuse(*args, **kwargs):
        raise AssertionError("a network call was made")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/health/live",
        "http://[::1]:8000/",
        "https://10.0.0.5/api/personen/1",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]/",
        "http://2130706433/",
        "http://127.1/",
        "http://0x7f000001/",
        "http://0.0.0.0:5432/",
        "http://[fe80::1%25eth0]/",
    ],
)
def test_internal_ip_literals_are_refused_without_a_network_call(db, no_network, url):
    with pytest.raises(outbound.InternalAddress):
        outbound.fetch(url)


def test_a_host_name_resolving_to_an_internal_address_is_refused_before_connecting(db, server):
    """``localhost`` resolves to 127.0.0.1: refused on the resolved address, no connection."""
    with pytest.raises(outbound.InternalAddress):
        outbound.fetch(f"http://localhost:{server.server_port}/ok")
    assert server.requests == []


@pytest.mark.parametrize("url", ["ftp://example.com/x", "/relative", "http://", "geen url", ""])
def test_only_absolute_http_urls(db, no_network, url):
    with pytest.raises(outbound.InvalidURL):
        outbound.fetch(url)


def test_a_configured_service_may_be_internal_and_gets_its_credentials(db, server):
    _service(
        f"{server.base}/",
        auth_type=AuthTypes.api_key,
        header_key="Authorization",
        header_value="Token geheim-123",
    )
    response = outbound.fetch(f"{server.base}/ok")
    assert response.status == 200
    assert response.json() == {"burgerservicenummer": "999990019"}
    assert response.headers["content-type"] == "application/json"
    [(path, headers)] = server.requests
    assert path == "/ok"
    assert headers["Authorization"] == "Token geheim-123"


def test_a_service_with_zgw_credentials_sends_a_jwt(db, server):
    import jwt

    _service(
        f"{server.base}/",
        auth_type=AuthTypes.zgw,
        client_id="klanten",
        secret="een-geheim-van-minstens-32-tekens-lang",
    )
    assert outbound.fetch(f"{server.base}/ok").status == 200
    token = server.requests[0][1]["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, "een-geheim-van-minstens-32-tekens-lang", algorithms=["HS256"])
    assert claims["client_id"] == "klanten"


def test_a_service_covers_only_urls_under_its_api_root(db, server):
    _service(f"{server.base}/api/")
    assert outbound.fetch(f"{server.base}/api/ok").status == 200
    for url in (
        f"{server.base}/ok",  # beside the api_root
        f"{server.base}/api/../ok",  # climbing out of it
        f"{server.base}/api/%2e%2e/ok",
    ):
        with pytest.raises(outbound.InternalAddress):
            outbound.fetch(url)
    assert len(server.requests) == 1


def test_an_explicit_service_must_cover_the_url(db, server):
    service = _service(f"{server.base}/api/")
    assert outbound.fetch(f"{server.base}/api/ok", service=service).status == 200
    with pytest.raises(outbound.InvalidURL):
        outbound.fetch("https://elders.example/api/ok", service=service)


# --- bodies ---------------------------------------------------------------------------------------
def test_a_form_body(local_service, server):
    response = outbound.fetch(
        f"{server.base}/token", method="POST", data={"grant_type": "authorization_code", "a": "b c"}
    )
    assert response.status == 200
    [(path, headers, body)] = server.requests
    assert path == "/token"
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert body == b"grant_type=authorization_code&a=b+c"


def test_a_json_body(local_service, server):
    outbound.fetch(f"{server.base}/x", method="POST", json={"a": 1})
    [(_, headers, body)] = server.requests
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"a": 1}


# --- deadline ---------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/slow-body", "/slow-headers"])
def test_a_server_trickling_bytes_is_cut_off_at_the_deadline(local_service, server, path):
    started = time.monotonic()
    with pytest.raises(outbound.DeadlineExceeded):
        outbound.fetch(f"{server.base}{path}", deadline=1.5)
    elapsed = time.monotonic() - started
    # the servers would hold the call for 50-100 seconds
    assert 1.4 < elapsed < 4, elapsed


def test_the_default_deadline_is_the_setting(local_service, server, settings):
    settings.OUTBOUND_DEADLINE = 1
    started = time.monotonic()
    with pytest.raises(outbound.DeadlineExceeded):
        outbound.fetch(f"{server.base}/slow-body")
    assert time.monotonic() - started < 4


# --- size ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/huge", "/huge-unannounced", "/gzip-bomb"])
def test_an_answer_over_the_maximum_is_refused(local_service, server, path):
    with pytest.raises(outbound.ResponseTooLarge):
        outbound.fetch(f"{server.base}{path}", max_bytes=1024 * 1024)


def test_the_default_maximum_is_the_setting(local_service, server, settings):
    settings.OUTBOUND_MAX_RESPONSE_BYTES = 10
    with pytest.raises(outbound.ResponseTooLarge):
        outbound.fetch(f"{server.base}/ok")
    settings.OUTBOUND_MAX_RESPONSE_BYTES = 1024
    assert outbound.fetch(f"{server.base}/ok").status == 200


# --- redirects ------------------------------------------------------------------------------------
def test_a_redirect_to_another_host_is_refused(local_service, server):
    with pytest.raises(outbound.RedirectRefused):
        outbound.fetch(f"{server.base}/redirect-other-host")
    assert [path for path, _ in server.requests] == ["/redirect-other-host"]


def test_a_redirect_within_the_host_is_followed(local_service, server):
    response = outbound.fetch(f"{server.base}/redirect-same-host")
    assert (response.status, response.url) == (200, f"{server.base}/ok")


def test_endless_redirects_are_refused(local_service, server):
    with pytest.raises(outbound.RedirectRefused):
        outbound.fetch(f"{server.base}/loop", max_redirects=3)
    assert len(server.requests) == 4


def test_an_error_status_is_an_answer(local_service, server):
    assert outbound.fetch(f"{server.base}/missing").status == 404


def test_a_closed_port_is_a_connection_failure(db):
    port = socket.socket()
    port.bind(("127.0.0.1", 0))
    address = f"http://127.0.0.1:{port.getsockname()[1]}/"
    port.close()
    _service(address)
    with pytest.raises(outbound.ConnectionFailed):
        outbound.fetch(address)


# --- the subject check (kla-002) through the API --------------------------------------------------
def _create(api, subject):
    return api.post_json(f"{BASE}/klanten", {"bronorganisatie": RSIN, "subject": subject})


def _subject_problem(response) -> dict:
    assert response.status_code == 400, response.content
    [problem] = response.json()["invalidParams"]
    assert (problem["name"], problem["code"]) == ("subject", "bad-url")
    return problem


@pytest.mark.parametrize(
    "subject",
    ["http://127.0.0.1:{port}/ok", "http://[::1]:{port}/ok", "http://localhost:{port}/ok"],
)
def test_a_subject_on_an_internal_address_is_refused(api, server, subject):
    response = _create(api, subject.format(port=server.server_port))
    assert "intern adres" in _subject_problem(response)["reason"]
    assert server.requests == []
    assert not Klant.objects.exists()


def test_a_subject_under_a_configured_service_is_checked_with_its_credentials(api, server):
    _service(
        f"{server.base}/",
        auth_type=AuthTypes.api_key,
        header_key="X-Api-Key",
        header_value="brp-sleutel",
    )
    response = _create(api, f"{server.base}/ok")
    assert response.status_code == 201, response.content
    [(path, headers)] = server.requests
    assert (path, headers["X-Api-Key"]) == ("/ok", "brp-sleutel")


def test_a_slow_subject_is_refused_at_the_deadline(api, local_service, server, settings):
    settings.SUBJECT_URL_TIMEOUT = 1
    started = time.monotonic()
    response = _create(api, f"{server.base}/slow-body")
    assert time.monotonic() - started < 4
    assert "niet op tijd" in _subject_problem(response)["reason"]
    assert not Klant.objects.exists()


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/huge", "te groot"),
        ("/redirect-other-host", "andere host"),
        ("/missing", "HTTP 200"),
    ],
)
def test_a_subject_breaking_a_rule_is_refused(api, local_service, server, path, reason):
    response = _create(api, f"{server.base}{path}")
    assert reason in _subject_problem(response)["reason"]


def test_the_refusal_is_logged_without_the_url(api, server, caplog):
    with caplog.at_level("INFO"):
        _subject_problem(_create(api, f"http://127.0.0.1:{server.server_port}/Xanthippe"))
    events = [r.msg for r in caplog.records if isinstance(r.msg, dict)]
    refused = [e for e in events if e.get("event") == "subject_url_refused"]
    assert refused and refused[0]["reason"] == "internal-address"
    assert "Xanthippe" not in json.dumps(events, default=str)
