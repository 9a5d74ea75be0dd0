from django import template

register = template.Library()

DIGID = {0: "geen", 1: "DigiD Basis", 2: "DigiD Midden", 3: "DigiD Substantieel", 4: "DigiD Hoog"}
EHERKENNING = {0: "EH1", 1: "EH2", 2: "EH2+", 3: "EH3", 4: "EH4"}
MIDDELEN = {
    "digid": "DigiD",
    "digid_machtigen": "DigiD Machtigen",
    "eherkenning": "eHerkenning",
    "eherkenning_bewindvoering": "eHerkenning",
    "eidas": "eIDAS",
}


@register.filter
def niveau_naam(rang, middel: str = "digid") -> str:
    """The name a person knows for a rank: "DigiD Midden", "eHerkenning EH3"."""
    try:
        rang = int(rang)
    except (TypeError, ValueError):
        return ""
    if middel and middel.startswith("eherkenning"):
        return f"eHerkenning {EHERKENNING.get(rang, rang)}"
    if middel == "eidas":
        return {1: "eIDAS laag", 3: "eIDAS substantieel", 4: "eIDAS hoog"}.get(
            rang, f"eIDAS {rang}"
        )
    return DIGID.get(rang, f"niveau {rang}")


@register.filter
def middel_naam(middel: str) -> str:
    return MIDDELEN.get(middel, middel)
