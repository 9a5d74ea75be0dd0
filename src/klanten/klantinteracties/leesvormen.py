"""The hottest Klantinteracties reads as prepared statements (``klanten.api.readsql``): a
partij and a digitaal adres by uuid, and the partijen of an identifier (the BSN or KvK lookup
of KISS, Open Forms and Open Inwoner); a klantcontact by uuid is
``klantcontacten.resources.lees_klantcontact``. The visibility conditions come from the
viewsets (``partijen``), which import this module.

A ``GET /partijen/{uuid}`` read the partij with its one-to-one rows and then its identifiers,
digital addresses and betrokkenen: four ORM queries, built in Python and planned by PostgreSQL
on every request. Here each is the same ORM query, compiled once per shape (which visibility
condition: ``partijen.partij_per_uuid`` and ``partijen.adres_per_uuid`` themselves, built
over marks) and run as a prepared statement (``readsql.orm_instances``): the same rows, the
same instances, the same representation, planned once per connection (a generic plan). The
identifier search does so when it asks for nothing but an identifier's columns (and perhaps a
``soortPartij``) on the first page; any other list request takes the ORM path.

The instances are left as ``object_of_404`` and ``laad_partijen`` leave them: the
``select_related`` rows cached, the partij's rows in its prefetch cache (as Django's prefetch
keeps them), so that the representation and ``expand`` read no more.
"""

from __future__ import annotations

import uuid as _uuid
from dataclasses import dataclass

from klanten.api import readsql
from klanten.datamodel.models import Klant
from klanten.datamodel.partijen import DigitaalAdres, SoortPartij
from klanten.datamodel.partijrepresentatie import KIContext, partij_queryset, partij_rijen

from .filters import IDENTIFICATOR_VELDEN, PartijFilter, identificator_bestaat


def vraagmodus(ctx) -> str:
    """The shape of a request's visibility by uuid (``partij_per_uuid``): whether it sees
    everything, and whether it asks as an applicatie (a client that sees everything still
    reads the addresses of neither a partij nor a betrokkene by its own applicatie only)."""
    if ctx.ziet_alles:
        return "alle-applicatie" if ctx.applicatie_uuid is not None else "alle"
    return "applicatie" if ctx.applicatie_uuid is not None else "anoniem"


def marknamen(modus: str) -> tuple:
    return ("__uuid", "__applicatie" if modus.endswith("applicatie") else None)


def vragende(marks, modus: str) -> KIContext:
    """A context that asks as the request does, with the marks in the place of its values."""
    return KIContext(
        "", applicatie_uuid=marks.get("__applicatie"), ziet_alles=modus.startswith("alle")
    )


def _per_uuid(naam: str, ctx, key: _uuid.UUID, zichtbaar, queryset):
    """The row ``key`` of ``queryset()`` this request may read by uuid (``zichtbaar(ctx)``),
    in a prepared statement per visibility shape, or None."""
    modus = vraagmodus(ctx)

    def build(marks):
        return (
            queryset()
            .filter(zichtbaar(vragende(marks, modus)))
            .filter(uuid=marks["__uuid"])
            .order_by("pk")[:1]
        )

    found = readsql.orm_instances(
        (naam, marknamen(modus), modus),
        build,
        {"__uuid": key, "__applicatie": ctx.applicatie_uuid},
    )
    return found[0] if found else None


def partij(ctx, key: _uuid.UUID, zichtbaar) -> Klant | None:
    """The partij ``key`` this request may read by uuid (V7/K6: ``zichtbaar(ctx)``, the
    condition ``partijen.partij_per_uuid``), loaded for ``partij_data`` (its one-to-one rows,
    identifiers, digital addresses, betrokkenen), or None."""
    klant = _per_uuid("ki-partij", ctx, key, zichtbaar, partij_queryset)
    if klant is not None:
        laad_partij(klant)
    return klant


def laad_partij(klant: Klant) -> None:
    """:func:`laad_partijen` of one partij."""
    laad_partijen([klant])


def laad_partijen(klanten: list[Klant]) -> None:
    """``partijrepresentatie.laad_partijen`` of partijen just read (their one-to-one rows
    selected with them) in prepared statements: each of ``partij_rijen`` by the partijen's
    ids (one partij, the usual case: ``klant_id = $1``, planned once; more: one array,
    ``readsql.AnyOf``), kept in each partij's prefetch cache with the partij set on each row,
    as Django's prefetch leaves them."""
    if not klanten:
        return
    ids = [klant.pk for klant in klanten]
    for klant in klanten:
        if getattr(klant, "_prefetched_objects_cache", None) is None:
            klant._prefetched_objects_cache = {}
    for naam, queryset in partij_rijen():
        field = getattr(klanten[0], naam).field
        rijen = readsql.orm_per_ids(
            ("ki-partij-rijen", (), naam),
            lambda per_id, _marks, queryset=queryset, kolom=field.attname: queryset.filter(
                per_id(kolom)
            ),
            ids,
            instanties=True,
        )
        per_klant: dict = {}
        for rij in rijen:
            per_klant.setdefault(getattr(rij, field.attname), []).append(rij)
        for klant in klanten:
            eigen = per_klant.get(klant.pk, [])
            for rij in eigen:
                field.set_cached_value(rij, klant)
            # as ``prefetch_one_level`` keeps them: the manager's queryset with its result
            bewaard = getattr(klant, naam)._apply_rel_filters(queryset)
            bewaard._result_cache = eigen
            bewaard._prefetch_done = True
            klant._prefetched_objects_cache[field.remote_field.cache_name] = bewaard


# --- the identifier search: GET /partijen?partijIdentificator__objectId=... -------------------

ZOEK_PARAMETERS = {
    f"partijIdentificator__{naam}": kolom for naam, kolom in IDENTIFICATOR_VELDEN.items()
}


@dataclass(frozen=True)
class Zoekvraag:
    """A list request for partijen by one identifier's columns (``kolommen``, in the
    filter's order, with ``waarden``) and perhaps a ``soort``: what KISS, Open Forms and
    Open Inwoner ask."""

    soort: str | None
    kolommen: tuple[str, ...]
    waarden: tuple[str, ...]

    def build(self, values: dict, zoekbaar):
        """The list's ORM query as ``PartijFilter`` builds it over what a search may find
        (``zoekbaar()``: ``partijen.partij_zoekbaar``), with ``values`` (marks, or the
        request's) in the place of the identifier's."""
        queryset = partij_queryset().filter(zoekbaar())
        if self.soort is not None:
            queryset = PartijFilter.filter_soort(None, queryset, "soortPartij", self.soort)
        eigen = {kolom: values[f"__{kolom}"] for kolom in self.kolommen}
        return queryset.filter(identificator_bestaat("pk", eigen)).order_by("pk")

    def values(self) -> dict:
        paren = zip(self.kolommen, self.waarden, strict=True)
        return {f"__{kolom}": waarde for kolom, waarde in paren}


def zoekvraag(params) -> Zoekvraag | None:
    """The identifier search a list request asks for when it asks nothing else (other
    filters, paging) and its values are ones ``PartijFilter`` takes as they are (stripped,
    not empty, no NUL; a valid ``soortPartij``); else None (the ORM path, its answers and
    400s)."""
    gegeven: dict[str, str] = {}
    soort = None
    for naam, waarde in params.items():  # the last of a repeated one, as the filters take
        kolom = ZOEK_PARAMETERS.get(naam)
        if kolom is not None:
            waarde = waarde.strip()
            if not waarde or "\x00" in waarde:
                return None
            gegeven[kolom] = waarde
        elif naam == "soortPartij":
            if waarde not in SoortPartij.values:
                return None
            soort = waarde
        elif naam != "expand":
            return None
    if not gegeven:
        return None
    kolommen = tuple(kolom for kolom in IDENTIFICATOR_VELDEN.values() if kolom in gegeven)
    return Zoekvraag(soort, kolommen, tuple(gegeven[kolom] for kolom in kolommen))


def gezochte_partijen(vraag: Zoekvraag, limit: int, zoekbaar) -> list[Klant]:
    """The first ``limit`` partijen of an identifier search (by id), loaded for
    ``partij_data``."""
    names = tuple(f"__{kolom}" for kolom in vraag.kolommen)
    gevonden = readsql.orm_instances(
        ("ki-partijen-identificator", names, vraag.soort, int(limit)),
        lambda marks: vraag.build(marks, zoekbaar)[: int(limit)],
        vraag.values(),
    )
    laad_partijen(gevonden)
    return gevonden


def gezochte_aantal(vraag: Zoekvraag, zoekbaar) -> int:
    """The number of partijen an identifier search finds (only asked for a full page)."""
    return vraag.build(vraag.values(), zoekbaar).order_by().count()


def digitaal_adres(ctx, key: _uuid.UUID, zichtbaar) -> DigitaalAdres | None:
    """The digitaal adres ``key`` this request may read by uuid (``zichtbaar(ctx)``, the
    condition ``partijen.adres_per_uuid``), with its partij and betrokkene, or None."""
    return _per_uuid(
        "ki-digitaal-adres",
        ctx,
        key,
        zichtbaar,
        lambda: DigitaalAdres.objects.select_related("klant", "betrokkene"),
    )


# --- first list pages of the klantcontact resources ---------------------------------------------


@dataclass(frozen=True)
class Lijstvraag:
    """A list request of a klantcontact resource that asks for nothing but filters its viewset
    prepares (``voorbereide_filters``), their values as the filter cleans them (a URL as the
    uuid it names), on the first page of ``grootte`` rows: KISS's betrokkenen of a partij and
    its actor by e-mail, Open Inwoner's klantcontacten of a kanaal and onderwerpobjecten of a
    klantcontact."""

    # (the filter as applied: a ``__url`` one as its ``__uuid`` one; its mark's name)
    filters: tuple[tuple[str, str], ...]
    waarden: tuple
    grootte: int

    def values(self) -> dict:
        paren = zip(self.filters, self.waarden, strict=True)
        return {mark: waarde for (_naam, mark), waarde in paren}


def lijstvraag(filterset_class, params, voorbereid: dict, paginator) -> Lijstvraag | None:
    """The prepared list request of ``params``, or None (the ORM path, its answers and 400s):
    every parameter one of ``voorbereid`` (filter name → None, or for a URL the uuid it
    names: ``query.verwezen_uuid``), ``expand`` or a ``pageSize`` of the default or the largest
    page; each value one its filter takes (``field.clean``) and not empty; no ``page``; at
    most one uuid."""
    from django.core.exceptions import ValidationError

    from .pagination import _positief

    gegeven: dict[str, object] = {}
    grootte = type(paginator).page_size
    for naam, waarde in params.items():  # the last of a repeated one, as the filters take
        if naam == paginator.page_size_query_param:
            grootte = _positief(waarde)
            if grootte not in (type(paginator).page_size, paginator.max_page_size):
                return None
        elif naam in voorbereid:
            try:
                schoon = filterset_class.base_filters[naam].field.clean(waarde)
            except ValidationError:
                return None
            if schoon in (None, ""):
                return None
            uit_url = voorbereid[naam]
            gegeven[naam] = schoon if uit_url is None else uit_url(schoon)
        elif naam != "expand":
            return None
    uuids = [naam for naam, waarde in gegeven.items() if isinstance(waarde, _uuid.UUID)]
    if not gegeven or len(uuids) > 1:
        return None
    # in the filterset's order, as django-filter applies them
    namen = [naam for naam in filterset_class.base_filters if naam in gegeven]
    filters = tuple(
        (naam.removesuffix("__url").removesuffix("__uuid") + "__uuid", "__uuid")
        if naam in uuids
        else (naam, f"__{naam}")
        for naam in namen
    )
    return Lijstvraag(filters, tuple(gegeven[naam] for naam in namen), grootte)


def _lijst_query(viewset, vraag: Lijstvraag, values: dict, modus: str):
    """The list's ORM query as ``lijst`` builds it (``basis_voor``, each filter as its
    filterset applies it, by id), with ``values`` (marks or the request's) in the place of
    the filters' and the client's."""
    wie = vragende(values, modus)
    queryset = viewset.basis_voor(wie)
    for naam, mark in vraag.filters:
        queryset = viewset.filter_voor(queryset, {naam: values[mark]}, wie).order_by()
    return queryset.order_by("pk")


def lijst_rijen(viewset, vraag: Lijstvraag, limit: int) -> list:
    """The first ``limit`` objects of a prepared list request (by id), in one prepared
    statement: their representation rows (``viewset.lijst_rijen``), or for a viewset
    without, the model instances."""
    modus = vraagmodus(viewset.ctx())
    names = (*(mark for _naam, mark in vraag.filters), marknamen(modus)[1])
    shape = (
        "ki-lijst",
        names,
        viewset.resource,
        tuple(naam for naam, _mark in vraag.filters),
        modus,
        int(limit),
    )
    values = {**vraag.values(), "__applicatie": viewset.ctx().applicatie_uuid}
    if viewset.lijst_rijen is None:  # model instances, their ``select_related`` rows cached
        return readsql.orm_instances(
            shape, lambda marks: _lijst_query(viewset, vraag, marks, modus)[: int(limit)], values
        )
    rijen, _id_index = viewset.lijst_rijen
    return readsql.orm_rows(
        shape,
        lambda marks: rijen(_lijst_query(viewset, vraag, marks, modus))[: int(limit)],
        values,
    )


def lijst_aantal(viewset, vraag: Lijstvraag) -> int:
    """The number of objects a prepared list request finds (only asked for a full page)."""
    ctx = viewset.ctx()
    values = {**vraag.values(), "__applicatie": ctx.applicatie_uuid}
    return _lijst_query(viewset, vraag, values, vraagmodus(ctx)).order_by().count()
