"""API clients: a ZGW JWT secret plus an Applicatie with its scopes for component ``kc``."""

import warnings
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from vng_api_common.authorizations.models import Applicatie, Autorisatie
from vng_api_common.constants import ComponentTypes
from vng_api_common.models import JWTSecret

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


@transaction.atomic
def save_api_client(client: APIClient) -> Applicatie:
    """Create or update one API client (idempotent, keyed by client id)."""
    unknown = set(client.scopes) - set(KNOWN_SCOPES)
    if unknown:
        raise ValueError(f"Onbekende scopes: {', '.join(sorted(unknown))}")
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
    Autorisatie.objects.filter(applicatie=applicatie, component=ComponentTypes.kc).delete()
    if client.scopes and not client.heeft_alle_autorisaties:
        Autorisatie.objects.create(
            applicatie=applicatie, component=ComponentTypes.kc, scopes=list(client.scopes)
        )
    return applicatie
