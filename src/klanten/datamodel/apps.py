from django.apps import AppConfig


class DatamodelConfig(AppConfig):
    name = "klanten.datamodel"
    label = "datamodel"
    verbose_name = "Klantgegevens"
    default_auto_field = "django.db.models.BigAutoField"
