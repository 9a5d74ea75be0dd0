"""V7: non-validated klanten stay with the application that registered them."""

from django.conf import settings
from django.db.models import Q, QuerySet

SCOPE_BEHEER = "klanten.beheer"


def requesting_applicatie(request):
    applicaties = request.jwt_auth.applicaties
    return applicaties[0] if applicaties else None


def sees_all_non_validated(request) -> bool:
    if settings.KLANTEN_ZICHTBAARHEID_NIET_GEVALIDEERD == "iedereen":
        return True
    granted = request.jwt_auth.scopes()
    return granted is None or SCOPE_BEHEER in granted


def visible(queryset: QuerySet, request, prefix: str = "") -> QuerySet:
    """Restrict a klant queryset (or one related to klant through ``prefix``)."""
    if sees_all_non_validated(request):
        return queryset
    applicatie = requesting_applicatie(request)
    condition = Q(**{f"{prefix}gevalideerd": True})
    if applicatie is not None:
        condition |= Q(**{f"{prefix}geregistreerd_door": applicatie.uuid})
    return queryset.filter(condition)
