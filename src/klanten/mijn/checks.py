"""Start-up checks of the resident pages' configuration."""

from django.conf import settings
from django.core.checks import Error, register

from klanten.datamodel import rules


@register()
def check_bronorganisatie(app_configs, **kwargs):
    rsin = settings.MIJN_GEGEVENS_BRONORGANISATIE
    if not rsin:
        return []
    try:
        rules.validate_rsin(rsin)
    except rules.RuleViolation:
        return [
            Error(
                "MIJN_GEGEVENS_BRONORGANISATIE must be a valid RSIN (9 digits, 11-proef).",
                id="mijn.E001",
            )
        ]
    return []
