"""A partij locked with every row its two representations show, in one statement, and kept
in memory through the write (issue 15: no read before and after a write).

:func:`vergrendel_uit` locks the klant row (``SELECT ... FOR UPDATE OF`` the klant) and reads
in the same statement its one-to-one rows (address, identification, the partij it works for)
and, as JSON aggregates, its partij identifiers, digitale adressen and betrokkenen. These are
set as the klant's prefetched relations, so both the Klanten API representation
(``wijzigingen.representatie``) and the partij representation
(``partijrepresentatie.partij_data``) are built without a query, before the write and after
it: a write changes the rows it writes in memory as well (:func:`rijen`, :func:`voeg_toe`),
and a write that changes rows it does not keep in memory calls :func:`vergeet`, after which
:func:`in_geheugen` is False and the representation is read again.
"""

from __future__ import annotations

from django.db.models import JSONField
from django.db.models.expressions import RawSQL

from .klantcontacten import Betrokkene
from .models import Klant
from .partijen import DigitaalAdres, PartijIdentificator
from .representation import KLANT_LIST_RELATIONS
from .transactions import markeer_vergrendeld

# the prefetch name of each relation, its model and what each row refers to (kept as a stub
# with its id and uuid: all the representations show of it)
_RELATIES = {
    "partij_identificatoren": (PartijIdentificator, "sub_identificator_van", PartijIdentificator),
    "digitale_adressen": (DigitaalAdres, "betrokkene", Betrokkene),
    "betrokkenheden": (Betrokkene, None, None),
}
_BETROKKENE_KOLOMMEN = ("id", "uuid", "klant_id")


def _kolommen(model) -> list[str]:
    if model is Betrokkene:
        return list(_BETROKKENE_KOLOMMEN)
    return [f.column for f in model._meta.concrete_fields]


def _aggregaat(model, verwijzing: str | None, doel) -> RawSQL:
    """The rows of ``model`` of the klant, as a JSON array ordered by id (with the uuid of
    the row each refers to)."""
    tabel = model._meta.db_table
    velden = [f"'{kolom}', r.{kolom}" for kolom in _kolommen(model)]
    join = ""
    if verwijzing is not None:
        kolom = model._meta.get_field(verwijzing).column
        velden.append("'_ref_uuid', v.uuid")
        join = f" LEFT JOIN {doel._meta.db_table} v ON v.id = r.{kolom}"
    return RawSQL(
        f"SELECT COALESCE(json_agg(json_build_object({', '.join(velden)}) ORDER BY r.id), "
        f"'[]'::json)::jsonb FROM {tabel} r{join} WHERE r.klant_id = {Klant._meta.db_table}.id",
        [],
        output_field=JSONField(),
    )


def vergrendel_uit(queryset, **lookup) -> Klant | None:
    """Lock the klant of ``queryset`` that ``lookup`` finds (None when there is none) and read
    both its representations' rows in the same statement."""
    annotaties = {f"_partij_{naam}": _aggregaat(*spec) for naam, spec in _RELATIES.items()}
    klant = (
        queryset.select_related(*KLANT_LIST_RELATIONS, "werkte_voor_partij")
        .select_for_update(of=("self",))
        .annotate(**annotaties)
        .filter(**lookup)
        .first()
    )
    if klant is None:
        return None
    markeer_vergrendeld(klant)
    for naam, (model, verwijzing, doel) in _RELATIES.items():
        data = getattr(klant, f"_partij_{naam}")
        delattr(klant, f"_partij_{naam}")
        _zet(klant, naam, [_rij(model, rij, klant, verwijzing, doel) for rij in data])
    klant._partij_in_geheugen = True
    return klant


def vergrendel(pk: int) -> Klant:
    """:func:`vergrendel_uit` by primary key; ``Klant.DoesNotExist`` when it is gone."""
    klant = vergrendel_uit(Klant.objects.all(), pk=pk)
    if klant is None:
        raise Klant.DoesNotExist
    return klant


def _rij(model, data: dict, klant: Klant, verwijzing: str | None, doel):
    waarden = {}
    for field in model._meta.concrete_fields:
        if field.column in data:
            waarden[field.attname] = field.to_python(data[field.column])
    rij = model(**waarden)
    rij._state.adding = False
    rij._state.db = klant._state.db
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
