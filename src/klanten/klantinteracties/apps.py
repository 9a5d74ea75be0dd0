from django.apps import AppConfig


class KlantinteractiesConfig(AppConfig):
    """The Klantinteracties API as Open Klant 0.9.0 serves it (``/klantinteracties/api/v1/``,
    design K1-K11) over the store of ``klanten.datamodel``. No models of its own."""

    name = "klanten.klantinteracties"
    label = "klanten_klantinteracties"
    verbose_name = "Klantinteracties API"

    def ready(self):
        # the kanaal partijen (register_kanalen), the expand paths and the schema extensions
        from klanten.datamodel import partijwijzigingen  # noqa: F401

        from . import partijen, schema  # noqa: F401
