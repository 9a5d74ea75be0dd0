"""The product's name and the organisation's on every page: the admin's title and header,
Mijn klantgegevens and the error pages ("Klantgegevens – Gemeente Zeist")."""

from django.conf import settings

PRODUCT = "Klantgegevens"


def organisatie_naam() -> str:
    return settings.KLANTEN_ORGANISATIE_NAAM.strip()


def titel() -> str:
    """ "Klantgegevens – Gemeente Zeist", or "Klantgegevens" without a configured name."""
    naam = organisatie_naam()
    return f"{PRODUCT} – {naam}" if naam else PRODUCT


def bronorganisatie_naam(rsin: str) -> str:
    """The name of a bronorganisatie (RSIN) where it is known, else ""."""
    namen = settings.KLANTEN_BRONORGANISATIE_NAMEN
    if rsin in namen:
        return namen[rsin].strip()
    if rsin and rsin == settings.MIJN_GEGEVENS_BRONORGANISATIE:
        return organisatie_naam()
    return ""


def bronorganisatie_weergave(rsin: str) -> str:
    """ "Gemeente Zeist (002220647)" where the name is known, else the RSIN."""
    naam = bronorganisatie_naam(rsin)
    return f"{naam} ({rsin})" if naam else rsin


def organisatie(request) -> dict:
    """Context processor: ``organisatie_naam`` and ``product_titel`` on every page."""
    return {"organisatie_naam": organisatie_naam(), "product_titel": titel()}
