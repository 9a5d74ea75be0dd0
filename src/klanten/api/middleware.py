from urllib.parse import unquote_to_bytes

from django.conf import settings
from vng_api_common.constants import ComponentTypes

# the request limits (gunicorn's own lie above them: klanten.conf.gunicorn)
from klanten.conf.limits import MAX_HEADER_FIELD_SIZE, MAX_HEADER_FIELDS, MAX_QUERY_STRING

from .exceptions import problem_response

# the APIs this service serves: path prefix → the component (Autorisatie.component) whose
# scopes a request under it needs
API_COMPONENTS = {
    "/klanten/api/": ComponentTypes.kc,
    "/contactmomenten/api/": ComponentTypes.cmc,
    # the Klantinteracties API (K2); no ZGW component of its own: "ki"
    "/klantinteracties/api/": "ki",
}
API_PREFIX = tuple(API_COMPONENTS)


def component_for_path(path: str) -> str | None:
    for prefix, component in API_COMPONENTS.items():
        if path.startswith(prefix):
            return component
    return None


class APIVersionMiddleware:
    """C1: every API response carries ``API-version``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(API_PREFIX):
            response["API-version"] = settings.API_VERSION
        return response


class RequestLimitsMiddleware:
    """P3: request forms that would otherwise reach the database or the parsers, refused as
    problem+json before any work (innermost middleware, so that the answer still gets
    ``API-version``):

    - a query string over ``MAX_QUERY_STRING`` bytes: 414;
    - more than ``MAX_HEADER_FIELDS`` header fields, or one over ``MAX_HEADER_FIELD_SIZE``
      bytes: 431;
    - a query string that is not UTF-8 (raw or percent-encoded): 400, rather than filtering on
      replacement characters;
    - a ``Content-Length`` over ``DATA_UPLOAD_MAX_MEMORY_SIZE``: 413, before the body is read;
    - a header value with a NUL character (PostgreSQL cannot store it, e.g. in the audit
      trail's ``X-Audit-Toelichting``): 400.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX):
            refused = self.refuse(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    @staticmethod
    def refuse(request):
        meta = request.META
        query_string = meta.get("QUERY_STRING", "")
        if len(query_string) > MAX_QUERY_STRING:
            return problem_response(
                request,
                414,
                "uri_too_long",
                "De URI is te lang.",
                f"De query string is langer dan {MAX_QUERY_STRING} bytes.",
            )
        headers = [
            (key[5:] if key.startswith("HTTP_") else key, value)
            for key, value in meta.items()
            if key.startswith("HTTP_") or (key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value)
        ]
        if len(headers) > MAX_HEADER_FIELDS or any(
            len(name) + 2 + len(str(value)) > MAX_HEADER_FIELD_SIZE for name, value in headers
        ):
            return problem_response(
                request,
                431,
                "header_fields_too_large",
                "De headers zijn te groot.",
                f"Het verzoek heeft meer dan {MAX_HEADER_FIELDS} headers, of een header groter "
                f"dan {MAX_HEADER_FIELD_SIZE} bytes.",
            )
        try:
            # WSGI hands the raw bytes over as latin-1
            unquote_to_bytes(query_string.encode("latin-1")).decode("utf-8")
        except UnicodeError:
            return problem_response(
                request,
                400,
                "invalid_encoding",
                "Ongeldige query string.",
                "De query string is geen geldige UTF-8.",
            )
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(meta.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return problem_response(
                request,
                413,
                "request_too_large",
                "De request body is te groot.",
                f"De request body is groter dan het maximum van {limit} bytes.",
            )
        for key, value in meta.items():
            if key.startswith("HTTP_") and isinstance(value, str) and "\x00" in value:
                name = "-".join(part.capitalize() for part in key[5:].split("_"))
                reason = "Null-tekens zijn niet toegestaan."
                return problem_response(
                    request,
                    400,
                    "null_characters_not_allowed",
                    "Ongeldige header.",
                    f"De header {name} bevat een null-teken.",
                    invalid_params=[
                        {"name": name, "code": "null_characters_not_allowed", "reason": reason}
                    ],
                )
        return None
