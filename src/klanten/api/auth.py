"""ZGW JWT authorization for this component (``kc``).

Builds on vng_api_common's token checks (client lookup, HS256 signature, ``iat``/expiry, ZGW
error codes) but reads an application's scopes in one query and always for the Klanten
component, without consulting the Autorisaties API configuration singleton per request.
"""

from vng_api_common.authorizations.middleware import AuthMiddleware, JWTAuth
from vng_api_common.authorizations.models import Applicatie
from vng_api_common.constants import ComponentTypes

COMPONENT = ComponentTypes.kc


class KlantenJWTAuth(JWTAuth):
    @property
    def applicaties(self):
        if self.client_id is None:
            return []
        if not hasattr(self, "_applicaties"):
            self._applicaties = list(
                Applicatie.objects.filter(client_ids__contains=[self.client_id]).prefetch_related(
                    "autorisaties"
                )
            )
            if not self._applicaties:
                # an external Autorisaties API, when configured (vng_api_common)
                self._applicaties = list(super().applicaties)
        return self._applicaties

    def scopes(self) -> set[str] | None:
        """The scopes granted for this component; None means all rights."""
        granted: set[str] = set()
        for applicatie in self.applicaties:
            if applicatie.heeft_alle_autorisaties:
                return None
            for autorisatie in applicatie.autorisaties.all():
                if autorisatie.component == COMPONENT:
                    granted.update(autorisatie.scopes)
        return granted

    def has_auth(self, scopes, component=None, **fields) -> bool:
        if scopes is None:
            return False
        granted = self.scopes()
        if granted is None:
            return bool(self.applicaties)
        return scopes.is_contained_in(list(granted))


class KlantenAuthMiddleware(AuthMiddleware):
    def extract_jwt_payload(self, request):
        authorization = request.META.get(self.header, "")
        prefix = f"{self.auth_type} "
        encoded = authorization[len(prefix) :] if authorization.startswith(prefix) else None
        request.jwt_auth = KlantenJWTAuth(encoded)
