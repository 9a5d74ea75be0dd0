"""The API paths of this service (no imports of Django's apps: usable anywhere)."""

from vng_api_common.constants import ComponentTypes

# the APIs this service serves: path prefix → the component (Autorisatie.component) whose
# scopes a request under it needs
API_COMPONENTS = {
    "/klanten/api/": ComponentTypes.kc,
    "/contactmomenten/api/": ComponentTypes.cmc,
    # the Klantinteracties API (K2); no ZGW component of its own: "ki"
    "/klantinteracties/api/": "ki",
}
API_PREFIX = tuple(API_COMPONENTS)
