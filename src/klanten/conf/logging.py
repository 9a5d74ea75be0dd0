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

Names in free text cannot be recognised; they are covered where they occur in practice: query
strings, and structured fields named after them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
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
# Query-string parameters whose values identify nobody (they still pass the other patterns).
SAFE_QUERY_PARAMETERS = frozenset(
    {"page", "pagesize", "ordering", "expand", "fields", "format", "subjecttype", "gevalideerd"}
)

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
    key = match["key"]
    if key.lower().replace("_", "").replace("-", "") in SAFE_QUERY_PARAMETERS:
        return match.group(0)
    return f"{match['sep']}{key}={REDACTED}"


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
    """``inpBsn=111222333&page=2`` -> ``inpBsn=[redacted]&page=2``."""
    if not query_string:
        return ""
    return redact_text(f"?{query_string}")[1:]


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


def redact(logger, method_name, event_dict):
    """structlog processor: redact every value of the event (the last step before rendering)."""
    for key in list(event_dict):
        if key in ("timestamp", "level", "logger"):
            continue
        if sensitive_key(key):
            event_dict[key] = REDACTED
        else:
            event_dict[key] = redact_value(event_dict[key])
    return event_dict


def describe_request_objects(logger, method_name, event_dict):
    """Django passes the HttpRequest in ``extra`` (``django.request``); its repr has the full
    path with the query string. Keep the method and the redacted path only."""
    request = event_dict.get("request")
    if request is not None and not isinstance(request, str):
        method = getattr(request, "method", "") or ""
        path = getattr(request, "path", "") or ""
        event_dict["request"] = f"{method} {path}".strip()
    event_dict.pop("server_time", None)
    return event_dict


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
        foreign_pre_chain=[*_pre_chain(), structlog.stdlib.ExtraAdder()],
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
            # 4xx/5xx responses ("Not Found: /path"); the path is redacted like everything else
            "django.request": {"level": "WARNING"},
            # runserver's request lines (with query string; redacted)
            "django.server": {"level": "INFO"},
            # one line per SQL query at DEBUG: too much, and it has the parameters
            "django.db.backends": {"level": "INFO"},
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
