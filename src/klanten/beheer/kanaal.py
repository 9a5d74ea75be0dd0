"""The registration of kanaal ``klanten`` at the Notificaties API (C13), checked on request."""

from dataclasses import dataclass, field

from notifications_api_common.management.commands.register_kanalen import (
    KanaalException,
    create_kanaal,
    get_kanaal,
    replace_kanaal,
)
from notifications_api_common.models import NotificationsConfig

from klanten.datamodel.wijzigingen import KANAAL_KLANTEN


@dataclass
class KanaalStatus:
    status: str  # geen_service | niet_geregistreerd | geregistreerd | fout
    melding: str = ""
    url: str = ""
    filters: list[str] = field(default_factory=list)

    @property
    def filters_kloppen(self) -> bool:
        return sorted(self.filters) == sorted(verwachte_filters())


def verwachte_filters() -> list[str]:
    return list(KANAAL_KLANTEN.kenmerken)


def controleer() -> KanaalStatus:
    client = NotificationsConfig.get_client()
    if client is None:
        return KanaalStatus("geen_service", "Er is geen Notificaties API ingesteld.")
    try:
        kanaal = get_kanaal(KANAAL_KLANTEN.label, client)
    except KanaalException as exc:
        return KanaalStatus("fout", f"Opvragen mislukt bij {exc.base_url}.")
    if kanaal is None:
        return KanaalStatus(
            "niet_geregistreerd", f"Kanaal '{KANAAL_KLANTEN.label}' is niet geregistreerd."
        )
    return KanaalStatus(
        "geregistreerd",
        f"Kanaal '{KANAAL_KLANTEN.label}' is geregistreerd.",
        url=kanaal.get("url", ""),
        filters=list(kanaal.get("filters") or []),
    )


def registreer() -> KanaalStatus:
    """Register the kanaal, or bring an existing registration up to date (as the management
    command ``register_kanalen`` does)."""
    client = NotificationsConfig.get_client()
    if client is None:
        return KanaalStatus("geen_service", "Er is geen Notificaties API ingesteld.")
    try:
        bestaand = get_kanaal(KANAAL_KLANTEN.label, client)
        if bestaand:
            replace_kanaal(KANAAL_KLANTEN.label, bestaand, client)
        else:
            create_kanaal(KANAAL_KLANTEN.label, client)
    except KanaalException as exc:
        return KanaalStatus("fout", f"Registreren mislukt bij {exc.base_url}.")
    return controleer()
