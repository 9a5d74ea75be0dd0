"""The API's JSON request parser: camelCase JSON in, bounded (contract P3, issue 8).

Beside the camelCase parser it replaces, it refuses with a clean 4xx, never a 500:

- a body larger than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413): DRF reads a JSON body through
  ``request.body``, where Django raises ``RequestDataTooBig`` (a 413 in
  ``klanten.api.exceptions``); the parser checks the stream it gets as well;
- JSON nested deeper than ``MAX_DEPTH`` (400), also so deep that the decoder itself gives up
  (``RecursionError``); the deepest body of the API nests 4 levels;
- the non-JSON constants ``NaN``, ``Infinity`` and ``-Infinity`` (400), as DRF's strict JSON.

Invalid UTF-8 and malformed JSON are a 400 ``parse_error`` as before.

:class:`KlantenContentNegotiation` reads a body only when its ``Content-Type`` names a media
type: a wildcard (``*/*``, ``application/*``) is a 415 like any other unsupported type, rather
than "anything goes, so JSON".
"""

import json

from django.conf import settings
from djangorestframework_camel_case.parser import CamelCaseJSONParser
from djangorestframework_camel_case.util import underscoreize
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.negotiation import DefaultContentNegotiation

MAX_DEPTH = 32


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"
    default_detail = "De request body is te groot."


def _refuse_constant(name: str):
    raise ValueError(f"{name} is geen geldige JSON-waarde")


def _too_deep(data, limit: int) -> bool:
    """Whether ``data`` nests deeper than ``limit`` (without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class KlantenJSONParser(CamelCaseJSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(f"De request body is groter dan het maximum van {limit} bytes.")
        try:
            data = json.loads(raw.decode(encoding), parse_constant=_refuse_constant)
        except RecursionError as exc:
            raise ParseError(f"JSON parse error - meer dan {MAX_DEPTH} niveaus genest.") from exc
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        if _too_deep(data, MAX_DEPTH):
            raise ParseError(f"JSON parse error - meer dan {MAX_DEPTH} niveaus genest.")
        return underscoreize(data, **self.json_underscoreize)


class KlantenContentNegotiation(DefaultContentNegotiation):
    def select_parser(self, request, parsers):
        media_type = (request.content_type or "").split(";", 1)[0]
        if "*" in media_type:
            return None  # a 415
        return super().select_parser(request, parsers)
