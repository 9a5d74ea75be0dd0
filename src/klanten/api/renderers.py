import orjson
from djangorestframework_camel_case.render import CamelCaseJSONRenderer

from .representation import CamelCaseData, CamelCaseList, JSONText


class KlantenJSONRenderer(CamelCaseJSONRenderer):
    """JSON renderer for the API.

    Data the views built in camelCase already (klanten, lists, extension resources) is
    serialized directly with orjson: no recursive camelization and a fast encoder. Everything
    else (errors, audit trails) goes through the camelCase renderer as usual.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, JSONText):
            return _escaped(data.encode())
        if isinstance(data, CamelCaseData | CamelCaseList):
            return _escaped(orjson.dumps(data))
        return super().render(data, accepted_media_type, renderer_context)


_LS, _PS = "\u2028".encode(), "\u2029".encode()


def _escaped(body: bytes) -> bytes:
    """The same escaping as DRF's encoder, for JSON embedded in HTML/JS."""
    if _LS in body:
        body = body.replace(_LS, b"\\u2028")
    if _PS in body:
        body = body.replace(_PS, b"\\u2029")
    return body
