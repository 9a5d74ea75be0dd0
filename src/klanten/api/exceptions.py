"""C3: every API error as application/problem+json (header and body)."""

import re
import uuid

from django.http import JsonResponse
from djangorestframework_camel_case.util import camelize_re, underscore_to_camel
from vng_api_common.exception_handling import (
    ERROR_CONTENT_TYPE,
)
from vng_api_common.exception_handling import (
    exception_handler as vng_exception_handler,
)

from .representation import CamelCaseData


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


def exception_handler(exc, context):
    response = vng_exception_handler(exc, context)
    if response is None:
        return None
    response.data = _camelize_problem(response.data)
    existing_url = getattr(exc, "existing_url", None)
    if existing_url:
        # V6: a 409 names the validated klant that already exists (an RFC 7807 extension member)
        response.data["bestaandeKlant"] = existing_url
    # DRF overwrites the Content-Type header with the renderer's media type unless the
    # response itself carries one
    response.content_type = ERROR_CONTENT_TYPE
    return response


def problem_response(request, status: int, code: str, title: str, detail: str) -> JsonResponse:
    """A problem+json answer for errors raised outside DRF (URL resolving, crashes)."""
    body = {
        "type": request.build_absolute_uri(f"/ref/fouten/{code}/"),
        "code": code,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": f"urn:uuid:{uuid.uuid4()}",
    }
    response = JsonResponse(body, status=status, content_type=ERROR_CONTENT_TYPE)
    return response
