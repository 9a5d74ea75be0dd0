from vng_api_common.scopes import Scope

SCOPE_KLANTEN_LEZEN = Scope("klanten.lezen", description="Lezen van klanten.")
SCOPE_KLANTEN_AANMAKEN = Scope("klanten.aanmaken", description="Aanmaken van klanten.")
SCOPE_KLANTEN_BIJWERKEN = Scope("klanten.bijwerken", description="Bijwerken van klanten.")
SCOPE_KLANTEN_VERWIJDEREN = Scope("klanten.verwijderen", description="Verwijderen van klanten.")
# audittrails.lezen is defined by vng_api_common.audittrails.api.scopes
