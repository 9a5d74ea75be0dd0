"""Notifications of the Contactmomenten API: kanaal ``contactmomenten``, main resource
``contactmoment``, kenmerken ``bronorganisatie`` and ``kanaal`` (neither is personal data)."""

from notifications_api_common.kanalen import Kanaal

from klanten.datamodel.models import Contactmoment

KANAAL_CONTACTMOMENTEN = Kanaal(
    "contactmomenten",
    main_resource=Contactmoment,
    kenmerken=("bronorganisatie", "kanaal"),
    extra_kwargs={
        "bronorganisatie": {
            "help_text": "Het RSIN van de Niet-natuurlijk persoon zijnde de organisatie die de "
            "klantinteractie heeft gecreeerd. Dit moet een geldig RSIN zijn van 9 nummers en "
            "voldoen aan https://nl.wikipedia.org/wiki/Burgerservicenummer#11-proef"
        },
        "kanaal": {"help_text": "Het communicatiekanaal waarlangs het CONTACTMOMENT gevoerd wordt"},
    },
)
