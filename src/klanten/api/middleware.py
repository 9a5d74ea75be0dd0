from django.conf import settings

API_PREFIX = "/klanten/api/"


class APIVersionMiddleware:
    """C1: every API response carries ``API-version``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(API_PREFIX):
            response["API-version"] = settings.API_VERSION
        return response
