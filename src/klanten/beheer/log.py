"""Record what a data manager viewed, exported or destroyed (who, when, which klant)."""

import logging

from django.urls import reverse

from klanten.datamodel.wijzigingen import Actor, Herkomst

from .models import BeheerActie, BeheerGebeurtenis

logger = logging.getLogger("klanten.beheer")

# the application named in the audit trail for changes made in the admin
BEHEEROMGEVING = "Beheeromgeving Klanten"


def gebruiker_weergave(user) -> str:
    return user.get_full_name() or user.get_username()


def herkomst(request, toelichting: str = "") -> Herkomst:
    """A change made in the admin, as the klant's audit trail shows it (the data manager, the
    reason given), with the klant's API URL."""
    return Herkomst(
        Actor(
            applicatie_weergave=BEHEEROMGEVING,
            gebruikers_id=request.user.get_username(),
            gebruikers_weergave=gebruiker_weergave(request.user),
            toelichting=toelichting,
        ),
        request.build_absolute_uri(reverse("klant-list")) + "/",
    )


def leg_vast(actie: str, request, klant, *, toelichting: str = "") -> BeheerGebeurtenis:
    """One log record per klant. The log line carries the klant's uuid, never its data."""
    gebeurtenis = BeheerGebeurtenis.objects.create(
        actie=actie,
        gebruiker=request.user.get_username(),
        gebruiker_weergave=gebruiker_weergave(request.user),
        klant_uuid=klant.uuid,
        klant_pk=klant.pk,
        klant_weergave=klant.unique_representation()[:40],
        toelichting=toelichting[:500],
    )
    logger.info(
        "beheer actie=%s gebruiker=%s klant=%s",
        actie,
        request.user.get_username(),
        klant.uuid,
    )
    return gebeurtenis


__all__ = ["BEHEEROMGEVING", "BeheerActie", "herkomst", "leg_vast"]
