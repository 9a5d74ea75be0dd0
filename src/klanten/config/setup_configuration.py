"""``setup_configuration`` steps for API clients and trusted issuers (docs/configuration.md)."""

from collections.abc import Collection, Mapping
from typing import ClassVar

from django.core.exceptions import ValidationError
from django.db.models import Model
from django_setup_configuration.configuration import BaseConfigurationStep
from django_setup_configuration.exceptions import ConfigurationRunFailed
from django_setup_configuration.models import ConfigurationModel
from pydantic import Field, field_validator

from klanten.datamodel.assurance import validate_aliases

from .clients import APIClient, save_api_client
from .models import VertrouwdeUitgever


class APIClientModel(ConfigurationModel):
    client_id: str = Field(description="The client_id claim of the client's JWTs.")
    secret: str = Field(description="Shared HS256 secret (at least 32 bytes recommended).")
    label: str = Field(description="Human readable name of the application.")
    heeft_alle_autorisaties: bool = Field(default=False, description="All rights.")
    scopes: list[str] = Field(default_factory=list, description="Scopes for the Klanten API.")
    contactmomenten_scopes: list[str] = Field(
        default_factory=list,
        description="Scopes for the Contactmomenten API (contactmomenten.lezen, "
        "contactmomenten.aanmaken, contactmomenten.bijwerken, contactmomenten.verwijderen, "
        "audittrails.lezen).",
    )
    klantinteracties_scopes: list[str] = Field(
        default_factory=list,
        description="Scopes for the Klantinteracties API (klantinteracties.lezen, "
        "klantinteracties.aanmaken, klantinteracties.bijwerken, klantinteracties.verwijderen, "
        "klantinteracties.adressen_zoeken).",
    )
    klantinteracties_tokens: list[str] = Field(
        default_factory=list,
        description="Keys the client sends as 'Authorization: Token <key>' to the "
        "Klantinteracties API (stored hashed; at least 32 characters).",
    )
    vertrouwde_bron_klantinteracties: bool = Field(
        default=False,
        description="Trusted asserter (K4): partijen this client creates with a BSN or KvK "
        "number are validated at maximale_rang. Only for clients that let signed-in persons "
        "alone create a partij (Open Forms, Open Inwoner); never for KISS.",
    )
    maximale_rang: int | None = Field(
        default=None,
        ge=0,
        le=4,
        description="Highest assurance rank (0-4) the application may assert itself with scope "
        "klanten.valideren; empty: it may not assert evidence.",
    )

    class Meta:
        extra_kwargs = {}

    @field_validator("klantinteracties_tokens")
    @classmethod
    def check_tokens(cls, value: list[str]) -> list[str]:
        for sleutel in value:
            if len(sleutel) < 32 or len(sleutel) > 200 or not sleutel.isprintable():
                raise ValueError("A Klantinteracties token is 32-200 printable characters.")
        return value


class APIClientsModel(ConfigurationModel):
    items: list[APIClientModel]


class APIClientsConfigurationStep(BaseConfigurationStep[APIClientsModel]):
    """Create or update the applications that may call the Klanten API and the
    Contactmomenten API."""

    verbose_name = "Klanten API clients"
    config_model = APIClientsModel
    namespace = "klanten_api_clients"
    enable_setting = "klanten_api_clients_enable"

    def execute(self, model: APIClientsModel) -> None:
        for item in model.items:
            save_api_client(
                APIClient(
                    client_id=item.client_id,
                    secret=item.secret,
                    label=item.label,
                    heeft_alle_autorisaties=item.heeft_alle_autorisaties,
                    scopes=tuple(item.scopes),
                    maximale_rang=item.maximale_rang,
                    contactmomenten_scopes=tuple(item.contactmomenten_scopes),
                    klantinteracties_scopes=tuple(item.klantinteracties_scopes),
                    vertrouwde_bron_klantinteracties=item.vertrouwde_bron_klantinteracties,
                    tokens=tuple(item.klantinteracties_tokens),
                )
            )


# --- V4: trusted issuers of ID tokens ----------------------------------------------------------
UITGEVER_FIELDS = (
    "naam",
    "issuer",
    "jwks_url",
    "audience",
    "middel",
    "niveau_claim",
    "bsn_claim",
    "kvk_claim",
    "vestigingsnummer_claim",
    "vertegenwoordigde_claim",
    "machtiging_claim",
    "actief",
)


class VertrouwdeUitgeverModel(ConfigurationModel):
    aliassen: dict[str, str] = Field(
        default_factory=dict,
        description="The issuer's own level values mapped to a canonical value of the scale, "
        'e.g. {"loa3": "urn:etoegang:core:assurance-class:loa3"}.',
    )

    class Meta:
        django_model_refs: ClassVar[dict[type[Model], Collection[str]]] = {
            VertrouwdeUitgever: UITGEVER_FIELDS
        }
        extra_kwargs: ClassVar[Mapping[str, Mapping[str, object]]] = {
            "issuer": {"examples": ["https://digid-broker.example.nl/oidc"]},
            "jwks_url": {"examples": ["https://digid-broker.example.nl/oidc/jwks"]},
            "audience": {"examples": ["klanten"]},
        }

    @field_validator("aliassen")
    @classmethod
    def check_aliassen(cls, value: dict[str, str]) -> dict[str, str]:
        try:
            validate_aliases(value)
        except ValidationError as exc:
            raise ValueError(exc.messages[0]) from None
        return value


class VertrouwdeUitgeversModel(ConfigurationModel):
    items: list[VertrouwdeUitgeverModel]


class VertrouwdeUitgeversConfigurationStep(BaseConfigurationStep[VertrouwdeUitgeversModel]):
    """Create or update the OpenID Connect issuers whose ID tokens are accepted as evidence
    (keyed by ``issuer``)."""

    verbose_name = "Klanten trusted issuers"
    config_model = VertrouwdeUitgeversModel
    namespace = "klanten_vertrouwde_uitgevers"
    enable_setting = "klanten_vertrouwde_uitgevers_enable"

    def execute(self, model: VertrouwdeUitgeversModel) -> None:
        for item in model.items:
            uitgever = VertrouwdeUitgever.objects.filter(issuer=item.issuer).first()
            if uitgever is None:
                uitgever = VertrouwdeUitgever(issuer=item.issuer)
            for field in UITGEVER_FIELDS:
                setattr(uitgever, field, getattr(item, field))
            uitgever.aliassen = dict(item.aliassen)
            try:
                uitgever.full_clean(validate_unique=False)
            except ValidationError as exc:
                raise ConfigurationRunFailed(
                    f"Vertrouwde uitgever {item.issuer!r} is ongeldig: {exc.messages}"
                ) from exc
            uitgever.save()
