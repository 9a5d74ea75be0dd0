"""A partij locked with every row its two representations show, in one statement, and kept
in memory through the write (issue 15: no read before and after a write).

:func:`vergrendel_uit` locks the klant row (``SELECT ... FOR UPDATE OF`` the klant) and reads
in the same statement, after the lock is held (``vergrendeling``: the function
``datamodel_klant_vers`` over the locking query, so a writer that held the lock first is seen),
its one-to-one rows (address, identification, the partij it works for) and its partij
identifiers, digitale adressen and betrokkenen. These are
set as the klant's prefetched relations, so both the Klanten API representation
(``wijzigingen.representatie``) and the partij representation
(``partijrepresentatie.partij_data``) are built without a query, before the write and after
it: a write changes the rows it writes in memory as well (:func:`rijen`, :func:`voeg_toe`),
and a write that changes rows it does not keep in memory calls :func:`vergeet`, after which
:func:`in_geheugen` is False and the representation is read again.
"""

from __future__ import annotations

from .klantcontacten import Betrokkene
from .models import Klant
from .partijen import DigitaalAdres, PartijIdentificator
from .transactions import markeer_vergrendeld
from .vergrendeling import KLANT_VERS, rij_uit, vergrendel_vers, vergrendel_vers_op, zet_een_op_een

# the prefetch name of each relation, its model and what each row refers to (kept as a stub
# with its id and uuid: all the representations show of it)
_RELATIES = {
    "partij_identificatoren": (PartijIdentificator, "sub_identificator_van", PartijIdentificator),
    "digitale_adressen": (DigitaalAdres, "betrokkene", Betrokkene),
    "betrokkenheden": (Betrokkene, None, None),
}


def vergrendel_uit(queryset, **lookup) -> Klant | None:
    """Lock the klant of ``queryset`` that ``lookup`` finds (None when there is none) and read
    both its representations' rows in the same statement, after the lock is held
    (``vergrendeling``: a writer that held the lock first is seen)."""
    return _in_geheugen(vergrendel_vers(queryset, KLANT_VERS, **lookup))


def _in_geheugen(gevonden) -> Klant | None:
    if gevonden is None:
        return None
    klant, data = gevonden
    markeer_vergrendeld(klant)
    zet_een_op_een(klant, data)
    for naam, (model, verwijzing, doel) in _RELATIES.items():
        _zet(klant, naam, [_rij(model, rij, klant, verwijzing, doel) for rij in data[naam]])
    klant._partij_in_geheugen = True
    return klant


def vergrendel(pk: int) -> Klant:
    """:func:`vergrendel_uit` by primary key; ``Klant.DoesNotExist`` when it is gone."""
    klant = _in_geheugen(vergrendel_vers_op(Klant, KLANT_VERS, pk=pk))
    if klant is None:
        raise Klant.DoesNotExist
    return klant


def _rij(model, data: dict, klant: Klant, verwijzing: str | None, doel):
    rij = rij_uit(model, data, klant._state.db)
    model._meta.get_field("klant").set_cached_value(rij, klant)
    if verwijzing is not None:
        veld = model._meta.get_field(verwijzing)
        ref_id = getattr(rij, veld.attname)
        stub = None if ref_id is None else doel(pk=ref_id, uuid=data["_ref_uuid"])
        veld.set_cached_value(rij, stub)
    return rij


def _zet(klant: Klant, naam: str, rijen: list) -> None:
    queryset = getattr(klant, naam).get_queryset()
    queryset._result_cache = rijen
    queryset._prefetch_done = True
    if not hasattr(klant, "_prefetched_objects_cache"):
        klant._prefetched_objects_cache = {}
    klant._prefetched_objects_cache[naam] = queryset


def in_geheugen(klant: Klant | None) -> bool:
    """Whether ``klant``'s partij rows are known in memory (as they are in the database)."""
    return klant is not None and getattr(klant, "_partij_in_geheugen", False)


def nieuw(klant: Klant, identificatoren: list, adressen: list) -> None:
    """A klant inserted in this write: its partij rows are those given (no betrokkenen)."""
    for naam, rijen in (
        ("partij_identificatoren", identificatoren),
        ("digitale_adressen", adressen),
        ("betrokkenheden", []),
    ):
        _zet(klant, naam, list(rijen))
    klant._partij_in_geheugen = True


def rijen(klant: Klant, naam: str) -> list:
    """The rows of relation ``naam`` in memory (the list itself: a write changes it)."""
    return klant._prefetched_objects_cache[naam]._result_cache


def voeg_toe(klant: Klant, naam: str, rij) -> None:
    """A row now of the klant (a new one last: its id is the highest)."""
    lijst = rijen(klant, naam)
    if all(r is not rij for r in lijst):
        lijst.append(rij)
        lijst.sort(key=lambda r: (r.pk is None, r.pk or 0))
    rij._meta.get_field("klant").set_cached_value(rij, klant)


def haal_weg(klant: Klant, naam: str, rij) -> None:
    lijst = rijen(klant, naam)
    lijst[:] = [r for r in lijst if r.pk != rij.pk or (r.pk is None and r is not rij)]


def vergeet(klant: Klant | None) -> None:
    """The write changed partij rows of ``klant`` it does not keep in memory."""
    if klant is not None:
        klant._partij_in_geheugen = False
