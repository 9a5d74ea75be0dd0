"""Audit trail records (bron ``cmc``) and notifications (kanaal ``contactmomenten``) of the
writes of the Contactmomenten API.

A contactmoment's create, update, partial update and destroy write one audit record and one
notification each (kenmerken ``bronorganisatie`` and ``kanaal``); a change of nothing writes
neither. The relations (klantcontactmomenten, objectcontactmomenten) are audited under their
contactmoment (``hoofdObject``) and notified with their own resource name.
"""

AUDIT_BRON = "cmc"


def contactmoment(request, actie: str, *, oud: dict | None, nieuw: dict | None, status: int):
    """The audit record and notification of a contactmoment write (in its transaction)."""


def relatie(
    request, resource: str, actie: str, *, oud: dict | None, nieuw: dict | None, status: int
):
    """The audit record and notification of a klantcontactmoment or objectcontactmoment."""
