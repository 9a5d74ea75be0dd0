from django.apps import AppConfig


class DatamodelConfig(AppConfig):
    name = "klanten.datamodel"
    label = "datamodel"
    verbose_name = "Klantgegevens"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import kicontacten, signals  # noqa: F401  (R1: destruction dates follow
        # interactions; the kanalen klantcontacten and internetaken for register_kanalen)
