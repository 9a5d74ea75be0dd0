from django.apps import AppConfig


class ContactmomentenConfig(AppConfig):
    """The Contactmomenten API 1.0.0 (``/contactmomenten/api/v1/``) over the store of
    ``klanten.datamodel`` (design K3, docs/store.md). No models of its own."""

    name = "klanten.contactmomenten"
    label = "klanten_contactmomenten"
    verbose_name = "Contactmomenten API"

    def ready(self):
        from . import kanalen, schema  # noqa: F401  (registers the kanaal and schema extensions)
