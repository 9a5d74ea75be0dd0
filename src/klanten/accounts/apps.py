from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "klanten.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import discovery

        # the OIDC discovery document through klanten.outbound (admin and setup_configuration)
        discovery.install()
