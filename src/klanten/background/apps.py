from django.apps import AppConfig


class BackgroundConfig(AppConfig):
    """Work outside the request: the notification outbox and the retention of non-validated
    klanten (contract C13, R1-R3), with the Celery tasks that run them."""

    name = "klanten.background"
    label = "background"
    verbose_name = "Achtergrondtaken"
    default_auto_field = "django.db.models.BigAutoField"
