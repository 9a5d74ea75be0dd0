"""The scopes of the Contactmomenten API 1.0.0 (component ``cmc``)."""

from vng_api_common.scopes import Scope

SCOPE_CONTACTMOMENTEN_LEZEN = Scope(
    "contactmomenten.lezen", description="Lezen van contactmomenten."
)
SCOPE_CONTACTMOMENTEN_AANMAKEN = Scope(
    "contactmomenten.aanmaken", description="Aanmaken van contactmomenten."
)
SCOPE_CONTACTMOMENTEN_BIJWERKEN = Scope(
    "contactmomenten.bijwerken", description="Bijwerken van contactmomenten."
)
SCOPE_CONTACTMOMENTEN_VERWIJDEREN = Scope(
    "contactmomenten.verwijderen", description="Verwijderen van contactmomenten."
)
# audittrails.lezen is defined by vng_api_common.audittrails.api.scopes
