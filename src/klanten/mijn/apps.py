from django.apps import AppConfig


class MijnConfig(AppConfig):
    name = "klanten.mijn"
    label = "mijn"
    verbose_name = "Mijn klantgegevens"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import checks, oidc  # noqa: F401  (register the resident OIDC plugin and checks)
