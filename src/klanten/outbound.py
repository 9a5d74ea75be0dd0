"""Outbound HTTP calls: :func:`fetch`, the one way this component calls a URL it was given or
configured (the subject check kla-002; the Contactmomenten API's checks of a klant in another
Klanten API and of a zaak's zaakcontactmomenten in the Zaken API,
``klanten.contactmomenten.remote``).

Every call:

- has a **total deadline** (``OUTBOUND_DEADLINE`` seconds unless the caller gives one) over
  the name lookup, connecting, TLS, sending, the response headers and the body together: a
  server that sends a byte every second cannot hold a worker (a watchdog shuts the socket
  down when the deadline passes);
- reads at most ``max_bytes`` of the (decompressed) body (``OUTBOUND_MAX_RESPONSE_BYTES``);
- follows **redirects only within the same host** (at most ``max_redirects``), never from
  ``https`` to ``http``;
- **never reaches internal addresses**: a URL whose host resolves to a loopback, private,
  link-local, shared (carrier-grade NAT), multicast, reserved or unspecified address (IPv4 or
  IPv6, also IPv4-mapped, 6to4 and NAT64 forms) is refused, checked on the addresses that are
  actually connected to (no second lookup, so no DNS rebinding); an IP literal is refused
  before any network call. The exception: a URL under the ``api_root`` of a configured
  service (zgw-consumers ``Service``, admin or ``setup_configuration``) may reach that
  service's host whatever its address, and is called with the service's credentials (API key,
  ZGW JWT, OAuth2 client credentials, client and server certificates) and through its NLX
  outway when it has one;
- ignores proxy settings from the environment (``HTTP_PROXY`` ...): the address check must see
  the real destination.

Failures are :class:`OutboundError` subclasses with a stable ``reason``; nothing here logs the
URL (it may carry a client's values).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import ipaddress
import json as jsonlib
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urljoin

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3 import PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.exceptions import LocationParseError, ReadTimeoutError
from urllib3.util import parse_url

__all__ = [
    "ConnectionFailed",
    "DeadlineExceeded",
    "InternalAddress",
    "InvalidURL",
    "OutboundError",
    "RedirectRefused",
    "Response",
    "ResponseTooLarge",
    "fetch",
    "is_internal_address",
    "requests_get",
]

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
# name lookups have no timeout of their own: they run here and are waited for until the deadline
# (a lookup that hangs keeps its thread until the resolver gives up, never the request)
_resolver = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="outbound-dns")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


# --- errors ----------------------------------------------------------------------------------
class OutboundError(Exception):
    """An outbound call that did not produce a response within the rules."""

    reason = "outbound-error"


class InvalidURL(OutboundError):
    """Not an absolute http(s) URL with a host."""

    reason = "invalid-url"


class InternalAddress(OutboundError):
    """The host is, or resolves to, an internal address, and no configured service covers it."""

    reason = "internal-address"


class RedirectRefused(OutboundError):
    """A redirect to another host, from https to http, or more than ``max_redirects``."""

    reason = "redirect-refused"


class DeadlineExceeded(OutboundError):
    """The total deadline passed before the whole response was read."""

    reason = "deadline-exceeded"


class ResponseTooLarge(OutboundError):
    """The response body is larger than ``max_bytes``."""

    reason = "response-too-large"


class ConnectionFailed(OutboundError):
    """The name does not resolve, the connection is refused or broken, TLS fails, ..."""

    reason = "connection-failed"


# --- the answer --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]  # case-insensitive
    body: bytes
    url: str  # after any (same-host) redirects

    def json(self) -> Any:
        return jsonlib.loads(self.body)

    def as_requests_response(self) -> requests.Response:
        """This answer as a :class:`requests.Response`, for code written against requests."""
        response = requests.Response()
        response.status_code = self.status
        response.headers = CaseInsensitiveDict(self.headers)
        response._content = self.body
        response.url = self.url
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        return response


# --- addresses -------------------------------------------------------------------------------
def is_internal_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether ``address`` is no public unicast address (loopback, private, link-local, shared,
    multicast, reserved, unspecified, documentation ...), also when it is an IPv4 address
    inside an IPv6 one."""
    if address.version == 6:
        if address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        elif address.sixtofour is not None:
            address = address.sixtofour
        elif address in _NAT64:
            address = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return not address.is_global or address.is_multicast


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address an IP literal host stands for, including the forms ``inet_aton`` reads
    (``127.1``, ``2130706433``, ``0x7f000001``)."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if host and all(c in "0123456789abcdefABCDEFxX." for c in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


# --- the guard: deadline, address checks, watchdog -----------------------------------------------
@dataclass
class _Guard:
    deadline: float  # time.monotonic()
    allowed_hosts: frozenset[tuple[str, int]]  # (host, port) of the configured service
    expired: bool = False
    _sockets: list = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def remaining(self) -> float:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0 or self.expired:
            raise DeadlineExceeded("De deadline van het uitgaande verzoek is verstreken.")
        return remaining

    def expire(self) -> None:
        """The watchdog: unblock every read and write of this call."""
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                with contextlib.suppress(OSError):  # closed already
                    sock.shutdown(socket.SHUT_RDWR)

    def _register(self, sock: socket.socket) -> None:
        with self._lock:
            if self.expired:
                raise DeadlineExceeded("De deadline van het uitgaande verzoek is verstreken.")
            self._sockets.append(sock)

    def _resolve(self, host: str, port: int) -> list:
        literal = _ip_literal(host)
        if literal is not None:
            family = socket.AF_INET6 if literal.version == 6 else socket.AF_INET
            return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (str(literal), port))]
        future = _resolver.submit(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
        try:
            return future.result(timeout=self.remaining())
        except concurrent.futures.TimeoutError:
            raise DeadlineExceeded("De naam is niet op tijd opgezocht.") from None
        except (OSError, UnicodeError):
            raise ConnectionFailed("De naam van de host bestaat niet.") from None

    def connect(self, host: str, port: int, socket_options) -> socket.socket:
        infos = self._resolve(host, port)
        if (host.lower(), port) not in self.allowed_hosts:
            for *_, sockaddr in infos:
                if is_internal_address(ipaddress.ip_address(sockaddr[0].split("%", 1)[0])):
                    raise InternalAddress("De host heeft een intern adres.")
        error: OSError | None = None
        for family, type_, proto, _, sockaddr in infos:
            sock = socket.socket(family, type_, proto)
            try:
                for option in socket_options or ():
                    sock.setsockopt(*option)
                sock.settimeout(self.remaining())
                self._register(sock)
                sock.connect(sockaddr)
                return sock
            except OutboundError:
                sock.close()
                raise
            except OSError as exc:
                sock.close()
                if self.expired or isinstance(exc, TimeoutError):
                    raise DeadlineExceeded("De verbinding kwam niet op tijd tot stand.") from None
                error = exc
        raise ConnectionFailed("De host is niet bereikbaar.") from error


class _GuardedHTTPConnection(HTTPConnection):
    def __init__(self, *args, outbound_guard: _Guard, **kwargs):
        self._outbound_guard = outbound_guard
        super().__init__(*args, **kwargs)

    def _new_conn(self) -> socket.socket:
        return self._outbound_guard.connect(self._dns_host, self.port, self.socket_options)


class _GuardedHTTPSConnection(HTTPSConnection):
    def __init__(self, *args, outbound_guard: _Guard, **kwargs):
        self._outbound_guard = outbound_guard
        super().__init__(*args, **kwargs)

    def _new_conn(self) -> socket.socket:
        return self._outbound_guard.connect(self._dns_host, self.port, self.socket_options)


class _GuardedPoolManager(PoolManager):
    def __init__(self, guard: _Guard, **kwargs):
        super().__init__(**kwargs)
        self._outbound_guard = guard

    def _new_pool(self, scheme, host, port, request_context=None):
        pool = super()._new_pool(scheme, host, port, request_context)
        pool.ConnectionCls = (
            _GuardedHTTPSConnection if scheme == "https" else _GuardedHTTPConnection
        )
        pool.conn_kw = {**pool.conn_kw, "outbound_guard": self._outbound_guard}
        return pool


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, guard: _Guard):
        self._outbound_guard = guard
        super().__init__(max_retries=0)

    def init_poolmanager(self, connections, maxsize, block=False, **pool_kwargs):
        self.poolmanager = _GuardedPoolManager(
            self._outbound_guard,
            num_pools=connections,
            maxsize=maxsize,
            block=block,
            **pool_kwargs,
        )


# --- services ----------------------------------------------------------------------------------
def _origin(url) -> tuple[str, int]:
    return (url.host or "").strip("[]").lower(), url.port or (443 if url.scheme == "https" else 80)


def _escapes_its_path(path: str) -> bool:
    """A path whose (decoded) segments climb (``..``) or hide separators: it could leave the
    api_root it seems to lie under."""
    lowered = path.lower()
    if any(escaped in lowered for escaped in ("%2e", "%2f", "%5c")) or "\\" in path:
        return True
    return any(segment in (".", "..") for segment in unquote(path).split("/"))


def _service_for(url: str, path: str):
    from zgw_consumers.models import Service

    if _escapes_its_path(path):
        return None
    return Service.get_service(url)


def _service_session_kwargs(service) -> dict:
    from zgw_consumers.client import ServiceConfigAdapter

    kwargs = ServiceConfigAdapter(service).get_client_session_kwargs()
    kwargs.pop("timeout", None)  # the deadline bounds the call
    kwargs.pop("trust_env", None)
    return kwargs


# --- fetch ------------------------------------------------------------------------------------
def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    json: Any = None,
    data: Mapping[str, str] | None = None,
    service=None,
    deadline: float | None = None,
    max_bytes: int | None = None,
    max_redirects: int = 3,
) -> Response:
    """Call ``url`` within the rules of this module and return the whole response (any
    status: a 404 is an answer, not an error).

    ``service``: the configured zgw-consumers ``Service`` the URL belongs to; by default the one
    whose ``api_root`` the URL starts with, if any. ``deadline``: seconds for the whole call
    (``OUTBOUND_DEADLINE``). ``max_bytes``: the largest body read (``OUTBOUND_MAX_RESPONSE_BYTES``).
    ``json``: a body to send as JSON; ``data``: a form body (``application/x-www-form-urlencoded``).

    Raises :class:`InvalidURL`, :class:`InternalAddress`, :class:`RedirectRefused`,
    :class:`DeadlineExceeded`, :class:`ResponseTooLarge` or :class:`ConnectionFailed`.
    """
    started = time.monotonic()
    deadline = settings.OUTBOUND_DEADLINE if deadline is None else deadline
    max_bytes = settings.OUTBOUND_MAX_RESPONSE_BYTES if max_bytes is None else max_bytes
    first = _parse(url)

    if service is None:
        service = _service_for(first.url, first.path or "/")
    elif not first.url.startswith(service.api_root) or _escapes_its_path(first.path or "/"):
        raise InvalidURL("De URL ligt niet onder de api_root van de gegeven service.")
    allowed: set[tuple[str, int]] = set()
    target = first.url
    if service is not None:
        allowed.add(_origin(parse_url(service.api_root)))
        if service.nlx:
            target = target.replace(service.api_root, service.nlx, 1)
            allowed.add(_origin(parse_url(service.nlx)))
            first = _parse(target)

    literal = _ip_literal(first.host or "")
    if literal is not None and _origin(first) not in allowed and is_internal_address(literal):
        raise InternalAddress("De host is een intern adres.")

    guard = _Guard(deadline=started + deadline, allowed_hosts=frozenset(allowed))
    watchdog = threading.Timer(max(deadline - (time.monotonic() - started), 0), guard.expire)
    watchdog.daemon = True
    watchdog.start()
    session = requests.Session()
    try:
        session.trust_env = False
        adapter = _GuardedAdapter(guard)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        if service is not None:
            for name, value in _service_session_kwargs(service).items():
                setattr(session, name, value)
        body = {"json": json, "data": data}
        return _exchange(
            session, guard, method, target, first, headers, body, max_bytes, max_redirects
        )
    finally:
        watchdog.cancel()
        session.close()


def _parse(url: str):
    try:
        parsed = parse_url(url)
    except LocationParseError:
        raise InvalidURL("De URL is ongeldig.") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InvalidURL("Alleen absolute http- en https-URL's zijn toegestaan.")
    return parsed


def _exchange(session, guard, method, url, first, headers, body, max_bytes, max_redirects):
    current = url
    for _hop in range(max_redirects + 1):
        response = _send(session, guard, method, current, headers, body)
        try:
            location = response.headers.get("Location")
            if response.status_code in REDIRECT_STATUSES and location:
                following = _parse(urljoin(current, location))
                if following.host.lower() != first.host.lower() or (
                    first.scheme == "https" and following.scheme != "https"
                ):
                    raise RedirectRefused("Doorverwijzing naar een andere host.")
                current = following.url
                if response.status_code in (301, 302, 303) and method not in ("GET", "HEAD"):
                    method, body = "GET", {}
                continue
            return Response(
                status=response.status_code,
                headers=response.headers,
                body=_read(response, guard, max_bytes),
                url=current,
            )
        finally:
            response.close()
    raise RedirectRefused(f"Meer dan {max_redirects} doorverwijzingen.")


def _send(session, guard, method, url, headers, body):
    remaining = guard.remaining()
    try:
        return session.request(
            method,
            url,
            headers=headers,
            **body,
            stream=True,
            allow_redirects=False,
            timeout=(remaining, remaining),
        )
    except OutboundError:
        raise
    except requests.Timeout:
        raise DeadlineExceeded("Het uitgaande verzoek duurde te lang.") from None
    except requests.RequestException:
        if guard.expired:
            raise DeadlineExceeded("Het uitgaande verzoek duurde te lang.") from None
        raise ConnectionFailed("Het uitgaande verzoek is mislukt.") from None


def _read(response, guard: _Guard, max_bytes: int) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
        raise ResponseTooLarge(f"Het antwoord is groter dan {max_bytes} bytes.")
    chunks = []
    size = 0
    try:
        for chunk in response.raw.stream(_CHUNK, decode_content=True):
            size += len(chunk)
            if size > max_bytes:
                raise ResponseTooLarge(f"Het antwoord is groter dan {max_bytes} bytes.")
            chunks.append(chunk)
            guard.remaining()
    except OutboundError:
        raise
    except ReadTimeoutError:
        raise DeadlineExceeded("Het antwoord kwam niet op tijd binnen.") from None
    except Exception:
        if guard.expired:
            raise DeadlineExceeded("Het antwoord kwam niet op tijd binnen.") from None
        raise ConnectionFailed("Het antwoord kon niet worden gelezen.") from None
    # the watchdog ends a body without a length as if it were complete
    guard.remaining()
    return b"".join(chunks)


# --- requests.get, within the rules -------------------------------------------------------------
def requests_get(url: str, params=None, *, headers=None, timeout=None) -> requests.Response:
    """:func:`requests.get` for code that takes a fetcher with its signature (vng-api-common's
    ``LINK_FETCHER``, used by its ``URLValidator``), through :func:`fetch`: the answer as a
    :class:`requests.Response` (any status), a refusal or failure as the
    :class:`requests.RequestException` such code expects (:class:`requests.Timeout` for the
    deadline, :class:`requests.ConnectionError` for the rest), its message the reason only.

    ``timeout`` is the total deadline (a ``(connect, read)`` pair: their sum), by default
    ``OUTBOUND_DEADLINE``. Other options of :func:`requests.get` (``auth``, ``verify``,
    ``proxies``, ...) are refused (``TypeError``): they would change the rules.
    """
    if isinstance(timeout, tuple):
        parts = [part for part in timeout if part is not None]
        timeout = sum(parts) if len(parts) == len(timeout) else None
    if params:
        prepared = requests.models.PreparedRequest()
        try:
            prepared.prepare_url(url, params)
        except requests.RequestException:
            raise requests.exceptions.InvalidURL("De URL is ongeldig.") from None
        url = prepared.url
    try:
        answer = fetch(url, headers=headers, deadline=timeout or None)
    except DeadlineExceeded as exc:
        raise requests.Timeout(f"Het uitgaande verzoek is mislukt ({exc.reason}).") from None
    except OutboundError as exc:
        raise requests.ConnectionError(
            f"Het uitgaande verzoek is mislukt ({exc.reason})."
        ) from None
    return answer.as_requests_response()
