"""The OpenAPI schema of the Contactmomenten API (``/contactmomenten/api/v1/schema/``,
committed as ``docs/openapi-contactmomenten.yaml`` by ``bin/schema``): the Klanten API's
generation settings with this API's title, servers, tags and endpoints."""

PREFIX = "/contactmomenten/api/v1"


def alleen_contactmomenten(endpoints, **kwargs):
    """drf-spectacular preprocessing hook: the endpoints of this API only."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(f"{PREFIX}/")]


SPECTACULAR_SETTINGS = {
    "SCHEMA_PATH_PREFIX": PREFIX,
    "SERVERS": [{"url": PREFIX}],
    "TITLE": "Contactmomenten API",
    "DESCRIPTION": "Een API om contactmomenten met klanten te registreren of op te vragen "
    "(VNG Contactmomenten API 1.0.0).\n\n"
    "Deze API publiceert notificaties op het kanaal `contactmomenten` (hoofdresource "
    "`contactmoment`, kenmerken `bronorganisatie` en `kanaal`).",
    "PREPROCESSING_HOOKS": ["klanten.contactmomenten.schema.alleen_contactmomenten"],
    "TAGS": [
        {"name": "contactmomenten", "description": ""},
        {
            "name": "klantcontactmomenten",
            "description": "Het betreft een relatie tussen een KLANT en een CONTACTMOMENT.",
        },
        {
            "name": "objectcontactmomenten",
            "description": "Het betreft een relatie tussen een willekeurig OBJECT, "
            "bijvoorbeeld een ZAAK in de Zaken API, en een CONTACTMOMENT.",
        },
    ],
}
