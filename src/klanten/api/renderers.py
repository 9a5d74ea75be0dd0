import orjson
from djangorestframework_camel_case.render import CamelCaseJSONRenderer

from .representation import CamelCaseData, CamelCaseList


class KlantenJSONRenderer(CamelCaseJSONRenderer):
    """JSON renderer for the API.

    Data the views built in camelCase already (klanten, lists, extension resources, a klant's
    JSON text from the database as an ``orjson.Fragment``) is serialized directly with orjson:
    no recursive camelization and a fast encoder. Everything else (errors, audit trails) goes
    through the camelCase renderer as usual.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, CamelCaseData | CamelCaseList | orjson.Fragment):
            # the same escaping as DRF's encoder, for JSON embedded in HTML/JS (both characters
            # start with these two bytes in UTF-8: one scan of the body where none occurs)
            body = orjson.dumps(data)
            if b"\xe2\x80" in body:
                body = body.replace("\u2028".encode(), b"\\u2028").replace(
                    "\u2029".encode(), b"\\u2029"
                )
            return body
        return super().render(data, accepted_media_type, renderer_context)
