from django.apps import AppConfig


class HealthConfig(AppConfig):
    name = "klanten.health"
    label = "klanten_health"
    verbose_name = "Health and metrics"
