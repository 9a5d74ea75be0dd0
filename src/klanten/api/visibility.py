"""V7: non-validated klanten stay with the application that registered them, and with the
contactmomenten they took part in.

An application sees a non-validated klant (by uuid: the klant, its interactions, validations
and audit trail; and to link it to a contactmoment) when

- it registered the klant, or
- it registered a contactmoment in which the klant took part (a betrokkene,
  ``Klantcontact.geregistreerd_door``), or
- it registered that klant's part in a contactmoment (a klantcontactmoment or an E2
  interaction with a contactmoment of this service, ``Betrokkene.geregistreerd_door``),

or it has ``klanten.beheer`` or all rights. The contactmoment is the context in which the
data was collected; the applications of that contact share it. Lists and searches show a
non-validated klant only to the application that registered it (and ``beheer``): it is never
found by identifier, name or address through a contactmoment. Changing or deleting a klant
stays with the registering application.
"""

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

SCOPE_BEHEER = "klanten.beheer"


def requesting_applicatie(request):
    applicaties = request.jwt_auth.applicaties
    return applicaties[0] if applicaties else None


def sees_all_non_validated(request) -> bool:
    if settings.KLANTEN_ZICHTBAARHEID_NIET_GEVALIDEERD == "iedereen":
        return True
    granted = request.jwt_auth.scopes()
    return granted is None or SCOPE_BEHEER in granted


def via_contactmomenten(applicatie_uuid, klant_ref="pk") -> Exists:
    """The klant (``OuterRef(klant_ref)``) took part in a contactmoment that the application
    registered, or the application registered its part in one."""
    from klanten.datamodel.klantcontacten import Betrokkene

    return Exists(
        Betrokkene.objects.filter(klant_id=OuterRef(klant_ref)).filter(
            Q(geregistreerd_door=applicatie_uuid)
            | Q(klantcontact__geregistreerd_door=applicatie_uuid)
        )
    )


def visible(queryset: QuerySet, request, prefix: str = "", *, per_uuid: bool = False) -> QuerySet:
    """Restrict a klant queryset (or one related to klant through ``prefix``). ``per_uuid``:
    a read by uuid, which also sees the klanten of the application's contactmomenten."""
    if sees_all_non_validated(request):
        return queryset
    applicatie = requesting_applicatie(request)
    condition = Q(**{f"{prefix}gevalideerd": True})
    if applicatie is not None:
        condition |= Q(**{f"{prefix}geregistreerd_door": applicatie.uuid})
        if per_uuid:
            condition |= Q(via_contactmomenten(applicatie.uuid, f"{prefix}pk"))
    return queryset.filter(condition)
