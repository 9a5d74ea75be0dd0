"""``setup_configuration`` step for API clients (see docs/configuration.md)."""

from django_setup_configuration.configuration import BaseConfigurationStep
from django_setup_configuration.models import ConfigurationModel
from pydantic import Field

from .clients import APIClient, save_api_client


class APIClientModel(ConfigurationModel):
    client_id: str = Field(description="The client_id claim of the client's JWTs.")
    secret: str = Field(description="Shared HS256 secret (at least 32 bytes recommended).")
    label: str = Field(description="Human readable name of the application.")
    heeft_alle_autorisaties: bool = Field(default=False, description="All rights.")
    scopes: list[str] = Field(default_factory=list, description="Scopes for the Klanten API.")

    class Meta:
        extra_kwargs = {}


class APIClientsModel(ConfigurationModel):
    items: list[APIClientModel]


class APIClientsConfigurationStep(BaseConfigurationStep[APIClientsModel]):
    """Create or update the applications that may call the Klanten API."""

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
                )
            )
