"""ZGW JWT authorization for the APIs of this service: Klanten (component ``kc``) and
Contactmomenten (``cmc``).

Builds on vng_api_common's token checks (client lookup, HS256 signature, ``iat``/expiry, ZGW
error codes) but reads an application's scopes for the component of the API the request is
for (by its path, ``klanten.api.middleware.API_COMPONENTS``), without consulting the
Autorisaties API configuration singleton per request. One application may hold scopes for
several components (one Autorisatie per component).

A per-process cache keeps verified tokens and what a client id resolves to (its applications
and their scopes) for ``AUTH_CACHE_SECONDS``: a read then costs no authorization queries. Any
change to a client's secret, application or scopes clears the cache of the process that made
it (signals); other processes pick it up within the cache time. ``AUTH_CACHE_SECONDS=0``
turns the cache off.
"""

import threading
import time

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from vng_api_common.authorizations.middleware import AuthMiddleware, JWTAuth
from vng_api_common.authorizations.models import Applicatie, Autorisatie
from vng_api_common.constants import ComponentTypes
from vng_api_common.models import JWTSecret

from .middleware import component_for_path

COMPONENT = ComponentTypes.kc
_MAX_TOKENS = 10_000


class _AuthCache:
    def __init__(self):
        self._lock = threading.Lock()
        self.tokens: dict[
            str, tuple[float, float, dict]
        ] = {}  # token → (valid_until, stored, payload)
        self.clients: dict[str, tuple[float, list]] = {}  # client_id → (stored, applicaties)

    def clear(self, **_kwargs) -> None:
        with self._lock:
            self.tokens.clear()
            self.clients.clear()

    @staticmethod
    def ttl() -> int:
        return settings.AUTH_CACHE_SECONDS

    def get_payload(self, token: str) -> dict | None:
        entry = self.tokens.get(token)
        if entry is None:
            return None
        valid_until, stored, payload = entry
        now = time.time()
        if now >= valid_until or now - stored >= self.ttl():
            self.tokens.pop(token, None)
            return None
        return payload

    def put_payload(self, token: str, payload: dict) -> None:
        if self.ttl() <= 0:
            return
        leeway = settings.TIME_LEEWAY
        valid_until = int(payload["iat"]) + settings.JWT_EXPIRY + leeway
        if "exp" in payload:
            valid_until = min(valid_until, float(payload["exp"]) + leeway)
        with self._lock:
            if len(self.tokens) >= _MAX_TOKENS:
                self.tokens.pop(next(iter(self.tokens)))
            self.tokens[token] = (valid_until, time.time(), payload)

    def get_applicaties(self, client_id: str) -> list | None:
        entry = self.clients.get(client_id)
        if entry is None or time.time() - entry[0] >= self.ttl():
            return None
        return entry[1]

    def put_applicaties(self, client_id: str, applicaties: list) -> None:
        if self.ttl() > 0 and applicaties:
            with self._lock:
                if len(self.clients) >= _MAX_TOKENS:
                    self.clients.pop(next(iter(self.clients)))
                self.clients[client_id] = (time.time(), applicaties)


auth_cache = _AuthCache()
for _model in (JWTSecret, Applicatie, Autorisatie):
    post_save.connect(auth_cache.clear, sender=_model, dispatch_uid=f"auth-cache-{_model.__name__}")
    post_delete.connect(
        auth_cache.clear, sender=_model, dispatch_uid=f"auth-cache-del-{_model.__name__}"
    )


class KlantenJWTAuth(JWTAuth):
    def __init__(self, encoded: str | None, component: str | None = None):
        super().__init__(encoded)
        # the component whose scopes count: the API the request is for
        self.component = component or COMPONENT

    @property
    def payload(self):
        if self.encoded is None:
            return None
        if not hasattr(self, "_payload"):
            cached = auth_cache.get_payload(self.encoded)
            if cached is not None:
                self._payload = cached
            else:
                payload = super().payload  # verifies, or raises with the ZGW error code
                auth_cache.put_payload(self.encoded, payload)
        return self._payload

    @property
    def applicaties(self):
        if self.client_id is None:
            return []
        if not hasattr(self, "_applicaties"):
            applicaties = auth_cache.get_applicaties(self.client_id)
            if applicaties is None:
                applicaties = list(
                    Applicatie.objects.filter(
                        client_ids__contains=[self.client_id]
                    ).prefetch_related("autorisaties")
                )
                if not applicaties:
                    # an external Autorisaties API, when configured (vng_api_common)
                    applicaties = list(super().applicaties)
                auth_cache.put_applicaties(self.client_id, applicaties)
            self._applicaties = applicaties
        return self._applicaties

    def scopes(self, component: str | None = None) -> set[str] | None:
        """The scopes granted for ``component`` (default: the Klanten API's, whichever API the
        request is for); None means all rights."""
        component = component or COMPONENT
        if not hasattr(self, "_scopes"):
            self._scopes = {}
        if component not in self._scopes:
            granted: set[str] | None = set()
            for applicatie in self.applicaties:
                if applicatie.heeft_alle_autorisaties:
                    granted = None
                    break
                for autorisatie in applicatie.autorisaties.all():
                    if autorisatie.component == component:
                        granted.update(autorisatie.scopes)
            self._scopes[component] = granted
        return self._scopes[component]

    def has_auth(self, scopes, component=None, **fields) -> bool:
        """Whether the request holds ``scopes`` for ``component`` (default: the component of
        the API the request is for)."""
        if scopes is None:
            return False
        granted = self.scopes(component or self.component)
        if granted is None:
            return bool(self.applicaties)
        return scopes.is_contained_in(list(granted))


class KlantenAuthMiddleware(AuthMiddleware):
    def extract_jwt_payload(self, request):
        authorization = request.META.get(self.header, "")
        prefix = f"{self.auth_type} "
        encoded = authorization[len(prefix) :] if authorization.startswith(prefix) else None
        request.jwt_auth = KlantenJWTAuth(encoded, component_for_path(request.path))
