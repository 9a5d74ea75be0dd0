from vng_api_common.authorizations.models import Applicatie


class APIClientApplicatie(Applicatie):
    """Admin entry point for API clients: an Applicatie with its secret and Klanten scopes."""

    class Meta:
        proxy = True
        verbose_name = "API-client"
        verbose_name_plural = "API-clients"
