"""The hottest Klantinteracties reads by uuid as prepared statements (``klanten.api.readsql``).

A ``GET /partijen/{uuid}`` read the partij with its one-to-one rows and then its identifiers,
digital addresses and betrokkenen: four ORM queries, built in Python and planned by PostgreSQL
on every request. Here each is the same ORM query, compiled once per shape (which visibility
condition: ``partijen.partij_per_uuid`` and ``partijen.adres_per_uuid`` themselves, built
over marks) and run as a prepared statement (``readsql.orm_instances``): the same rows, the
same instances, the same representation, planned once per connection (a generic plan).

The instances are left as ``object_of_404`` and ``laad_partijen`` leave them: the
``select_related`` rows cached, the partij's rows in its prefetch cache (as Django's prefetch
keeps them), so that the representation and ``expand`` read no more.
"""

from __future__ import annotations

import uuid as _uuid

from klanten.api import readsql
from klanten.datamodel.models import Klant
from klanten.datamodel.partijen import DigitaalAdres
from klanten.datamodel.partijrepresentatie import KIContext, partij_queryset, partij_rijen


def _modus(ctx) -> str:
    """The shape of a request's visibility by uuid (``partij_per_uuid``)."""
    if ctx.ziet_alles:
        return "alle"
    return "applicatie" if ctx.applicatie_uuid is not None else "anoniem"


def _namen(modus: str) -> tuple:
    return ("__uuid", "__applicatie" if modus == "applicatie" else None)


def _wie(marks, modus: str) -> KIContext:
    """A context that asks as the request does, with the marks in the place of its values."""
    return KIContext("", applicatie_uuid=marks.get("__applicatie"), ziet_alles=modus == "alle")


def partij(ctx, key: _uuid.UUID) -> Klant | None:
    """The partij ``key`` this request may read by uuid (V7/K6), loaded for ``partij_data``
    (its one-to-one rows, identifiers, digital addresses, betrokkenen), or None."""
    from .partijen import partij_per_uuid

    modus = _modus(ctx)

    def build(marks):
        return (
            partij_queryset()
            .filter(partij_per_uuid(_wie(marks, modus)))
            .filter(uuid=marks["__uuid"])
            .order_by("pk")[:1]
        )

    found = readsql.orm_instances(
        ("ki-partij", _namen(modus), modus),
        build,
        {"__uuid": key, "__applicatie": ctx.applicatie_uuid},
    )
    if not found:
        return None
    klant = found[0]
    laad_partij(klant)
    return klant


def laad_partij(klant: Klant) -> None:
    """``laad_partijen([klant])`` in prepared statements: each of ``partij_rijen`` by the
    partij's id (``klant_id = $1``), kept in its prefetch cache with the partij set on each
    row, as Django's prefetch leaves them."""
    cache = getattr(klant, "_prefetched_objects_cache", None)
    if cache is None:
        cache = klant._prefetched_objects_cache = {}
    for naam, queryset in partij_rijen():
        manager = getattr(klant, naam)
        cache_name = manager.field.remote_field.cache_name
        if cache_name in cache:
            continue
        rijen = readsql.orm_instances(
            ("ki-partij-rijen", ("__pk",), naam),
            lambda marks, queryset=queryset, veld=manager.field.attname: queryset.filter(
                **{veld: marks["__pk"]}
            ),
            {"__pk": klant.pk},
        )
        for rij in rijen:
            manager.field.set_cached_value(rij, klant)
        # as ``prefetch_one_level`` keeps them: the manager's queryset with its result
        bewaard = manager._apply_rel_filters(queryset)
        bewaard._result_cache = rijen
        bewaard._prefetch_done = True
        cache[cache_name] = bewaard


def digitaal_adres(ctx, key: _uuid.UUID) -> DigitaalAdres | None:
    """The digitaal adres ``key`` this request may read by uuid, with its partij and
    betrokkene, or None."""
    from .partijen import adres_per_uuid

    modus = _modus(ctx)

    def build(marks):
        return (
            DigitaalAdres.objects.select_related("klant", "betrokkene")
            .filter(adres_per_uuid(_wie(marks, modus)))
            .filter(uuid=marks["__uuid"])
            .order_by("pk")[:1]
        )

    found = readsql.orm_instances(
        ("ki-digitaal-adres", _namen(modus), modus),
        build,
        {"__uuid": key, "__applicatie": ctx.applicatie_uuid},
    )
    return found[0] if found else None
