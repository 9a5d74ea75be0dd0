"""C3: every API error as application/problem+json (header and body)."""

import re
import uuid

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import JsonResponse
from djangorestframework_camel_case.util import camelize_re, underscore_to_camel
from rest_framework import status
from rest_framework.exceptions import (
    APIException,
    ErrorDetail,
    NotFound,
    ParseError,
    PermissionDenied,
    ValidationError,
)
from rest_framework.settings import api_settings
from vng_api_common.exception_handling import (
    ERROR_CONTENT_TYPE,
)
from vng_api_common.exception_handling import (
    exception_handler as vng_exception_handler,
)

from klanten.datamodel import rules
from klanten.datamodel.models import Klant

from .representation import CamelCaseData
from .request_context import collection_url

# K1: Open Klant answers its errors (the same ZGW problem body, six keys) as
# ``application/json``, and its clients rely on it: open-klant-client (Open Forms, Open Inwoner)
# treats any other media type as "not JSON" instead of reading the problem. On the
# Klantinteracties API the problem body is therefore sent as ``application/json``, unless the
# client asks for ``application/problem+json`` (Accept).
JSON_ERROR_PATHS = ("/klantinteracties/api/",)


def error_content_type(request) -> str:
    path = getattr(request, "path", "") or ""
    if path.startswith(JSON_ERROR_PATHS):
        accept = request.META.get("HTTP_ACCEPT", "") if hasattr(request, "META") else ""
        if ERROR_CONTENT_TYPE not in accept:
            return "application/json"
    return ERROR_CONTENT_TYPE


def _camel_segment(segment: str) -> str:
    # filter names such as ``subjectNatuurlijkPersoon__inpBsn`` are already in their
    # canonical spelling
    if "__" in segment:
        return segment
    return re.sub(camelize_re, underscore_to_camel, segment)


def camel_field_path(name: str) -> str:
    return ".".join(_camel_segment(segment) for segment in name.split("."))


def _camelize_problem(data: dict) -> CamelCaseData:
    body = CamelCaseData()
    for key, value in data.items():
        if key == "invalid_params":
            body["invalidParams"] = [
                {"name": camel_field_path(p["name"]), "code": p["code"], "reason": p["reason"]}
                for p in value
            ]
        else:
            body[re.sub(camelize_re, underscore_to_camel, key)] = value
    return body


class ConflictError(APIException):
    """409; carries the URL of the existing klant when there is one (V6)."""

    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "Het verzoek botst met de huidige toestand van de registratie."

    def __init__(self, detail, code, existing_url=None):
        super().__init__(detail, code)
        self.existing_url = existing_url


def regel_als_api_fout(
    exc: rules.RuleViolation, request=None, veld: str | None = None
) -> APIException:
    """A broken business rule as the API's error, the same on every API (Klanten,
    Contactmomenten, Klantinteracties): ``Refused`` 403, ``Conflict`` 409, any other rule 400
    with one invalid parameter; each with the rule's code and (first) message.

    - A conflict naming an existing klant (V6: ``gevalideerde-klant-bestaat``) carries its URL
      in the Klanten API's klanten collection, built from ``request``: the exception handler
      answers it as ``bestaandeKlant``. Without a request (the other APIs, whose resources are
      no klanten, and the exception handler itself) there is no such URL.
    - The 400 names ``veld`` (as the client spelled it, or snake_case: the handler camelizes
      it), else the field the rule names (``exc.field``, set by the services), else
      ``nonFieldErrors``.

    Returns the exception; the caller raises it (``raise regel_als_api_fout(exc) from exc``).
    """
    message = exc.messages[0]
    code = getattr(exc, "code", None)
    if isinstance(exc, rules.Refused):
        return PermissionDenied(message, code=code)
    if isinstance(exc, rules.Conflict):
        bestaande = getattr(exc, "existing_klant", None)
        url = (
            f"{collection_url(request)}{bestaande.uuid}"
            if bestaande is not None and request is not None
            else None
        )
        return ConflictError(message, code, existing_url=url)
    veld = veld or getattr(exc, "field", None) or api_settings.NON_FIELD_ERRORS_KEY
    return ValidationError({veld: [ErrorDetail(message, code=code or "invalid")]})


def _as_api_exception(exc):
    """P3: request errors Django raises while DRF reads the request are a 4xx, not a 500: a body
    over DATA_UPLOAD_MAX_MEMORY_SIZE (413), too many query parameters and the like (400). A
    write whose klant is gone by the time it locks the row (``Klant.DoesNotExist`` from the
    services, e.g. deleted a moment earlier) is a 404, as for an unknown klant."""
    from .parsers import RequestTooLarge

    if isinstance(exc, Klant.DoesNotExist):
        return NotFound()
    if isinstance(exc, rules.RuleViolation):
        # a rule the view did not map itself (e.g. a conflict with the registration's state: a
        # write that kept meeting a concurrent change through its attempts): as every view
        # maps one, without a request (no ``bestaandeKlant``: the view's request may be of
        # another API than the klanten collection)
        return regel_als_api_fout(exc)
    if isinstance(exc, RequestDataTooBig):
        return RequestTooLarge()
    if isinstance(exc, SuspiciousOperation):
        return ParseError("Het verzoek kan niet worden verwerkt (te groot of misvormd).")
    return exc


def exception_handler(exc, context):
    exc = _as_api_exception(exc)
    response = vng_exception_handler(exc, context)
    if response is None:
        return None
    response.data = _camelize_problem(response.data)
    if response.status_code == 400 and "invalidParams" not in response.data:
        # C3: every 400 has invalidParams (the ValidatieFout schema requires it), also a body
        # that is no JSON at all (ParseError)
        response.data["invalidParams"] = [
            {
                "name": camel_field_path(api_settings.NON_FIELD_ERRORS_KEY),
                "code": response.data.get("code", "invalid"),
                "reason": response.data.get("detail", ""),
            }
        ]
    existing_url = getattr(exc, "existing_url", None)
    if existing_url:
        # V6: a 409 names the validated klant that already exists (an RFC 7807 extension member)
        response.data["bestaandeKlant"] = existing_url
    # DRF overwrites the Content-Type header with the renderer's media type unless the
    # response itself carries one
    request = context.get("request")
    response.content_type = (
        error_content_type(request) if request is not None else ERROR_CONTENT_TYPE
    )
    if response.status_code < 500:
        # vng_api_common logged it (api.handled_exception, with the code and the names of the
        # invalid parameters): django.request need not log it again
        response._has_been_logged = True
    return response


def problem_response(
    request, status: int, code: str, title: str, detail: str, invalid_params=None
) -> JsonResponse:
    """A problem+json answer for errors raised outside DRF (URL resolving, crashes, request
    limits). A 400 always has ``invalidParams`` (C3)."""
    try:
        type_ = request.build_absolute_uri(f"/ref/fouten/{code}/")
    except SuspiciousOperation:  # a Host header that is not allowed: no absolute URL
        type_ = f"/ref/fouten/{code}/"
    body = {
        "type": type_,
        "code": code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": f"urn:uuid:{uuid.uuid4()}",
    }
    if status == 400:
        body["invalidParams"] = invalid_params or [
            {
                "name": camel_field_path(api_settings.NON_FIELD_ERRORS_KEY),
                "code": code,
                "reason": detail,
            }
        ]
    response = JsonResponse(body, status=status, content_type=error_content_type(request))
    return response
