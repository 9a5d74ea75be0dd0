"""API clients: a ZGW JWT secret plus an Applicatie with its scopes per API: component ``kc``
(Klanten API), ``cmc`` (Contactmomenten API) and ``ki`` (Klantinteracties API), one Autorisatie
each; for Klantinteracties also ``Token`` keys (``klanten.config.tokens``)."""

import warnings
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from vng_api_common.authorizations.models import Applicatie, Autorisatie
from vng_api_common.constants import ComponentTypes
from vng_api_common.models import JWTSecret

from .models import ValidatieRecht

KNOWN_SCOPES = (
    "klanten.lezen",
    "klanten.aanmaken",
    "klanten.bijwerken",
    "klanten.verwijderen",
    "audittrails.lezen",
    # extensions (contract E5)
    "klanten.valideren",
    "klanten.klantbeeld",
    "klanten.beheer",
)

# the Contactmomenten API 1.0.0 (component cmc); audittrails.lezen there reads the audit trails
# of contactmomenten, independently of the Klanten API's
CONTACTMOMENTEN_SCOPES = (
    "contactmomenten.lezen",
    "contactmomenten.aanmaken",
    "contactmomenten.bijwerken",
    "contactmomenten.verwijderen",
    "audittrails.lezen",
)

# the Klantinteracties API (component ki, K2); ``klantinteracties.adressen_zoeken``: K7, the
# exact search of digital addresses over betrokkenen (KISS), logged like a klantbeeld lookup
KLANTINTERACTIES_COMPONENT = "ki"
KLANTINTERACTIES_SCOPES = (
    "klantinteracties.lezen",
    "klantinteracties.aanmaken",
    "klantinteracties.bijwerken",
    "klantinteracties.verwijderen",
    "klantinteracties.adressen_zoeken",
)


# V2/V4: what each rank means, for choosing an application's maximum assurance rank.
RANK_LABELS = {
    0: "0 – geen / eHerkenning EH1",
    1: "1 – DigiD Basis, eHerkenning EH2, eIDAS laag",
    2: "2 – DigiD Midden, eHerkenning EH2+",
    3: "3 – DigiD Substantieel, eHerkenning EH3, eIDAS substantieel",
    4: "4 – DigiD Hoog, eHerkenning EH4, eIDAS hoog",
}


class ShortSecretWarning(UserWarning):
    """A client secret shorter than the recommended minimum."""


def secret_is_short(secret: str) -> bool:
    return len(secret.encode()) < settings.MIN_CLIENT_SECRET_LENGTH


@dataclass
class APIClient:
    client_id: str
    secret: str
    label: str
    heeft_alle_autorisaties: bool = False
    scopes: tuple[str, ...] = ()
    # V4: the highest assurance rank (0-4) this application may assert itself with scope
    # klanten.valideren; None: it may not assert evidence at all
    maximale_rang: int | None = None
    # scopes for the Contactmomenten API (component cmc)
    contactmomenten_scopes: tuple[str, ...] = ()
    # scopes for the Klantinteracties API (component ki)
    klantinteracties_scopes: tuple[str, ...] = ()
    # K4: partijen this client creates with a BSN/KvK are validated at maximale_rang
    vertrouwde_bron_klantinteracties: bool = False
    # Token keys (K2) chosen by the deployer; existing keys of the client are kept
    tokens: tuple[str, ...] = ()

    def scopes_per_component(self) -> dict[str, tuple[str, ...]]:
        return {
            ComponentTypes.kc: tuple(self.scopes),
            ComponentTypes.cmc: tuple(self.contactmomenten_scopes),
            KLANTINTERACTIES_COMPONENT: tuple(self.klantinteracties_scopes),
        }


def validate_maximale_rang(value: int | None) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 4:
        raise ValueError(f"Maximale rang moet 0-4 zijn (of leeg), niet {value!r}.")


def save_validatierecht(
    applicatie: Applicatie, maximale_rang: int | None, vertrouwde_bron_klantinteracties=None
) -> None:
    """Create, update or (for None) delete the application's right to assert evidence
    (``vertrouwde_bron_klantinteracties`` None: left as it is)."""
    validate_maximale_rang(maximale_rang)
    if maximale_rang is None:
        if vertrouwde_bron_klantinteracties:
            raise ValueError("Een vertrouwde bron voor Klantinteracties heeft een maximale rang.")
        ValidatieRecht.objects.filter(applicatie=applicatie).delete()
    else:
        defaults = {"maximale_rang": maximale_rang}
        if vertrouwde_bron_klantinteracties is not None:
            defaults["vertrouwde_bron_klantinteracties"] = vertrouwde_bron_klantinteracties
        ValidatieRecht.objects.update_or_create(applicatie=applicatie, defaults=defaults)


@transaction.atomic
def save_api_client(client: APIClient) -> Applicatie:
    """Create or update one API client (idempotent, keyed by client id).

    Scopes (of each API) and the maximum assurance rank are replaced: a client saved without
    ``maximale_rang`` loses its right to assert evidence, one saved without
    ``contactmomenten_scopes`` its rights in the Contactmomenten API."""
    unknown = set(client.scopes) - set(KNOWN_SCOPES)
    if unknown:
        raise ValueError(f"Onbekende scopes: {', '.join(sorted(unknown))}")
    unknown = set(client.contactmomenten_scopes) - set(CONTACTMOMENTEN_SCOPES)
    if unknown:
        raise ValueError(
            f"Onbekende scopes voor de Contactmomenten API: {', '.join(sorted(unknown))}"
        )
    unknown = set(client.klantinteracties_scopes) - set(KLANTINTERACTIES_SCOPES)
    if unknown:
        raise ValueError(
            f"Onbekende scopes voor de Klantinteracties API: {', '.join(sorted(unknown))}"
        )
    validate_maximale_rang(client.maximale_rang)
    if secret_is_short(client.secret):
        warnings.warn(
            f"Het secret van client {client.client_id!r} is korter dan "
            f"{settings.MIN_CLIENT_SECRET_LENGTH} bytes; gebruik een langer secret.",
            ShortSecretWarning,
            stacklevel=2,
        )
    JWTSecret.objects.update_or_create(
        identifier=client.client_id, defaults={"secret": client.secret}
    )
    applicatie = Applicatie.objects.filter(client_ids__contains=[client.client_id]).first()
    if applicatie is None:
        applicatie = Applicatie(client_ids=[client.client_id])
    applicatie.label = client.label
    applicatie.heeft_alle_autorisaties = client.heeft_alle_autorisaties
    applicatie.save()
    for component, scopes in client.scopes_per_component().items():
        Autorisatie.objects.filter(applicatie=applicatie, component=component).delete()
        if scopes and not client.heeft_alle_autorisaties:
            Autorisatie.objects.create(
                applicatie=applicatie, component=component, scopes=list(scopes)
            )
    save_validatierecht(applicatie, client.maximale_rang, client.vertrouwde_bron_klantinteracties)
    from .tokens import zet_sleutel

    for sleutel in client.tokens:
        zet_sleutel(applicatie, sleutel, omschrijving="setup_configuration")
    return applicatie
