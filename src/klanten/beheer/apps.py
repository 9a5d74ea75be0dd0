from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BeheerConfig(AppConfig):
    name = "klanten.beheer"
    label = "beheer"
    verbose_name = "Beheer van klantgegevens"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .groups import ensure_groups_after_migrate
        from .site import richt_in

        # the data migration creates the groups; this keeps them (and the extra permissions)
        # in place after a database flush and when permissions of new models appear
        post_migrate.connect(ensure_groups_after_migrate, sender=self)
        richt_in()
