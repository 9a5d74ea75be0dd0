"""Masking of subject identifiers in the admin: ``*****1234``.

Lists always show identifiers masked; the detail page shows them in full only to users with
the permission ``datamodel.view_volledige_identificatie`` (and that view is logged)."""

from .groups import VOLLEDIGE_IDENTIFICATIE

MASKER = "*****"


def maskeer(value: str | None) -> str:
    """``*****`` and the last four characters (nothing of values of four or fewer)."""
    if not value:
        return ""
    value = str(value)
    return MASKER + value[-4:] if len(value) > 4 else MASKER


def mag_volledig_zien(user) -> bool:
    return user.has_perm(f"datamodel.{VOLLEDIGE_IDENTIFICATIE}")
