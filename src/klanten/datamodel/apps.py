from django.apps import AppConfig


class DatamodelConfig(AppConfig):
    name = "klanten.datamodel"
    label = "datamodel"
    verbose_name = "Klantgegevens"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.backends.signals import connection_created

        from klanten.conf.database import zet_sessie

        from . import kicontacten, signals  # noqa: F401  (R1: destruction dates follow
        # interactions; the kanalen klantcontacten and internetaken for register_kanalen)

        connection_created.connect(zet_sessie, dispatch_uid="klanten-sessie")
