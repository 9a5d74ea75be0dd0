"""Structured logs: JSON lines through structlog, a request id, and redaction of identifiers.

Every log record, from structlog or from the standard library (Django, gunicorn, Celery and
the Common Ground libraries), goes through one formatter: :func:`logging_config` builds the
``LOGGING`` dict for the settings, :func:`configure_structlog` routes structlog into it.

Identifiers of persons and organisations must not end up in logs (AVG/GDPR): BSN, RSIN, KvK-
and vestigingsnummers, A-nummers, e-mail addresses, phone numbers and names. :func:`redact`
removes them from every value of a record just before it is rendered:

- values of keys that name such an identifier (``inp_bsn``, ``emailadres``, ``geslachtsnaam``,
  ``subjectIdentificatie`` ...) are replaced as a whole;
- in every string, the values of query-string parameters (``?inpBsn=...&email=...``) are
  replaced, except for a few harmless parameters (``page``, ``ordering`` ...);
- in every string, runs of 8 to 12 digits (BSN and RSIN have 9, KvK 8, vestigingsnummer 12,
  A-nummer 10), phone numbers and e-mail addresses are replaced.

No value a client sent in a body, query or path reaches a log line (except uuids), also where
the standard library's loggers print requests:

- query strings keep the names of the API's own parameters, every other name is replaced;
  values are replaced, except page numbers and the values of ``subjectType``/``gevalideerd``;
- paths keep only the words of the URL patterns (and of the static files), uuids and short
  numbers (object ids in the admin); every other segment is replaced (:func:`redact_path`);
- the request lines of the development server (``django.server``), the ``Not Found: /path``
  lines of ``django.request`` and gunicorn's own error lines are rebuilt from their parts with
  the path and query redacted, or cut before the quoted request they echo;
- ``invalid_params`` of the API's error log keep each parameter's ``name`` and ``code``, not the
  ``reason`` (which may repeat the rejected value: ``"Xanthippe" is een ongeldige keuze.``).

Names in free text cannot be recognised; they are covered where they occur in practice: query
strings, paths, and structured fields named after them.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import structlog

REDACTED = "[redacted]"

# Parts of (normalised: lower case, without "_" and "-") key names whose values are redacted.
SENSITIVE_KEY_PARTS = (
    "bsn",
    "rsin",
    "kvk",
    "vestigingsnummer",
    "anummer",
    "email",
    "telefoon",
    "phone",
    "naam",
    "voornamen",
    "voorletters",
    "firstname",
    "lastname",
    "surname",
    "subjectidentificatie",
    "password",
    "secret",
    "authorization",
    "cookie",
)


def _normalised(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


# Query-string parameters whose names are logged as they are: the API's filters (the standard's
# list, in every spelling the API accepts) and a few of the admin's. tests/test_logging.py checks
# that every filter of the API is here.
KNOWN_QUERY_PARAMETERS = frozenset(
    _normalised(name)
    for name in (
        "bronorganisatie",
        "klantnummer",
        "bedrijfsnaam",
        "functie",
        "achternaam",
        "telefoonnummer",
        "emailadres",
        "adres__straatnaam",
        "adres__postcode",
        "adres__woonplaatsNaam",
        "adres__landcode",
        "subject",
        "subjectType",
        "subjectNatuurlijkPersoon__inpBsn",
        "subjectNatuurlijkPersoon__anpIdentificatie",
        "subjectNatuurlijkPersoon__inpA_nummer",
        "subjectNietNatuurlijkPersoon__innNnpId",
        "subjectNietNatuurlijkPersoon__annIdentificatie",
        "subjectVestiging__vestigingsNummer",
        "page",
        "gevalideerd",
        # the admin's search, ordering, page, and its filters' return address
        "q",
        "o",
        "p",
        "_changelist_filters",
        "next",
    )
)
# Query-string values that identify nobody and are kept: page numbers, and these words.
_SAFE_QUERY_VALUE = re.compile(
    r"[0-9]{1,6}|natuurlijk_persoon|niet_natuurlijk_persoon|vestiging|true|false"
)
# The parameters whose values are logged when they are one of those (normalised names).
SAFE_QUERY_PARAMETERS = frozenset({"page", "p", "subjecttype", "gevalideerd"})

_QUERY_PARAMETER = re.compile(r"(?P<sep>[?&;])(?P<key>[^=&;#?\s\"'<>]+)=(?P<value>[^&;#\s\"'<>]*)")
_EMAIL = re.compile(r"[\w.+-]+(?:@|%40)[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00|%2[Bb])\d{1,3}[\s-]?(?:\(0\))?[\s-]?[1-9](?:[\s-]?\d){6,10}"
    r"|0[1-9](?:[\s-]?\d){8})(?![\w])"
)
# the one-time token of a confirmation link (E4, P2) in a path
_CONFIRMATION_TOKEN = re.compile(r"(/mijn-gegevens/bevestigen/)[^/?#\s\"'<>]+")
# 8-12 digits, not part of a word, a UUID or a longer number; also right after a %-escape.
_NUMBER = re.compile(r"(?:(?<![0-9A-Za-z-])|(?<=%[0-9A-Fa-f]{2}))\d{8,12}(?![0-9A-Za-z-])")


def sensitive_key(key: Any) -> bool:
    normalised = str(key).lower().replace("_", "").replace("-", "")
    return any(part in normalised for part in SENSITIVE_KEY_PARTS)


def _redact_query_parameter(match: re.Match) -> str:
    key, value = match["key"], match["value"]
    normalised = _normalised(key)
    if normalised not in KNOWN_QUERY_PARAMETERS:
        key = REDACTED
    if not (normalised in SAFE_QUERY_PARAMETERS and _SAFE_QUERY_VALUE.fullmatch(value)):
        value = REDACTED
    return f"{match['sep']}{key}={value}"


def redact_text(text: str) -> str:
    """Redact the identifiers in a string (see the module docstring)."""
    if not text:
        return text
    text = _QUERY_PARAMETER.sub(_redact_query_parameter, text)
    text = _CONFIRMATION_TOKEN.sub(rf"\g<1>{REDACTED}", text)
    text = _EMAIL.sub(REDACTED, text)
    text = _PHONE.sub(REDACTED, text)
    return _NUMBER.sub(REDACTED, text)


def redact_query_string(query_string: str) -> str:
    """``inpBsn=111222333&page=2`` -> ``inpBsn=[redacted]&page=2``; a name that is no
    parameter of the API is replaced too, as is a parameter without a value."""
    if not query_string:
        return ""
    parts = []
    for part in re.split(r"[&;]", query_string):
        if not part:
            continue
        if "=" not in part:
            part = f"{part}="
        parts.append(redact_text(f"?{part}")[1:])
    return "&".join(parts)


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_SHORT_NUMBER = re.compile(r"[0-9]{1,7}")
_PATTERN_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_path_words: frozenset[str] | None = None


def _pattern_words(patterns, words: set[str]) -> None:
    for pattern in patterns:
        text = str(pattern.pattern)
        text = re.sub(r"\(\?P<[^>]*>", "(", text)  # regex group names
        text = re.sub(r"<[^>]*>", "", text)  # path converters
        words.update(_PATTERN_WORD.findall(text))
        _pattern_words(getattr(pattern, "url_patterns", ()), words)


def path_words() -> frozenset[str]:
    """The path segments logged as they are: the words of the URL patterns and the names in
    the paths of the static files. Built once per process, when Django is ready."""
    global _path_words
    if _path_words is None:
        from django.apps import apps

        if not apps.ready:
            return frozenset()
        from django.conf import settings
        from django.contrib.staticfiles import finders
        from django.urls import get_resolver

        words: set[str] = set(settings.STATIC_URL.split("/"))

        _pattern_words(get_resolver().url_patterns, words)
        for finder in finders.get_finders():
            for path, _storage in finder.list([]):
                words.update(path.replace("\\", "/").split("/"))
        _path_words = frozenset(words)
    return _path_words


def redact_path(path: str) -> str:
    """``/klanten/api/v1/klanten/Jansen`` -> ``/klanten/api/v1/klanten/[redacted]``: a segment
    is kept only when it is a word of the URL patterns (or a static file), a uuid or a short
    number."""
    if not path:
        return path
    words = path_words()
    segments = []
    for segment in path.split("/"):
        if segment and not (
            segment in words or _UUID.fullmatch(segment) or _SHORT_NUMBER.fullmatch(segment)
        ):
            segment = REDACTED
        segments.append(segment)
    return "/".join(segments)


def redact_target(target: str) -> str:
    """A request target (path and query string), each part redacted."""
    path, separator, query = target.partition("?")
    return redact_path(path) + (f"?{redact_query_string(query)}" if separator else "")


def redact_value(value: Any, depth: int = 0) -> Any:
    if value is None or isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        return REDACTED if 8 <= len(str(abs(value))) <= 12 else value
    if isinstance(value, str):
        return redact_text(value)
    if depth > 8:
        return REDACTED
    if isinstance(value, Mapping):
        return {
            str(k): REDACTED if sensitive_key(k) else redact_value(v, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(item, depth + 1) for item in value]
    # anything else is rendered as text by the JSON renderer: redact that text
    return redact_text(str(value))


def _problem_parameters(value: Any) -> Any:
    """``invalid_params`` of a problem: the name and code of each, not the reason."""
    if not isinstance(value, list | tuple):
        return REDACTED
    return [
        {"name": p.get("name"), "code": p.get("code")} if isinstance(p, Mapping) else REDACTED
        for p in value
    ]


def redact(logger, method_name, event_dict):
    """structlog processor: redact every value of the event (the last step before rendering)."""
    for key in list(event_dict):
        if key in ("timestamp", "level", "logger"):
            continue
        if sensitive_key(key):
            event_dict[key] = REDACTED
        elif key == "invalid_params":
            event_dict[key] = redact_value(_problem_parameters(event_dict[key]))
        elif key == "path" and isinstance(event_dict[key], str):
            event_dict[key] = redact_text(redact_path(event_dict[key]))
        else:
            event_dict[key] = redact_value(event_dict[key])
    return event_dict


def describe_request_objects(logger, method_name, event_dict):
    """Django passes the HttpRequest in ``extra`` (``django.request``); its repr has the full
    path with the query string. Keep the method and the redacted path only. (The development
    server passes its socket there: dropped.)"""
    request = event_dict.get("request")
    if request is not None and not isinstance(request, str):
        method = getattr(request, "method", "") or ""
        path = getattr(request, "path", "") or ""
        described = f"{method} {redact_path(path)}".strip()
        if described:
            event_dict["request"] = described
        else:
            event_dict.pop("request")
    event_dict.pop("server_time", None)
    return event_dict


_QUOTED = re.compile(r"""\s*[:(]?\s*['"].*""", re.DOTALL)


def _without_quoted(text: str) -> str:
    """A message cut before the first quote: what follows it is an echo of the request."""
    return _QUOTED.sub("", text)


def _server_request_line(record: logging.LogRecord, args: tuple) -> str | None:
    """runserver's ``"GET /path?query HTTP/1.1" 404 123`` with the target redacted."""
    if record.msg != '"%s" %s %s' or len(args) != 3:
        return None
    parts = str(args[0]).split(" ")
    if len(parts) != 3:
        return f'"[unreadable request line]" {args[1]} {args[2]}'
    method, target, protocol = parts
    if not method.isalpha():
        method = REDACTED
    return f'"{method} {redact_target(target)} {protocol}" {args[1]} {args[2]}'


def describe_foreign_records(logger, method_name, event_dict):
    """The standard library's loggers that print (parts of) the request in their message:
    rebuild the message with the path and query redacted."""
    record = event_dict.get("_record")
    # the message's arguments (ProcessorFormatter(pass_foreign_args=True))
    args = event_dict.pop("positional_args", ())
    if record is None or event_dict.get("_from_structlog"):
        return event_dict
    args = args if isinstance(args, tuple) else ()
    # the record's message as another handler's formatter left it (e.g. pytest's): unredacted
    event_dict.pop("message", None)
    event_dict.pop("asctime", None)
    name = record.name
    if name == "django.server":
        line = _server_request_line(record, args)
        event_dict["event"] = line if line is not None else _without_quoted(event_dict["event"])
    elif name == "django.request" or name.startswith("django.security"):
        # "Not Found: %s" with the request's path
        if args and isinstance(record.msg, str):
            redacted = tuple(
                redact_target(arg) if isinstance(arg, str) and arg.startswith("/") else arg
                for arg in args
            )
            try:
                event_dict["event"] = record.msg % redacted
            except (TypeError, ValueError):
                event_dict["event"] = record.msg
    elif name == "gunicorn.error":
        if record.msg == "Error handling request %s %s" and len(args) == 2:
            event_dict["event"] = f"Error handling request {args[0]} {redact_target(str(args[1]))}"
        elif record.msg == "Error handling request %s" and len(args) == 1:
            event_dict["event"] = f"Error handling request {redact_target(str(args[0]))}"
        else:
            # "Invalid request from ip=...: Invalid HTTP request line: 'GET /...'"
            event_dict["event"] = _without_quoted(event_dict["event"])
    return event_dict


# --- the access log's short way (gunicorn, JSON) ---------------------------------------------

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"})
_PROTOCOLS = frozenset({"HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/2.0"})
# an IPv4 or IPv6 address (never a run of digits alone)
_ADDRESS = re.compile(r"(?:[0-9]{1,3}\.){3}[0-9]{1,3}|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*")


@functools.lru_cache(maxsize=512)
def _redact_text_cached(text: str) -> str:
    # a client's user agent is the same on many requests
    return redact_text(text)


def _redacted(text: str | None) -> str | None:
    """A text a client chose, redacted; the app's own uuid request ids as they are."""
    if not text:
        return None
    if _UUID.fullmatch(text):
        return text
    return _redact_text_cached(text) if len(text) <= 512 else redact_text(text)


def access_fields(resp, environ: dict, request_time) -> dict:
    """The fields of one access log line, each redacted as it is taken: the path and query as
    everywhere (:func:`redact_path`, :func:`redact_query_string`), a method that is not an
    HTTP method, and the texts a client chose (request id, user agent) as any text."""
    status = resp.status
    if isinstance(status, str):
        status = status.split(None, 1)[0]
    headers = resp.headers.items() if hasattr(resp.headers, "items") else resp.headers
    request_id = next((value for name, value in headers if name.lower() == "x-request-id"), None)
    method = environ.get("REQUEST_METHOD")
    remote = environ.get("REMOTE_ADDR")
    protocol = environ.get("SERVER_PROTOCOL")
    return {
        "method": method if method in _METHODS else REDACTED,
        "path": redact_path(environ.get("PATH_INFO", "")),
        "query": redact_query_string(environ.get("QUERY_STRING", "")),
        "status": int(status) if str(status).isdigit() else redact_text(str(status)),
        "bytes": getattr(resp, "sent", None),
        "duration_ms": round(request_time.total_seconds() * 1000, 1),
        "request_id": _redacted(request_id),
        "remote_addr": remote if remote and _ADDRESS.fullmatch(remote) else _redacted(remote),
        "user_agent": _redacted(environ.get("HTTP_USER_AGENT")),
        "protocol": protocol if protocol in _PROTOCOLS else _redacted(protocol),
    }


class AccessLogFormatter(logging.Formatter):
    """One JSON line of gunicorn's access log from the fields :func:`access_fields` redacted
    (record attribute ``access``), with the keys of every other line (event, level, logger,
    timestamp). A record without them goes through the general formatter."""

    def __init__(self):
        super().__init__()
        self._general = make_formatter("json")

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "access", None)
        if not isinstance(fields, dict):
            return self._general.format(record)
        timestamp = datetime.fromtimestamp(record.created, tz=UTC).isoformat()
        line = {
            "event": "request",
            "level": record.levelname.lower(),
            "logger": record.name,
            "timestamp": timestamp.replace("+00:00", "Z"),
            **fields,
        }
        return json.dumps(line, ensure_ascii=False, default=str)


def _pre_chain() -> list:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def formatter_processors(log_format: str) -> list:
    renderer = (
        structlog.dev.ConsoleRenderer(colors=False)
        if log_format == "console"
        else structlog.processors.JSONRenderer()
    )
    return [
        structlog.stdlib.ProcessorFormatter.remove_processors_meta,
        structlog.processors.format_exc_info,
        describe_request_objects,
        redact,
        renderer,
    ]


def make_formatter(log_format: str = "json") -> logging.Formatter:
    """The formatter of every handler (also used for gunicorn's own loggers)."""
    return structlog.stdlib.ProcessorFormatter(
        processors=formatter_processors(log_format),
        foreign_pre_chain=[*_pre_chain(), structlog.stdlib.ExtraAdder(), describe_foreign_records],
        pass_foreign_args=True,
    )


def logging_config(level: str = "INFO", log_format: str = "json") -> dict:
    """The ``LOGGING`` setting: one stderr handler with the redacting structlog formatter."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "structured": {"()": "klanten.conf.logging.make_formatter", "log_format": log_format}
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own handlers (DEFAULT_LOGGING: a plain console handler with DEBUG, and
            # runserver's handler for django.server) print unredacted lines, and each record a
            # second time: every record goes through the one handler of the root logger
            "django": {"handlers": [], "propagate": True},
            # 4xx/5xx responses ("Not Found: /path"); the path is redacted like everything else
            "django.request": {"level": "WARNING"},
            # runserver's request lines (rebuilt with the path and query redacted)
            "django.server": {"handlers": [], "level": "INFO", "propagate": True},
            # one line per SQL query at DEBUG: too much, and it has the parameters
            "django.db.backends": {"level": "INFO"},
            # the URL of every outgoing request at DEBUG (e.g. a subject URL)
            "urllib3": {"level": "WARNING"},
        },
    }


def configure_structlog(level: str = "INFO") -> None:
    """Route structlog through the standard library, so that it gets the same handlers."""
    structlog.configure(
        processors=[
            *_pre_chain(),
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(
            getattr(logging, level.upper(), logging.INFO)
        ),
        cache_logger_on_first_use=False,
    )
