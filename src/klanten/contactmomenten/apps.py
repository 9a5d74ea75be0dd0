from django.apps import AppConfig


class ContactmomentenConfig(AppConfig):
    """The Contactmomenten API 1.0.0 (``/contactmomenten/api/v1/``) over the store of
    ``klanten.datamodel`` (design K3, docs/store.md). No models of its own."""

    name = "klanten.contactmomenten"
    label = "klanten_contactmomenten"
    verbose_name = "Contactmomenten API"

    def ready(self):
        # the kanaal (register_kanalen) and the schema extensions
        from klanten.datamodel import contactwijzigingen  # noqa: F401

        from . import schema  # noqa: F401
