from vng_api_common.scopes import Scope

SCOPE_KLANTEN_LEZEN = Scope("klanten.lezen", description="Lezen van klanten.")
SCOPE_KLANTEN_AANMAKEN = Scope("klanten.aanmaken", description="Aanmaken van klanten.")
SCOPE_KLANTEN_BIJWERKEN = Scope("klanten.bijwerken", description="Bijwerken van klanten.")
SCOPE_KLANTEN_VERWIJDEREN = Scope("klanten.verwijderen", description="Verwijderen van klanten.")
# audittrails.lezen is defined by vng_api_common.audittrails.api.scopes

# Extensions (contract E5)
SCOPE_KLANTEN_VALIDEREN = Scope(
    "klanten.valideren", description="Bewijs van authenticatie aanleveren (valideren)."
)
SCOPE_KLANTEN_KLANTBEELD = Scope("klanten.klantbeeld", description="Klantbeeld opvragen.")
SCOPE_KLANTEN_BEHEER = Scope(
    "klanten.beheer",
    description="Alle niet-gevalideerde klanten zien; bewaartermijnen en privacyverzoeken.",
)
