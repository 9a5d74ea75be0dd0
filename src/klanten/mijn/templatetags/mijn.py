from django import template

from klanten.datamodel import assurance

register = template.Library()


@register.filter
def niveau_naam(rang, middel: str = "digid") -> str:
    """The name a person knows for a rank: "DigiD Midden", "eHerkenning EH3"."""
    return assurance.niveau_naam(rang, middel)


@register.filter
def middel_naam(middel: str) -> str:
    return assurance.middel_naam(middel)
