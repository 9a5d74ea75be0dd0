"""The scopes of the Klantinteracties API (component ``ki``, design K2): unlike Open Klant, a
valid token does not allow everything."""

from vng_api_common.scopes import Scope

SCOPE_KI_LEZEN = Scope("klantinteracties.lezen", description="Lezen van klantinteracties.")
SCOPE_KI_AANMAKEN = Scope("klantinteracties.aanmaken", description="Aanmaken van klantinteracties.")
SCOPE_KI_BIJWERKEN = Scope(
    "klantinteracties.bijwerken", description="Bijwerken van klantinteracties."
)
SCOPE_KI_VERWIJDEREN = Scope(
    "klantinteracties.verwijderen", description="Verwijderen van klantinteracties."
)
# K7: the exact search of digital addresses (``GET /digitaleadressen?adres=``) over betrokkenen
SCOPE_KI_ADRESSEN_ZOEKEN = Scope(
    "klantinteracties.adressen_zoeken",
    description="Zoeken van digitale adressen op adres (exact), ook van betrokkenen.",
)

# the usual scopes of a viewset's actions
CRUD_SCOPES = {
    "list": SCOPE_KI_LEZEN,
    "retrieve": SCOPE_KI_LEZEN,
    "create": SCOPE_KI_AANMAKEN,
    "update": SCOPE_KI_BIJWERKEN,
    "partial_update": SCOPE_KI_BIJWERKEN,
    "destroy": SCOPE_KI_VERWIJDEREN,
}
