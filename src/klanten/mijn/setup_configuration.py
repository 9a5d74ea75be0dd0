"""``setup_configuration`` step for the resident OpenID Connect client (Mijn klantgegevens).

The provider (endpoints or discovery) is configured with mozilla-django-oidc-db's own step
(``oidc_db_config_admin_auth.providers``), which also configures the staff client
(``admin-oidc``). This step configures the resident client ``mijn-gegevens-oidc`` with typed,
validated options: claim names, the expected issuer and assurance level aliases.
"""

from django.core.exceptions import ValidationError
from django_setup_configuration.configuration import BaseConfigurationStep
from django_setup_configuration.exceptions import ConfigurationRunFailed
from django_setup_configuration.models import ConfigurationModel
from mozilla_django_oidc_db.models import OIDCClient, OIDCProvider
from pydantic import Field, field_validator

from klanten.datamodel.assurance import validate_aliases

from .oidc import MIJN_GEGEVENS_OIDC


class MijnGegevensOIDCModel(ConfigurationModel):
    enabled: bool = Field(default=True, description="Residents can sign in.")
    oidc_provider_identifier: str = Field(
        description="Identifier of an OIDC provider (configured in oidc_db_config_admin_auth).",
        examples=["digid-broker"],
    )
    oidc_rp_client_id: str = Field(description="Client ID at the provider.")
    oidc_rp_client_secret: str = Field(description="Client secret at the provider.")
    oidc_rp_scopes_list: list[str] = Field(
        default_factory=lambda: ["openid"], description="Scopes to request."
    )
    oidc_rp_sign_algo: str = Field(default="RS256", description="Signing algorithm of ID tokens.")
    userinfo_claims_source: str = Field(
        default="id_token",
        description="Where the identifier claim is looked for besides the ID token: "
        "'id_token' (only there) or 'userinfo_endpoint' (also at userinfo). The acr is always "
        "taken from the ID token.",
    )
    issuer: str = Field(
        default="", description="Expected `iss` of the ID tokens (recommended).", examples=[""]
    )
    middel: str = Field(
        default="",
        description="Means: digid, eherkenning, eidas, ...; empty: DigiD for a BSN, "
        "eHerkenning for a KvK number.",
    )
    acr_claim: list[str] = Field(
        default_factory=lambda: ["acr"], description="Path to the level in the ID token."
    )
    bsn_claim: list[str] = Field(default_factory=lambda: ["bsn"], description="Path to the BSN.")
    kvk_claim: list[str] = Field(
        default_factory=lambda: ["kvk"], description="Path to the KvK number."
    )
    aliases: dict[str, str] = Field(
        default_factory=dict,
        description="The provider's own level values mapped to a value of the assurance scale.",
    )
    acr_values: dict[str, str] = Field(
        default_factory=dict,
        description="Rank (1-4) → acr_values sent when the resident must sign in again at a "
        "higher level.",
    )

    @field_validator("aliases")
    @classmethod
    def check_aliases(cls, value: dict[str, str]) -> dict[str, str]:
        try:
            validate_aliases(value)
        except ValidationError as exc:
            raise ValueError(exc.messages[0]) from None
        return value

    @field_validator("acr_values")
    @classmethod
    def check_acr_values(cls, value: dict[str, str]) -> dict[str, str]:
        for rank in value:
            if rank not in {"1", "2", "3", "4"}:
                raise ValueError(f"acr_values keys are ranks 1-4, got {rank!r}")
        return value

    @field_validator("userinfo_claims_source")
    @classmethod
    def check_source(cls, value: str) -> str:
        if value not in ("id_token", "userinfo_endpoint"):
            raise ValueError("userinfo_claims_source must be 'id_token' or 'userinfo_endpoint'")
        return value


class MijnGegevensOIDCConfigurationStep(BaseConfigurationStep[MijnGegevensOIDCModel]):
    """Configure the OpenID Connect client with which residents sign in to
    Mijn klantgegevens (DigiD/eHerkenning through a broker)."""

    verbose_name = "Mijn klantgegevens: resident sign-in (OpenID Connect)"
    config_model = MijnGegevensOIDCModel
    namespace = "klanten_mijn_gegevens_oidc"
    enable_setting = "klanten_mijn_gegevens_oidc_enable"

    def execute(self, model: MijnGegevensOIDCModel) -> None:
        provider = OIDCProvider.objects.filter(identifier=model.oidc_provider_identifier).first()
        if provider is None:
            raise ConfigurationRunFailed(
                f"Unknown OIDC provider {model.oidc_provider_identifier!r}: configure it under "
                "oidc_db_config_admin_auth.providers first."
            )
        options = {
            "issuer": model.issuer,
            "middel": model.middel,
            "acr_claim": model.acr_claim,
            "bsn_claim": model.bsn_claim,
            "kvk_claim": model.kvk_claim,
            "aliases": model.aliases,
            "acr_values": model.acr_values,
        }
        OIDCClient.objects.update_or_create(
            identifier=MIJN_GEGEVENS_OIDC,
            defaults={
                "enabled": model.enabled,
                "oidc_provider": provider,
                "oidc_rp_client_id": model.oidc_rp_client_id,
                "oidc_rp_client_secret": model.oidc_rp_client_secret,
                "oidc_rp_scopes_list": model.oidc_rp_scopes_list,
                "oidc_rp_sign_algo": model.oidc_rp_sign_algo,
                "userinfo_claims_source": model.userinfo_claims_source,
                "options": options,
            },
        )
