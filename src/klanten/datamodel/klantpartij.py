"""K10 for the writes that change a partij without the Klantinteracties API (the Klanten API,
the admin, the resident pages, the validation of a klant): the partij's representation before
the write and after it, without statements of its own.

- before: the write's lock (``wijzigingen.vergrendel_vorm``) reads the partij's identifiers,
  digital addresses and betrokkenen in the same statement, after the lock is held (the
  function ``vergrendeling.KLANT_VERS`` over the locking query: a writer that held the lock
  first is seen); :func:`laad` turns them into rows in hand (``klant.partij_rijen``);
- during the write: ``partijsync`` synchronises the standaard addresses from the rows in hand
  (the lock statement read them after the lock was held; no read of its own) and the
  identifiers from a fresh read, and keeps the rows in hand equal to the database, with the
  rows it made and without those it removed;
- after: :func:`representatie` builds the partij from the klant and those rows (no query).

The representations of the partij's digital addresses (each recorded on its own) are built
before and after only when the write changes an address (:func:`volg_adressen`): most writes
change none, and then neither side is built.

Only the services that load them here use them; a write that changes partij rows in any other
way (the Klantinteracties API, ``partijservices``) does not, and reads them as before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.db import connection

from .klantcontacten import Betrokkene
from .models import Klant
from .partijen import DigitaalAdres, PartijIdentificator
from .partijrepresentatie import KIContext, adressen_data, digitaal_adres_data, partij_data
from .vergrendeling import KLANT_VERS, rij_uit


@dataclass
class PartijRijen:
    """The partij rows of one klant in hand (in ``pk`` order), kept equal to the database by
    ``partijsync`` during the write."""

    identificatoren: list[PartijIdentificator] = field(default_factory=list)
    adressen: list[DigitaalAdres] = field(default_factory=list)
    betrokkenen: list[Betrokkene] = field(default_factory=list)
    # addresses that left the partij in this write and stay a betrokkene's (``partijsync``)
    losgelaten: list[DigitaalAdres] = field(default_factory=list)
    # the representations of the addresses before the write (:func:`volg_adressen`), built
    # when the write first changes the addresses in hand; None while it changed none
    adressen_oud: dict[str, dict] | None = None
    # the context to build them with (None: no write asked for them)
    adressen_ctx: KIContext | None = None

    def voor_adreswijziging(self, klant: Klant) -> None:
        """``partijsync``: the addresses in hand are about to change. Their representations
        as they are now (when :func:`volg_adressen` asked for them), once per write."""
        if self.adressen_ctx is not None and self.adressen_oud is None:
            self.adressen_oud = adressen(klant, self.adressen_ctx)


def _identificator(klant: Klant, rij: dict) -> PartijIdentificator:
    ident = rij_uit(PartijIdentificator, rij)
    ident.bronorganisatie = klant.bronorganisatie
    sub = None
    if ident.sub_identificator_van_id is not None:
        sub = rij_uit(
            PartijIdentificator, {"id": ident.sub_identificator_van_id, "uuid": rij["_ref_uuid"]}
        )
    PartijIdentificator._meta.get_field("sub_identificator_van").set_cached_value(ident, sub)
    return ident


def _adres(rij: dict) -> DigitaalAdres:
    """An address with the stub of its betrokkene (its id and uuid: all its representation
    shows of it)."""
    adres = rij_uit(DigitaalAdres, rij)
    stub = None
    if adres.betrokkene_id is not None:
        stub = Betrokkene(pk=adres.betrokkene_id, uuid=rij["_ref_uuid"])
    DigitaalAdres._meta.get_field("betrokkene").set_cached_value(adres, stub)
    return adres


def laad(klant: Klant) -> PartijRijen:
    """The partij rows of a locked klant in hand: from its lock statement
    (``wijzigingen.vergrendel_vorm``: read after the lock is held), else read (one query)."""
    if getattr(klant, "partij_rijen", None) is not None:
        return klant.partij_rijen
    data = getattr(klant, "ki_partij", None)
    if data is None:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {KLANT_VERS}(%s)", [klant.pk])
            data = cursor.fetchone()[0]
        data = json.loads(data) if isinstance(data, str) else data
    rijen = PartijRijen(
        identificatoren=[_identificator(klant, rij) for rij in data["partij_identificatoren"]],
        adressen=[_adres(rij) for rij in data["digitale_adressen"]],
        betrokkenen=[rij_uit(Betrokkene, rij) for rij in data["betrokkenheden"]],
    )
    werkte_voor = data["werkte_voor"]
    if klant.werkte_voor_partij_id is not None and werkte_voor is not None:
        Klant._meta.get_field("werkte_voor_partij").set_cached_value(
            klant, rij_uit(Klant, werkte_voor)
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


def volg_adressen(klant: Klant, ctx: KIContext) -> None:
    """The write of a locked klant (:func:`laad` first) records its addresses' changes: their
    representations before are built only when it changes one (``partijsync`` calls
    :meth:`PartijRijen.voor_adreswijziging` before it changes the addresses in hand; nothing
    else changes them in these writes), as they would have been built before the write. A
    write that changes none builds neither side (:func:`adressen_vooraf` is None)."""
    rijen = klant.partij_rijen
    rijen.adressen_ctx = ctx
    rijen.adressen_oud = None


def adressen_vooraf(klant: Klant) -> dict[str, dict] | None:
    """The representations of the partij's addresses before the write (:func:`volg_adressen`),
    or None when the write changed none of them."""
    return klant.partij_rijen.adressen_oud


def adressen(klant: Klant, ctx: KIContext) -> dict[str, dict]:
    """The representations of the partij's digitale adressen in hand, by uuid, and of those
    that left it in this write and stay a betrokkene's (no query)."""
    rijen = klant.partij_rijen
    return {
        **adressen_data(klant, ctx, rijen.adressen),
        **{str(r.uuid): digitaal_adres_data(r, ctx) for r in rijen.losgelaten},
    }
