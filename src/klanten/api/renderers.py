from djangorestframework_camel_case.render import CamelCaseJSONRenderer

from .representation import CamelCaseData, CamelCaseList


class KlantenJSONRenderer(CamelCaseJSONRenderer):
    """JSON renderer that skips the (recursive, costly) camelization when the view already
    produced camelCase data."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, CamelCaseData | CamelCaseList):
            return super(CamelCaseJSONRenderer, self).render(
                data, accepted_media_type, renderer_context
            )
        return super().render(data, accepted_media_type, renderer_context)
