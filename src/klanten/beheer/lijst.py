"""The klanten list: a capped count, cached filter choices (bronorganisaties by name), and a
search that cannot mislead: digits match identifiers exactly, through their indexes; names,
phone numbers and e-mail addresses in part only where the data manager chose to search."""

import json
import re

from django.contrib import admin
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q
from django.utils.functional import cached_property

from klanten import huisstijl
from klanten.datamodel.constants import SleutelType
from klanten.datamodel.models import Klant, NatuurlijkPersoon, NietNatuurlijkPersoon, Vestiging


class BegrensdeTellingPaginator(Paginator):
    """Counts at most ``limiet`` + 1 rows (``SELECT count(*) FROM (... LIMIT n)``): exact up
    to ``limiet``, beyond that PostgreSQL's estimate of the plan (``geschat`` is then True)
    instead of a count of the whole (filtered) table."""

    limiet = 10_000

    @cached_property
    def count(self):
        queryset = self.object_list.order_by()
        aantal = queryset[: self.limiet + 1].count()
        self.geschat = aantal > self.limiet
        if not self.geschat:
            return aantal
        return max(self.limiet + 1, _schatting(queryset))


def _schatting(queryset) -> int:
    """The planner's estimate of the number of rows of a query (no rows are read)."""
    sql, params = queryset.values("pk").query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class GecachteWaardenFilter(admin.AllValuesFieldListFilter):
    """The distinct values of a column as filter choices, remembered for a minute: no scan of
    the klanten table on every page view."""

    cache_seconden = 60

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        key = f"klanten.beheer.filter.{model._meta.label_lower}.{field_path}"
        keuzes = cache.get(key)
        if keuzes is None:
            keuzes = [value for value in self.lookup_choices if value not in (None, "")]
            cache.set(key, keuzes, self.cache_seconden)
        self.lookup_choices = keuzes


class BronorganisatieFilter(GecachteWaardenFilter):
    """The bronorganisaties by name where it is known (``BRONORGANISATIE_NAMES``,
    ``ORGANIZATION_NAME``), else by RSIN."""

    def choices(self, changelist):
        for choice in super().choices(changelist):
            waarde = choice["display"]
            if waarde in self.lookup_choices:
                choice = {**choice, "display": huisstijl.bronorganisatie_weergave(waarde)}
            yield choice


_SCHEIDING = re.compile(r"[\s.\-]")

# where the data manager chose to search ("Zoeken in"); the default cannot mislead: digits
# only match identifiers exactly, words match names and e-mail addresses
ZOEK_IN_PARAM = "zoek_in"
ZOEK_IN = {
    "": "Identificatie, klantnummer, naam of e-mailadres",
    "naam": "Naam",
    "telefoonnummer": "Telefoonnummer",
    "emailadres": "E-mailadres",
}
_NAAM_VELDEN = ("voornaam", "achternaam", "bedrijfsnaam")


def identificatie_zoekterm(term: str) -> str | None:
    """The digits of a term of digits only, typed with or without spaces, dots or dashes
    (a BSN, RSIN, KvK-, A- or vestigingsnummer, or a klantnummer); None for anything else."""
    compact = _SCHEIDING.sub("", term)
    if compact.isascii() and compact.isdigit():
        return compact
    return None


def zoek(queryset, term: str, zoek_in: str = ""):
    """The klanten a search term finds: ``zoek_in`` is where the data manager chose to search.

    By default a term of digits only matches identifiers and the klantnummer exactly (part of
    a BSN finds nothing, and never someone whose phone number happens to contain it); other
    terms match the klantnummer exactly, or names and e-mail addresses (every word). Names,
    phone numbers and e-mail addresses are searched in part only where chosen."""
    term = term.strip()
    if not term:
        return queryset
    if zoek_in == "telefoonnummer":
        return queryset.filter(telefoonnummer__icontains=term)
    if zoek_in in ("naam", "emailadres"):
        velden = _NAAM_VELDEN if zoek_in == "naam" else ("emailadres",)
        return queryset.filter(_elk_woord(term, velden))
    nummer = identificatie_zoekterm(term)
    if nummer is not None:
        return zoek_op_identificatie(queryset, nummer)
    return queryset.filter(Q(klantnummer=term) | _elk_woord(term, (*_NAAM_VELDEN, "emailadres")))


def _elk_woord(term: str, velden: tuple[str, ...]) -> Q:
    """Every word of ``term`` in one of ``velden`` (in part, case-insensitive)."""
    conditie = Q()
    for woord in term.split():
        een_van = Q()
        for veld in velden:
            een_van |= Q(**{f"{veld}__icontains": woord})
        conditie &= een_van
    return conditie


def zoek_op_identificatie(queryset, nummer: str):
    """Exact match on the klantnummer and on the identifiers a number of this length can be,
    each through its own index: the klant ids of every kind are united first, then looked up
    by primary key."""
    ids = Klant.objects.filter(klantnummer=nummer).values("pk")
    if len(nummer) == 9:
        ids = ids.union(
            NatuurlijkPersoon.objects.filter(inp_bsn=nummer).values("klant_id"),
            NietNatuurlijkPersoon.objects.filter(inn_nnp_id=nummer).values("klant_id"),
            _gevalideerd(nummer, SleutelType.bsn, SleutelType.rsin),
        )
    elif len(nummer) == 8:
        ids = ids.union(_gevalideerd(nummer, SleutelType.kvk))
    elif len(nummer) == 10:
        ids = ids.union(NatuurlijkPersoon.objects.filter(inp_a_nummer=nummer).values("klant_id"))
    elif len(nummer) == 12:
        ids = ids.union(
            Vestiging.objects.filter(vestigings_nummer=nummer).values("klant_id"),
            _gevalideerd(nummer, SleutelType.vestigingsnummer),
        )
    return queryset.filter(pk__in=ids)


def _gevalideerd(nummer: str, *types: str):
    return Klant.objects.filter(
        gevalideerd=True, gevalideerde_sleutel_type__in=types, gevalideerde_sleutel=nummer
    ).values("pk")
