"""V2: one ordered assurance scale (rank 0-4) for DigiD, eHerkenning and eIDAS.

Code compares ranks, never raw values. A raw value is resolved as: an alias of its issuer
(brokers send e.g. ``loa3`` or ``3``) → a canonical value → its rank. Unknown values are
refused; a client never supplies a rank itself.
"""

from collections.abc import Mapping

from django.core.exceptions import ValidationError

EIDAS = "http://eidas.europa.eu/LoA/"
SAML = "urn:oasis:names:tc:SAML:2.0:ac:classes:"
EHERKENNING = "urn:etoegang:core:assurance-class:"

# canonical raw value → rank. eIDAS "low" covers ranks 1 and 2; it maps to the lower (1).
CANONICAL_RANKS: dict[str, int] = {
    # eIDAS
    f"{EIDAS}low": 1,
    f"{EIDAS}substantial": 3,
    f"{EIDAS}high": 4,
    # DigiD (SAML AuthnContextClassRef, also sent as OIDC acr)
    f"{SAML}PasswordProtectedTransport": 1,  # Basis
    f"{SAML}MobileTwoFactorContract": 2,  # Midden
    f"{SAML}Smartcard": 3,  # Substantieel
    f"{SAML}SmartcardPKI": 4,  # Hoog
    # eHerkenning
    f"{EHERKENNING}loa1": 0,  # EH1
    f"{EHERKENNING}loa2": 1,  # EH2
    f"{EHERKENNING}loa2plus": 2,  # EH2+
    f"{EHERKENNING}loa3": 3,  # EH3
    f"{EHERKENNING}loa4": 4,  # EH4
}
MAX_RANK = 4
# A natural person represented through eHerkenning needs this rank (V2).
RANK_NATUURLIJK_PERSOON_VIA_EHERKENNING = 3


class UnknownAssuranceLevel(ValidationError):
    """A raw level that neither the scale nor the issuer's aliases know."""


def resolve_rank(raw: str, aliases: Mapping[str, str] | None = None) -> int:
    """The rank of a raw assurance value, using the issuer's ``aliases`` first."""
    value = str(raw).strip()
    if aliases and value in aliases:
        value = aliases[value]
    try:
        return CANONICAL_RANKS[value]
    except KeyError:
        raise UnknownAssuranceLevel(
            "Onbekend betrouwbaarheidsniveau.", code="onbekend-betrouwbaarheidsniveau"
        ) from None


def validate_aliases(aliases: Mapping[str, str]) -> None:
    """Every alias must point at a canonical value of the scale."""
    unknown = sorted(target for target in aliases.values() if target not in CANONICAL_RANKS)
    if unknown:
        raise ValidationError(
            "Aliassen verwijzen naar onbekende niveaus: %(values)s",
            code="onbekend-betrouwbaarheidsniveau",
            params={"values": ", ".join(unknown)},
        )


# --- the names people know for a rank ---------------------------------------------------------

DIGID_NIVEAUS = {
    0: "geen",
    1: "DigiD Basis",
    2: "DigiD Midden",
    3: "DigiD Substantieel",
    4: "DigiD Hoog",
}
EHERKENNING_NIVEAUS = {0: "EH1", 1: "EH2", 2: "EH2+", 3: "EH3", 4: "EH4"}
EIDAS_NIVEAUS = {1: "eIDAS laag", 3: "eIDAS substantieel", 4: "eIDAS hoog"}
MIDDEL_NAMEN = {
    "digid": "DigiD",
    "digid_machtigen": "DigiD Machtigen",
    "eherkenning": "eHerkenning",
    "eherkenning_bewindvoering": "eHerkenning",
    "eidas": "eIDAS",
}


def niveau_naam(rang, middel: str = "digid") -> str:
    """The name a person knows for a rank of a means: "DigiD Midden", "eHerkenning EH3",
    "eIDAS substantieel". Means without levels of their own (a desk check) use DigiD's
    names, the scale's reference."""
    try:
        rang = int(rang)
    except (TypeError, ValueError):
        return ""
    middel = middel or "digid"
    if middel.startswith("eherkenning"):
        return f"eHerkenning {EHERKENNING_NIVEAUS.get(rang, rang)}"
    if middel == "eidas":
        return EIDAS_NIVEAUS.get(rang, f"eIDAS {rang}")
    return DIGID_NIVEAUS.get(rang, f"niveau {rang}")


def middel_naam(middel: str) -> str:
    return MIDDEL_NAMEN.get(middel, middel)
