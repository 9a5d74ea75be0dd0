"""The middleware of the pages, skipped by API requests.

The APIs authorize applications by JWT (``KlantenAuthMiddleware``): no session, user, CSRF
token, second factor or flash messages. ``MIDDLEWARE`` names these subclasses in place of the
middleware they extend (the settings), so a request under ``API_PREFIX`` does none of their
work (a session cookie parsed, a lazy user, its second factor, messages), while every other
path (the admin, the resident pages) passes through the original code unchanged, hooks included.
Being
subclasses, they satisfy the admin's system checks that look for the originals.

Two stay as they are, because a system check wants their exact names: maykin-2fa's
``OTPMiddleware`` only wraps ``request.user``, which an API request no longer has, so it does
nothing there; Django's ``CsrfViewMiddleware`` (``check --deploy``, security.W003) reads no
cookie an API client does not send and returns at once for the API's views, which DRF exempts.
"""

from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware

from .paden import API_PREFIX

HOOKS = ("process_view", "process_exception", "process_template_response")


def api_pad(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def buiten_api(base: type) -> type:
    """``base`` for every path but the API's."""

    def __call__(self, request):
        if api_pad(request):
            return self.get_response(request)
        return base.__call__(self, request)

    namespace = {"__call__": __call__, "__doc__": f"{base.__name__}, skipped by API requests."}
    for hook in HOOKS:
        original = getattr(base, hook, None)
        if original is not None:
            namespace[hook] = _skip_for_api(original)
    return type(f"{base.__name__}BuitenAPI", (base,), namespace)


def _skip_for_api(original):
    def hook(self, request, *args):
        if api_pad(request):
            return None
        return original(self, request, *args)

    return hook


SessionBuitenAPI = buiten_api(SessionMiddleware)
AuthenticationBuitenAPI = buiten_api(AuthenticationMiddleware)
MessageBuitenAPI = buiten_api(MessageMiddleware)
