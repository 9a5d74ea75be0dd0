"""Audit trail records (bron ``cmc``) and notifications (kanaal ``contactmomenten``) of the
writes of the Contactmomenten API.

A contactmoment's create, update, partial update and destroy write one audit record and one
notification each (kenmerken ``bronorganisatie`` and ``kanaal``); a change of nothing writes
neither. The relations (klantcontactmomenten, objectcontactmomenten) are audited under their
contactmoment (``hoofdObject``) and notified with their own resource name, whichever way
they are written (this API, or an E2 interaction of a klant with a contactmoment of this
service).
"""

from .representation import Basis, klantcontactmomenten
from .representation import klantcontactmoment_data as _klantcontactmoment_row_data

AUDIT_BRON = "cmc"


def contactmoment(request, actie: str, *, oud: dict | None, nieuw: dict | None, status: int):
    """The audit record and notification of a contactmoment write (in its transaction)."""


def relatie(
    request, resource: str, actie: str, *, oud: dict | None, nieuw: dict | None, status: int
):
    """The audit record and notification of a klantcontactmoment or objectcontactmoment."""


def klantcontactmoment_data(request, betrokkene) -> dict:
    """The Contactmomenten API representation of a betrokkene (as stored now)."""
    from klanten.api.representation import CamelCaseData
    from klanten.datamodel.klantcontacten import Betrokkene

    row = klantcontactmomenten(Betrokkene.objects.filter(pk=betrokkene.pk)).first()
    return CamelCaseData(_klantcontactmoment_row_data(row, Basis.voor(request)))


def klantcontactmoment(request, betrokkene, actie: str, *, oud: dict | None = None) -> None:
    """A klantcontactmoment registered or removed through an E2 interaction."""
    nieuw = None if oud is not None else klantcontactmoment_data(request, betrokkene)
    relatie(
        request,
        "klantcontactmoment",
        actie,
        oud=oud,
        nieuw=nieuw,
        status=204 if oud is not None else 201,
    )
