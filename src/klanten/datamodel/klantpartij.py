"""K10 for the writes that change a partij without the Klantinteracties API (the Klanten API,
the admin, the resident pages, the validation of a klant): the partij's representation before
the write and after it, without statements of its own.

- before: the write's lock (``wijzigingen.vergrendel_uit``) reads the partij's identifiers,
  digital addresses and betrokkenen in the same statement (:data:`ANNOTATIES`, one JSON array
  each, by the indexes on ``klant_id``); :func:`laad` turns them into rows in hand
  (``klant.partij_rijen``);
- during the write: ``partijsync`` reads afresh the rows of a kind it synchronises (as it
  always did: under READ COMMITTED the lock statement's snapshot may predate a write that held
  the lock first, so rows it writes are not taken from it) and puts them in hand in place of
  the lock's, with the rows it made and without those it removed;
- after: :func:`representatie` builds the partij from the klant and those rows (no query).

Only the services that load them here use them; a write that changes partij rows in any other
way (the Klantinteracties API, ``partijservices``) does not, and reads them as before.
"""

from __future__ import annotations

import uuid as _uuid
from dataclasses import dataclass, field

from django.db.models import JSONField, UUIDField
from django.db.models.expressions import RawSQL

from .klantcontacten import Betrokkene
from .models import Klant
from .partijen import DigitaalAdres, PartijIdentificator
from .partijrepresentatie import KIContext, partij_data

_KLANT = Klant._meta.db_table
_IDENT = PartijIdentificator._meta.db_table
_ADRES = DigitaalAdres._meta.db_table
_BETROKKENE = Betrokkene._meta.db_table


# the partij rows of the locked klant, read with its lock (the outer table is the klant's)
ANNOTATIES = {
    "ki_identificatoren": RawSQL(
        "(SELECT COALESCE(jsonb_agg(jsonb_build_array(i.id, i.uuid, i.code_register, "
        "i.code_objecttype, i.code_soort_object_id, i.object_id, i.andere_partij_identificator, "
        "s.id, s.uuid) ORDER BY i.id), '[]'::jsonb) "
        f'FROM "{_IDENT}" i LEFT JOIN "{_IDENT}" s ON s.id = i.sub_identificator_van_id '
        f'WHERE i.klant_id = "{_KLANT}".id)',
        (),
        output_field=JSONField(),
    ),
    "ki_adressen": RawSQL(
        "(SELECT COALESCE(jsonb_agg(jsonb_build_array(a.id, a.uuid, a.soort_digitaal_adres, "
        "a.adres, a.adres_genormaliseerd, a.is_standaard_adres, a.betrokkene_id) "
        f'ORDER BY a.id), \'[]\'::jsonb) FROM "{_ADRES}" a WHERE a.klant_id = "{_KLANT}".id)',
        (),
        output_field=JSONField(),
    ),
    "ki_betrokkenen": RawSQL(
        "(SELECT COALESCE(jsonb_agg(jsonb_build_array(b.id, b.uuid) ORDER BY b.id), "
        f'\'[]\'::jsonb) FROM "{_BETROKKENE}" b WHERE b.klant_id = "{_KLANT}".id)',
        (),
        output_field=JSONField(),
    ),
    "ki_werkte_voor": RawSQL(
        f'(SELECT w.uuid FROM "{_KLANT}" w WHERE w.id = "{_KLANT}".werkte_voor_partij_id)',
        (),
        output_field=UUIDField(),
    ),
}


@dataclass
class PartijRijen:
    """The partij rows of one klant in hand (in ``pk`` order), kept equal to the database by
    ``partijsync`` during the write."""

    identificatoren: list[PartijIdentificator] = field(default_factory=list)
    adressen: list[DigitaalAdres] = field(default_factory=list)
    betrokkenen: list[Betrokkene] = field(default_factory=list)


def _opgeslagen(obj):
    obj._state.adding = False
    obj._state.db = "default"
    return obj


def _identificator(klant: Klant, rij: list) -> PartijIdentificator:
    pk, uuid, register, objecttype, soort, object_id, andere, sub_pk, sub_uuid = rij
    ident = _opgeslagen(
        PartijIdentificator(
            pk=pk,
            uuid=_uuid.UUID(uuid),
            bronorganisatie=klant.bronorganisatie,
            klant_id=klant.pk,
            code_register=register,
            code_objecttype=objecttype,
            code_soort_object_id=soort,
            object_id=object_id,
            andere_partij_identificator=andere,
            sub_identificator_van_id=sub_pk,
        )
    )
    sub = _opgeslagen(PartijIdentificator(pk=sub_pk, uuid=_uuid.UUID(sub_uuid))) if sub_pk else None
    PartijIdentificator._meta.get_field("sub_identificator_van").set_cached_value(ident, sub)
    return ident


def _adres(klant: Klant, rij: list) -> DigitaalAdres:
    pk, uuid, soort, adres, genormaliseerd, standaard, betrokkene_id = rij
    return _opgeslagen(
        DigitaalAdres(
            pk=pk,
            uuid=_uuid.UUID(uuid),
            klant_id=klant.pk,
            soort_digitaal_adres=soort,
            adres=adres,
            adres_genormaliseerd=genormaliseerd,
            is_standaard_adres=standaard,
            betrokkene_id=betrokkene_id,
        )
    )


def laad(klant: Klant) -> PartijRijen:
    """The partij rows of a locked klant in hand: from its lock statement (:data:`ANNOTATIES`),
    else read (one query)."""
    if getattr(klant, "partij_rijen", None) is not None:
        return klant.partij_rijen
    if not hasattr(klant, "ki_identificatoren"):
        gelezen = Klant.objects.filter(pk=klant.pk).annotate(**ANNOTATIES).values(*ANNOTATIES).get()
        for naam, waarde in gelezen.items():
            setattr(klant, naam, waarde)
    rijen = PartijRijen(
        identificatoren=[_identificator(klant, rij) for rij in klant.ki_identificatoren],
        adressen=[_adres(klant, rij) for rij in klant.ki_adressen],
        betrokkenen=[
            _opgeslagen(Betrokkene(pk=pk, uuid=_uuid.UUID(uuid), klant_id=klant.pk))
            for pk, uuid in klant.ki_betrokkenen
        ],
    )
    if klant.werkte_voor_partij_id is not None and klant.ki_werkte_voor is not None:
        Klant._meta.get_field("werkte_voor_partij").set_cached_value(
            klant, Klant(pk=klant.werkte_voor_partij_id, uuid=klant.ki_werkte_voor)
        )
    klant.partij_rijen = rijen
    return rijen


def nieuw(klant: Klant, rijen=()) -> PartijRijen:
    """A klant just inserted: its partij rows are those among ``rijen`` (the new rows of the
    write, not inserted yet); no betrokkenen."""
    klant.partij_rijen = PartijRijen(
        identificatoren=[r for r in rijen if isinstance(r, PartijIdentificator)],
        adressen=[r for r in rijen if isinstance(r, DigitaalAdres)],
    )
    return klant.partij_rijen


def _in_hand(model, rijen: list):
    queryset = model.objects.all()
    queryset._result_cache = list(rijen)
    queryset._prefetch_done = True
    return queryset


def representatie(klant: Klant, ctx: KIContext) -> dict:
    """The partij of ``klant`` from the klant, its one-to-one rows and its partij rows in hand
    (:func:`laad` or :func:`nieuw` first): no query."""
    rijen = klant.partij_rijen
    cache = getattr(klant, "_prefetched_objects_cache", None)
    klant._prefetched_objects_cache = {
        **(cache or {}),
        "partij_identificatoren": _in_hand(PartijIdentificator, rijen.identificatoren),
        "digitale_adressen": _in_hand(DigitaalAdres, rijen.adressen),
        "betrokkenheden": _in_hand(Betrokkene, rijen.betrokkenen),
    }
    try:
        return partij_data(klant, ctx)
    finally:
        if cache is None:
            del klant._prefetched_objects_cache
        else:
            klant._prefetched_objects_cache = cache
