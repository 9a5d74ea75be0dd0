"""The business rules of Klanten, each a small typed function with a stable error code.

Serializers, the admin and the services call these; the database constraints in
``models.py`` back them up. A rule raises :class:`RuleViolation` (a Django
``ValidationError``) whose ``code`` is part of the API contract.
"""

import re

from django.core.exceptions import ValidationError

from .constants import SubjectType


class RuleViolation(ValidationError):
    """A broken business rule; ``code`` is stable and documented."""


_DIGITS9 = re.compile(r"[0-9]{9}")
_A_NUMMER = re.compile(r"[1-9][0-9]{9}")


def passes_elfproef(value: str) -> bool:
    """The 11-proef of BSN and RSIN: weights 9..2 and -1 over nine digits."""
    if not _DIGITS9.fullmatch(value):
        return False
    total = sum(
        int(digit) * weight for digit, weight in zip(value[:8], range(9, 1, -1), strict=True)
    )
    total -= int(value[8])
    return total % 11 == 0


def _validate_elfproef_number(value: str, label: str) -> None:
    if not value.isascii() or not value.isdigit():
        raise RuleViolation(f"Een {label} bestaat alleen uit cijfers.", code="only-digits")
    if len(value) != 9:
        raise RuleViolation(f"Een {label} heeft precies 9 cijfers.", code="invalid-length")
    if not passes_elfproef(value):
        raise RuleViolation(f"Onjuist {label}: de 11-proef faalt.", code="invalid")


def validate_rsin(value: str) -> None:
    """RSIN (bronorganisatie, innNnpId): nine digits passing the 11-proef."""
    _validate_elfproef_number(value, "RSIN")


def validate_bsn(value: str) -> None:
    """BSN (inpBsn): nine digits passing the 11-proef."""
    _validate_elfproef_number(value, "BSN")


def validate_a_nummer(value: str) -> None:
    """A-nummer: ten digits, not starting with 0."""
    if not _A_NUMMER.fullmatch(value):
        raise RuleViolation(
            "Een A-nummer bestaat uit 10 cijfers en begint niet met 0.",
            code="a-nummer-incorrect-format",
        )


def validate_klantnummer_format(value: str) -> None:
    """A klantnummer is 1 to 8 characters (generated ones are digits only)."""
    if not 1 <= len(value) <= 8:
        raise RuleViolation("Een klantnummer heeft 1 tot 8 tekens.", code="invalid-length")


def require_subject(subject: str, has_identificatie: bool) -> None:
    """C8: a klant refers to its subject by URL or by identification (or both)."""
    if not subject and not has_identificatie:
        raise RuleViolation(
            "Geef een subject (URL) of een subjectIdentificatie op.", code="invalid-subject"
        )


def validate_subject_type_change(current: str | None, new: str | None) -> None:
    """C8: once set, the subjectType of a klant never changes."""
    if current is not None and new != current:
        raise RuleViolation(
            "Het subjectType van een klant kan niet worden gewijzigd.",
            code="wijzigen-niet-toegelaten",
        )


def require_subject_type_for_identificatie(subject_type: str | None) -> None:
    """An identification can only be read against a subjectType."""
    if subject_type not in SubjectType.values:
        raise RuleViolation(
            "Een subjectIdentificatie vereist een subjectType.", code="subject-type-vereist"
        )
