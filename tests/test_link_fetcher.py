"""``LINK_FETCHER``, the fetcher of vng-api-common's ``URLValidator`` (which Klanten does not
use today), is ``klanten.outbound.requests_get``: requests.get's signature through
klanten.outbound, so any use of it has the total deadline and the address check.

The server is a local HTTP server on 127.0.0.1 (a thread of this process), an internal
address: reaching it takes a configured service.
"""

import contextlib
import time

import pytest
import requests
from django.conf import settings
from django.utils.module_loading import import_string
from rest_framework import serializers
from vng_api_common.validators import URLValidator
from zgw_consumers.constants import AuthTypes

from klanten import outbound

from .lokale_server import StilleHandler, dekkende_service, lokale_server

pytestmark = pytest.mark.django_db


class _Handler(StilleHandler):
    def do_GET(self):
        self.server.requests.append((self.path, dict(self.headers)))
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            if self.path.startswith("/traag"):
                self.druppel()
                return
            status = 404 if self.path.startswith("/weg") else 200
            self.antwoord(status, b'{"url": "ok"}', "application/json; charset=utf-8")


@pytest.fixture
def server():
    with lokale_server(_Handler) as httpd:
        yield httpd


def cover(server) -> None:
    dekkende_service(
        server,
        label="Register (test, intern)",
        slug="register",
        auth_type=AuthTypes.api_key,
        header_key="Authorization",
        header_value="Token register-sleutel",
    )


def test_the_link_fetcher_is_ours():
    assert settings.LINK_FETCHER == "klanten.outbound.requests_get"
    assert import_string(settings.LINK_FETCHER) is outbound.requests_get


def test_an_internal_address_is_refused(server):
    with pytest.raises(requests.ConnectionError, match="internal-address") as refused:
        outbound.requests_get(f"{server.base}/resource")
    assert server.base not in str(refused.value)
    assert server.requests == []


def test_a_covered_address_answers_as_requests_would(server):
    cover(server)
    response = outbound.requests_get(
        f"{server.base}/resource", params={"q": "a b"}, headers={"Accept": "application/json"}
    )
    assert isinstance(response, requests.Response)
    assert response.status_code == 200 and response.ok
    assert response.json() == {"url": "ok"}
    assert response.text == '{"url": "ok"}'
    assert response.headers["content-type"].startswith("application/json")
    assert response.url == f"{server.base}/resource?q=a+b"
    [(path, headers)] = server.requests
    assert path == "/resource?q=a+b"
    assert headers["Accept"] == "application/json"
    assert headers["Authorization"] == "Token register-sleutel"  # the service's credentials


def test_an_error_status_is_an_answer(server):
    cover(server)
    response = outbound.requests_get(f"{server.base}/weg")
    assert response.status_code == 404
    with pytest.raises(requests.HTTPError):
        response.raise_for_status()


@pytest.mark.parametrize("timeout", [1, (0.5, 0.5)])
def test_the_timeout_is_a_total_deadline(server, timeout):
    cover(server)
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        outbound.requests_get(f"{server.base}/traag", timeout=timeout)
    assert time.monotonic() - started < 5  # the server would hold the call for 30 seconds


def test_without_timeout_the_outbound_deadline_applies(server, settings):
    settings.OUTBOUND_DEADLINE = 1
    cover(server)
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        outbound.requests_get(f"{server.base}/traag")
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("option", ["verify", "proxies", "auth", "allow_redirects"])
def test_options_that_would_change_the_rules_are_refused(server, option):
    with pytest.raises(TypeError):
        outbound.requests_get(f"{server.base}/resource", **{option: False})
    assert server.requests == []


def test_vng_url_validator_uses_it(server):
    """vng-api-common's URLValidator, as a serializer would call it."""
    with pytest.raises(serializers.ValidationError, match="internal-address"):
        URLValidator()(f"{server.base}/resource")
    assert server.requests == []
    cover(server)
    assert URLValidator()(f"{server.base}/resource").status_code == 200
    assert len(server.requests) == 1
