"""The klanten list and its search.

The list fits 1280 px; identifiers are masked; bronorganisaties are named where known. The
search cannot mislead: by default a term of digits matches the klantnummer and the identifier
of its length exactly (part of a BSN finds nothing, and never someone whose phone number
happens to contain it); words match names and e-mail addresses. Names, phone numbers and
e-mail addresses are searched in part only where the data manager chose to ("Zoeken in").
Each identifier lookup uses its own index.
"""

import re

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

from klanten import huisstijl
from klanten.beheer.lijst import (
    BegrensdeTellingPaginator,
    BronorganisatieFilter,
    GecachteWaardenFilter,
)
from klanten.beheer.maskering import maskeer
from klanten.datamodel.constants import SleutelType
from klanten.datamodel.labels import label
from klanten.datamodel.models import Klant, NatuurlijkPersoon, NietNatuurlijkPersoon, Vestiging

from . import weergave

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


class KlantenLijst(ChangeList):
    """The klanten list; ``zoek_in`` (where to search) is the search's, not a filter."""

    zoek_in_param = ZOEK_IN_PARAM
    zoek_in_keuzes = tuple(ZOEK_IN.items())

    def __init__(self, request, *args, **kwargs):
        self.zoek_in = request.GET.get(ZOEK_IN_PARAM, "")
        super().__init__(request, *args, **kwargs)

    def get_filters_params(self, params=None):
        lookup_params = super().get_filters_params(params)
        lookup_params.pop(ZOEK_IN_PARAM, None)
        return lookup_params


class KlantLijst:
    """The list and search part of the klant admin."""

    list_display = (
        "klantnummer",
        "naam",
        "identificatie",
        "subject_type",
        "bronorganisatie_weergave",
        "gevalideerd",
        "aanmaakkanaal",
        "aangemaakt",
    )
    list_display_links = ("klantnummer", "naam")
    list_filter = (
        "gevalideerd",
        "subject_type",
        ("bronorganisatie", BronorganisatieFilter),
        ("aanmaakkanaal", GecachteWaardenFilter),
        ("aangemaakt_op", admin.DateFieldListFilter),
    )
    list_select_related = ("natuurlijk_persoon", "niet_natuurlijk_persoon", "vestiging")
    # the search itself is ``zoek``; these only switch the search box on
    search_fields = ("=klantnummer", "voornaam", "achternaam", "bedrijfsnaam", "emailadres")
    search_help_text = (
        "Cijfers zoeken exact op BSN, RSIN, KvK-, A- of vestigingsnummer of klantnummer. "
        "Woorden zoeken in naam en e-mailadres. Kies 'Zoeken in' voor telefoonnummer."
    )
    ordering = ("-id",)
    list_per_page = 50
    paginator = BegrensdeTellingPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER  # a count per filter choice would read every row

    @admin.display(description="Naam")
    def naam(self, obj):
        return weergave.naam(obj) or "-"

    @admin.display(description="Identificatie")
    def identificatie(self, obj):
        return maskeer(weergave.identificatie(obj)) or "-"

    @admin.display(description=label("bronorganisatie"), ordering="bronorganisatie")
    def bronorganisatie_weergave(self, obj):
        return huisstijl.bronorganisatie_naam(obj.bronorganisatie) or obj.bronorganisatie

    @admin.display(description=label("aangemaakt_op"), ordering="aangemaakt_op")
    def aangemaakt(self, obj):
        return date_format(timezone.localtime(obj.aangemaakt_op), "SHORT_DATE_FORMAT")

    def get_search_results(self, request, queryset, search_term):
        """Digits match identifiers exactly; names, phone numbers and e-mail addresses in
        part only where the data manager chose to search (``zoek``)."""
        zoek_in = request.GET.get(ZOEK_IN_PARAM, "")
        return zoek(queryset, search_term, zoek_in if zoek_in in ZOEK_IN else ""), False

    def get_changelist(self, request, **kwargs):
        return KlantenLijst

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Klanten", **(extra_context or {})})
