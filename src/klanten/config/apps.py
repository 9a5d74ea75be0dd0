from django.apps import AppConfig


class ConfigConfig(AppConfig):
    name = "klanten.config"
    label = "klanten_config"
    verbose_name = "Configuratie"
